"""Default data of a fresh sandbox ("Sandbox Oy") and merging of seed objects.

The data imitates a small Finnish company. Facts come from api-notes.md; anything
the sources do not give (most VAT status ids, account choices) is marked INVENTED.
"""

from __future__ import annotations

import calendar
import copy
from datetime import date

from .store import Store

COMPANY_ID = 51234
# 1234567-1 is the Y-tunnus of the 1234567 base with a valid check digit
# (python-stdnum fi.ytunnus); 1234567-8 would be invalid.
BUSINESS_ID = "1234567-1"

COMPANY = {
    "id": COMPANY_ID,
    "name": "Sandbox Oy",
    "country": "FINLAND",
    "productVersion": "FINANCIALS_PLUS",
    "operationType": "DEMONSTRATION",
    "companyAddress": {
        "street": "Testikatu 1",
        "zip": "00100",
        "city": "Helsinki",
        "country": "FINLAND",
    },
    "billingAddress": {
        "street": "Testikatu 1",
        "zip": "00100",
        "city": "Helsinki",
        "country": "FINLAND",
    },
    "mva": False,
    "inTradeRegister": True,
    "businessIdentifier": {"brnType": "YHD", "code": BUSINESS_ID},
    "companyCurrency": "EUR",
    "currencyRateSearchDensity": "DAILY_EXCHANGE_RATE",
}
SESSION = {
    "userId": 7001,
    "userName": "Sandbox API User",
    "companySettings": {"invoiceDiscussionEnabled": False},
}
VAT_SETTINGS = {"unitPricesIncludeVatSales": False, "unitPricesIncludeVatPurchase": False}

# Finnish VAT percentages with the dates they apply (api-notes 8). The validity dates
# are sandbox-internal keys; GET /vats/default shows only vatPercent/sales/purchase.
VAT_PERCENTS = [
    {"vatPercent": 25.5, "sales": True, "purchase": True, "validFrom": "2024-09-01"},
    {"vatPercent": 24.0, "sales": True, "purchase": True, "validTo": "2024-08-31"},
    {"vatPercent": 14.0, "sales": True, "purchase": True, "validTo": "2025-12-31"},
    {"vatPercent": 13.5, "sales": True, "purchase": True, "validFrom": "2026-01-01"},
    {"vatPercent": 10.0, "sales": True, "purchase": True},
    {"vatPercent": 0.0, "sales": True, "purchase": True},
]

# VAT statuses. 1, 3, 5 and 12 are confirmed by Procountor's BtoB article; the others
# are INVENTED ids and descriptions (the real list is per company and not public).
# zeroVatSales / zeroVatPurchase (internal) make the sandbox require vatPercent 0 on
# that side (ERROR_VATSTATUS_VATPERC otherwise); salesAccount picks the sales account
# of the invoice's accounting page.
VAT_STATUSES = [
    {"vatStatus": 1, "description": "Domestic", "sales": True, "purchase": False},
    {
        "vatStatus": 3,
        "description": "Outside of the EU",
        "sales": True,
        "purchase": False,
        "zeroVatSales": True,
        "salesAccount": "3380",
    },
    {
        "vatStatus": 5,
        "description": "EU community sales (product)",
        "sales": True,
        "purchase": False,
        "zeroVatSales": True,
        "salesAccount": "3360",
    },
    {  # INVENTED id
        "vatStatus": 6,
        "description": "EU sales (services)",
        "sales": True,
        "purchase": False,
        "zeroVatSales": True,
        "salesAccount": "3370",
    },
    {
        "vatStatus": 12,
        "description": "No VAT handling",
        "sales": True,
        "purchase": True,
        "zeroVatSales": True,
        "zeroVatPurchase": True,
    },
    {  # INVENTED id
        "vatStatus": 21,
        "description": "Domestic reverse charge (construction services)",
        "sales": True,
        "purchase": True,
        "zeroVatSales": True,
        "salesAccount": "3390",
    },
    # INVENTED purchase statuses.
    {"vatStatus": 2, "description": "Domestic purchases", "sales": False, "purchase": True},
    {
        "vatStatus": 7,
        "description": "EU community purchases (product)",
        "sales": False,
        "purchase": True,
    },
    {
        "vatStatus": 8,
        "description": "EU purchases (services)",
        "sales": False,
        "purchase": True,
    },
    {
        "vatStatus": 9,
        "description": "Imports from outside the EU",
        "sales": False,
        "purchase": True,
    },
]

