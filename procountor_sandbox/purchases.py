"""Purchase invoices already accepted in Procountor, seeded for bill imports.

A real Procountor receives purchase invoices (e-invoices, scans), someone books them on
the invoice's accounting page (its ledger receipt) and approves them; the payment goes out
later. The API cannot create that state (``POST /invoices`` gives UNFINISHED, approving
needs invoice circulation), so the control API seeds it:

``POST /_sandbox/seed {"purchaseInvoices": [spec, ...]}`` where a spec is

- ``invoice``: an ``Invoice`` body as ``POST /invoices`` takes it (``type``
  PURCHASE_INVOICE is implied), validated by the same rules; ``extraInfo.accountingByRow``
  is forced true so that ENTRY ``i`` of the ledger receipt books invoice row ``i``;
- ``status``: APPROVED (default), PAYMENT_QUEUED, PAYMENT_SENT_TO_BANK, PARTLY_PAID,
  PAID, MARKED_PAID, or any other status of the 26.04 enum (UNFINISHED, RECEIVED,
  VERIFIED, INVALIDATED, PAYMENT_DENIED ...) to test what an import must leave alone;
- ``paymentDate``: for the paid statuses (default: the due date); PAID and PARTLY_PAID
  get a BANKSTATEMENT payment event as ``POST /_sandbox/invoices/{id}/payments`` makes;
- ``accounting``: one entry per invoice row, ``{"account": "4000", "vatStatus": 2,
  "vatDeductionPercent": 50, "dimensions": [{"dimensionId": 1, "itemId": 101, "share": 60},
  ...]}`` (``vatDeductionPercent``: the deductible share of the row's VAT); the shares of a
  dimension are percentages of the row's net amount (the last item gets the remainder,
  so the values add up to the ENTRY to the cent, as Procountor requires);
- ``attachments``: ``[{"name": "lasku.pdf", "content": <base64>}]``: files attached to
  the invoice (``referenceType`` INVOICE), read with ``GET /attachments/{id}``;
- ``image``: base64 PNG served by ``GET /invoices/{id}/image`` (page 1).

``POST /_sandbox/seed {"generate": {"purchaseInvoices": N}}`` adds
:func:`generated_purchase_invoices` (deterministic: a test knows every amount in advance)
and the suppliers they refer to (:func:`generated_supplier`).
"""

from __future__ import annotations

import base64
import copy
from datetime import date, timedelta
from decimal import Decimal

from . import enums
from . import errors as E
from .invoice_rules import validate_invoice
from .ledger import build_invoice_receipt
from .money import CENT, HUNDRED, as_json_number, cents, dec
from .registers import partner_business_id
from .routes.invoices import _finish
from .routes.payments import record_payment

#: Statuses Procountor gives a purchase invoice once it is accepted (approved, then in
#: payment, then paid). "In payment" is PAYMENT_QUEUED / PAYMENT_SENT_TO_BANK in 26.04.
ACCEPTED_STATUSES = (
    "APPROVED",
    "PAYMENT_QUEUED",
    "PAYMENT_SENT_TO_BANK",
    "PARTLY_PAID",
    "PAID",
    "MARKED_PAID",
)
PAID_WITH_EVENT = ("PAID", "PARTLY_PAID", "MARKED_PAID")
SUPPLIER_ID_START = 25000
SUPPLIERS = 20
#: The generator's rows cycle through these (account, VAT %, VAT status); 4050 is the
#: account a test leaves unmapped (``unmappedAccountEvery``).
ROW_PATTERNS = (
    ("4000", 25.5, 2),
    ("6800", 25.5, 2),
    ("4000", 13.5, 2),
    ("7680", 10.0, 2),
    ("6800", 0.0, 12),
)
UNMAPPED_ACCOUNT = "4050"
CENTS_35 = Decimal("0.35")
# A 1x1 transparent PNG: what GET /invoices/{id}/image serves for generated invoices.
TINY_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode("ascii")
# A minimal PDF: the "scanned" invoice attached to every tenth generated invoice.
TINY_PDF = base64.b64encode(
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
).decode("ascii")


# --- generator ------------------------------------------------------------------------
def supplier_name(index: int) -> str:
    return f"Toimittaja {index:02d} Oy"


def generated_supplier(index: int) -> dict:
    name = supplier_name(index)
    address = {
        "name": name,
        "street": f"Teollisuustie {index + 1}",
        "zip": "33100",
        "city": "Tampere",
        "country": "FINLAND",
    }
    return {
        "id": SUPPLIER_ID_START + index,
        "name": name,
        "type": "SUPPLIER",
        "address": address,
        "invoicingInfo": {
            "identifier": partner_business_id(5000 + index),
            "identifierType": "YHD",
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "bankAccount": "FI4610253000123456",
            "bic": "NDEAFIHH",
            "currency": "EUR",
        },
        "registryInfo": {"active": True},
    }


