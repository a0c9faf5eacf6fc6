# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Constants and small conversions shared by every Procountor payload builder.

Plain Python, no Odoo."""

import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from stdnum import iso11649
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fi import alv, ytunnus

INVOICE_TYPE_SALES = "SALES_INVOICE"

#: Invoice channels an API client may set (EDIFACT and PAPER_INVOICE are refused on
#: POST/PUT).
INVOICE_CHANNELS = ("EMAIL", "MAIL", "ELECTRONIC_INVOICE", "NO_SENDING")
DEFAULT_INVOICE_CHANNEL = "NO_SENDING"
DEFAULT_UNIT = "PIECE"
PAYMENT_METHOD = "BANK_TRANSFER"

#: Odoo language code prefix -> Procountor ``language``; anything else is invoiced in
#: English.
LANGUAGE_BY_PREFIX = {"fi": "FINNISH", "sv": "SWEDISH"}
DEFAULT_LANGUAGE = "ENGLISH"

#: Printed text (``additionalInformation``) and internal note (``notes``) of a credit
#: note, per language.
CREDIT_NOTE_TEXT = {
    "FINNISH": "Hyvityslasku laskulle {number}",
    "SWEDISH": "Kreditnota för faktura {number}",
    "ENGLISH": "Credit note for invoice {number}",
}

#: Longest values Procountor accepts (schema ``maxLength``). Names and addresses are cut
#: to fit; the invoice number is the exactly-once lookup key and is never cut (see
#: ``PayloadError``).
MAX_LENGTHS = {
    "address.name": 80,
    "address.specifier": 80,
    "address.street": 80,
    "address.zip": 20,
    "address.city": 40,
    "address.subdivision": 35,
    "contactPersonName": 70,
    "orderReference": 70,
    "originalInvoiceNumber": 40,
    "comment": 512,
    "additionalInformation": 10000,
    "notes": 10000,
}

CENT = Decimal("0.01")

# fmt: off
#: ISO 3166-1 alpha-2 -> Procountor country enum (api-notes §5.2; generated once from
#: the 26.04 schema and Odoo's country names, then checked by hand; XI is the EU VAT
#: code of Northern Ireland).
COUNTRY_BY_ISO = {
    "AD": "ANDORRA",
    "AE": "UNITED_ARAB_EMIRATES",
    "AF": "AFGHANISTAN",
    "AG": "ANTIGUA_AND_BARBUDA",
    "AI": "ANGUILLA",
    "AL": "ALBANIA",
    "AM": "ARMENIA",
    "AO": "ANGOLA",
    "AQ": "ANTARCTICA",
    "AR": "ARGENTINA",
    "AS": "AMERICAN_SAMOA",
    "AT": "AUSTRIA",
    "AU": "AUSTRALIA",
    "AW": "ARUBA",
    "AX": "ALAND_ISLANDS",
    "AZ": "AZERBAIJAN",
    "BA": "BOSNIA_AND_HERZEGOVINA",
    "BB": "BARBADOS",
    "BD": "BANGLADESH",
    "BE": "BELGIUM",
    "BF": "BURKINA_FASO",
    "BG": "BULGARIA",
    "BH": "BAHRAIN",
    "BI": "BURUNDI",
    "BJ": "BENIN",
    "BL": "SAINT_BARTHELEMY",
    "BM": "BERMUDA",
    "BN": "BRUNEI_DARUSSALAM",
    "BO": "PLURINATIONAL_STATE_OF_BOLIVIA",
    "BQ": "SINT_EUSTATIUS_AND_SABA_BONAIRE",
    "BR": "BRAZIL",
    "BS": "BAHAMAS",
    "BT": "BHUTAN",
    "BV": "BOUVET_ISLAND",
    "BW": "BOTSWANA",
    "BY": "BELARUS",
    "BZ": "BELIZE",
    "CA": "CANADA",
    "CC": "COCOS_KEELING_ISLANDS",
    "CD": "THE_DEMOCRATIC_REPUBLIC_OF_THE_CONGO",
    "CF": "CENTRAL_AFRICAN_REPUBLIC",
    "CG": "CONGO",
    "CH": "SWITZERLAND",
    "CI": "COTE_D_IVOIRE",
    "CK": "COOK_ISLANDS",
    "CL": "CHILE",
    "CM": "CAMEROON",
    "CN": "CHINA",
    "CO": "COLOMBIA",
    "CR": "COSTA_RICA",
    "CU": "CUBA",
    "CV": "CABO_VERDE",
    "CW": "CURACAO",
    "CX": "CHRISTMAS_ISLAND",
    "CY": "CYPRUS",
    "CZ": "CZECH_REPUBLIC",
    "DE": "GERMANY",
    "DJ": "DJIBOUTI",
    "DK": "DENMARK",
    "DM": "DOMINICA",
    "DO": "DOMINICAN_REPUBLIC",
    "DZ": "ALGERIA",
    "EC": "ECUADOR",
    "EE": "ESTONIA",
    "EG": "EGYPT",
    "EH": "WESTERN_SAHARA",
    "ER": "ERITREA",
    "ES": "SPAIN",
    "ET": "ETHIOPIA",
    "FI": "FINLAND",
    "FJ": "FIJI",
    "FK": "FALKLAND_ISLANDS_MALVINAS",
    "FM": "FEDERATED_STATES_OF_MICRONESIA",
    "FO": "FAROE_ISLANDS",
    "FR": "FRANCE",
    "GA": "GABON",
    "GB": "UNITED_KINGDOM_OF_GREAT_BRITAIN_AND_NORTHERN_IRELAND",
    "GD": "GRENADA",
    "GE": "GEORGIA",
    "GF": "FRENCH_GUIANA",
    "GG": "GUERNSEY",
    "GH": "GHANA",
    "GI": "GIBRALTAR",
    "GL": "GREENLAND",
    "GM": "GAMBIA",
    "GN": "GUINEA",
    "GP": "GUADELOUPE",
    "GQ": "EQUATORIAL_GUINEA",
    "GR": "GREECE",
    "GS": "SOUTH_GEORGIA_AND_THE_SOUTH_SANDWICH_ISLANDS",
    "GT": "GUATEMALA",
    "GU": "GUAM",
    "GW": "GUINEA_BISSAU",
    "GY": "GUYANA",
    "HK": "HONG_KONG",
    "HM": "HEARD_ISLAND_AND_MCDONALD_ISLANDS",
    "HN": "HONDURAS",
    "HR": "CROATIA",
    "HT": "HAITI",
    "HU": "HUNGARY",
    "ID": "INDONESIA",
    "IE": "IRELAND",
    "IL": "ISRAEL",
    "IM": "ISLE_OF_MAN",
    "IN": "INDIA",
    "IO": "BRITISH_INDIAN_OCEAN_TERRITORY",
    "IQ": "IRAQ",
    "IR": "ISLAMIC_REPUBLIC_OF_IRAN",
    "IS": "ICELAND",
    "IT": "ITALY",
    "JE": "JERSEY",
    "JM": "JAMAICA",
    "JO": "JORDAN",
    "JP": "JAPAN",
    "KE": "KENYA",
    "KG": "KYRGYZSTAN",
    "KH": "CAMBODIA",
    "KI": "KIRIBATI",
    "KM": "COMOROS",
    "KN": "SAINT_KITTS_AND_NEVIS",
    "KP": "DEMOCRATIC_PEOPLE_S_REPUBLIC_OF_KOREA",
    "KR": "REPUBLIC_OF_KOREA",
    "KW": "KUWAIT",
    "KY": "CAYMAN_ISLANDS",
    "KZ": "KAZAKHSTAN",
    "LA": "LAO_PEOPLE_S_DEMOCRATIC_REPUBLIC",
    "LB": "LEBANON",
    "LC": "SAINT_LUCIA",
    "LI": "LIECHTENSTEIN",
    "LK": "SRI_LANKA",
    "LR": "LIBERIA",
    "LS": "LESOTHO",
    "LT": "LITHUANIA",
    "LU": "LUXEMBOURG",
    "LV": "LATVIA",
    "LY": "LIBYA",
    "MA": "MOROCCO",
    "MC": "MONACO",
    "MD": "REPUBLIC_OF_MOLDOVA",
    "ME": "MONTENEGRO",
    "MF": "SAINT_MARTIN_FRENCH_PART",
    "MG": "MADAGASCAR",
    "MH": "MARSHALL_ISLANDS",
    "MK": "THE_FORMER_YUGOSLAV_REPUBLIC_OF_MACEDONIA",
    "ML": "MALI",
    "MM": "MYANMAR",
    "MN": "MONGOLIA",
    "MO": "MACAO",
    "MP": "NORTHERN_MARIANA_ISLANDS",
    "MQ": "MARTINIQUE",
    "MR": "MAURITANIA",
    "MS": "MONTSERRAT",
    "MT": "MALTA",
    "MU": "MAURITIUS",
    "MV": "MALDIVES",
    "MW": "MALAWI",
    "MX": "MEXICO",
    "MY": "MALAYSIA",
    "MZ": "MOZAMBIQUE",
    "NA": "NAMIBIA",
    "NC": "NEW_CALEDONIA",
    "NE": "NIGER",
    "NF": "NORFOLK_ISLAND",
    "NG": "NIGERIA",
    "NI": "NICARAGUA",
    "NL": "NETHERLANDS",
    "NO": "NORWAY",
    "NP": "NEPAL",
    "NR": "NAURU",
    "NU": "NIUE",
    "NZ": "NEW_ZEALAND",
    "OM": "OMAN",
    "PA": "PANAMA",
    "PE": "PERU",
    "PF": "FRENCH_POLYNESIA",
    "PG": "PAPUA_NEW_GUINEA",
    "PH": "PHILIPPINES",
    "PK": "PAKISTAN",
    "PL": "POLAND",
    "PM": "SAINT_PIERRE_AND_MIQUELON",
    "PN": "PITCAIRN",
    "PR": "PUERTO_RICO",
    "PS": "STATE_OF_PALESTINE",
    "PT": "PORTUGAL",
    "PW": "PALAU",
    "PY": "PARAGUAY",
    "QA": "QATAR",
    "RE": "REUNION",
    "RO": "ROMANIA",
    "RS": "SERBIA",
    "RU": "RUSSIAN_FEDERATION",
    "RW": "RWANDA",
    "SA": "SAUDI_ARABIA",
    "SB": "SOLOMON_ISLANDS",
    "SC": "SEYCHELLES",
    "SD": "SUDAN",
    "SE": "SWEDEN",
    "SG": "SINGAPORE",
    "SH": "ASCENSION_AND_TRISTAN_DA_CUNHA_SAINT_HELENA",
    "SI": "SLOVENIA",
    "SJ": "SVALBARD_AND_JAN_MAYEN",
    "SK": "SLOVAKIA",
    "SL": "SIERRA_LEONE",
    "SM": "SAN_MARINO",
    "SN": "SENEGAL",
    "SO": "SOMALIA",
    "SR": "SURINAME",
    "SS": "SOUTH_SUDAN",
    "ST": "SAO_TOME_AND_PRINCIPE",
    "SV": "EL_SALVADOR",
    "SX": "SINT_MAARTEN_DUTCH_PART",
    "SY": "SYRIAN_ARAB_REPUBLIC",
    "SZ": "SWAZILAND",
    "TC": "TURKS_AND_CAICOS_ISLANDS",
    "TD": "CHAD",
    "TF": "FRENCH_SOUTHERN_TERRITORIES",
    "TG": "TOGO",
    "TH": "THAILAND",
    "TJ": "TAJIKISTAN",
    "TK": "TOKELAU",
    "TL": "TIMOR_LESTE",
    "TM": "TURKMENISTAN",
    "TN": "TUNISIA",
    "TO": "TONGA",
    "TR": "TURKEY",
    "TT": "TRINIDAD_AND_TOBAGO",
    "TV": "TUVALU",
    "TW": "PROVINCE_OF_CHINA_TAIWAN",
    "TZ": "UNITED_REPUBLIC_OF_TANZANIA",
    "UA": "UKRAINE",
    "UG": "UGANDA",
    "UM": "UNITED_STATES_MINOR_OUTLYING_ISLANDS",
    "US": "UNITED_STATES_OF_AMERICA",
    "UY": "URUGUAY",
    "UZ": "UZBEKISTAN",
    "VA": "HOLY_SEE_VATICAN_CITY_STATE",
    "VC": "SAINT_VINCENT_AND_THE_GRENADINES",
    "VE": "BOLIVARIAN_REPUBLIC_OF_VENEZUELA",
    "VG": "BRITISH_VIRGIN_ISLANDS",
    "VI": "U_S_VIRGIN_ISLANDS",
    "VN": "VIET_NAM",
    "VU": "VANUATU",
    "WF": "WALLIS_AND_FUTUNA",
    "WS": "SAMOA",
    "XI": "NORTHERN_IRELAND_TEMPORARY",
    "XK": "KOSOVO_TEMPORARY",
    "YE": "YEMEN",
    "YT": "MAYOTTE",
    "ZA": "SOUTH_AFRICA",
    "ZM": "ZAMBIA",
    "ZW": "ZIMBABWE",
}

#: ``PaymentInfo.currency`` enum of the 26.04 schema (ISO 4217, including historic
#: codes).
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS ATS AUD AWG AZN BAM BBD BDT BEF BGN BHD BIF BMD BND
    BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNH CNT CNY COP COU
    CRC CUC CUP CVE CYP CZK DEM DJF DKK DOP DZD EEK EGP ERN ESP ETB EUR FIM FJD FKP
    FRF GBP GEL GGP GHS GIP GMD GNF GRD GTQ GYD HKD HNL HRK HTG HUF IDR IEP ILS IMP
    INR IQD IRR ISK ITL JEP JMD JOD JPY KES KGS KHR KID KMF KPW KRW KWD KYD KZT LAK
    LBP LKR LRD LSL LTL LUF LVL LYD MAD MDL MGA MKD MMK MNT MOP MRO MTL MUR MVR MWK
    MXN MXV MYR MZN NAD NGN NIO NIS NLG NOK NPR NTD NZD OMR PAB PEN PGK PHP PKR PLN
    PRB PTE PYG QAR RMB RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SIT SKK SLL SLS
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TVD TWD TZS UAH UGX USD
    USN UYI UYU UYW UZS VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XDR XOF XPD
    XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWB ZWL
    """.split()
)