# Typical accounts of a Finnish chart (names in Finnish, as Procountor shows them).
LEDGER_ACCOUNTS = [
    ("1100", "Koneet ja kalusto"),
    ("1500", "Aineet ja tarvikkeet"),
    ("1700", "Myyntisaamiset"),
    ("1763", "Arvonlisäverosaamiset"),
    ("1800", "Siirtosaamiset"),
    ("1900", "Käteisvarat"),
    ("1910", "Pankkitili"),
    ("1911", "Pankkitili 2"),
    ("2871", "Ostovelat"),
    ("2880", "Maksuliikennetili"),
    ("2939", "ALV-velka"),
    ("2940", "Siirtovelat"),
    ("3000", "Myynti"),
    ("3360", "Yhteisömyynti, tavarat"),
    ("3370", "Palvelumyynti EU"),
    ("3380", "Vientimyynti EU:n ulkopuolelle"),
    ("3390", "Rakentamispalvelujen myynti, käännetty verovelvollisuus"),
    ("4000", "Ostot"),
    ("4050", "Rakentamispalvelujen ostot"),
    ("4100", "Yhteisöhankinnat"),
    ("6800", "Toimitilakulut"),
    ("7680", "Pankkikulut"),
    ("8500", "Korkotuotot"),
]
INACTIVE_ACCOUNTS = [("3500", "Myynti (vanha, ei käytössä)")]

# Accounts the sandbox uses when it writes an invoice's accounting page. The
# reversing account of purchases follows Procountor's purchase-invoice article
# (2880); the rest are the sandbox's choice.
ACCOUNTING_DEFAULTS = {
    "salesReceivable": "1700",
    "purchasePayable": "2880",
    "sales": "3000",
    "purchases": "4000",
    "reconciliation": "2880",
}

DIMENSIONS = [
    {
        "id": 1,
        "name": "Kustannuspaikka",
        "items": [
            {"id": 101, "codeName": "HKI", "description": "Helsinki"},
            {"id": 102, "codeName": "TRE", "description": "Tampere"},
            {"id": 103, "codeName": "OUL", "description": "Oulu (suljettu)", "status": "P"},
        ],
    },
    {
        "id": 2,
        "name": "Projekti",
        "items": [
            {"id": 201, "codeName": "P-100", "description": "Verkkokauppa"},
            {"id": 202, "codeName": "P-200", "description": "Huoltosopimus"},
        ],
    },
]

BANK_ACCOUNTS = [
    {
        "id": 11,
        "accountNumber": "123456-785",
        "iban": "FI2112345600000785",
        "bic": "NDEAFIHH",
        "bankName": "Nordea",
        "currency": "EUR",
        "defaultForInvoice": True,
        "defaultForPayment": True,
        "status": "ACTIVE",
        "orderNo": 1,
        "ledgerAccount": "1910",
        "showAccountOnInvoice": True,
        "allowPayments": True,
        "allowForeignPayments": True,
    },
    {
        "id": 12,
        "accountNumber": "400500-10101012",
        "iban": "FI2640050010101012",
        "bic": "ITELFIHH",
        "bankName": "Säästöpankki",
        "currency": "EUR",
        "defaultForInvoice": False,
        "defaultForPayment": False,
        "status": "ACTIVE",
        "orderNo": 2,
        "ledgerAccount": "1911",
        "showAccountOnInvoice": True,
        "allowPayments": True,
        "allowForeignPayments": False,
    },
]


def _address(name, street, zip_code, city, country="FINLAND"):
    return {"name": name, "street": street, "zip": zip_code, "city": city, "country": country}


