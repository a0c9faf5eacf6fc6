"""The control API under /_sandbox/ (JSON), for tests and demos.

POST reset, POST seed, POST invoices/{id}/payments, DELETE invoices/{id}/payments/{event id},
POST invoices/{id}/setoff, POST invoices/{id}/status,
POST invoices (bulk), PATCH/DELETE invoices/{id}, PUT ledgerreceipts/{id}/transactions
(hand edits of the books, procountor_sandbox.bookkeeping),
POST/GET/DELETE faults,
DELETE faults/{id}, POST tokens/expire, GET/DELETE journal, GET invoices, GET state.
It needs no token and never appears in the journal.
"""

from __future__ import annotations

import copy
from datetime import date

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from . import bookkeeping, enums
from . import errors as E
from .faults import FaultSpecError
from .httputil import json_response, read_json
from .ledger import receipt_view
from .purchases import generated_purchase_invoices, set_status
from .registers import register_seed
from .routes.invoices import invoice_view
from .routes.payments import OMITTABLE_KEYS, event_view, record_payment, remove_payment
from .seed import apply_seed, default_seed
from .validation import is_number, parse_date


def _body(request) -> dict:
    body = read_json(request, required=False)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    return body


def reset(app, request):
    body = _body(request)
    app.reset(seed=body.get("seed", True) is not False)
    return 200, {"reset": True, "seeded": body.get("seed", True) is not False}


def seed(app, request):
    body = _body(request) or default_seed()
    generate = body.pop("generate", None)
    if generate is not None:
        # {"generate": {"businessPartners": 500, "products": 300}}: the deterministic
        # register of procountor_sandbox.registers, for bulk tests and benchmarks.
        if not isinstance(generate, dict):
            raise E.ApiError.single(400, E.INVALID_JSON)
        generated = register_seed(
            int(generate.get("businessPartners", 0)), int(generate.get("products", 0))
        )
        # {"generate": {"purchaseInvoices": 500, "purchaseInvoiceOptions": {...}}}: accepted
        # purchase invoices and their suppliers (procountor_sandbox.purchases).
        options = generate.get("purchaseInvoiceOptions") or {}
        today = parse_date(options["today"]) if options.get("today") else None
        suppliers, purchases = generated_purchase_invoices(
            int(generate.get("purchaseInvoices", 0)), today=today, options=options
        )
        generated["businessPartners"] += suppliers
        generated["purchaseInvoices"] = purchases
        for key, rows in generated.items():
            if rows:
                body[key] = [*body.get(key, []), *rows]
    try:
        counts = apply_seed(app.store, body)
    except ValueError as error:
        raise E.ApiError.single(400, str(error)) from error
    app.store.save()
    return 200, {"seeded": counts}


def add_payment(app, request, invoice_id):
    return 200, event_view(pay_invoice(app.store, invoice_id, _body(request)))


def pay_invoice(store, invoice_id, body: dict) -> dict:
    """A payment Procountor received: PaymentEvent, invoice PARTLY_PAID or PAID.

    Body: ``amount`` (required, in the invoice currency; negative allowed: a returned
    payment, or the refund of a credit note whose total is negative), ``paymentDate``
    (default today), ``type`` (a PaymentEvent type, default BANKSTATEMENT; CASH for cash),
    ``paidCurrency`` (default the invoice's: another one makes a foreign-currency event),
    ``description``, ``omit`` (keys among paidAmount, paidCurrency, currency that the event's
    answers leave out, as some Procountor events do: none of them is required),
    ``accountingAmount`` (the euros Procountor booked for the payment, at the day's rate;
    default: ``amount`` at the invoice's rate).
    Shared by ``POST invoices/{id}/payments`` and the sandbox page (``page.py``).
    """
    invoice = store.invoices.get(invoice_id)
    if invoice is None:
        raise E.not_found()
    if invoice["status"] in ("UNFINISHED", "INVALIDATED"):
        raise E.ApiError.single(409, E.INVALID_STATUS)
    amount = body.get("amount")
    if not is_number(amount):
        raise E.ApiError.single(400, E.MAY_NOT_BE_NULL, "amount")
    payment_date = body.get("paymentDate") or date.today().isoformat()
    if parse_date(payment_date) is None:
        raise E.ApiError.single(400, E.INVALID_DATE, "paymentDate")
    event_type = body.get("type", "BANKSTATEMENT")
    if event_type not in enums.PAYMENT_EVENT_TYPES:
        raise E.ApiError.single(400, E.INVALID_ENUM_VALUE, "type")
    paid_currency = body.get("paidCurrency")
    if paid_currency is not None and paid_currency not in enums.CURRENCIES:
        raise E.ApiError.single(400, E.INVALID_ENUM_VALUE, "paidCurrency")
    omit = body.get("omit") or []
    if not isinstance(omit, list) or not set(omit) <= OMITTABLE_KEYS:
        raise E.ApiError.single(400, E.INVALID_ENUM_VALUE, "omit")
    accounting_amount = body.get("accountingAmount")
    if accounting_amount is not None and not is_number(accounting_amount):
        raise E.ApiError.single(400, E.INVALID_VALUE, "accountingAmount")
    event = record_payment(
        store,
        invoice,
        amount,
        payment_date,
        event_type,
        "PAID",
        body.get("description"),
        paid_currency=paid_currency,
        omit=omit,
        accounting_amount=accounting_amount,
    )
    store.save()
    return event


