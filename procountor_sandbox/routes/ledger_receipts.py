"""Ledger receipts: get (one or many), search, update (accounts and dimensions of an
invoice's accounting page), create journals, approve and invalidate journals."""

from __future__ import annotations

from .. import enums
from .. import errors as E
from ..httputil import batch_get, keyset, page_params, paginate, query_bool, query_list, read_json
from ..ledger import assign_transaction_ids, imbalance, receipt_view, validate_receipt
from ..money import as_json_number
from ..validation import parse_date
from . import route
from .common import check_version, find_or_404, info, pick, read_object
from .invoices import forbidden

BASIC_KEYS = (
    "id",
    "type",
    "status",
    "name",
    "receiptDate",
    "receiptNumber",
    "invoiceNumber",
    "version",
)


def _get(api, receipt_id: int) -> dict:
    return find_or_404(api.store.ledgerReceipts, receipt_id)


def _reconcile(store, receipt: dict) -> None:
    """``createReconciliation=true``: add the RECONCILIATION_ENTRY that balances it."""
    difference = imbalance(receipt["transactions"])
    if difference == 0 or any(
        t["transactionType"] == "RECONCILIATION_ENTRY" for t in receipt["transactions"]
    ):
        return
    receipt["transactions"].append(
        {
            "id": store.next_id("transaction"),
            "transactionType": "RECONCILIATION_ENTRY",
            "account": store.accountingDefaults.get("reconciliation", "2880"),
            "accountingValue": as_json_number(-difference),
            "vatPercent": 0.0,
        }
    )


@route("/ledgerreceipts/<ids>", "GET")
def get_ledger_receipts(api, request, ids):
    return 200, batch_get(api.store.ledgerReceipts, ids, lambda r: receipt_view(api.store, r))


@route("/ledgerreceipts", "GET")
def search_ledger_receipts(api, request):
    page, size = page_params(request)
    types = set(query_list(request, "types"))
    status = request.args.get("status")
    start, end = request.args.get("startDate"), request.args.get("endDate")
    found = []
    for receipt in api.store.ledgerReceipts.values():
        view = receipt_view(api.store, receipt)
        if types and view["type"] not in types:
            continue
        if status and view.get("status") != status:
            continue
        if (start and view["receiptDate"] < start) or (end and view["receiptDate"] > end):
            continue
        found.append(view)
    found = keyset(found, request, "DESC")
    return 200, paginate([pick(r, BASIC_KEYS) for r in found], page, size)


@route("/ledgerreceipts/<int:receipt_id>", "PUT")
def update_ledger_receipt(api, request, receipt_id):
    store = api.store
    current = _get(api, receipt_id)
    body = read_object(request)
    if current["type"] not in enums.EDITABLE_LEDGER_RECEIPT_TYPES:
        raise forbidden(E.TYPE_NOT_ALLOWED)
    if receipt_view(store, current).get("status") == "INVALIDATED":
        raise forbidden()
    check_version(body.get("version"), current)
    receipt = validate_receipt(store, body, existing=current)
    known = {t["id"] for t in current["transactions"]}
    assign_transaction_ids(store, receipt["transactions"], known)
    for key in ("id", "type", "invoiceId", "invoiceNumber", "receiptNumber", "status"):
        if key in current:
            receipt[key] = current[key]
    if query_bool(request, "createReconciliation", False):
        _reconcile(store, receipt)
    receipt["version"] = store.new_version()
    store.ledgerReceipts[receipt_id] = receipt
    return 200, receipt_view(store, receipt)


@route("/ledgerreceipts", "POST")
def create_ledger_receipt(api, request):
    store = api.store
    receipt = validate_receipt(store, read_json(request))
    assign_transaction_ids(store, receipt["transactions"], set())
    if query_bool(request, "createReconciliation", False):
        _reconcile(store, receipt)
    elif imbalance(receipt["transactions"]) != 0:
        raise E.ApiError.single(400, E.RECEIPT_NOT_BALANCED, "transactions")
    receipt["id"] = store.next_id("ledgerReceipt")
    receipt["receiptNumber"] = store.next_id("receiptNumber")
    # Every journal has a hidden invoice: attachments go to it (api-notes 4.9).
    receipt["invoiceId"] = store.next_id("invoice")
    receipt["status"] = "UNFINISHED"
    receipt["version"] = store.new_version()
    store.ledgerReceipts[receipt["id"]] = receipt
    return 200, receipt_view(store, receipt)


def _journal_action(api, receipt_id: int, allowed: set[str], target: str) -> None:
    receipt = _get(api, receipt_id)
    if receipt["type"] != "JOURNAL":
        raise forbidden(E.TYPE_NOT_ALLOWED)
    if receipt["status"] not in allowed:
        raise forbidden()
    if not api.store.period_is_open(parse_date(receipt["receiptDate"])):
        raise forbidden(E.CLOSED_FISCAL_PERIOD)
    receipt["status"] = target
    receipt["version"] = api.store.new_version()


@route("/ledgerreceipts/<int:receipt_id>/approve", "PUT")
def approve_ledger_receipt(api, request, receipt_id):
    _journal_action(api, receipt_id, {"UNFINISHED"}, "APPROVED")
    return info("Ledger receipt approved.")


@route("/ledgerreceipts/<int:receipt_id>/invalidate", "PUT")
def invalidate_ledger_receipt(api, request, receipt_id):
    _journal_action(api, receipt_id, {"UNFINISHED", "APPROVED"}, "INVALIDATED")
    return info("Ledger receipt invalidated.")
