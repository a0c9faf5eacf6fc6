"""Procountor ``Invoice`` bodies for Odoo sales invoices and credit notes, and their
totals.

Plain Python, no Odoo: the addon extracts a :class:`SalesInvoiceData` from a posted
``account.move`` and hands it to :func:`build_sales_invoice`; the pure-Python suite
feeds the same builder from JSON fixtures (``SalesInvoiceData.from_dict``). Every
mapping decision (country enum, language, business ID, reference number, net unit
prices, credit-note signs) lives here so that it is tested without a database.

:func:`invoice_totals` predicts the sums Procountor computes from a body, with Odoo's
two VAT rounding methods, so the addon can compare them with
``amount_untaxed``/``amount_tax``/``amount_total`` to the cent.
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass, field
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


# --- neutral input --------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """A postal address with an ISO 3166-1 alpha-2 ``country_code`` (Odoo's
    ``country_id.code``)."""

    name: str = ""
    specifier: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    country_code: str = ""
    subdivision: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    """One product line of the Odoo invoice, amounts in the invoice currency and always
    positive-signed the way Odoo shows them (a credit note's lines are positive too; the
    builder turns them negative).

    ``price_unit`` is as entered in Odoo: gross when ``price_include`` (the line's VAT
    tax is price included), then ``price_subtotal`` (Odoo's net amount of the line) is
    required to derive the net unit price Procountor gets."""

    name: str
    quantity: Decimal
    price_unit: Decimal
    vat_percent: Decimal
    vat_status: int | None = None
    discount: Decimal = Decimal(0)
    price_include: bool = False
    price_subtotal: Decimal | None = None
    product_code: str = ""
    unit: str = DEFAULT_UNIT
    product_id: int | None = None


@dataclass(frozen=True)
class SalesInvoiceData:
    """What the builder needs from a posted customer invoice or credit note, in Odoo's
    terms.

    ``currency_rate`` is Odoo's rate of the invoice: units of the invoice currency per
    one unit of the company currency, which is exactly Procountor's ``currencyRate``.
    ``lang`` is Odoo's language code (``fi_FI``); ``business_id`` and ``vat`` are taken
    as typed in Odoo and normalised here."""

    number: str
    invoice_date: datetime.date
    due_date: datetime.date
    currency: str
    customer: Address
    lines: tuple = ()
    currency_rate: Decimal = Decimal(1)
    is_credit_note: bool = False
    credited_invoice_number: str = ""
    billing_address: Address | None = None
    delivery_address: Address | None = None
    business_id: str = ""
    vat: str = ""
    email: str = ""
    contact_person: str = ""
    customer_number: str = ""
    einvoice_address: str = ""
    einvoice_operator: str = ""
    invoice_channel: str = DEFAULT_INVOICE_CHANNEL
    lang: str = ""
    vat_status: int | None = None
    bank_account_iban: str = ""
    payment_reference: str = ""
    order_reference: str = ""
    additional_information: str = ""
    delivery_date: datetime.date | None = None
    accounting_by_row: bool = False
    partner_id: int | None = None

    def to_dict(self):
        """A JSON-serialisable dict (dates as ISO strings, decimals as strings) for
        fixtures."""
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`to_dict`."""
        values = dict(values)
        for key in ("invoice_date", "due_date", "delivery_date"):
            if values.get(key):
                values[key] = datetime.date.fromisoformat(values[key])
        for key in ("customer", "billing_address", "delivery_address"):
            if values.get(key) is not None:
                values[key] = Address(**values[key])
        values["currency_rate"] = to_decimal(values.get("currency_rate", 1))
        values["lines"] = tuple(_line_from_dict(line) for line in values.get("lines", ()))
        return cls(**values)


def _line_from_dict(values):
    values = dict(values)
    for key in ("quantity", "price_unit", "vat_percent", "discount", "price_subtotal"):
        if values.get(key) is not None:
            values[key] = to_decimal(values[key])
    return InvoiceLine(**values)


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


def windows_1252(text):
    """Procountor accepts only Windows-1252 characters; others become ``?`` instead of a
    400."""
    return (text or "").encode("cp1252", errors="replace").decode("cp1252")


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


def net_unit_price(line):
    """The VAT-exclusive unit price Procountor gets for a line.

    Price-excluded lines keep Odoo's unit price, so Procountor's row sum is Odoo's own
    computation. For a price-included line Odoo's net amount (``price_subtotal``) is the
    truth: the shortest unit price (2 to 10 decimals) whose row sum ``quantity × price ×
    (1 − discount)`` rounds back to that amount to the cent is used, so the net totals
    agree exactly. Used only on invoices that mix price-included and price-excluded
    lines: there the VAT Procountor adds to such a net may still differ from Odoo's by a
    cent (Odoo takes it out of the gross); invoices with only price-included lines are
    sent gross (``prices_include_vat``) and agree exactly."""
    if not line.price_include:
        return to_decimal(line.price_unit)
    factor = to_decimal(line.quantity) * (1 - to_decimal(line.discount) / 100)
    if line.price_subtotal is None:
        raise PayloadError([f"line {line.name!r}: price-included tax without the net amount"])
    target = round_cents(line.price_subtotal)
    if factor == 0:
        # A zero-quantity or fully discounted line sums to 0 whatever the price: strip
        # the VAT.
        vat_factor = 1 + to_decimal(line.vat_percent) / 100
        return (to_decimal(line.price_unit) / vat_factor).quantize(Decimal("0.000001"))
    exact = target / factor
    for places in range(2, 11):
        candidate = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if round_cents(candidate * factor) == target:
            return candidate
    return exact.quantize(Decimal(1).scaleb(-10), rounding=ROUND_HALF_UP)


# --- the body -------------------------------------------------------------------------


def build_sales_invoice(data):
    """The ``POST /invoices`` body (type SALES_INVOICE) for an Odoo customer invoice or
    credit note.

    A credit note becomes a sales invoice with negative quantities (Procountor has no
    credit-note type); the credited invoice's number is in ``notes`` and in the printed
    ``additionalInformation``. ``originalInvoiceNumber`` is the Odoo number: the key
    that finds the invoice again after a timeout. Raises :class:`PayloadError` listing
    every problem when the data cannot make a valid body."""
    _raise_problems(data)
    language = procountor_language(data.lang)
    # Only gross prices make Procountor take the VAT out of the gross sum the way Odoo
    # does for price-included taxes; a net price would have it add VAT to the net,
    # which differs by a cent on about one line in seven. One flag covers the whole
    # invoice, so an invoice mixing both kinds keeps net prices (see net_unit_price).
    gross = prices_include_vat(data.lines)
    rows = [_row(line, data.is_credit_note, gross) for line in data.lines]
    body = {
        "type": INVOICE_TYPE_SALES,
        "date": data.invoice_date.isoformat(),
        "counterParty": _counterparty(data),
        "billingAddress": _address(data.billing_address or data.customer),
        "deliveryAddress": _address(data.delivery_address or data.customer),
        "paymentInfo": _payment_info(data),
        "extraInfo": {
            "accountingByRow": bool(data.accounting_by_row),
            "unitPricesIncludeVat": gross,
        },
        "discountPercent": 0,
        "invoiceRows": rows,
        "vatStatus": data.vat_status if data.vat_status is not None else rows[0].get("vatStatus"),
        "invoiceChannel": data.invoice_channel,
        "language": language,
        "originalInvoiceNumber": data.number,
    }
    if body["vatStatus"] is None:
        del body["vatStatus"]
    if data.partner_id:
        body["partnerId"] = data.partner_id
    if data.order_reference:
        body["orderReference"] = _text(data.order_reference, "orderReference")
    if data.delivery_date:
        body["deliveryStartDate"] = body["deliveryEndDate"] = data.delivery_date.isoformat()
    information, notes = _texts(data, language)
    if information:
        body["additionalInformation"] = information
    if notes:
        body["notes"] = notes
    return body


def build_sales_invoice_update(data, version):
    """The ``PUT /invoices/{id}`` body: the same content with the current ``version``
    (required since 24.02), without ``partnerId`` (not editable by PUT)."""
    body = build_sales_invoice(data)
    body.pop("partnerId", None)
    body["version"] = version
    return body


def _raise_problems(data):
    problems = []
    if not data.number:
        problems.append("the invoice has no number")
    elif len(data.number) > MAX_LENGTHS["originalInvoiceNumber"]:
        problems.append(f"invoice number {data.number!r} is longer than 40 characters")
    if not data.lines:
        problems.append("no invoice lines")
    if data.currency not in CURRENCIES:
        problems.append(f"currency {data.currency!r} is not known to Procountor")
    if data.invoice_channel not in INVOICE_CHANNELS:
        problems.append(f"invoice channel {data.invoice_channel!r} cannot be set through the API")
    if not (data.customer.name or "").strip():
        problems.append("the customer has no name")
    for address in (data.customer, data.billing_address, data.delivery_address):
        if address and address.country_code and not procountor_country(address.country_code):
            problems.append(f"country {address.country_code!r} is not known to Procountor")
    for line in data.lines:
        if line.unit not in UNITS:
            problems.append(f"line {line.name!r}: unit {line.unit!r} is not a Procountor unit")
    if to_decimal(data.currency_rate) <= 0:
        problems.append("the currency rate must be positive")
    if problems:
        raise PayloadError(problems)


def _address(address):
    values = {
        "name": _text(address.name, "address.name"),
        "specifier": _text(address.specifier, "address.specifier"),
        "street": _text(address.street, "address.street"),
        "zip": _text(address.zip, "address.zip"),
        "city": _text(address.city, "address.city"),
        "country": procountor_country(address.country_code),
        "subdivision": _text(address.subdivision, "address.subdivision"),
    }
    # Empty optional fields are left out rather than sent as "" (Procountor validates
    # set values).
    return {key: value for key, value in values.items() if value}


def _counterparty(data):
    counterparty = {
        "contactPersonName": _text(data.contact_person, "contactPersonName"),
        "identifier": counterparty_identifier(
            data.business_id, data.vat, data.customer.country_code
        ),
        "taxCode": compact_vat(data.vat),
        "customerNumber": _text(data.customer_number),
        "email": (data.email or "").strip(),
        "counterPartyAddress": _address(data.customer),
    }
    counterparty = {key: value for key, value in counterparty.items() if value}
    if data.einvoice_address:
        einvoice = {"address": data.einvoice_address.strip()}
        if data.einvoice_operator:
            einvoice["operator"] = data.einvoice_operator.strip()
        counterparty["einvoiceAddress"] = einvoice
    return counterparty


def _payment_info(data):
    info = {
        "paymentMethod": PAYMENT_METHOD,
        "currency": data.currency,
        "dueDate": data.due_date.isoformat(),
        "currencyRate": json_number(data.currency_rate),
        "bankReferenceCode": bank_reference_code(data.payment_reference),
    }
    if data.bank_account_iban:
        info["bankAccount"] = {"accountNumber": re.sub(r"\s", "", data.bank_account_iban).upper()}
    return info


def prices_include_vat(lines):
    """True when every line's VAT tax is price included: the body then carries Odoo's
    gross unit prices with ``extraInfo.unitPricesIncludeVat``."""
    return bool(lines) and all(line.price_include for line in lines)


def _row(line, is_credit_note, gross=False):
    name, _sep, comment = (line.name or "").strip().partition("\n")
    name = _text(_strip_code(name, line.product_code)) or _text(line.product_code) or "-"
    quantity = to_decimal(line.quantity)
    row = {
        "product": name,
        "productCode": _text(line.product_code),
        "quantity": json_number(-quantity if is_credit_note else quantity),
        "unit": line.unit,
        "unitPrice": json_number(line.price_unit if gross else net_unit_price(line)),
        "discountPercent": json_number(line.discount),
        "vatPercent": json_number(line.vat_percent),
        "vatStatus": line.vat_status,
        # Procountor prints "\" as a line break in row comments (schema text of
        # InvoiceRow.comment).
        "comment": _text("\\".join(part.strip() for part in comment.splitlines()), "comment"),
        "productId": line.product_id,
    }
    return {key: value for key, value in row.items() if value not in (None, "")}


def _strip_code(name, code):
    """Odoo names product lines "[CODE] Name"; Procountor has a field for the code."""
    prefix = f"[{code}] " if code else ""
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def _texts(data, language):
    information = _text(data.additional_information)
    notes = ""
    if data.is_credit_note and data.credited_invoice_number:
        printed = CREDIT_NOTE_TEXT[language].format(number=data.credited_invoice_number)
        information = f"{printed}\n{information}" if information else printed
        notes = CREDIT_NOTE_TEXT[DEFAULT_LANGUAGE].format(number=data.credited_invoice_number)
    return (
        information[: MAX_LENGTHS["additionalInformation"]],
        notes[: MAX_LENGTHS["notes"]],
    )


# --- totals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Invoice sums in the invoice currency (negative for a credit note body)."""

    excluding_vat: Decimal
    vat: Decimal
    total: Decimal
    vat_by_percent: dict = field(default_factory=dict, compare=False)

    def as_tuple(self):
        return (self.excluding_vat, self.vat, self.total)


def invoice_totals(body, rounding_method="round_per_line"):
    """The sums of an invoice body: ``excludingVatTotal``, ``vatSumTotal``,
    ``invoiceSumTotal``.

    Rounding follows Odoo's company setting, so the result can be compared with Odoo's
    totals:
    - ``round_per_line``: each row's net is rounded to the cent, its VAT computed from
      that rounded net and rounded; the invoice sums add the rounded rows;
    - ``round_globally``: rows are added unrounded per VAT percent and status, and each
      group's net and VAT are rounded once. Row net = quantity × unitPrice × (1 − row
      discount) × (1 − invoice discount); prices are net (``unitPricesIncludeVat``
      false) unless the body says otherwise, then VAT is taken out of them."""
    if rounding_method not in ("round_per_line", "round_globally"):
        raise ValueError(f"unknown rounding method {rounding_method!r}")
    includes_vat = bool(body.get("extraInfo", {}).get("unitPricesIncludeVat"))
    invoice_factor = 1 - to_decimal(body.get("discountPercent", 0)) / 100
    groups = {}
    per_line = rounding_method == "round_per_line"
    for row in body.get("invoiceRows", ()):
        percent = to_decimal(row.get("vatPercent", 0))
        amount = (
            to_decimal(row["quantity"])
            * to_decimal(row["unitPrice"])
            * (1 - to_decimal(row.get("discountPercent", 0)) / 100)
            * invoice_factor
        )
        net, vat = _row_net_and_vat(amount, percent, includes_vat, per_line)
        key = (percent, row.get("vatStatus", body.get("vatStatus")))
        group_net, group_vat = groups.get(key, (Decimal(0), Decimal(0)))
        groups[key] = (group_net + net, group_vat + vat)
    excluding_vat = vat_total = Decimal(0)
    vat_by_percent = {}
    for (percent, _status), (net, vat) in groups.items():
        net, vat = round_cents(net), round_cents(vat)
        excluding_vat += net
        vat_total += vat
        vat_by_percent[percent] = vat_by_percent.get(percent, Decimal(0)) + vat
    return Totals(excluding_vat, vat_total, excluding_vat + vat_total, vat_by_percent)


def _row_net_and_vat(amount, percent, includes_vat, per_line):
    if includes_vat:
        gross = round_cents(amount) if per_line else amount
        vat = gross * percent / (100 + percent)
        vat = round_cents(vat) if per_line else vat
        return gross - vat, vat
    net = round_cents(amount) if per_line else amount
    vat = net * percent / 100
    return net, (round_cents(vat) if per_line else vat)


def remote_totals(invoice, currency=None):
    """Totals from a Procountor invoice's ``invoiceSumInfo`` in the invoice currency
    (the entry that is not ``inAccountingCurrency`` when there are two), or None when
    Procountor gave no sums."""
    entries = invoice.get("invoiceSumInfo") or []
    if currency:
        matching = [entry for entry in entries if entry.get("currency") == currency]
        entries = matching or entries
    if len(entries) > 1:
        entries = [entry for entry in entries if not entry.get("inAccountingCurrency")] or entries
    if not entries:
        return None
    entry = entries[0]
    return Totals(
        round_cents(entry.get("excludingVatTotal", 0)),
        round_cents(entry.get("vatSumTotal", 0)),
        round_cents(entry.get("invoiceSumTotal", 0)),
    )


# --- exactly-once creation ---------------------------------------------------------------

#: Procountor status of an invoice that no longer counts (invalidated by a user).
INVALIDATED = "INVALIDATED"


def live_invoice(rows):
    """The invoice to adopt among search rows for one number: the oldest that is not
    invalidated, or None. (Several live ones mean an earlier duplicate; the oldest wins.)"""
    live = [row for row in rows if row.get("status") != INVALIDATED]
    return min(live, key=lambda row: int(row["id"])) if live else None


def create_once(client, body, *, create_unknown, claim):
    """Create a sales invoice in Procountor at most once; returns ``(invoice, adopted)``.

    The protocol, whatever stores the state (Odoo's ``account.move`` or a test's table):

    - ``create_unknown`` is true when an earlier POST of this invoice got no confirmed
      answer (timeout, 5xx, lost connection, crash after the claim). Then Procountor is
      first searched by ``originalInvoiceNumber`` and a live invoice found is adopted;
    - otherwise, or when nothing is found, ``claim()`` must durably record "a POST may be
      on its way" (and set ``create_unknown`` for the next attempt) before the POST;
    - a ``ProcountorError`` propagates; only when it is not ``ambiguous`` did Procountor
      create nothing, and only then may the caller clear ``create_unknown``.
    """
    number = body["originalInvoiceNumber"]
    if create_unknown:
        found = live_invoice(client.find_invoices_by_original_number(number))
        if found:
            return client.get_invoice(found["id"]), True
    claim()
    return client.create_invoice(body), False