def add_setoff(app, request, invoice_id):
    """A set-off in Procountor: an invoice settled against a credit note of the same party.

    Body: ``creditNoteId`` (an invoice of the same type with a negative total), ``amount``
    (positive, in the invoice currency), ``paymentDate`` (default today). Records a SETOFF
    event of ``amount`` on the invoice and of ``-amount`` on the credit note; both move to
    PARTLY_PAID or PAID as any payment does. The answer: both events.
    """
    store = app.store
    body = _body(request)
    invoice = store.invoices.get(invoice_id)
    credit = store.invoices.get(body.get("creditNoteId"))
    if invoice is None or credit is None:
        raise E.not_found()
    for document in (invoice, credit):
        if document["status"] in ("UNFINISHED", "INVALIDATED"):
            raise E.ApiError.single(409, E.INVALID_STATUS)
    same = (
        credit["type"] == invoice["type"]
        and credit["paymentInfo"]["currency"] == invoice["paymentInfo"]["currency"]
    )
    if not same:
        raise E.ApiError.single(400, E.CURRENCY_MISMATCH, "creditNoteId")
    amount = body.get("amount")
    if not is_number(amount) or amount <= 0:
        raise E.ApiError.single(400, E.MAY_NOT_BE_NULL, "amount")
    payment_date = body.get("paymentDate") or date.today().isoformat()
    if parse_date(payment_date) is None:
        raise E.ApiError.single(400, E.INVALID_DATE, "paymentDate")
    on_invoice = record_payment(store, invoice, amount, payment_date, "SETOFF", "PAID")
    on_credit = record_payment(store, credit, -amount, payment_date, "SETOFF", "PAID")
    store.save()
    return 200, {"invoice": event_view(on_invoice), "creditNote": event_view(on_credit)}


def change_status(app, request, invoice_id):
    return 200, invoice_view(app.store, move_invoice(app.store, invoice_id, _body(request)))


def move_invoice(store, invoice_id, body: dict) -> dict:
    """Move an invoice to another status, as approval, payment or invalidation in
    Procountor's UI would: body ``{"status": "PAID", "paymentDate": "2026-03-01"}``.

    PAID, PARTLY_PAID and MARKED_PAID record a payment event (procountor_sandbox.purchases
    ``set_status``); every change gives the invoice a new ``version``. Shared by
    ``POST invoices/{id}/status`` and the sandbox page's approve buttons."""
    invoice = store.invoices.get(invoice_id)
    if invoice is None:
        raise E.not_found()
    status = body.get("status")
    if status not in enums.INVOICE_STATUSES:
        raise E.ApiError.single(400, E.INVALID_ENUM_VALUE, "status")
    payment_date = body.get("paymentDate")
    if payment_date is not None and parse_date(payment_date) is None:
        raise E.ApiError.single(400, E.INVALID_DATE, "paymentDate")
    set_status(store, invoice, status, payment_date)
    store.save()
    return invoice


def delete_payment(app, request, invoice_id, event_id):
    event, invoice = unpay_invoice(app.store, invoice_id, event_id)
    return 200, {"removed": event["id"], "status": invoice["status"]}


def unpay_invoice(store, invoice_id, event_id) -> tuple[dict, dict]:
    """Remove a payment event, as when an allocation is undone in Procountor:
    (the event, the invoice). Shared with the sandbox page's remove buttons."""
    invoice = store.invoices.get(invoice_id)
    if invoice is None:
        raise E.not_found()
    event = remove_payment(store, invoice, event_id)
    store.save()
    return event, invoice


def bulk_invoices(app, request):
    """Many invoices at once: ``{"invoices": [{"invoice": {...}, "status": "SENT",
    "payments": [{"amount": 10, "paymentDate": "2026-03-10"}]}]}``."""
    body = _body(request)
    try:
        created = bookkeeping.bulk_invoices(app.store, body.get("invoices"))
    except ValueError as error:
        raise E.ApiError.single(400, str(error)) from error
    app.store.save()
    return 200, {"invoices": created}


def patch_invoice(app, request, invoice_id):
    """Edit an invoice in any status, as Procountor's UI can: top-level fields replaced."""
    store = app.store
    invoice = store.invoices.get(invoice_id)
    if invoice is None:
        raise E.not_found()
    try:
        bookkeeping.patch_invoice(store, invoice, _body(request))
    except ValueError as error:
        raise E.ApiError.single(400, str(error)) from error
    store.save()
    return 200, invoice_view(store, invoice)


