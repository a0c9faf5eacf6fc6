# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""``LedgerReceipt`` bodies of type JOURNAL (Odoo journal entries) and their exactly-once
creation, plain Python (docs/architecture.md, "Journal entries").

How an Odoo entry becomes a Procountor journal receipt:

- one ``ENTRY`` transaction per Odoo line that is not a tax line, with the mapped ledger
  account and ``accountingValue`` = the line's balance in company currency (debit positive;
  api-notes §7.4 marks the sign as inferred);
- Procountor computes the VAT of an ``ENTRY`` from its net value and ``vatPercent``
  (``procountor_vat``) and books it on its own VAT accounts, so Odoo's tax lines are not
  sent as rows: they are represented by their base lines. The Odoo side checks that the
  tax lines add up to what Procountor will compute, to the cent; the builder checks that
  the receipt balances (``receipt_imbalance``), as Procountor refuses one that does not;
- ``name`` carries the Odoo entry number (the exactly-once lookup key, never cut) and the
  entry's reference; ``receiptDate`` is the entry's own date.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .common import (
    PayloadError,
    json_number,
    procountor_language,
    round_cents,
    to_decimal,
    windows_1252,
)
from .exactly_once import AdoptionConflict

LEDGER_RECEIPT_TYPE_JOURNAL = "JOURNAL"
TRANSACTION_ENTRY = "ENTRY"
VAT_TYPE_SALES = "SALES"
VAT_TYPE_PURCHASE = "PURCHASE"
#: Procountor's "No VAT handling" status (api-notes §8: confirmed, for sales and purchases).
#: Rows without an Odoo tax carry it, and so does the receipt when no line is taxed.
NO_VAT_STATUS = 12
#: ``vatType`` of a receipt without taxed lines: Procountor requires one; with status 12
#: (valid on both sides) either works, and journal vouchers default to purchases.
DEFAULT_VAT_TYPE = VAT_TYPE_PURCHASE
#: Procountor statuses of journal receipts (api-notes §4.2).
RECEIPT_UNFINISHED = "UNFINISHED"
RECEIPT_APPROVED = "APPROVED"
RECEIPT_INVALIDATED = "INVALIDATED"

JOURNAL_MAX_LENGTHS = {
    "name": 80,
    "transactionDescription": 255,
    "accountantsNotes": 255,
    "description": 255,
}

#: The note of a correction (a reversal of an entry already in Procountor), in the
#: company's language (``procountor_language``).
CORRECTION_TEXT = {
    "FINNISH": "Oikaisu tositteeseen {number}",
    "SWEDISH": "Rättelse av verifikat {number}",
    "ENGLISH": "Correction of entry {number}",
}
RECEIPT_TEXT = {
    "FINNISH": "Procountor-tosite {receipt}",
    "SWEDISH": "Procountor-verifikat {receipt}",
    "ENGLISH": "Procountor receipt {receipt}",
}


@dataclass(frozen=True)
class DimensionValue:
    """One ``DimensionItemValue``: Procountor dimension id, item id and amount."""

    dimension_id: int
    item_id: int
    value: Decimal


@dataclass(frozen=True)
class JournalLine:
    """One Odoo line (not a tax line) of the entry, already mapped.

    ``balance``: company currency, debit positive. ``vat_percent``/``vat_status``/
    ``vat_type``: from the tax mapping of the line's tax; an untaxed line has percent 0,
    status None (sent as ``NO_VAT_STATUS``) and type None. ``vat_deduction_percent``: the
    deductible share of a purchase tax with a non-deductible part (Odoo's repartition)."""

    account: str
    balance: Decimal
    description: str = ""
    vat_percent: Decimal = Decimal(0)
    vat_status: int | None = None
    vat_type: str | None = None
    dimensions: tuple = ()
    #: The deductible share of the row's purchase VAT in percent (Procountor's
    #: ``vatDeductionPercent``): None or 100 for fully deductible VAT (not sent).
    vat_deduction_percent: Decimal | None = None


