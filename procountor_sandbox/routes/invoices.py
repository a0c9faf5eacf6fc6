"""Invoices: create, get (one or many), search, update and the status actions."""

from __future__ import annotations

import copy

from .. import enums, finnish
from .. import errors as E
from ..httputil import (
    batch_get,
    keyset,
    page_params,
    paginate,
    query_bool,
    query_int,
    query_list,
    read_json,
)
from ..invoice_rules import validate_invoice
from ..ledger import build_invoice_receipt, refresh_invoice_receipt
from ..money import invoice_sum_info
from ..validation import Checker, parse_date
from . import route
from .common import check_version, find_or_404, info, pick, public, read_object

BASIC_KEYS = (
    "id",
    "partnerId",
    "type",
    "status",
    "invoiceNumber",
    "originalInvoiceNumber",
    "invoiceChannel",
    "date",
    "version",
    "invoiceSumInfo",
    "creatorId",
    "counterParty",
)
PAID_STATUSES = frozenset(("PAID", "PARTLY_PAID", "MARKED_PAID"))
APPROVABLE_SALES = frozenset(("UNFINISHED",))
APPROVABLE_PURCHASES = frozenset(("UNFINISHED", "RECEIVED", "VERIFIED"))
INVALIDATABLE_TYPES = frozenset(
    ("BILL_OF_CHARGES", "PURCHASE_INVOICE", "SALES_INVOICE", "TRAVEL_INVOICE")
)


def invoice_view(store, invoice: dict) -> dict:
    view = public(invoice)
    view["attachments"] = [
        copy.deepcopy(meta)
        for meta in store.attachments.values()
        if meta["referenceType"] == "INVOICE" and meta["referenceId"] == invoice["id"]
    ]
    return view


def basic_info(invoice: dict) -> dict:
    body = pick(invoice, BASIC_KEYS)
    payment = invoice.get("paymentInfo") or {}
    body.update(pick(payment, ("dueDate", "newDueDate")))
    body["created"] = invoice["_created"]
    if invoice["type"] == "SALES_ORDER":
        body["isOffer"] = bool(invoice.get("isOffer"))
    return body


def get_invoice_or_404(store, invoice_id: int) -> dict:
    return find_or_404(store.invoices, invoice_id)


def forbidden(message: str = E.INVALID_STATUS) -> E.ApiError:
    return E.ApiError.single(403, message)


def _finish(store, invoice: dict) -> None:
    """Fill what Procountor computes: reference, sums, row ids, version."""
    info_ = invoice["paymentInfo"]
    if info_.get("bankReferenceCode") == "":
        base = str(invoice["invoiceNumber"])
        if info_.get("bankReferenceCodeType") == "RF":
            info_["bankReferenceCode"] = finnish.make_rf_reference(finnish.make_fi_reference(base))
        else:
            info_["bankReferenceCode"] = finnish.make_fi_reference(base)
            info_["bankReferenceCodeType"] = "FI"
    for row in invoice["invoiceRows"]:
        row["id"] = store.next_id("invoiceRow")
    invoice["invoiceSumInfo"] = invoice_sum_info(invoice, store.company_currency())
    invoice["version"] = store.new_version()


@route("/invoices", "POST")
def create_invoice(api, request):
    store = api.store
    query_bool(request, "addCollectionPenalCosts", False)
    invoice = store_new_invoice(store, validate_invoice(store, read_json(request)))
    return 200, invoice_view(store, invoice)


def store_new_invoice(store, invoice: dict) -> dict:
    """Store a validated invoice as ``POST /invoices`` does: ids, UNFINISHED, sums,
    version, its accounting page; returns it."""
    invoice["id"] = store.next_id("invoice")
    invoice["invoiceNumber"] = store.next_id("invoiceNumber")
    invoice["status"] = "UNFINISHED"
    invoice["creatorId"] = store.session.get("userId")
    _finish(store, invoice)
    invoice["_created"] = invoice["version"][:19]
    if invoice["type"] in enums.TYPES_WITH_LEDGER_RECEIPT:
        receipt = build_invoice_receipt(store, invoice)
        store.ledgerReceipts[receipt["id"]] = receipt
        invoice["ledgerReceiptId"] = receipt["id"]
    store.invoices[invoice["id"]] = invoice
    return invoice


