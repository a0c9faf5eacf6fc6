"""Control API for what a Procountor user does by hand to the books, and bulk invoices.

Reconciliation tests need a Procountor whose books drift from Odoo's the way real ones do:
an invoice edited after sending, an invoice deleted, a re-booked VAT split, many invoices
already sent and paid. The API itself refuses most of these (a sent invoice is not
editable), so these endpoints change the state directly, as Procountor's UI would:

- ``POST /_sandbox/invoices``: many invoices at once, each an ``Invoice`` body validated
  like ``POST /invoices`` with an optional ``status`` and ``payments``;
- ``PATCH /_sandbox/invoices/{id}``: replace top-level fields of an invoice in any status
  (sums, receipt and version follow);
- ``DELETE /_sandbox/invoices/{id}``: forget an invoice with its receipt, payment events
  and attachments;
- ``PUT /_sandbox/ledgerreceipts/{id}/transactions``: re-book a receipt's transactions.
"""

from __future__ import annotations

import copy
from datetime import date

from . import enums
from . import errors as E
from .invoice_rules import validate_invoice
from .ledger import assign_transaction_ids, refresh_invoice_receipt
from .routes.invoices import _finish, store_new_invoice
from .routes.payments import record_payment
from .validation import is_number, parse_date

#: Statuses an invoice of the bulk endpoint may be put in directly (the paid ones come
#: from its ``payments``).
DIRECT_STATUSES = frozenset(
    ("UNFINISHED", "NOT_SENT", "SENT", "RECEIVED", "VERIFIED", "APPROVED", "INVALIDATED")
)
#: Invoice fields a PATCH may not replace: Procountor's own bookkeeping.
READ_ONLY_FIELDS = frozenset(
    ("id", "invoiceNumber", "ledgerReceiptId", "creatorId", "version", "invoiceSumInfo")
)


def _invoice_spec_error(index: int, error: E.ApiError) -> ValueError:
    problems = ", ".join(f"{item.field or ''} {item.message}".strip() for item in error.items)
    return ValueError(f"invoices[{index}]: {problems}")


def _payment(store, invoice: dict, spec, index: int) -> None:
    if not isinstance(spec, dict) or not is_number(spec.get("amount")):
        raise ValueError(f"invoices[{index}].payments: each needs an amount")
    when = spec.get("paymentDate") or date.today().isoformat()
    if parse_date(when) is None:
        raise ValueError(f"invoices[{index}].payments: invalid paymentDate {when!r}")
    kind = spec.get("type", "BANKSTATEMENT")
    if kind not in enums.PAYMENT_EVENT_TYPES:
        raise ValueError(f"invoices[{index}].payments: unknown type {kind!r}")
    record_payment(store, invoice, spec["amount"], when, kind, "PAID")


def bulk_invoices(store, specs) -> list[dict]:
    """Create every invoice of ``specs`` (all or none: a bad spec leaves the store as it
    was); returns ``{id, invoiceNumber, ledgerReceiptId, status}`` per invoice."""
    if not isinstance(specs, list):
        raise ValueError("invoices must be a list")
    snapshot = store.to_json()
    created = []
    try:
        for index, spec in enumerate(specs):
            if not isinstance(spec, dict) or not isinstance(spec.get("invoice"), dict):
                raise ValueError(f"invoices[{index}] needs an 'invoice' object")
            try:
                body = copy.deepcopy(spec["invoice"])
                invoice = store_new_invoice(store, validate_invoice(store, body))
            except E.ApiError as error:
                raise _invoice_spec_error(index, error) from error
            status = spec.get("status", "UNFINISHED")
            if status not in DIRECT_STATUSES:
                raise ValueError(f"invoices[{index}]: status {status!r} cannot be set directly")
            invoice["status"] = status
            for payment in spec.get("payments") or []:
                _payment(store, invoice, payment, index)
            created.append(
                {
                    "id": invoice["id"],
                    "invoiceNumber": invoice["invoiceNumber"],
                    "ledgerReceiptId": invoice.get("ledgerReceiptId"),
                    "status": invoice["status"],
                }
            )
    except ValueError:
        store.load_json(snapshot)
        raise
    return created


def patch_invoice(store, invoice: dict, changes: dict) -> dict:
    """Replace top-level fields as an edit in Procountor's UI would, in any status; the
    sums, the accounting page and the version follow."""
    refused = sorted(set(changes) & READ_ONLY_FIELDS)
    if refused:
        raise ValueError(f"read-only fields: {', '.join(refused)}")
    if "status" in changes and changes["status"] not in enums.INVOICE_STATUSES:
        raise ValueError(f"unknown invoice status {changes['status']!r}")
    for key, value in changes.items():
        invoice[key] = copy.deepcopy(value)
    _finish(store, invoice)
    refresh_invoice_receipt(store, invoice)
    return invoice


def delete_invoice(store, invoice_id: int) -> None:
    """Forget an invoice (an unfinished one deleted, or a test's "never arrived")."""
    invoice = store.invoices.pop(invoice_id)
    store.ledgerReceipts.pop(invoice.get("ledgerReceiptId"), None)
    for event_id in [e for e, ev in store.paymentEvents.items() if ev["invoiceId"] == invoice_id]:
        del store.paymentEvents[event_id]
    for meta_id in [
        m
        for m, meta in store.attachments.items()
        if meta["referenceType"] == "INVOICE" and meta["referenceId"] == invoice_id
    ]:
        del store.attachments[meta_id]
        store.attachment_content.pop(meta_id, None)


def rebook_receipt(store, receipt: dict, transactions) -> dict:
    """Replace a receipt's transactions (an accountant's re-booking: accounts, VAT split);
    rows keep their ids when given, new rows get new ones, the version changes."""
    if not isinstance(transactions, list) or not all(isinstance(t, dict) for t in transactions):
        raise ValueError("transactions must be a list of objects")
    for index, transaction in enumerate(transactions):
        if transaction.get("transactionType") not in enums.TRANSACTION_TYPES:
            raise ValueError(f"transactions[{index}].transactionType is missing or unknown")
        if not is_number(transaction.get("accountingValue")):
            raise ValueError(f"transactions[{index}].accountingValue must be a number")
        account = transaction.get("account")
        if account is not None and store.ledger_account(account) is None:
            raise ValueError(f"transactions[{index}]: unknown ledger account {account}")
    known = {t.get("id") for t in receipt.get("transactions", [])}
    rows = copy.deepcopy(transactions)
    assign_transaction_ids(store, rows, known)
    receipt["transactions"] = rows
    receipt["version"] = store.new_version()
    return receipt