def generated_purchase_invoice(index: int, today: date | None = None, options=None) -> dict:
    """Seed spec of generated purchase invoice ``index`` (see the module docstring).

    Supplier ``index % 20``; invoice date in the current year, never after today; one to
    three rows (:data:`ROW_PATTERNS`); status cycling through :data:`ACCEPTED_STATUSES`
    unless ``options["statuses"]`` names others; a dimension split on every third
    invoice; a PDF attachment on every ``attachmentEvery``-th (default 10, 0 = none);
    the account of the first row :data:`UNMAPPED_ACCOUNT` on every
    ``unmappedAccountEvery``-th (default 0 = never). The control API also takes
    ``options["today"]`` (ISO date) for a sandbox whose calendar is pinned.
    """
    options = options or {}
    today = today or date.today()
    supplier = generated_supplier(index % SUPPLIERS)
    month = 1 + index % today.month
    day = 1 + index % 28
    bill_date = date(today.year, month, day)
    if bill_date > today:
        bill_date = date(today.year, month, 1)
    rows, accounting = [], []
    for row_index in range(1 + index % 3):
        account, percent, status = ROW_PATTERNS[(index + row_index) % len(ROW_PATTERNS)]
        rows.append(
            {
                "product": f"Ostorivi {index}-{row_index + 1}",
                "quantity": 1 + (index + row_index) % 4,
                "unit": "PIECE",
                "unitPrice": float(Decimal((index * 7 + row_index * 13) % 190 + 10) + CENTS_35),
                "discountPercent": 0,
                "vatPercent": percent,
                "vatStatus": status,
            }
        )
        dimensions = []
        if index % 3 == 0:
            dimensions = [
                {"dimensionId": 1, "itemId": 101, "share": 60},
                {"dimensionId": 1, "itemId": 102, "share": 40},
            ]
        elif index % 3 == 1:
            dimensions = [
                {"dimensionId": 1, "itemId": 101, "share": 100},
                {"dimensionId": 2, "itemId": 201, "share": 100},
            ]
        accounting.append({"account": account, "dimensions": dimensions})
    unmapped_every = int(options.get("unmappedAccountEvery") or 0)
    if unmapped_every and index % unmapped_every == unmapped_every - 1:
        accounting[0]["account"] = UNMAPPED_ACCOUNT
    statuses = options.get("statuses") or ACCEPTED_STATUSES
    status = statuses[index % len(statuses)]
    invoice = {
        "type": "PURCHASE_INVOICE",
        "partnerId": supplier["id"],
        "date": bill_date.isoformat(),
        "counterParty": {
            "identifier": supplier["invoicingInfo"]["identifier"],
            "counterPartyAddress": dict(supplier["address"]),
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "currency": "EUR",
            "currencyRate": 1,
            "dueDate": (bill_date + timedelta(days=14)).isoformat(),
            "bankAccount": {"accountNumber": "FI4610253000123456", "bic": "NDEAFIHH"},
            "bankReferenceCode": _reference(index),
        },
        "extraInfo": {"accountingByRow": True, "unitPricesIncludeVat": False},
        "discountPercent": 0,
        "invoiceChannel": "NO_SENDING",
        "vatStatus": 2,
        "originalInvoiceNumber": f"T{index % SUPPLIERS:02d}-{index:05d}",
        "invoiceRows": rows,
    }
    spec = {"invoice": invoice, "status": status, "accounting": accounting}
    if status in PAID_WITH_EVENT:
        spec["paymentDate"] = min(bill_date + timedelta(days=10), today).isoformat()
    every = int(options.get("attachmentEvery", 10) or 0)
    if every and index % every == 0:
        spec["attachments"] = [{"name": f"lasku-{index:05d}.pdf", "content": TINY_PDF}]
    spec["image"] = TINY_PNG
    return spec


def _reference(index: int) -> str:
    """A valid Finnish reference (viitenumero) for generated invoice ``index``."""
    base = str(1000 + index)
    weights = (7, 3, 1)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(base)))
    return base + str((10 - total % 10) % 10)


def generated_purchase_invoices(count: int, today: date | None = None, options=None):
    """``(suppliers, specs)`` of ``count`` generated purchase invoices."""
    suppliers = [generated_supplier(i) for i in range(min(count, SUPPLIERS))]
    specs = [generated_purchase_invoice(i, today, options) for i in range(count)]
    return suppliers, specs


# --- seeding --------------------------------------------------------------------------
def _dimension_values(dimensions, value: Decimal) -> list[dict]:
    """DimensionItemValues of an ENTRY from shares: per dimension they add up to the
    ENTRY's value to the cent (the last item of a dimension takes the remainder)."""
    by_dimension: dict[int, list[dict]] = {}
    for item in dimensions or []:
        by_dimension.setdefault(int(item["dimensionId"]), []).append(item)
    result = []
    for dimension_id, items in by_dimension.items():
        left = value
        for position, item in enumerate(items):
            if position == len(items) - 1:
                amount = left
            else:
                amount = cents(value * dec(item.get("share", 100)) / HUNDRED)
                left -= amount
            result.append(
                {
                    "dimensionId": dimension_id,
                    "itemId": int(item["itemId"]),
                    "value": as_json_number(amount),
                }
            )
    return result