@route("/invoices/<ids>", "GET")
def get_invoices(api, request, ids):
    return 200, batch_get(api.store.invoices, ids, lambda i: invoice_view(api.store, i))


def _date_arg(request, name):
    raw = request.args.get(name)
    if not raw:
        return None
    if parse_date(raw) is None:
        raise E.ApiError.single(400, E.INVALID_DATE, name)
    return raw


def _list_arg(request, name, allowed):
    values = query_list(request, name)
    if any(value not in allowed for value in values):
        raise E.ApiError.single(400, E.INVALID_ENUM_VALUE, name)
    return set(values)


def _invoice_filters(request):
    """Predicates for GET /invoices, one per given query parameter."""
    statuses = _list_arg(request, "status", enums.INVOICE_STATUSES)
    types = _list_arg(request, "types", enums.INVOICE_TYPES)
    channels = _list_arg(request, "invoiceChannel", enums.INVOICE_CHANNELS)
    original = request.args.get("originalInvoiceNumber")
    number = query_int(request, "invoiceNumber")
    partner = query_int(request, "businessPartnerId")
    start, end = _date_arg(request, "startDate"), _date_arg(request, "endDate")
    due_start, due_end = _date_arg(request, "dueStartDate"), _date_arg(request, "dueEndDate")
    term = (request.args.get("searchTerm") or "").lower()
    ranges = {
        "_created": (request.args.get("createdStartDate"), request.args.get("createdEndDate")),
        "version": (request.args.get("versionStartDate"), request.args.get("versionEndDate")),
    }
    checks = [
        lambda i: not statuses or i["status"] in statuses,
        lambda i: not types or i["type"] in types,
        lambda i: not channels or i["invoiceChannel"] in channels,
        lambda i: original is None or i.get("originalInvoiceNumber") == original,
        lambda i: number is None or i["invoiceNumber"] == number,
        lambda i: partner is None or i.get("partnerId") == partner,
        lambda i: not start or i["date"] >= start,
        lambda i: not end or i["date"] <= end,
        lambda i: not due_start or i["paymentInfo"]["dueDate"] >= due_start,
        lambda i: not due_end or i["paymentInfo"]["dueDate"] <= due_end,
        lambda i: not term or _matches_term(i, term),
    ]
    for key, (low, high) in ranges.items():
        checks.append(lambda i, k=key, lo=low: not lo or i[k] >= lo)
        checks.append(lambda i, k=key, hi=high: not hi or i[k][: len(hi)] <= hi)
    return checks


def _matches_term(invoice: dict, term: str) -> bool:
    name = invoice["counterParty"]["counterPartyAddress"]["name"].lower()
    return (
        term in name
        or term == str(invoice["invoiceNumber"])
        or term in (invoice.get("additionalInformation") or "").lower()
    )


@route("/invoices", "GET")
def search_invoices(api, request):
    page, size = page_params(request)
    checks = _invoice_filters(request)
    found = [i for i in api.store.invoices.values() if all(check(i) for check in checks)]
    found = keyset(found, request, "DESC")
    return 200, paginate([basic_info(i) for i in found], page, size)


def _check_editable(invoice: dict) -> None:
    allowed = {"UNFINISHED"} if invoice["type"] in enums.SALES_TYPES else {"UNFINISHED", "RECEIVED"}
    if invoice["status"] not in allowed:
        raise forbidden()


