"""Demo registers of ``python -m procountor_sandbox`` (off with ``--empty``).

What the start-up demo (``docker compose up``, ``scripts/demo``) shows on top of the
company "Sandbox Oy" of :mod:`.seed`: customers and products for Odoo to link, and
purchase invoices already accepted in Procountor for the bill import to bring in, with
the suppliers they name.

Deterministic: fixed ids and content, seeded in the same order at every start, so that
after a sandbox restart (its state lives in memory) the same registers exist again under
the same ids and the links a demo Odoo keeps still point at the right records. The
purchase invoices take the first invoice ids of a fresh store (100001, 100002): nothing is
seeded before them. Their dates are in January of the current year, the one year the
sandbox's fiscal calendar (also relative to today) always has open.

The in-process test server (``create_server``, ``start_in_thread``) does not load them
unless asked (``demo=True``): the tests count the default seed's records.
"""

from __future__ import annotations

import copy
from datetime import date

from .seed import _address

CUSTOMERS = [
    # (id, name, street, zip, city, Y-tunnus)
    (4101, "Kahvila Kuppi Oy", "Aleksanterinkatu 20", "00100", "Helsinki", "2634561-3"),
    (4102, "Rakennus Routa Oy", "Hämeenkatu 7", "33100", "Tampere", "2734562-3"),
    (4103, "Tilitoimisto Tase Oy", "Kauppurienkatu 11", "90100", "Oulu", "2834563-3"),
]
SUPPLIERS = [
    (4201, "Paperitukku Arkki Oy", "Teollisuuskatu 14", "00510", "Helsinki", "2934564-3"),
    (4202, "Siivouspalvelu Puhdas Oy", "Satamakatu 3", "20100", "Turku", "3034565-9"),
]
SUPPLIER_IBAN = "FI4610253000123456"
PRODUCTS = [
    # (id, name, code, unit, price, VAT %)
    (5101, "Verkkosivujen ylläpito", "YLLAPITO", "MONTH", 150.0, 25.5),
    (5102, "Koulutuspäivä", "KOULUTUS", "DAY", 800.0, 25.5),
    (5103, "Tietokirja", "TIETOKIRJA", "PIECE", 35.0, 13.5),
]
# (supplier id, invoice number, rows [(product text, quantity, unit price, account)])
PURCHASES = [
    (4201, "ARK-2001", [("Kopiopaperi A4", 10, 6.5, "4000"), ("Mapit", 20, 3.2, "4000")]),
    (4202, "PUH-318", [("Toimiston siivous", 1, 420.0, "6800")]),
]


def demo_customer(row) -> dict:
    partner_id, name, street, zip_code, city, business_id = row
    address = _address(name, street, zip_code, city)
    return {
        "id": partner_id,
        "name": name,
        "type": "CUSTOMER",
        "address": address,
        "billingAddress": dict(address),
        "invoicingInfo": {
            "customerNumber": f"D-{partner_id}",
            "identifier": business_id,
            "identifierType": "YHD",
            "invoiceChannel": "EMAIL",
            "email": f"laskut@{partner_id}.example",
            "language": "FINNISH",
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "paymentTermDays": "14",
            "currency": "EUR",
        },
    }


def demo_supplier(row) -> dict:
    partner_id, name, street, zip_code, city, business_id = row
    return {
        "id": partner_id,
        "name": name,
        "type": "SUPPLIER",
        "address": _address(name, street, zip_code, city),
        "invoicingInfo": {"identifier": business_id, "identifierType": "YHD"},
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "bankAccount": SUPPLIER_IBAN,
            "bic": "NDEAFIHH",
            "currency": "EUR",
        },
    }


def demo_product(row) -> dict:
    product_id, name, code, unit, price, vat = row
    return {
        "id": product_id,
        "type": "SALES",
        "name": name,
        "code": code,
        "unit": unit,
        "price": price,
        "vat": vat,
        "discount": 0.0,
        "active": True,
        "defaultAccount": "3000",
        "currency": "EUR",
    }


def demo_purchase(index: int, row, year: int) -> dict:
    """Seed spec (see :mod:`.purchases`) of an APPROVED purchase invoice, 25.5 % VAT."""
    supplier_id, number, lines = row
    supplier = demo_supplier(next(s for s in SUPPLIERS if s[0] == supplier_id))
    bill_date = date(year, 1, 10 + index)
    invoice = {
        "type": "PURCHASE_INVOICE",
        "partnerId": supplier_id,
        "date": bill_date.isoformat(),
        "counterParty": {
            "identifier": supplier["invoicingInfo"]["identifier"],
            "counterPartyAddress": dict(supplier["address"]),
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "currency": "EUR",
            "currencyRate": 1,
            "dueDate": date(year, 2, 10 + index).isoformat(),
            "bankAccount": {"accountNumber": SUPPLIER_IBAN, "bic": "NDEAFIHH"},
            "bankReferenceCode": "",
        },
        "extraInfo": {"accountingByRow": True, "unitPricesIncludeVat": False},
        "discountPercent": 0,
        "invoiceChannel": "NO_SENDING",
        "vatStatus": 2,
        "originalInvoiceNumber": number,
        "invoiceRows": [
            {
                "product": text,
                "quantity": quantity,
                "unit": "PIECE",
                "unitPrice": price,
                "discountPercent": 0,
                "vatPercent": 25.5,
                "vatStatus": 2,
            }
            for text, quantity, price, _account in lines
        ],
    }
    accounting = [{"account": account} for _text, _q, _p, account in lines]
    return {"invoice": invoice, "status": "APPROVED", "accounting": accounting}


def demo_seed(today: date | None = None) -> dict:
    """The demo registers as ``apply_seed`` takes them (a fresh copy on every call)."""
    year = (today or date.today()).year
    return copy.deepcopy(
        {
            "businessPartners": [demo_customer(row) for row in CUSTOMERS]
            + [demo_supplier(row) for row in SUPPLIERS],
            "products": [demo_product(row) for row in PRODUCTS],
            "purchaseInvoices": [
                demo_purchase(index, row, year) for index, row in enumerate(PURCHASES)
            ],
        }
    )