#: ``InvoiceRow.unit`` enum of the 26.04 schema.
UNITS = frozenset(
    """
    CM LOT GRAM HOUR PERSON LINEAR_METER KILOGRAM MONTH KILOMETER PIECE KILOWATT_HOUR
    LITER BOX METER SQUARE_METER CUBIC_METER SALE_UNIT MINUTE MILLIMETER PARCEL BOTTLE
    CAN BAG DAY ROLL PAGE SACK SERIES TUBE TON YEAR WEEK FULL_DAY KILOBIT MEGABIT
    GIGABIT TERABIT SQUARE_CENTIMETRE CENTILITRE CUP DECILITRE GALLON_UK GALLON_US
    MILLILITRE PINT_UK PINT_US AMPERE AMPERE_HOUR AMPERE_MINUTE KILOAMPERE_HOUR
    KILOVOLT MILLIVOLT MILLIAMPERE_HOUR FOOT INCH MILE YARD EXAJOULE GIGAJOULE JOULE
    JOULE_PER_SECOND KILOJOULE MILLIJOULE PETAJOULE TERAJOULE GRAM_PER_CUBIC_METRE
    GRAM_PER_SQUARE_METRE KILOGRAM_PER_CUBIC_METRE KILOGRAM_PER_SQUARE_METRE MILLIGRAM
    MILLIGRAM_PER_CUBIC_METRE OUNCE POUND STONE_UK DOZEN DOZEN_PACK EIGHT_PACK
    FIVE_PACK FOUR_PACK HUNDRED JAR NINE_PACK NUMBER_OF_WORDS PAIR PALLET PLATE SET
    SEVEN_PACK SIX_PACK TEN_PACK THREE_PACK TWO_PACK WRAP GIGAWATT GIGAWATT_HOUR
    KILOWATT MEGAWATT_HOUR MILLIWATT TERAWATT TERAWATT_HOUR WATT WATT_HOUR BAR
    KILOPASCAL PASCAL KILOBYTE MEGABYTE GIGABYTE SECOND HECTARE NO_UNIT
    """.split()
)
# fmt: on