@dataclass(frozen=True)
class JournalReceiptData:
    """The neutral data of one Odoo journal entry.

    ``correction_of``: for a reversal of an entry already in Procountor, the original
    entry's number, its Procountor receipt number and its reference (kept as this
    receipt's description, so both are found under the same reference)."""

    number: str
    receipt_date: date
    lines: tuple
    reference: str = ""
    lang: str = ""
    correction_of: str = ""
    correction_of_receipt: int | None = None
    correction_of_reference: str = ""

    def to_dict(self):
        def plain(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, tuple | list):
                return [plain(item) for item in value]
            if hasattr(value, "__dataclass_fields__"):
                return {key: plain(getattr(value, key)) for key in value.__dataclass_fields__}
            return value

        return plain(self)


def procountor_vat(value, percent):
    """The VAT Procountor computes for an ENTRY: its net value times ``vatPercent``,
    rounded half up to cents."""
    return round_cents(to_decimal(value) * to_decimal(percent) / 100)


def procountor_deductible_vat(value, percent, deduction_percent):
    """The deductible share of the VAT Procountor computes for an ENTRY: the row's VAT
    (``procountor_vat``) times ``vatDeductionPercent``, rounded half up to cents. The rest
    is booked on the row's own account (a cost, like Odoo's non-deductible tax line)."""
    return round_cents(procountor_vat(value, percent) * to_decimal(deduction_percent) / 100)


def is_partly_deductible(deduction_percent):
    """Whether a ``vatDeductionPercent`` must be sent (anything but none or 100)."""
    return deduction_percent is not None and to_decimal(deduction_percent) != 100


def receipt_imbalance(transactions):
    """Sum of the transactions' values plus the VAT Procountor computes (0: balanced)."""
    total = Decimal(0)
    for transaction in transactions:
        value = to_decimal(transaction.get("accountingValue") or 0)
        total += value + procountor_vat(value, transaction.get("vatPercent") or 0)
    return total


def receipt_name(number, reference=""):
    """``name`` of the receipt: the Odoo number, then the reference, cut to 80 characters.
    The number comes first and whole: it is what ``name_carries_number`` looks for."""
    name = windows_1252(f"{number} {reference}".strip() if reference else number)
    return name[: JOURNAL_MAX_LENGTHS["name"]].rstrip()


def name_carries_number(name, number):
    """Whether a receipt's ``name`` is the one ``receipt_name`` made for ``number``."""
    name, number = str(name or ""), windows_1252(str(number))
    return name == number or name.startswith(number + " ")


def _cut(text, key):
    return windows_1252(" ".join(str(text or "").split()))[: JOURNAL_MAX_LENGTHS[key]]


def journal_problems(data):
    """Why ``data`` cannot become a receipt (English, for the builder's ``PayloadError``;
    the Odoo side checks the same things first, translated)."""
    problems = []
    if not data.number:
        problems.append("The entry has no number.")
    elif len(windows_1252(data.number)) > JOURNAL_MAX_LENGTHS["name"]:
        problems.append("The entry number is longer than 80 characters.")
    if not data.lines:
        problems.append("The entry has no lines to send.")
    types = {line.vat_type for line in data.lines if line.vat_type}
    if len(types) > 1:
        problems.append("The entry mixes sales and purchase taxes.")
    for line in data.lines:
        if is_partly_deductible(line.vat_deduction_percent) and line.vat_type != VAT_TYPE_PURCHASE:
            problems.append(
                f"Row {line.account} {line.description!r}: a deductible share of VAT is "
                "purchase VAT only."
            )
    return problems


def receipt_vat(data):
    """``(vatType, vatStatus)`` of the receipt: those of the taxed lines (the most used
    status), else ``DEFAULT_VAT_TYPE`` and ``NO_VAT_STATUS``."""
    taxed = [line for line in data.lines if line.vat_status is not None]
    if not taxed:
        return DEFAULT_VAT_TYPE, NO_VAT_STATUS
    vat_type = next((line.vat_type for line in taxed if line.vat_type), DEFAULT_VAT_TYPE)
    counts = Counter(line.vat_status for line in taxed)
    best = max(counts.values())
    status = next(line.vat_status for line in taxed if counts[line.vat_status] == best)
    return vat_type, status