@route("/invoices/<int:invoice_id>", "PUT")
def update_invoice(api, request, invoice_id):
    store = api.store
    current = get_invoice_or_404(store, invoice_id)
    body = read_object(request)
    _check_editable(current)
    check_version(body.get("version"), current)
    if body.get("type") not in (None, current["type"]):
        raise E.ApiError.single(400, E.NOT_EDITABLE, "type")
    invoice = validate_invoice(store, body, existing=current)
    for key in ("id", "invoiceNumber", "status", "ledgerReceiptId", "creatorId", "_created"):
        if key in current:
            invoice[key] = current[key]
    for key in ("partnerId", "notes"):
        if key in current and key not in invoice:
            invoice[key] = current[key]
    _finish(store, invoice)
    store.invoices[invoice_id] = invoice
    refresh_invoice_receipt(store, invoice)
    return 200, invoice_view(store, invoice)


def _set_status(store, invoice: dict, status: str) -> None:
    invoice["status"] = status
    invoice["version"] = store.new_version()


def _checking_event(request) -> None:
    body = read_json(request, required=False)
    if body is None:
        return
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    errors = E.FieldErrors()
    check = Checker(errors)
    check.unknown(body, {"comment"}, "")
    check.string(body, "comment", "comment", max_len=100)
    errors.raise_if_any()


@route("/invoices/<int:invoice_id>/approve", "PUT")
def approve_invoice(api, request, invoice_id):
    invoice = get_invoice_or_404(api.store, invoice_id)
    _checking_event(request)
    _set_status(api.store, invoice, approval_target(invoice))
    return info("Invoice approved.")


def approval_target(invoice: dict) -> str:
    """The status approving ``invoice`` gives (sales: UNFINISHED → NOT_SENT; purchase:
    UNFINISHED, RECEIVED or VERIFIED → APPROVED); 403 when it cannot be approved now."""
    if invoice["type"] in enums.SALES_TYPES:
        allowed, target = APPROVABLE_SALES, "NOT_SENT"
    else:
        allowed, target = APPROVABLE_PURCHASES, "APPROVED"
    if invoice["status"] not in allowed:
        raise forbidden()
    return target


@route("/invoices/<int:invoice_id>/send", "PUT")
def send_invoice(api, request, invoice_id):
    invoice = get_invoice_or_404(api.store, invoice_id)
    if invoice["type"] not in enums.SALES_TYPES:
        raise forbidden(E.TYPE_NOT_ALLOWED)
    # Only NOT_SENT (approved) or SENT (a resend) invoices can be sent.
    if invoice["status"] not in ("NOT_SENT", "SENT"):
        raise forbidden()
    _set_status(api.store, invoice, "SENT")
    return info(f"Invoice sent via {invoice['invoiceChannel']}.")


@route("/invoices/<int:invoice_id>/invalidate", "PUT")
def invalidate_invoice(api, request, invoice_id):
    store = api.store
    invoice = get_invoice_or_404(store, invoice_id)
    if invoice["type"] not in INVALIDATABLE_TYPES:
        raise forbidden(E.TYPE_NOT_ALLOWED)
    if invoice["status"] == "INVALIDATED" or invoice["status"] in PAID_STATUSES:
        raise forbidden()
    if not store.period_is_open(parse_date(invoice["date"])):
        raise forbidden(E.CLOSED_FISCAL_PERIOD)
    _set_status(store, invoice, "INVALIDATED")
    return info("Invoice invalidated.")


@route("/invoices/<int:invoice_id>/unfinished", "PUT")
def mark_invoice_unfinished(api, request, invoice_id):
    invoice = get_invoice_or_404(api.store, invoice_id)
    if invoice["status"] not in ("NOT_SENT", "APPROVED", "VERIFIED", "RECEIVED"):
        raise forbidden()
    _set_status(api.store, invoice, "UNFINISHED")
    return info("Invoice marked unfinished.")


@route("/invoices/<int:invoice_id>/notes", "PUT")
def update_invoice_notes(api, request, invoice_id):
    invoice = get_invoice_or_404(api.store, invoice_id)
    body = read_object(request)
    errors = E.FieldErrors()
    check = Checker(errors)
    check.unknown(body, {"notes"}, "")
    check.string(body, "notes", "notes", True, 10000)
    errors.raise_if_any()
    invoice["notes"] = body["notes"]  # allowed in any status
    invoice["version"] = api.store.new_version()
    return info("Notes saved.")
