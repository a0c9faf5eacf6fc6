# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Literals of the Odoo side of the connector: no logic, no Odoo imports.

The REST client keeps its own literals in ``procountor_api/const.py``; this file holds what only the
addon needs: Finnish VAT rate history, Procountor's unit list, and the tables "suggest mappings"
uses.
"""

import datetime

#: Finnish VAT rates and the dates they were valid. Procountor's ``GET /vats/default`` lists the
#: rates "in use" without any dates, so the validity shown on ``procountor.vat.percent`` comes from
#: this table (and stays editable, because Procountor may keep an old rate enabled for corrections).
#: (percent, first day, last day); None means open-ended.
FINNISH_VAT_RATE_HISTORY = (
    (24.0, None, datetime.date(2024, 8, 31)),
    (25.5, datetime.date(2024, 9, 1), None),
    (14.0, None, datetime.date(2025, 12, 31)),
    (13.5, datetime.date(2026, 1, 1), None),
    (10.0, None, None),
    (0.0, None, None),
)

#: Procountor's ``InvoiceRow.unit`` enum (API 26.04, 111 values) with English labels.
PROCOUNTOR_UNITS = [
    ("CM", "Centimetre"),
    ("LOT", "Lot"),
    ("GRAM", "Gram"),
    ("HOUR", "Hour"),
    ("PERSON", "Person"),
    ("LINEAR_METER", "Linear metre"),
    ("KILOGRAM", "Kilogram"),
    ("MONTH", "Month"),
    ("KILOMETER", "Kilometre"),
    ("PIECE", "Piece"),
    ("KILOWATT_HOUR", "Kilowatt hour"),
    ("LITER", "Litre"),
    ("BOX", "Box"),
    ("METER", "Metre"),
    ("SQUARE_METER", "Square metre"),
    ("CUBIC_METER", "Cubic metre"),
    ("SALE_UNIT", "Sale unit"),
    ("MINUTE", "Minute"),
    ("MILLIMETER", "Millimetre"),
    ("PARCEL", "Parcel"),
    ("BOTTLE", "Bottle"),
    ("CAN", "Can"),
    ("BAG", "Bag"),
    ("DAY", "Day"),
    ("ROLL", "Roll"),
    ("PAGE", "Page"),
    ("SACK", "Sack"),
    ("SERIES", "Series"),
    ("TUBE", "Tube"),
    ("TON", "Tonne"),
    ("YEAR", "Year"),
    ("WEEK", "Week"),
    ("FULL_DAY", "Full day"),
    ("KILOBIT", "Kilobit"),
    ("MEGABIT", "Megabit"),
    ("GIGABIT", "Gigabit"),
    ("TERABIT", "Terabit"),
    ("SQUARE_CENTIMETRE", "Square centimetre"),
    ("CENTILITRE", "Centilitre"),
    ("CUP", "Cup"),
    ("DECILITRE", "Decilitre"),
    ("GALLON_UK", "Gallon (UK)"),
    ("GALLON_US", "Gallon (US)"),
    ("MILLILITRE", "Millilitre"),
    ("PINT_UK", "Pint (UK)"),
    ("PINT_US", "Pint (US)"),
    ("AMPERE", "Ampere"),
    ("AMPERE_HOUR", "Ampere hour"),
    ("AMPERE_MINUTE", "Ampere minute"),
    ("KILOAMPERE_HOUR", "Kiloampere hour"),
    ("KILOVOLT", "Kilovolt"),
    ("MILLIVOLT", "Millivolt"),
    ("MILLIAMPERE_HOUR", "Milliampere hour"),
    ("FOOT", "Foot"),
    ("INCH", "Inch"),
    ("MILE", "Mile"),
    ("YARD", "Yard"),
    ("EXAJOULE", "Exajoule"),
    ("GIGAJOULE", "Gigajoule"),
    ("JOULE", "Joule"),
    ("JOULE_PER_SECOND", "Joule per second"),
    ("KILOJOULE", "Kilojoule"),
    ("MILLIJOULE", "Millijoule"),
    ("PETAJOULE", "Petajoule"),
    ("TERAJOULE", "Terajoule"),
    ("GRAM_PER_CUBIC_METRE", "Gram per cubic metre"),
    ("GRAM_PER_SQUARE_METRE", "Gram per square metre"),
    ("KILOGRAM_PER_CUBIC_METRE", "Kilogram per cubic metre"),
    ("KILOGRAM_PER_SQUARE_METRE", "Kilogram per square metre"),
    ("MILLIGRAM", "Milligram"),
    ("MILLIGRAM_PER_CUBIC_METRE", "Milligram per cubic metre"),
    ("OUNCE", "Ounce"),
    ("POUND", "Pound"),
    ("STONE_UK", "Stone (UK)"),
    ("DOZEN", "Dozen"),
    ("DOZEN_PACK", "Dozen pack"),
    ("EIGHT_PACK", "Eight pack"),
    ("FIVE_PACK", "Five pack"),
    ("FOUR_PACK", "Four pack"),
    ("HUNDRED", "Hundred"),
    ("JAR", "Jar"),
    ("NINE_PACK", "Nine pack"),
    ("NUMBER_OF_WORDS", "Number of words"),
    ("PAIR", "Pair"),
    ("PALLET", "Pallet"),
    ("PLATE", "Plate"),
    ("SET", "Set"),
    ("SEVEN_PACK", "Seven pack"),
    ("SIX_PACK", "Six pack"),
    ("TEN_PACK", "Ten pack"),
    ("THREE_PACK", "Three pack"),
    ("TWO_PACK", "Two pack"),
    ("WRAP", "Wrap"),
    ("GIGAWATT", "Gigawatt"),
    ("GIGAWATT_HOUR", "Gigawatt hour"),
    ("KILOWATT", "Kilowatt"),
    ("MEGAWATT_HOUR", "Megawatt hour"),
    ("MILLIWATT", "Milliwatt"),
    ("TERAWATT", "Terawatt"),
    ("TERAWATT_HOUR", "Terawatt hour"),
    ("WATT", "Watt"),
    ("WATT_HOUR", "Watt hour"),
    ("BAR", "Bar"),
    ("KILOPASCAL", "Kilopascal"),
    ("PASCAL", "Pascal"),
    ("KILOBYTE", "Kilobyte"),
    ("MEGABYTE", "Megabyte"),
    ("GIGABYTE", "Gigabyte"),
    ("SECOND", "Second"),
    ("HECTARE", "Hectare"),
    ("NO_UNIT", "No unit"),
]

#: Units of the ``uom`` module (xml id without the ``uom.`` prefix) → Procountor unit. UoMs without
#: an equivalent (US fluid ounce, quart, cubic inch/foot, square foot) are left for the user to map.
UOM_XMLID_TO_UNIT = {
    "product_uom_unit": "PIECE",
    "product_uom_dozen": "DOZEN",
    "product_uom_day": "DAY",
    "product_uom_hour": "HOUR",
    "product_uom_meter": "METER",
    "product_uom_millimeter": "MILLIMETER",
    "product_uom_km": "KILOMETER",
    "product_uom_cm": "CM",
    "uom_square_meter": "SQUARE_METER",
    "product_uom_litre": "LITER",
    "product_uom_cubic_meter": "CUBIC_METER",
    "product_uom_kgm": "KILOGRAM",
    "product_uom_gram": "GRAM",
    "product_uom_ton": "TON",
    "product_uom_lb": "POUND",
    "product_uom_oz": "OUNCE",
    "product_uom_inch": "INCH",
    "product_uom_foot": "FOOT",
    "product_uom_yard": "YARD",
    "product_uom_mile": "MILE",
    "product_uom_gal": "GALLON_US",
}

#: UoM names (lower case, English and Finnish) → Procountor unit, for UoMs created by users.
UOM_NAME_TO_UNIT = {
    "unit": "PIECE",
    "units": "PIECE",
    "unit(s)": "PIECE",
    "pcs": "PIECE",
    "piece": "PIECE",
    "pieces": "PIECE",
    "kpl": "PIECE",
    "dozen": "DOZEN",
    "dozens": "DOZEN",
    "hour": "HOUR",
    "hours": "HOUR",
    "h": "HOUR",
    "tunti": "HOUR",
    "tuntia": "HOUR",
    "day": "DAY",
    "days": "DAY",
    "pv": "DAY",
    "päivä": "DAY",
    "week": "WEEK",
    "weeks": "WEEK",
    "vk": "WEEK",
    "month": "MONTH",
    "months": "MONTH",
    "kk": "MONTH",
    "year": "YEAR",
    "years": "YEAR",
    "minute": "MINUTE",
    "minutes": "MINUTE",
    "min": "MINUTE",
    "kg": "KILOGRAM",
    "g": "GRAM",
    "t": "TON",
    "m": "METER",
    "km": "KILOMETER",
    "cm": "CM",
    "mm": "MILLIMETER",
    "l": "LITER",
    "litre": "LITER",
    "liter": "LITER",
    "m²": "SQUARE_METER",
    "m2": "SQUARE_METER",
    "m³": "CUBIC_METER",
    "m3": "CUBIC_METER",
    "kwh": "KILOWATT_HOUR",
    "box": "BOX",
    "pair": "PAIR",
    "set": "SET",
}

#: Kinds of VAT treatment the suggestion logic knows. Each kind is matched to a Procountor VAT
#: status.
VAT_KIND_DOMESTIC = "domestic"
VAT_KIND_EU_GOODS = "eu_goods"
VAT_KIND_EU_SERVICES = "eu_services"
VAT_KIND_EXPORT = "export"
VAT_KIND_IMPORT = "import"
VAT_KIND_CONSTRUCTION = "construction"
VAT_KIND_TRIANGULATION = "triangulation"
VAT_KIND_ALAND = "aland"
VAT_KIND_NO_VAT = "no_vat"

#: Taxes of the ``l10n_fi`` chart template (template xml id, i.e. the part after ``<company id>_``)
#: → kind. Taxes not listed (user-made ones) are classified by their name
#: (``TAX_NAME_KIND_KEYWORDS``).
L10N_FI_TAX_KINDS = {
    "tax_dom_sales_goods_25_5": VAT_KIND_DOMESTIC,
    "tax_dom_sales_goods_24": VAT_KIND_DOMESTIC,
    "tax_dom_sales_goods_14": VAT_KIND_DOMESTIC,
    "tax_dom_sales_goods_13_5": VAT_KIND_DOMESTIC,
    "tax_dom_sales_goods_10": VAT_KIND_DOMESTIC,
    "tax_dom_sales_goods_0": VAT_KIND_DOMESTIC,
    "tax_dom_sales_service_25_5": VAT_KIND_DOMESTIC,
    "tax_dom_sales_service_24": VAT_KIND_DOMESTIC,
    "tax_dom_sales_service_14": VAT_KIND_DOMESTIC,
    "tax_dom_sales_service_13_5": VAT_KIND_DOMESTIC,
    "tax_dom_sales_service_10": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_goods_25_5": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_goods_24": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_goods_14": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_goods_13_5": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_goods_10": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_service_25_5": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_service_24": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_service_14": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_service_13_5": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_service_10": VAT_KIND_DOMESTIC,
    "tax_dom_purchase_0": VAT_KIND_DOMESTIC,
    "tax_eu_sales_goods_0": VAT_KIND_EU_GOODS,
    "tax_eu_sales_service_0": VAT_KIND_EU_SERVICES,
    "tax_eu_purchase_goods_25_5": VAT_KIND_EU_GOODS,
    "tax_eu_purchase_goods_24": VAT_KIND_EU_GOODS,
    "tax_eu_purchase_goods_14": VAT_KIND_EU_GOODS,
    "tax_eu_purchase_goods_13_5": VAT_KIND_EU_GOODS,
    "tax_eu_purchase_goods_10": VAT_KIND_EU_GOODS,
    "tax_eu_purchase_service_25_5": VAT_KIND_EU_SERVICES,
    "tax_eu_purchase_service_24": VAT_KIND_EU_SERVICES,
    "tax_eu_purchase_service_14": VAT_KIND_EU_SERVICES,
    "tax_eu_purchase_service_13_5": VAT_KIND_EU_SERVICES,
    "tax_eu_purchase_service_10": VAT_KIND_EU_SERVICES,
    "vat0triangulation": VAT_KIND_TRIANGULATION,
    "triangulation_purchase": VAT_KIND_TRIANGULATION,
    "tax_construct_sales_0": VAT_KIND_CONSTRUCTION,
    "tax_construct_purchase_25_5": VAT_KIND_CONSTRUCTION,
    "tax_construct_purchase_24": VAT_KIND_CONSTRUCTION,
    "tax_construct_purchase_25_5_finland": VAT_KIND_CONSTRUCTION,
    "tax_construct_purchase_24_finland": VAT_KIND_CONSTRUCTION,
    "aland_sales_0": VAT_KIND_ALAND,
    "tax_non_eu_purchase_goods_25_5": VAT_KIND_IMPORT,
    "tax_non_eu_purchase_goods_24": VAT_KIND_IMPORT,
    "tax_non_eu_purchase_goods_14": VAT_KIND_IMPORT,
    "tax_non_eu_purchase_goods_13_5": VAT_KIND_IMPORT,
    "tax_non_eu_purchase_goods_10": VAT_KIND_IMPORT,
    "vat0export": VAT_KIND_EXPORT,
    "import_pay25_5": VAT_KIND_IMPORT,
    "import_pay24": VAT_KIND_IMPORT,
    "import_deduct25_5": VAT_KIND_IMPORT,
    "import_deduct24": VAT_KIND_IMPORT,
}

#: Fiscal positions of the ``l10n_fi`` chart template → kind. "EU no VAT" (private EU customers)
#: keeps the Finnish VAT of the domestic taxes, so it is domestic for Procountor.
L10N_FI_FISCAL_POSITION_KINDS = {
    "finland": VAT_KIND_DOMESTIC,
    "eu": VAT_KIND_EU_GOODS,
    "eu_no_vat": VAT_KIND_DOMESTIC,
    "non_eu": VAT_KIND_EXPORT,
    "construction": VAT_KIND_CONSTRUCTION,
    "aland": VAT_KIND_ALAND,
}

#: Words in a tax name or description that reveal its kind (lower case; checked in this order).
TAX_NAME_KIND_KEYWORDS = (
    (VAT_KIND_TRIANGULATION, ("tri", "triangulation", "kolmikanta")),
    (VAT_KIND_ALAND, ("aland", "åland", "ahvenanmaa")),
    (VAT_KIND_CONSTRUCTION, ("construction", "rakennus", "reverse charge", "käännetty")),
    (VAT_KIND_EU_SERVICES, ("eu s", "eu services", "eu-palvelu", "eu palvelu")),
    (VAT_KIND_EU_GOODS, ("eu g", "eu goods", "eu-tavara", "eu tavara", "eu")),
    (VAT_KIND_EXPORT, ("export", "vienti", "ex")),
)

#: Procountor VAT status codes known to mean a kind for SALES (support article "BtoB Webshop sales":
#: 1, 3, 5; EU services and construction reverse charge from Procountor's VAT defaults list). Used
#: only when a status with that code exists in the fetched list and is allowed for sales; otherwise
#: the description keywords decide.
SALES_VAT_STATUS_CODES = {
    VAT_KIND_DOMESTIC: 1,
    VAT_KIND_EXPORT: 3,
    VAT_KIND_EU_GOODS: 5,
    VAT_KIND_EU_SERVICES: 6,
    VAT_KIND_CONSTRUCTION: 21,
}

#: Description keywords (lower case, English and Finnish) that identify a Procountor VAT status of a
#: kind. A status matches a kind when its description contains one word of every inner tuple.
VAT_STATUS_KEYWORDS = {
    VAT_KIND_DOMESTIC: (("domestic", "kotimaa", "kotimai"),),
    VAT_KIND_EU_GOODS: (("eu", "community", "yhteisö"), ("goods", "product", "tavara")),
    VAT_KIND_EU_SERVICES: (("eu", "community", "yhteisö"), ("service", "palvelu")),
    VAT_KIND_EXPORT: (("outside", "export", "ulkopuol", "vienti"),),
    VAT_KIND_IMPORT: (("import", "outside", "ulkopuol", "tuonti"),),
    VAT_KIND_CONSTRUCTION: (("construction", "reverse charge", "rakennus", "käännetty"),),
    VAT_KIND_TRIANGULATION: (("triangul", "kolmikanta"),),
    VAT_KIND_ALAND: (("åland", "aland", "ahvenanmaa"),),
    VAT_KIND_NO_VAT: (("no vat", "ei alv", "veroton"),),
}

#: Kinds to try, in order, when no status of the kind itself exists (e.g. Åland sales are reported
#: like exports, triangulation like EU goods).
VAT_KIND_FALLBACKS = {
    VAT_KIND_ALAND: (VAT_KIND_EXPORT,),
    VAT_KIND_TRIANGULATION: (VAT_KIND_EU_GOODS,),
    VAT_KIND_IMPORT: (VAT_KIND_EXPORT,),
}

#: Days an exchange log entry is kept by default.
DEFAULT_LOG_RETENTION_DAYS = 90
#: Longest body text stored on a ``procountor.exchange`` (characters); the client caps too, this is
#: a second fence.
EXCHANGE_BODY_STORE_CAP = 20000
