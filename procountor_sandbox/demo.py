"""Demo registers of ``python -m procountor_sandbox`` (off with ``--empty``).

What the start-up demo (``docker compose up``, ``scripts/demo``) shows on top of the
company "Sandbox Oy" of :mod:`.seed`: customers and products for Odoo to link, and
purchase invoices already accepted in Procountor for the bill import to bring in, with
the suppliers they name.

Deterministic: fixed ids and content, seeded in the same order at every start, so that
after a sandbox restart (its state lives in memory) the same registers exist again under
the same ids and the links a demo Odoo keeps still point at the right records. The
purchase invoices take the first invoice ids of a fresh store (100001, 100002): nothing else is
seeded before them. They are dated in the current month, not after today, and fall due
three weeks later: the sandbox's fiscal calendar (also relative to today) always has this
year open, and an accountant expects a fresh bill to be still unpaid. They book to the
demo's own ledger accounts (DEMO_LEDGER_ACCOUNTS, l10n_fi's codes and Finnish names), so
that an account means the same thing in Procountor and in Odoo's Finnish chart.

Every demo product carries the general VAT rate 25.5 %: Odoo's l10n_fi gives a fetched
product the company's default sale tax and has no 13.5 % tax, so a book at 13.5 % would be
invoiced at a rate Procountor's product does not have.

The in-process test server (``create_server``, ``start_in_thread``) does not load them
unless asked (``demo=True``): the tests count the default seed's records.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

from .seed import _address

CUSTOMERS = [
    # (id, name, street, zip, city, Y-tunnus)
    (4101, "Kahvila Kuppi Oy", "Aleksanterinkatu 20", "00100", "Helsinki", "2634561-3"),
    (4102, "Rakennus Routa Oy", "Hämeenkatu 7", "33100", "Tampere", "2734562-3"),
    (4103, "Tilitoimisto Tase Oy", "Kauppurienkatu 11", "90100", "Oulu", "2834563-3"),
]
SUPPLIERS = [
    # (id, name, street, zip, city, Y-tunnus, IBAN, BIC)
    (
        4201,
        "Paperitukku Arkki Oy",
        "Teollisuuskatu 14",
        "00510",
        "Helsinki",
        "2934564-3",
        "FI4610253000123456",
        "NDEAFIHH",
    ),
    (
        4202,
        "Siivouspalvelu Puhdas Oy",
        "Satamakatu 3",
        "20100",
        "Turku",
        "3034565-9",
        "FI5757010020004567",
        "OKOYFIHH",
    ),
]
PRODUCTS = [
    # (id, name, code, unit, price, VAT %)
    (5101, "Verkkosivujen ylläpito", "YLLAPITO", "MONTH", 150.0, 25.5),
    (5102, "Koulutuspäivä", "KOULUTUS", "DAY", 800.0, 25.5),
    (5103, "Ohjelmistolisenssi", "LISENSSI", "PIECE", 480.0, 25.5),
]
# Expense accounts of the demo bills, with l10n_fi's codes and its Finnish names.
DEMO_LEDGER_ACCOUNTS = [
    ("7360", "Siivous ja puhtaanapito"),
    ("8620", "Toimistotarvikkeet"),
]
# (supplier id, invoice number, rows [(product text, quantity, unit price, account)])
PURCHASES = [
    (4201, "ARK-2001", [("Kopiopaperi A4", 10, 6.5, "8620"), ("Mapit", 20, 3.2, "8620")]),
    (4202, "PUH-318", [("Toimiston siivous", 1, 420.0, "7360")]),
]
BILL_DAYS_TO_PAY = 21


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
    partner_id, name, street, zip_code, city, business_id, iban, bic = row
    return {
        "id": partner_id,
        "name": name,
        "type": "SUPPLIER",
        "address": _address(name, street, zip_code, city),
        "invoicingInfo": {"identifier": business_id, "identifierType": "YHD"},
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "bankAccount": iban,
            "bic": bic,
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


def bill_date(index: int, today: date) -> date:
    """The ``index``-th of the demo bills: a day apart, the last one today, none before the
    first of the month."""
    return max(today.replace(day=1), today - timedelta(days=len(PURCHASES) - 1 - index))


def demo_purchase(index: int, row, today: date) -> dict:
    """Seed spec (see :mod:`.purchases`) of an APPROVED purchase invoice, 25.5 % VAT."""
    supplier_id, number, lines = row
    supplier = demo_supplier(next(s for s in SUPPLIERS if s[0] == supplier_id))
    invoice_date = bill_date(index, today)
    payment = supplier["paymentInfo"]
    invoice = {
        "type": "PURCHASE_INVOICE",
        "partnerId": supplier_id,
        "date": invoice_date.isoformat(),
        "counterParty": {
            "identifier": supplier["invoicingInfo"]["identifier"],
            "counterPartyAddress": dict(supplier["address"]),
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "currency": "EUR",
            "currencyRate": 1,
            "dueDate": (invoice_date + timedelta(days=BILL_DAYS_TO_PAY)).isoformat(),
            "bankAccount": {"accountNumber": payment["bankAccount"], "bic": payment["bic"]},
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
    today = today or date.today()
    return copy.deepcopy(
        {
            "ledgerAccounts": [
                {"ledgerAccountCode": code, "name": name} for code, name in DEMO_LEDGER_ACCOUNTS
            ],
            "businessPartners": [demo_customer(row) for row in CUSTOMERS]
            + [demo_supplier(row) for row in SUPPLIERS],
            "products": [demo_product(row) for row in PRODUCTS],
            "purchaseInvoices": [
                demo_purchase(index, row, today) for index, row in enumerate(PURCHASES)
            ],
        }
    )