BUSINESS_PARTNERS = [
    {
        "id": 4001,
        "name": "Asiakas Oy",
        "type": "CUSTOMER",
        "address": _address("Asiakas Oy", "Asiakaskatu 5", "00200", "Helsinki"),
        "billingAddress": _address("Asiakas Oy", "Asiakaskatu 5", "00200", "Helsinki"),
        "invoicingInfo": {
            "customerNumber": "C-1001",
            "identifier": "2077474-0",
            "identifierType": "YHD",
            "invoiceChannel": "EMAIL",
            "email": "laskut@asiakas.example",
            "language": "FINNISH",
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "paymentTermDays": "14",
            "currency": "EUR",
        },
    },
    {
        "id": 4002,
        "name": "Verkkolasku Ab",
        "type": "CUSTOMER",
        "address": _address("Verkkolasku Ab", "Kauppakatu 12", "33100", "Tampere"),
        "billingAddress": _address("Verkkolasku Ab", "Kauppakatu 12", "33100", "Tampere"),
        "invoicingInfo": {
            "customerNumber": "C-1002",
            "identifier": "2345678-0",
            "identifierType": "YHD",
            "invoiceChannel": "ELECTRONIC_INVOICE",
            "ovt": "003723456780",
            "einvoiceAddress": "003723456780",
            "einvoiceOperator": "003721291126",
            "language": "SWEDISH",
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "paymentTermDays": "30",
            "currency": "EUR",
        },
    },
    {
        "id": 4003,
        "name": "Deutsche Kunde GmbH",
        "type": "CUSTOMER",
        "address": _address("Deutsche Kunde GmbH", "Hauptstr. 1", "10115", "Berlin", "GERMANY"),
        "invoicingInfo": {
            "customerNumber": "C-1003",
            "identifier": "DE123456789",
            "invoiceChannel": "MAIL",
            "language": "ENGLISH",
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "paymentTermDays": "30",
            "currency": "EUR",
        },
    },
    {
        "id": 4004,
        "name": "Toimittaja Oy",
        "type": "SUPPLIER",
        "address": _address("Toimittaja Oy", "Teollisuustie 3", "90100", "Oulu"),
        "invoicingInfo": {"identifier": "7654321-2", "identifierType": "YHD"},
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "bankAccount": "FI4610253000123456",
            "bic": "NDEAFIHH",
            "currency": "EUR",
        },
    },
]

PRODUCTS = [
    {
        "id": 5001,
        "type": "SALES",
        "name": "Konsultointi",
        "code": "KONS",
        "unit": "HOUR",
        "price": 100.0,
        "vat": 25.5,
        "discount": 0.0,
        "active": True,
        "defaultAccount": "3000",
        "currency": "EUR",
    },
    {
        "id": 5002,
        "type": "SALES",
        "name": "Kirja",
        "code": "KIRJA",
        "unit": "PIECE",
        "price": 20.0,
        "vat": 13.5,
        "discount": 0.0,
        "active": True,
        "defaultAccount": "3000",
        "currency": "EUR",
    },
    {
        "id": 5003,
        "type": "SALES",
        "name": "Sanomalehden vuositilaus",
        "code": "LEHTI",
        "unit": "YEAR",
        "price": 240.0,
        "vat": 10.0,
        "discount": 0.0,
        "active": True,
        "currency": "EUR",
    },
    {
        "id": 5004,
        "type": "PURCHASE",
        "name": "Toimistotarvikkeet",
        "code": "TARV",
        "unit": "PIECE",
        "price": 10.0,
        "vat": 25.5,
        "discount": 0.0,
        "active": True,
        "defaultAccount": "4000",
        "currency": "EUR",
    },
]


def fiscal_years(today: date | None = None) -> list[dict]:
    """Last year, this year and next year open (monthly periods); the year before
    last closed, so that CLOSED_FISCAL_PERIOD can be exercised. Newest first."""
    today = today or date.today()
    years = []
    period_id = 1
    for offset, year in enumerate(range(today.year + 1, today.year - 3, -1)):
        is_open = year >= today.year - 1
        periods = []
        for month in range(1, 13):
            last_day = calendar.monthrange(year, month)[1]
            periods.append(
                {
                    "id": period_id,
                    "startDate": date(year, month, 1).isoformat(),
                    "endDate": date(year, month, last_day).isoformat(),
                    "status": "OPEN" if is_open else "CLOSED",
                    "modified": f"{year - 1}-12-01T08:00:00",
                }
            )
            period_id += 1
        years.append(
            {
                "id": 4 - offset,
                "startDate": f"{year}-01-01",
                "endDate": f"{year}-12-31",
                "modified": f"{year - 1}-12-01T08:00:00",
                "isOpen": is_open,
                "trackingPeriods": periods,
            }
        )
    return years


