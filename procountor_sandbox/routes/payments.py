"""Payment events: list per invoice, list for many invoices, mark as paid.

``record_payment`` is shared with the control API's incoming bank payments.
"""

from __future__ import annotations

from decimal import Decimal

from .. import defaults, enums
from .. import errors as E
from ..httputil import keyset, page_params, paginate, query_bool, query_list, read_json
from ..money import as_json_number, dec, invoice_totals, to_accounting_currency
from ..validation import Checker
from . import route
from .common import pick, public
from .invoices import forbidden, get_invoice_or_404

MARK_PAID_FIELDS = frozenset(
    ("paymentDate", "amount", "currency", "description", "paymentMethodType")
)
PAYABLE_STATUSES = frozenset(
    ("NOT_SENT", "SENT", "PARTLY_PAID", "APPROVED", "VERIFIED", "RECEIVED")
)
MARK_PAID_TYPES = frozenset(
    ("SALES_INVOICE", "PURCHASE_INVOICE", "TRAVEL_INVOICE", "BILL_OF_CHARGES")
)
# /payments/paymentevents is typed as PaymentSearchResult in the 26.04 spec, whose
# rows (BasicPaymentTransactionData) have only these fields.
TRANSACTION_ROW_KEYS = (
    "id",
    "invoiceId",
    "paymentDate",
    "amount",
    "paidAmount",
    "paidCurrency",
    "status",
)


#: Keys a control-API payment may leave out of its answers, as Procountor does (no
#: PaymentEvent field is required by the 26.04 schema): e.g. a "marked paid" event that
#: carries only ``amount`` in the accounting currency.
OMITTABLE_KEYS = frozenset(("paidAmount", "paidCurrency", "currency"))


def event_view(event: dict) -> dict:
    """The API answer of a stored event: its public keys less those it was recorded without."""
    omitted = set(event.get("_omit") or ())
    return {key: value for key, value in public(event).items() if key not in omitted}


def paid_so_far(store, invoice_id: int) -> Decimal:
    return sum(
        (
            dec(e["paidAmount"])
            for e in store.paymentEvents.values()
            if e["invoiceId"] == invoice_id
        ),
        Decimal(0),
    )


def payment_status(store, invoice: dict, full_status: str) -> str:
    """The invoice status its payment events give, as Procountor moves it.

    No payment left: the status it had before the first one; paid in part: PARTLY_PAID;
    paid in full (a credit note: refunded in full): ``full_status``.
    """
    _net, _vat, total = invoice_totals(invoice)
    paid = paid_so_far(store, invoice["id"])
    if paid == 0:
        return invoice.get("_statusBeforePayment") or invoice["status"]
    fully_paid = paid >= total if total >= 0 else paid <= total
    return full_status if fully_paid else "PARTLY_PAID"


def record_payment(
    store,
    invoice: dict,
    amount,
    payment_date: str,
    event_type: str,
    full_status: str,
    description: str | None = None,
    paid_currency: str | None = None,
    omit=(),
    accounting_amount=None,
) -> dict:
    """Add a PaymentEvent and move the invoice to PARTLY_PAID or ``full_status``.

    ``paid_currency`` (control API only) records a payment in another currency than the
    invoice's; its amount still counts towards the invoice's status (a sandbox shortcut).
    ``omit`` (control API only): keys of ``OMITTABLE_KEYS`` left out of every answer.
    ``accounting_amount`` (control API only): the euros booked for the payment (a foreign
    payment converted at the payment day's rate); default ``amount`` at the invoice's rate.
    """
    currency = invoice["paymentInfo"]["currency"]
    if invoice["status"] not in ("PARTLY_PAID", "PAID", "MARKED_PAID"):
        invoice["_statusBeforePayment"] = invoice["status"]
    event = {
        "id": store.next_id("paymentEvent"),
        "invoiceId": invoice["id"],
        "type": event_type,
        "paymentDate": payment_date,
        "amount": as_json_number(
            dec(accounting_amount)
            if accounting_amount is not None
            else to_accounting_currency(dec(amount), invoice["paymentInfo"]["currencyRate"])
        ),
        "currency": store.company_currency(),
        "paidAmount": float(amount),
        "paidCurrency": paid_currency or currency,
    }
    if description and invoice["type"] in enums.SALES_TYPES:
        event["description"] = description
    if omit:
        event["_omit"] = sorted(omit)
    store.paymentEvents[event["id"]] = event
    status = payment_status(store, invoice, full_status)
    event["status"] = status
    invoice["status"] = status
    invoice["paymentDate"] = payment_date
    invoice["version"] = store.new_version()
    return event