def _book(store, receipt: dict, accounting) -> None:
    """Write the accountant's choices (account, VAT status, dimensions) on the ENTRY rows."""
    entries = [t for t in receipt["transactions"] if t["transactionType"] == "ENTRY"]
    for entry, booking in zip(entries, accounting or [], strict=False):
        if booking.get("account"):
            if store.ledger_account(booking["account"]) is None:
                raise ValueError(f"unknown ledger account {booking['account']}")
            entry["account"] = booking["account"]
        if booking.get("vatStatus") is not None:
            entry["vatStatus"] = int(booking["vatStatus"])
        if booking.get("vatDeductionPercent") is not None:
            # The deductible share of the row's VAT (the rest is a cost); the ENTRY's value
            # stays net of the whole VAT, as for any purchase row.
            share = dec(booking["vatDeductionPercent"])
            if not 0 <= share <= HUNDRED:
                raise ValueError("vatDeductionPercent must be between 0 and 100")
            entry["vatDeductionPercent"] = as_json_number(share)
        values = _dimension_values(booking.get("dimensions"), dec(entry["accountingValue"]))
        for value in values:
            if store.dimension_item(value["dimensionId"], value["itemId"]) is None:
                raise ValueError(f"unknown dimension item {value['dimensionId']}/{value['itemId']}")
        if values:
            entry["dimensionItemValues"] = values


def seed_purchase_invoice(store, spec: dict) -> dict:
    """Create one accepted purchase invoice with its ledger receipt; returns the invoice.

    ``ValueError`` for a spec the sandbox cannot turn into a Procountor state (the control
    API answers 400 with the reason)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("invoice"), dict):
        raise ValueError("a purchase invoice seed needs an 'invoice' object")
    body = copy.deepcopy(spec["invoice"])
    body["type"] = "PURCHASE_INVOICE"
    body.setdefault("extraInfo", {"accountingByRow": True, "unitPricesIncludeVat": False})
    body["extraInfo"]["accountingByRow"] = True
    status = spec.get("status", "APPROVED")
    if status not in enums.INVOICE_STATUSES:
        raise ValueError(f"unknown invoice status {status!r}")
    try:
        invoice = validate_invoice(store, body)
    except E.ApiError as error:
        problems = ", ".join(f"{item.field or ''} {item.message}".strip() for item in error.items)
        raise ValueError(f"invalid purchase invoice: {problems}") from error
    invoice["id"] = store.next_id("invoice")
    invoice["invoiceNumber"] = store.next_id("invoiceNumber")
    invoice["status"] = "UNFINISHED"
    invoice["creatorId"] = store.session.get("userId")
    _finish(store, invoice)
    invoice["_created"] = invoice["version"][:19]
    receipt = build_invoice_receipt(store, invoice)
    _book(store, receipt, spec.get("accounting"))
    store.ledgerReceipts[receipt["id"]] = receipt
    invoice["ledgerReceiptId"] = receipt["id"]
    store.invoices[invoice["id"]] = invoice
    for attachment in spec.get("attachments") or []:
        _attach(store, invoice, attachment)
    if spec.get("image"):
        invoice["_image"] = spec["image"]
    set_status(store, invoice, status, spec.get("paymentDate"))
    return invoice


def _attach(store, invoice: dict, attachment: dict) -> None:
    import mimetypes

    name = attachment["name"]
    meta = {
        "id": store.next_id("attachment"),
        "name": name,
        "referenceType": "INVOICE",
        "referenceId": invoice["id"],
        "mimeType": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "sendWithInvoice": False,
    }
    store.attachments[meta["id"]] = meta
    store.attachment_content[meta["id"]] = base64.b64decode(attachment.get("content") or "")


def set_status(store, invoice: dict, status: str, payment_date: str | None = None) -> None:
    """Move a purchase invoice to ``status`` as Procountor's approval and payment do.

    PAID / MARKED_PAID record a payment event of what is still open (PARTLY_PAID: half of
    the total) on ``payment_date`` (default: the due date), which sets ``paymentDate``;
    any other status is set as it is. Each change gives a new ``version``."""
    from .money import invoice_totals
    from .routes.payments import paid_so_far

    if status not in enums.INVOICE_STATUSES:
        raise ValueError(f"unknown invoice status {status!r}")
    if status in PAID_WITH_EVENT:
        _net, _vat, total = invoice_totals(invoice)
        open_amount = total - paid_so_far(store, invoice["id"])
        amount = cents(total / 2) if status == "PARTLY_PAID" else open_amount
        if invoice["status"] in ("UNFINISHED", "INVALIDATED"):
            invoice["status"] = "APPROVED"
        if amount > 0:
            when = payment_date or invoice["paymentInfo"]["dueDate"]
            event_type = "ELSEWHERE" if status == "MARKED_PAID" else "BANKSTATEMENT"
            full = "MARKED_PAID" if status == "MARKED_PAID" else "PAID"
            record_payment(store, invoice, amount.quantize(CENT), when, event_type, full)
            return
    invoice["status"] = status
    invoice["version"] = store.new_version()


def apply_purchase_invoices(store, specs) -> list[dict]:
    if not isinstance(specs, list):
        raise ValueError("purchaseInvoices must be a list")
    return [seed_purchase_invoice(store, spec) for spec in specs]