def default_seed(today: date | None = None) -> dict:
    """A deep copy of the default seed (callers may change it freely)."""
    return copy.deepcopy(
        {
            "company": COMPANY,
            "session": SESSION,
            "vatSettings": VAT_SETTINGS,
            "accountingDefaults": ACCOUNTING_DEFAULTS,
            "vatPercents": VAT_PERCENTS,
            "vatStatuses": VAT_STATUSES,
            "ledgerAccounts": [
                {"ledgerAccountCode": code, "name": name, "active": True}
                for code, name in LEDGER_ACCOUNTS
            ]
            + [
                {"ledgerAccountCode": code, "name": name, "active": False}
                for code, name in INACTIVE_ACCOUNTS
            ],
            "dimensions": DIMENSIONS,
            "fiscalYears": fiscal_years(today),
            "bankAccounts": BANK_ACCOUNTS,
            "businessPartners": BUSINESS_PARTNERS,
            "products": PRODUCTS,
        }
    )


SEED_KEYS = (
    "company",
    "session",
    "vatSettings",
    "accountingDefaults",
    "vatPercents",
    "vatStatuses",
    "ledgerAccounts",
    "dimensions",
    "fiscalYears",
    "bankAccounts",
    "businessPartners",
    "products",
    "purchaseInvoices",
)


def _upsert(items: list[dict], new: dict, key: str) -> None:
    for index, item in enumerate(items):
        if item.get(key) == new.get(key):
            items[index] = {**item, **new}
            return
    items.append(new)


def _merge_dimension(store: Store, dimension: dict) -> None:
    dimension = copy.deepcopy(dimension)
    if "id" not in dimension:
        existing = [d for d in store.dimensions if d["name"] == dimension.get("name")]
        dimension["id"] = existing[0]["id"] if existing else store.next_id("dimension")
    store.bump_counter("dimension", dimension["id"])
    for item in dimension.setdefault("items", []):
        if "id" not in item:
            item["id"] = store.next_id("dimensionItem")
        store.bump_counter("dimensionItem", item["id"])
    current = store.dimension(dimension["id"])
    if current is None:
        store.dimensions.append(dimension)
        return
    current["name"] = dimension.get("name", current["name"])
    for item in dimension["items"]:
        _upsert(current.setdefault("items", []), item, "id")


def _merge_table(store: Store, table: str, counter: str, objects: list[dict]) -> None:
    rows = getattr(store, table)
    for obj in objects:
        obj = copy.deepcopy(obj)
        if "id" not in obj:
            obj["id"] = store.next_id(counter)
        store.bump_counter(counter, obj["id"])
        obj["version"] = store.new_version()
        rows[obj["id"]] = {**rows.get(obj["id"], {}), **obj}


def _prepare_partner(partner: dict) -> dict:
    partner = copy.deepcopy(partner)
    partner.setdefault("registryInfo", {}).setdefault("active", True)
    return partner


def apply_seed(store: Store, data: dict) -> dict:
    """Merge seed objects into the store; returns how many of each were given.

    Settings objects are updated key by key; lists are merged by their natural key
    (vatPercent, vatStatus, ledgerAccountCode, id); fiscalYears replaces the list.
    """
    unknown = set(data) - set(SEED_KEYS)
    if unknown:
        raise ValueError(f"unknown seed keys: {sorted(unknown)}")
    with store.lock:
        for name in ("company", "session", "vatSettings", "accountingDefaults"):
            getattr(store, name).update(copy.deepcopy(data.get(name, {})))
        for entry in data.get("vatPercents", []):
            _upsert(store.vatPercents, dict(entry), "vatPercent")
        for entry in data.get("vatStatuses", []):
            _upsert(store.vatStatuses, dict(entry), "vatStatus")
        for entry in data.get("ledgerAccounts", []):
            _upsert(store.ledgerAccounts, {"active": True, **entry}, "ledgerAccountCode")
        for dimension in data.get("dimensions", []):
            _merge_dimension(store, dimension)
        if "fiscalYears" in data:
            store.fiscalYears = copy.deepcopy(data["fiscalYears"])
        _merge_table(store, "bankAccounts", "bankAccount", data.get("bankAccounts", []))
        partners = [_prepare_partner(p) for p in data.get("businessPartners", [])]
        _merge_table(store, "businessPartners", "businessPartner", partners)
        _merge_table(store, "products", "product", data.get("products", []))
        if data.get("purchaseInvoices"):
            # Last: a purchase invoice refers to suppliers of this same seed.
            from .purchases import apply_purchase_invoices

            apply_purchase_invoices(store, data["purchaseInvoices"])
    return {key: len(value) for key, value in data.items() if isinstance(value, list)}