def delete_invoice(app, request, invoice_id):
    if invoice_id not in app.store.invoices:
        raise E.not_found()
    bookkeeping.delete_invoice(app.store, invoice_id)
    app.store.save()
    return 200, {"deleted": invoice_id}


def rebook_receipt(app, request, receipt_id):
    """Replace a ledger receipt's transactions: ``{"transactions": [...]}``."""
    store = app.store
    receipt = store.ledgerReceipts.get(receipt_id)
    if receipt is None:
        raise E.not_found()
    try:
        bookkeeping.rebook_receipt(store, receipt, _body(request).get("transactions"))
    except ValueError as error:
        raise E.ApiError.single(400, str(error)) from error
    store.save()
    return 200, receipt_view(store, receipt)


def add_fault(app, request):
    try:
        rule = app.faults.add(_body(request))
    except FaultSpecError as error:
        raise E.ApiError.single(400, str(error)) from error
    return 200, rule.as_json()


def list_faults(app, request):
    return 200, app.faults.list()


def clear_faults(app, request):
    app.faults.clear()
    return 200, {"faults": []}


def remove_fault(app, request, fault_id):
    if not app.faults.remove(fault_id):
        raise E.not_found()
    return 200, {"removed": fault_id}


def expire_tokens(app, request):
    return 200, {"expired": app.tokens.expire_all()}


def get_journal(app, request):
    since = request.args.get("since", "0")
    return 200, app.journal.entries(int(since) if since.isdigit() else 0)


def clear_journal(app, request):
    app.journal.clear()
    return 200, {"journal": []}


def list_invoices(app, request):
    """Everything stored per invoice: the API view plus payments and receipt."""
    store = app.store
    result = []
    for invoice_id in sorted(store.invoices):
        invoice = store.invoices[invoice_id]
        view = invoice_view(store, invoice)
        view["paymentEvents"] = [
            event_view(e) for e in store.paymentEvents.values() if e["invoiceId"] == invoice_id
        ]
        receipt = store.ledgerReceipts.get(invoice.get("ledgerReceiptId"))
        view["ledgerReceipt"] = receipt_view(store, receipt) if receipt else None
        result.append(view)
    return 200, result


def get_state(app, request):
    state = app.store.to_json()
    state.pop("attachmentContent", None)
    return 200, copy.deepcopy(state)


CONTROL_MAP = Map(
    [
        Rule("/_sandbox/reset", methods=["POST"], endpoint=reset),
        Rule("/_sandbox/seed", methods=["POST"], endpoint=seed),
        Rule(
            "/_sandbox/invoices/<int:invoice_id>/payments",
            methods=["POST"],
            endpoint=add_payment,
        ),
        Rule(
            "/_sandbox/invoices/<int:invoice_id>/setoff",
            methods=["POST"],
            endpoint=add_setoff,
        ),
        Rule(
            "/_sandbox/invoices/<int:invoice_id>/status",
            methods=["POST"],
            endpoint=change_status,
        ),
        Rule(
            "/_sandbox/invoices/<int:invoice_id>/payments/<int:event_id>",
            methods=["DELETE"],
            endpoint=delete_payment,
        ),
        Rule("/_sandbox/invoices", methods=["POST"], endpoint=bulk_invoices),
        Rule("/_sandbox/invoices/<int:invoice_id>", methods=["PATCH"], endpoint=patch_invoice),
        Rule("/_sandbox/invoices/<int:invoice_id>", methods=["DELETE"], endpoint=delete_invoice),
        Rule(
            "/_sandbox/ledgerreceipts/<int:receipt_id>/transactions",
            methods=["PUT"],
            endpoint=rebook_receipt,
        ),
        Rule("/_sandbox/faults", methods=["POST"], endpoint=add_fault),
        Rule("/_sandbox/faults", methods=["GET"], endpoint=list_faults),
        Rule("/_sandbox/faults", methods=["DELETE"], endpoint=clear_faults),
        Rule("/_sandbox/faults/<int:fault_id>", methods=["DELETE"], endpoint=remove_fault),
        Rule("/_sandbox/tokens/expire", methods=["POST"], endpoint=expire_tokens),
        Rule("/_sandbox/journal", methods=["GET"], endpoint=get_journal),
        Rule("/_sandbox/journal", methods=["DELETE"], endpoint=clear_journal),
        Rule("/_sandbox/invoices", methods=["GET"], endpoint=list_invoices),
        Rule("/_sandbox/state", methods=["GET"], endpoint=get_state),
    ],
    strict_slashes=False,
)


def dispatch(app, request):
    adapter = CONTROL_MAP.bind("sandbox", "/")
    try:
        handler, arguments = adapter.match(request.path.rstrip("/"), method=request.method)
    except NotFound:
        return json_response(404, E.not_found().body())
    except MethodNotAllowed:
        return json_response(405, E.ApiError.single(405, E.METHOD_NOT_ALLOWED).body())
    with app.store.lock:
        try:
            status, body = handler(app, request, **arguments)
        except E.ApiError as error:
            return json_response(error.status, error.body())
    return json_response(status, body)
