"""Ledger receipts: the accounting page of each invoice, and journal vouchers.

Sign convention (api-notes marks it as inferred): a positive ``accountingValue`` is a
debit. ``accountingValue`` is net of VAT; the VAT of an ENTRY follows from its
``vatPercent``. A receipt balances when the transactions' values plus their VAT add
up to zero. ``vatDeductionPercent`` (0-100, kept as sent) splits that VAT into a
deductible share and the rest, which Procountor books on the row's own account: the
total, hence the balance, does not change.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal

from . import enums
from . import errors as E
from .money import (
    HUNDRED,
    as_json_number,
    cents,
    dec,
    invoice_totals,
    row_amounts,
    to_accounting_currency,
)
from .store import Store
from .validation import Checker, join

RECEIPT_FIELDS = frozenset(
    """accountantsNotes attachments depreciation id invoiceId invoiceNotes invoiceNumber
    name partnerCode partnerId periodEndDate periodStartDate receiptDate receiptNumber
    receiptValidity serialNumber status transactionDescription transactions type
    vatDate vatProcessing vatStatus vatType version""".split()
)
RECEIPT_READ_ONLY = frozenset(
    """attachments id invoiceId invoiceNumber receiptNumber serialNumber status
    version""".split()
)
TRANSACTION_FIELDS = frozenset(
    """account accountingValue allocations balanceCode description dimensionItemValues
    endDate id partnerId startDate transactionType vatDeductionPercent vatPercent
    vatStatus vatType""".split()
)
DIMENSION_VALUE_FIELDS = frozenset(("dimensionId", "itemId", "value"))
SPECIAL_ENTRIES = ("REVERSING_ENTRY", "RECONCILIATION_ENTRY")


# --- the accounting page of an invoice ----------------------------------------------
def _entry_account(store: Store, invoice: dict, row: dict, side: str) -> str:
    defaults = store.accountingDefaults
    by_row = (invoice.get("extraInfo") or {}).get("accountingByRow")
    product = store.products.get(row.get("productId")) if by_row else None
    if product and product.get("defaultAccount"):
        return product["defaultAccount"]
    if side == "purchase":
        return defaults.get("purchases", "4000")
    status = store.vat_status(row.get("vatStatus", invoice.get("vatStatus")))
    return (status or {}).get("salesAccount") or defaults.get("sales", "3000")


def invoice_transactions(store: Store, invoice: dict) -> list[dict]:
    """REVERSING_ENTRY for the receivable/payable, then one ENTRY per row
    (accountingByRow) or per account, VAT percent and VAT status."""
    side = "sales" if invoice["type"] in enums.SALES_TYPES else "purchase"
    sign = Decimal(-1) if side == "sales" else Decimal(1)
    extra = invoice.get("extraInfo") or {}
    rate = invoice["paymentInfo"]["currencyRate"]
    groups: dict[tuple, dict] = {}
    for index, row in enumerate(invoice["invoiceRows"]):
        net, _vat = row_amounts(
            row, invoice.get("discountPercent", 0), bool(extra.get("unitPricesIncludeVat"))
        )
        account = _entry_account(store, invoice, row, side)
        key = (
            (index,)
            if extra.get("accountingByRow")
            else (account, float(row["vatPercent"]), row.get("vatStatus"))
        )
        group = groups.setdefault(
            key,
            {"account": account, "row": row, "net": Decimal(0), "text": row["product"]},
        )
        group["net"] += net
    entries = []
    for group in groups.values():
        entry = {
            "transactionType": "ENTRY",
            "account": group["account"],
            "accountingValue": as_json_number(sign * to_accounting_currency(group["net"], rate)),
            "vatPercent": float(group["row"]["vatPercent"]),
            "description": group["text"][:255],
        }
        if group["row"].get("vatStatus") is not None:
            entry["vatStatus"] = group["row"]["vatStatus"]
        entries.append(entry)
    _net, _vat, total = invoice_totals(invoice)
    defaults = store.accountingDefaults
    reversing = {
        "transactionType": "REVERSING_ENTRY",
        "account": defaults.get("salesReceivable" if side == "sales" else "purchasePayable"),
        "accountingValue": as_json_number(-sign * to_accounting_currency(total, rate)),
        "vatPercent": 0.0,
    }
    transactions = [reversing, *entries]
    for transaction in transactions:
        transaction["id"] = store.next_id("transaction")
    return transactions


def build_invoice_receipt(store: Store, invoice: dict) -> dict:
    side = "sales" if invoice["type"] in enums.SALES_TYPES else "purchase"
    receipt = {
        "id": store.next_id("ledgerReceipt"),
        "type": invoice["type"],
        "name": invoice["counterParty"]["counterPartyAddress"]["name"][:80],
        "receiptDate": invoice["date"],
        "receiptNumber": store.next_id("receiptNumber"),
        "invoiceId": invoice["id"],
        "invoiceNumber": invoice["invoiceNumber"],
        "vatType": "SALES" if side == "sales" else "PURCHASE",
        # Travel and expense invoices carry no VAT status; 12 = "No VAT handling".
        "vatStatus": invoice.get("vatStatus", 12),
        "transactions": invoice_transactions(store, invoice),
        "version": store.new_version(),
    }
    if invoice.get("partnerId") is not None:
        receipt["partnerId"] = invoice["partnerId"]
    return receipt


def refresh_invoice_receipt(store: Store, invoice: dict) -> None:
    """After an invoice update the accounting page is rebuilt (same id: Procountor
    may also give it a new id, which the sandbox does not imitate)."""
    receipt = store.ledgerReceipts.get(invoice.get("ledgerReceiptId"))
    if receipt is None:
        return
    receipt.update(
        name=invoice["counterParty"]["counterPartyAddress"]["name"][:80],
        receiptDate=invoice["date"],
        vatStatus=invoice.get("vatStatus", 12),
        transactions=invoice_transactions(store, invoice),
        version=store.new_version(),
    )


def receipt_view(store: Store, receipt: dict) -> dict:
    """The receipt as the API shows it: status of the linked invoice, attachments."""
    view = copy.deepcopy(receipt)
    invoice = store.invoices.get(receipt.get("invoiceId"))
    if invoice is not None:
        view["status"] = invoice["status"]
        view["invoiceNotes"] = invoice.get("notes", view.get("invoiceNotes"))
        if view["invoiceNotes"] is None:
            del view["invoiceNotes"]
    attachments = [
        copy.deepcopy(meta)
        for meta in store.attachments.values()
        if (meta["referenceType"] == "LEDGERRECEIPT" and meta["referenceId"] == receipt["id"])
        or (meta["referenceType"] == "INVOICE" and meta["referenceId"] == receipt.get("invoiceId"))
    ]
    if attachments:
        view["attachments"] = attachments
    return view


# --- validation of PUT / POST bodies ------------------------------------------------
def validate_receipt(store: Store, body, existing: dict | None = None) -> dict:
    """Normalised receipt or ApiError(400) listing every problem."""
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    errors = E.FieldErrors()
    check = Checker(errors)
    check.unknown(body, RECEIPT_FIELDS, "")
    receipt_type = check.string(body, "type", "type", True, enum=enums.LEDGER_RECEIPT_TYPES)
    if existing is None and receipt_type not in (None, "JOURNAL"):
        errors.add("type", E.TYPE_NOT_ALLOWED)
    if existing is not None and receipt_type not in (None, existing["type"]):
        errors.add("type", E.NOT_EDITABLE)
    check.string(body, "name", "name", True, 80, non_empty=True)
    receipt_date = check.date(body, "receiptDate", "receiptDate", required=True)
    vat_type = check.string(body, "vatType", "vatType", True, enum=enums.VAT_TYPES)
    side = "sales" if vat_type == "SALES" else "purchase"
    vat_status = check.number(body, "vatStatus", "vatStatus", True, integer=True)
    if vat_status is not None and vat_type is not None:
        status = store.vat_status(vat_status)
        if status is None or not status.get(side):
            errors.add("vatStatus", E.VAT_STATUS_NOT_IN_USE)
    _check_optional_fields(check, body)
    transactions = check.array(body, "transactions", "transactions", True, non_empty=True)
    _check_transactions(store, check, transactions or [], receipt_date, side)
    if receipt_date and not store.period_is_open(receipt_date):
        errors.add("receiptDate", E.CLOSED_FISCAL_PERIOD)
    errors.raise_if_any()
    return {k: copy.deepcopy(v) for k, v in body.items() if k not in RECEIPT_READ_ONLY}


def _check_optional_fields(check: Checker, body: dict) -> None:
    for key, limit in (
        ("accountantsNotes", 255),
        ("transactionDescription", 255),
        ("invoiceNotes", 10000),
    ):
        check.string(body, key, key, max_len=limit)
    check.string(body, "receiptValidity", "receiptValidity", enum=enums.RECEIPT_VALIDITIES)
    check.string(body, "depreciation", "depreciation", enum=enums.DEPRECIATIONS)
    check.string(body, "vatProcessing", "vatProcessing", enum=enums.COUNTRIES)
    for key in ("periodStartDate", "periodEndDate", "vatDate"):
        check.date(body, key, key)


def _check_transactions(store, check: Checker, transactions, receipt_date, side) -> None:
    specials = defaultdict(int)
    for path, transaction in check.objects(transactions, "transactions", TRANSACTION_FIELDS):
        kind = check.string(
            transaction,
            "transactionType",
            join(path, "transactionType"),
            True,
            enum=enums.TRANSACTION_TYPES,
        )
        account = check.string(transaction, "account", join(path, "account"), True)
        if account is not None:
            entry = store.ledger_account(account)
            if entry is None or not entry.get("active", True):
                check.errors.add(join(path, "account"), E.LEDGER_ACCOUNT_VAT)
        value = check.number(
            transaction, "accountingValue", join(path, "accountingValue"), True, scale=2
        )
        percent = check.number(transaction, "vatPercent", join(path, "vatPercent"), True)
        status = check.number(transaction, "vatStatus", join(path, "vatStatus"), integer=True)
        deduction = check.number(
            transaction,
            "vatDeductionPercent",
            join(path, "vatDeductionPercent"),
            minimum=0,
            maximum=100,
        )
        check.string(transaction, "description", join(path, "description"), max_len=255)
        check.string(transaction, "vatType", join(path, "vatType"), enum=enums.VAT_TYPES)
        for key in ("startDate", "endDate"):
            check.date(transaction, key, join(path, key))
        if kind in SPECIAL_ENTRIES:
            specials[kind] += 1
            if (percent is not None and float(percent) != 0) or status is not None:
                check.errors.add(join(path, "vatPercent"), E.SPECIAL_ENTRY_VAT)
            if deduction is not None and dec(deduction) != HUNDRED:
                # A receivable/payable or rounding row carries no VAT, so no share of it.
                check.errors.add(join(path, "vatDeductionPercent"), E.SPECIAL_ENTRY_VAT)
        elif percent is not None and not store.vat_percent_in_use(percent, receipt_date, side):
            check.errors.add(join(path, "vatPercent"), E.VAT_PERCENT_NOT_IN_USE)
        if status is not None:
            entry = store.vat_status(status)
            if entry is None or not entry.get(side):
                check.errors.add(join(path, "vatStatus"), E.VAT_STATUS_NOT_IN_USE)
        _check_dimensions(store, check, transaction, path, value)
    if any(count > 1 for count in specials.values()):
        check.errors.add("transactions", E.DUPLICATE_SPECIAL_ENTRY)


def _check_dimensions(store, check: Checker, transaction, path, value) -> None:
    field = join(path, "dimensionItemValues")
    values = check.array(transaction, "dimensionItemValues", field)
    sums: dict[int, Decimal] = defaultdict(Decimal)
    pairs = set()
    for item_path, item in check.objects(values, field, DIMENSION_VALUE_FIELDS):
        dimension_id = check.number(
            item, "dimensionId", join(item_path, "dimensionId"), True, integer=True
        )
        item_id = check.number(item, "itemId", join(item_path, "itemId"), True, integer=True)
        amount = check.number(item, "value", join(item_path, "value"), True, scale=2)
        if dimension_id is None or item_id is None or amount is None:
            continue
        stored = store.dimension_item(dimension_id, item_id)
        if stored is None or stored.get("status") == "P" or (dimension_id, item_id) in pairs:
            if not check.errors.has(field):
                check.errors.add(field, E.DIMENSION_MISMATCH)
            continue
        pairs.add((dimension_id, item_id))
        sums[dimension_id] += dec(amount)
    if value is None:
        return
    for total in sums.values():
        # Values are "absolute amounts" per the spec text: accept either sign.
        if total not in (dec(value), abs(dec(value))):
            check.errors.add(field, E.DIMENSION_VALUES_SUM)
            break


def imbalance(transactions: list[dict]) -> Decimal:
    """Sum of the transactions' values including their VAT (0 when balanced)."""
    total = Decimal(0)
    for transaction in transactions:
        value = dec(transaction["accountingValue"])
        total += value + cents(value * dec(transaction.get("vatPercent", 0)) / HUNDRED)
    return total


def assign_transaction_ids(store: Store, transactions: list[dict], known: set[int]) -> None:
    for transaction in transactions:
        if transaction.get("id") not in known:
            transaction["id"] = store.next_id("transaction")