class PayloadError(ValueError):
    """The data cannot become a valid Procountor invoice; ``problems`` lists every
    reason found.

    The addon checks the same things earlier, with translated messages; this is the last
    barrier so that nothing malformed reaches the API even when a caller skipped those
    checks."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- small conversions ----------------------------------------------------------------


def to_decimal(value):
    """A Decimal from an int, a string or a float (through its shortest repr, so 0.1
    stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value if value is not None else 0)


def round_cents(value):
    """Round half away from zero to cents, as Odoo's ``float_round`` does."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def json_number(value):
    """An int when the value is whole, else a float with the Decimal's digits (for the
    JSON body)."""
    value = to_decimal(value).normalize()
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def procountor_country(country_code):
    """Procountor's country enum for an ISO 3166-1 alpha-2 code, or None when it has
    none."""
    return COUNTRY_BY_ISO.get((country_code or "").strip().upper())


def procountor_language(lang):
    """``fi_FI`` -> FINNISH, ``sv_SE``/``sv_FI`` -> SWEDISH, others -> ENGLISH."""
    prefix = (lang or "").split("_")[0].lower()
    return LANGUAGE_BY_PREFIX.get(prefix, DEFAULT_LANGUAGE)


#: Characters outside Windows-1252 that have an exact look-alike inside it, replaced before
#: sending (docs/architecture.md, "Crons, batches and bad input"). Letters are never
#: transliterated: a name spelled otherwise than its owner spells it is refused instead,
#: with the field and the characters named (``unsupported_characters``).
CHARACTER_MAP = {
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2212": "-",  # minus sign
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u200a": " ",  # hair space
    "\u202f": " ",  # narrow no-break space (French and Finnish typography)
    "\u200b": "",  # zero-width space
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",  # zero-width joiner
    "\u2060": "",  # word joiner
    "\ufeff": "",  # byte order mark
    "\u2032": "'",  # prime
    "\u2033": '"',  # double prime
}
_CHARACTER_TABLE = str.maketrans(CHARACTER_MAP)


def windows_1252(text):
    """``text`` as Procountor can store it: Unicode NFC (a letter and its combining accent
    become one character) and the look-alikes of ``CHARACTER_MAP`` replaced.

    Characters still outside Windows-1252 are left in place, never replaced by ``?``:
    ``unsupported_characters`` finds them and the invoice is refused with the field named
    (Procountor would answer 400 for them, api-notes section 3)."""
    return unicodedata.normalize("NFC", text or "").translate(_CHARACTER_TABLE)


def unsupported_characters(text):
    """The characters of ``text`` that Procountor cannot store even after
    ``windows_1252``, in order of first appearance, each once."""
    found = []
    for char in windows_1252(text):
        if char not in found:
            try:
                char.encode("cp1252")
            except UnicodeEncodeError:
                found.append(char)
    return found


def _text(text, max_key=None):
    text = windows_1252(text).strip()
    if max_key:
        text = text[: MAX_LENGTHS[max_key]]
    return text


def finnish_business_id(business_id="", vat=""):
    """The Finnish business ID (Y-tunnus, ``1234567-8``) from the registry number or a
    FI VAT number.

    Returns "" when neither is a valid Finnish business ID (a foreign customer, or
    nothing typed)."""
    for candidate, module in ((business_id, ytunnus), (vat, alv)):
        if not candidate:
            continue
        try:
            return ytunnus.format(module.validate(candidate))
        except StdnumValidationError:
            continue
    return ""


def counterparty_identifier(business_id="", vat="", country_code=""):
    """``counterParty.identifier``: the formatted Y-tunnus for Finnish customers;
    otherwise the registry number as typed, or the VAT number (Procountor's EU example
    sends the VAT number in both)."""
    finnish = finnish_business_id(business_id, vat)
    if finnish:
        return finnish
    if (country_code or "").upper() == "FI":
        return (business_id or "").strip()
    return (business_id or "").strip() or compact_vat(vat)


def compact_vat(vat):
    """A VAT number without spaces, dots or dashes, upper case (``fi 2077 4740`` ->
    ``FI20774740``)."""
    return re.sub(r"[\s.\-]", "", vat or "").upper()


def is_finnish_reference(reference):
    """True for a valid Finnish national reference number (4-20 digits, 7-3-1 weighted
    check digit)."""
    digits = re.sub(r"\s", "", reference or "")
    if not digits.isdigit() or not 4 <= len(digits) <= 20:
        return False
    base, check = digits[:-1], int(digits[-1])
    total = sum((7, 3, 1)[index % 3] * int(digit) for index, digit in enumerate(reversed(base)))
    return (10 - total % 10) % 10 == check


def bank_reference_code(payment_reference):
    """``paymentInfo.bankReferenceCode``: the invoice's own Finnish or RF creditor
    reference when it is one (so Odoo's PDF, the bank and Procountor show the same
    number), else "" so that Procountor generates a reference itself (Finvoice needs
    one)."""
    compact = re.sub(r"\s", "", payment_reference or "").upper()
    if is_finnish_reference(compact):
        return compact
    if compact.startswith("RF") and iso11649.is_valid(compact):
        return compact
    return ""