def _transaction(line):
    transaction = {
        "transactionType": TRANSACTION_ENTRY,
        "account": line.account,
        "accountingValue": json_number(round_cents(line.balance)),
        "vatPercent": json_number(to_decimal(line.vat_percent)),
        "vatStatus": line.vat_status if line.vat_status is not None else NO_VAT_STATUS,
    }
    if is_partly_deductible(line.vat_deduction_percent):
        transaction["vatDeductionPercent"] = json_number(to_decimal(line.vat_deduction_percent))
    description = _cut(line.description, "description")
    if description:
        transaction["description"] = description
    if line.dimensions:
        transaction["dimensionItemValues"] = [
            {
                "dimensionId": int(value.dimension_id),
                "itemId": int(value.item_id),
                "value": json_number(round_cents(value.value)),
            }
            for value in line.dimensions
        ]
    return transaction


def _notes(data):
    language = procountor_language(data.lang)
    if not data.correction_of:
        return ""
    text = CORRECTION_TEXT[language].format(number=data.correction_of)
    if data.correction_of_receipt:
        receipt = RECEIPT_TEXT[language].format(receipt=data.correction_of_receipt)
        text = f"{text} ({receipt})"
    return text


def build_journal_receipt(data):
    """The ``POST /ledgerreceipts`` body (type JOURNAL) of an Odoo journal entry.

    Raises ``PayloadError`` when the entry cannot be sent as it is (``journal_problems``)
    or when the receipt would not balance once Procountor adds each row's VAT."""
    problems = journal_problems(data)
    if problems:
        raise PayloadError(problems)
    vat_type, vat_status = receipt_vat(data)
    reference = data.reference
    if data.correction_of and data.correction_of_reference:
        # A correction keeps the original entry's reference: both are found under it.
        reference = data.correction_of_reference
    body = {
        "type": LEDGER_RECEIPT_TYPE_JOURNAL,
        "name": receipt_name(data.number, reference),
        "receiptDate": data.receipt_date.isoformat(),
        "vatType": vat_type,
        "vatStatus": vat_status,
        "transactions": [_transaction(line) for line in data.lines],
    }
    description = _cut(reference, "transactionDescription")
    if description:
        body["transactionDescription"] = description
    notes = _cut(_notes(data), "accountantsNotes")
    if notes:
        body["accountantsNotes"] = notes
    imbalance = receipt_imbalance(body["transactions"])
    if imbalance:
        raise PayloadError(
            [
                f"The receipt does not balance once Procountor adds the VAT of each row "
                f"(difference {imbalance})."
            ]
        )
    return body


def build_journal_receipt_update(data, version):
    """The ``PUT /ledgerreceipts/{id}`` body: the whole receipt again, with Procountor's
    ``version`` (optimistic locking)."""
    return {**build_journal_receipt(data), "version": version}


# --- exactly once ----------------------------------------------------------------------


class JournalAdoptionConflict(AdoptionConflict):
    """Procountor has live journal receipts of this date whose name carries our entry
    number, but none with our rows: nothing is adopted and nothing is created.

    ``candidates``: ``[(receipt id, [differences])]``; a difference is ``date`` or
    ``rows``."""

    FOUND = "journal receipt(s) named after entry"
    THIS = "entry"
    OPERATION = "create_ledger_receipt"


def _rows(transactions):
    """The ENTRY rows of a receipt as comparable tuples (account, value, VAT percent,
    deductible share; a row without ``vatDeductionPercent`` is fully deductible)."""
    rows = []
    for transaction in transactions or ():
        if not isinstance(transaction, dict):
            continue
        if transaction.get("transactionType", TRANSACTION_ENTRY) != TRANSACTION_ENTRY:
            continue
        rows.append(
            (
                str(transaction.get("account")),
                round_cents(transaction.get("accountingValue") or 0),
                to_decimal(transaction.get("vatPercent") or 0).normalize(),
                to_decimal(
                    100
                    if transaction.get("vatDeductionPercent") is None
                    else transaction["vatDeductionPercent"]
                ).normalize(),
            )
        )
    return sorted(rows)