def remove_payment(store, invoice: dict, event_id: int) -> dict:
    """Delete a payment event (Procountor: a removed bank allocation or "marked paid").

    The invoice's status, latest payment date and version change as Procountor's do.
    """
    event = store.paymentEvents.get(event_id)
    if event is None or event["invoiceId"] != invoice["id"]:
        raise E.not_found()
    del store.paymentEvents[event_id]
    full_status = "MARKED_PAID" if invoice["status"] == "MARKED_PAID" else "PAID"
    invoice["status"] = payment_status(store, invoice, full_status)
    dates = [
        e["paymentDate"] for e in store.paymentEvents.values() if e["invoiceId"] == invoice["id"]
    ]
    if dates:
        invoice["paymentDate"] = max(dates)
    else:
        invoice.pop("paymentDate", None)
    invoice["version"] = store.new_version()
    return event


@route("/invoices/<int:invoice_id>/paymentevents", "GET")
def list_invoice_payment_events(api, request, invoice_id):
    store = api.store
    get_invoice_or_404(store, invoice_id)
    page, size = page_params(request)
    events = [e for e in store.paymentEvents.values() if e["invoiceId"] == invoice_id]
    events = keyset(events, request, "DESC")
    return 200, paginate([event_view(e) for e in events], page, size)


@route("/invoices/<int:invoice_id>/paymentevents/markpaid", "PUT")
def mark_invoice_paid(api, request, invoice_id):
    store = api.store
    invoice = get_invoice_or_404(store, invoice_id)
    query_bool(request, "addPenalExpense", False)
    body = read_json(request)
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    errors = E.FieldErrors()
    check = Checker(errors)
    check.unknown(body, MARK_PAID_FIELDS, "")
    payment_date = check.date(body, "paymentDate", "paymentDate", required=True)
    check.number(body, "amount", "amount", required=True, scale=2)
    currency = check.string(body, "currency", "currency", True, enum=enums.CURRENCIES)
    check.string(body, "description", "description", max_len=140)
    method = check.string(
        body, "paymentMethodType", "paymentMethodType", enum=enums.MARK_PAID_METHODS
    )
    if currency and currency != invoice["paymentInfo"]["currency"]:
        errors.add("currency", E.CURRENCY_MISMATCH)
    if payment_date and not store.period_is_open(payment_date):
        errors.add("paymentDate", E.CLOSED_FISCAL_PERIOD)
    errors.raise_if_any()
    if invoice["type"] not in MARK_PAID_TYPES:
        raise forbidden(E.TYPE_NOT_ALLOWED)
    if invoice["status"] not in PAYABLE_STATUSES:
        raise forbidden()
    event_type = enums.MARK_PAID_METHODS.get(method, "ELSEWHERE")
    event = record_payment(
        store,
        invoice,
        body["amount"],
        body["paymentDate"],
        event_type,
        "MARKED_PAID",
        body.get("description"),
    )
    return 200, event_view(event)


@route("/payments/paymentevents", "GET")
def list_payment_events(api, request):
    ids = query_list(request, "invoiceId")
    if not ids:
        raise E.ApiError.single(400, E.MAY_NOT_BE_NULL, "invoiceId")
    if len(ids) > defaults.MAX_BATCH_IDS:
        raise E.ApiError.single(400, E.TOO_MANY_IDS, "invoiceId")
    if not all(value.isdigit() for value in ids):
        raise E.ApiError.single(400, E.INVALID_ID, "invoiceId")
    wanted = {int(value) for value in ids}
    page, size = page_params(request)
    events = [e for e in api.store.paymentEvents.values() if e["invoiceId"] in wanted]
    events = keyset(events, request, "DESC")
    return 200, paginate([pick(event_view(e), TRANSACTION_ROW_KEYS) for e in events], page, size)