def journal_adoption_differences(remote, body):
    """What differs between a Procountor journal receipt and the body we sent: a list of
    ``date`` and ``rows`` (empty: it is ours). Rows are compared as a multiset of
    (account, value, VAT percent), whatever their order."""
    differences = []
    if str(remote.get("receiptDate")) != body["receiptDate"]:
        differences.append("date")
    try:
        same_rows = _rows(remote.get("transactions")) == _rows(body["transactions"])
    except (ArithmeticError, TypeError, ValueError):
        same_rows = False  # rows we cannot read are not ours
    if not same_rows:
        differences.append("rows")
    return differences


def find_journal_receipts(client, number, receipt_date):
    """Live JOURNAL receipts of ``receipt_date`` whose name carries ``number``, oldest
    first (``GET /ledgerreceipts`` has no name filter: api-notes §9)."""
    day = receipt_date if isinstance(receipt_date, str) else receipt_date.isoformat()
    rows = client.search_ledger_receipts(
        types=[LEDGER_RECEIPT_TYPE_JOURNAL], startDate=day, endDate=day
    )
    found = [
        row
        for row in rows
        if isinstance(row, dict)
        and isinstance(row.get("id"), int)
        and not isinstance(row.get("id"), bool)
        and row.get("status") != RECEIPT_INVALIDATED
        and row.get("type", LEDGER_RECEIPT_TYPE_JOURNAL) == LEDGER_RECEIPT_TYPE_JOURNAL
        and name_carries_number(row.get("name"), number)
    ]
    return sorted(found, key=lambda row: row["id"])


def create_journal_once(client, body, *, number, create_unknown, claim):
    """Create a journal receipt in Procountor at most once; returns ``(receipt, adopted)``.

    The protocol of ``create_once`` (sales invoices), for ledger receipts:

    - ``create_unknown`` true (an earlier POST got no confirmed answer: timeout, 5xx, lost
      connection, crash after the claim): Procountor's JOURNAL receipts of the body's
      ``receiptDate`` are searched; the oldest live one whose name carries ``number`` and
      whose rows are those of ``body`` is read and returned as adopted. Candidates that all
      differ raise ``JournalAdoptionConflict``: neither adopting nor creating is safe;
    - otherwise, or when nothing is found, ``claim()`` durably records "a POST may be on
      its way" before the POST;
    - a ``ProcountorError`` propagates; only a non-``ambiguous`` one proves that nothing was
      created.
    """
    if create_unknown:
        conflicts = []
        for row in find_journal_receipts(client, number, body["receiptDate"]):
            remote = client.get_ledger_receipt(row["id"])
            differences = journal_adoption_differences(remote, body)
            if not differences:
                return remote, True
            conflicts.append((row["id"], differences))
        if conflicts:
            raise JournalAdoptionConflict(number, conflicts)
    claim()
    return client.create_ledger_receipt(body), False


__all__ = [
    "CORRECTION_TEXT",
    "DEFAULT_VAT_TYPE",
    "JOURNAL_MAX_LENGTHS",
    "LEDGER_RECEIPT_TYPE_JOURNAL",
    "NO_VAT_STATUS",
    "RECEIPT_APPROVED",
    "RECEIPT_INVALIDATED",
    "RECEIPT_UNFINISHED",
    "VAT_TYPE_PURCHASE",
    "VAT_TYPE_SALES",
    "DimensionValue",
    "JournalAdoptionConflict",
    "JournalLine",
    "JournalReceiptData",
    "build_journal_receipt",
    "build_journal_receipt_update",
    "create_journal_once",
    "find_journal_receipts",
    "is_partly_deductible",
    "journal_adoption_differences",
    "journal_problems",
    "name_carries_number",
    "procountor_deductible_vat",
    "procountor_vat",
    "receipt_imbalance",
    "receipt_name",
    "receipt_vat",
]
