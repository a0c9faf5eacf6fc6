# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor purchase invoices → neutral vendor-bill data (plain Python, no Odoo).

:func:`map_bill` takes a Procountor ``Invoice`` (type PURCHASE_INVOICE), its
``LedgerReceipt`` (the accounting page) and :class:`BillMappings` (what the Odoo side
resolved from its account, VAT and analytic mappings) and returns ``(BillData, [])`` or
``(None, problems)``: every problem at once, so a bill is imported whole or not at all.

Choices (docs/architecture.md, "Vendor bills from Procountor"):

- the lines are the ledger receipt's ENTRY transactions, not the invoice rows: the
  receipt is where the accountant booked account, VAT status and dimensions; the
  REVERSING_ENTRY (the payable) is Odoo's own payable line and is left out;
- ``accountingValue`` is net of VAT and in the accounting currency, positive = debit
  (api-notes 5.5); in another invoice currency the invoice's untaxed total is split over
  the lines in proportion to their ``accountingValue`` (so the lines add up to Procountor's
  total to the cent), and the bill is booked at ``currencyRate`` (units of foreign currency
  per unit of domestic) with the accounting-currency amounts Procountor booked
  (:func:`company_balances`);
- a negative total is a credit note from the supplier: an Odoo refund (``in_refund``)
  with the amounts turned positive;
- dimension item values become the analytic distribution: per dimension, each item's
  share of the ENTRY's value in percent.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .common import CENT

PURCHASE_INVOICE = "PURCHASE_INVOICE"
#: Statuses of an accepted purchase invoice (26.04 ``Invoice.status``): approved, in
#: payment (PAYMENT_QUEUED, PAYMENT_SENT_TO_BANK), partly or fully paid.
ACCEPTED_STATUSES = (
    "APPROVED",
    "PAYMENT_QUEUED",
    "PAYMENT_SENT_TO_BANK",
    "PARTLY_PAID",
    "PAID",
    "MARKED_PAID",
)
#: Statuses in which nothing is left to pay in Procountor.
PAID_STATUSES = ("PAID", "MARKED_PAID")

# Problem codes (the Odoo side turns each into a translated sentence with a remedy).
NOT_PURCHASE = "not_purchase"
NOT_ACCEPTED = "not_accepted"
NO_RECEIPT = "no_receipt"
NO_ENTRIES = "no_entries"
UNMAPPED_ACCOUNT = "unmapped_account"
UNMAPPED_VAT = "unmapped_vat"
UNMAPPED_DIMENSION = "unmapped_dimension"
UNKNOWN_CURRENCY = "unknown_currency"
#: A field of Procountor's answer that is not what the 26.04 schema says (a number that is
#: not one, an object without its ``id``): values = (where, the value as received).
MALFORMED = "malformed"
#: A row whose deductible VAT share (``vatDeductionPercent``) no Odoo tax mapped to its VAT
#: percent and status has, or more than one has: values = (row, percent, status, share).
UNMAPPED_DEDUCTION = "unmapped_deduction"
AMBIGUOUS_DEDUCTION = "ambiguous_deduction"


@dataclass(frozen=True)
class BillProblem:
    """Why a purchase invoice cannot be imported yet; ``values`` fill the message."""

    code: str
    values: tuple = ()

    def key(self):
        return (self.code, self.values)


@dataclass
class BillMappings:
    """What the Odoo side resolved, keyed by Procountor values.

    ``accounts``: ledger account code → Odoo account id; ``taxes``: ``(vat percent text,
    VAT status or None)`` → Odoo tax id (``vat_key``); a key with status None is a mapping
    without a VAT status, used when no mapping names the transaction's status;
    ``dimension_items``: ``(dimension id, item id)`` → Odoo analytic account id;
    ``currencies``: ISO code → Odoo currency id; ``company_currency``: the ISO code of the
    connection company's currency.
    """

    accounts: dict = field(default_factory=dict)
    taxes: dict = field(default_factory=dict)
    dimension_items: dict = field(default_factory=dict)
    currencies: dict = field(default_factory=dict)
    company_currency: str = "EUR"
    #: Odoo tax id → its deductible share in percent (100 when absent); a ``taxes`` value may
    #: be one tax id or a tuple of the candidate ids mapped to that key, the preferred first.
    tax_deductions: dict = field(default_factory=dict)
    #: The tax that wins when several candidates have the row's share (the company's default
    #: purchase tax), else such a row waits.
    preferred_tax: int | None = None


@dataclass
class BillLine:
    name: str
    account_id: int
    tax_id: int | None
    amount: Decimal  # net, in the bill's currency, sign of a vendor bill (+ = cost)
    analytic: dict = field(default_factory=dict)  # {analytic account id: percent}
    transaction_id: int | None = None
    #: What Procountor booked in the accounting currency (``accountingValue``, + = debit).
    company_amount: Decimal | None = None


@dataclass
class BillData:
    procountor_id: int
    version: str
    status: str
    move_type: str  # in_invoice or in_refund
    partner_procountor_id: int | None
    supplier_name: str
    supplier_identifier: str
    supplier_vat: str
    supplier_iban: str
    invoice_date: str
    due_date: str
    accounting_date: str
    ref: str
    payment_reference: str
    currency: str
    currency_id: int
    currency_rate: Decimal
    lines: list
    total: Decimal  # Procountor's total in the bill's currency (positive for a refund)
    untaxed: Decimal
    payment_date: str
    invoice_number: int | None
    ledger_receipt_id: int | None
    attachments: list  # Attachment metadata of the invoice
    notes: str = ""
    #: The payable Procountor booked in the accounting currency (its REVERSING_ENTRY, + =
    #: debit, so negative for a bill), None when the receipt has none.
    company_payable: Decimal | None = None

    @property
    def foreign(self):
        """In another currency than the accounting currency (``currency_rate`` not 1)."""
        return self.currency_rate != 1

    @property
    def paid(self):
        return self.status in PAID_STATUSES


def vat_key(percent, status=None):
    """The key of ``BillMappings.taxes``: the percent as normalised text (25.5 and 25.50
    are one key), the status as int or None."""
    text = format(Decimal(str(percent)).normalize(), "f")
    return (text, None if status in (None, "") else int(status))


def to_money(value):
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def sum_info(invoice, currency):
    """The ``invoiceSumInfo`` entry of ``currency`` (an empty dict when absent)."""
    for entry in invoice.get("invoiceSumInfo") or []:
        if entry.get("currency") == currency:
            return entry
    return {}


def _is_number(value, integer=False):
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return True
    if integer:
        return isinstance(value, str) and value.strip().lstrip("-").isdigit()
    try:
        return Decimal(str(value)).is_finite()
    except ArithmeticError:
        return False


def shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_number(problems, where, value, integer=False, required=False):
    if value is None and not required:
        return
    if not _is_number(value, integer):
        problems.append(BillProblem(MALFORMED, (where, shown(value))))


def shape_problems(invoice, receipt):
    """``MALFORMED`` problems of an invoice and its ledger receipt: every field the mapping
    reads that is not of the schema's type (checked before anything is computed, so one
    odd answer parks its bill with what was wrong instead of stopping the run)."""
    problems = []
    if not isinstance(invoice, dict):
        return [BillProblem(MALFORMED, ("invoice", shown(invoice)))]
    _check_number(problems, "id", invoice.get("id"), integer=True, required=True)
    payment = invoice.get("paymentInfo")
    if payment is not None and not isinstance(payment, dict):
        problems.append(BillProblem(MALFORMED, ("paymentInfo", shown(payment))))
        payment = {}
    _check_number(problems, "paymentInfo.currencyRate", (payment or {}).get("currencyRate"))
    sums = invoice.get("invoiceSumInfo")
    if sums is not None and not isinstance(sums, list):
        problems.append(BillProblem(MALFORMED, ("invoiceSumInfo", shown(sums))))
        sums = []
    for index, entry in enumerate(sums or []):
        if not isinstance(entry, dict):
            problems.append(BillProblem(MALFORMED, (f"invoiceSumInfo[{index}]", shown(entry))))
            continue
        for key in ("excludingVatTotal", "vatSumTotal", "invoiceSumTotal"):
            _check_number(problems, f"invoiceSumInfo[{index}].{key}", entry.get(key))
    if not isinstance(receipt, dict):
        return problems
    rows = receipt.get("transactions")
    if rows is not None and not isinstance(rows, list):
        return [*problems, BillProblem(MALFORMED, ("transactions", shown(rows)))]
    _check_number(problems, "vatStatus", receipt.get("vatStatus"), integer=True)
    for index, row in enumerate(rows or []):
        where = f"transactions[{index}]"
        if not isinstance(row, dict):
            problems.append(BillProblem(MALFORMED, (where, shown(row))))
            continue
        if row.get("transactionType") != "ENTRY":
            continue
        _check_number(
            problems, f"{where}.accountingValue", row.get("accountingValue"), required=True
        )
        _check_number(problems, f"{where}.vatPercent", row.get("vatPercent"))
        _check_number(problems, f"{where}.vatStatus", row.get("vatStatus"), integer=True)
        _check_number(problems, f"{where}.vatDeductionPercent", row.get("vatDeductionPercent"))
        items = row.get("dimensionItemValues")
        if items is not None and not isinstance(items, list):
            problems.append(BillProblem(MALFORMED, (f"{where}.dimensionItemValues", shown(items))))
            continue
        for number, item in enumerate(items or []):
            item_where = f"{where}.dimensionItemValues[{number}]"
            if not isinstance(item, dict):
                problems.append(BillProblem(MALFORMED, (item_where, shown(item))))
                continue
            _check_number(problems, f"{item_where}.value", item.get("value"), required=True)
    return problems


def _given(value, fallback):
    """``value`` unless Procountor left it out or sent ``null``."""
    return fallback if value is None else value


def _entries(receipt):
    return [
        row
        for row in (receipt or {}).get("transactions") or []
        if row.get("transactionType") == "ENTRY"
    ]


def _deduction(mappings, tax_id):
    return Decimal(str(mappings.tax_deductions.get(tax_id, 100)))


def _tax_for(mappings, percent, status, deduction=None):
    """``(code, tax id or None)`` for a transaction's VAT percent, status and deductible
    share (``vatDeductionPercent``, absent = fully deductible): code is "" when found, else
    the problem code. Among the taxes mapped to the key, the one whose deductible share is
    the row's; several: the preferred (default) tax if among them, else the first for a
    fully deductible row and ambiguous for any other share."""
    share = Decimal(str(100 if deduction is None else deduction))
    code = UNMAPPED_VAT
    for key in (vat_key(percent, status), vat_key(percent, None)):
        if key not in mappings.taxes:
            continue
        candidates = mappings.taxes[key]
        if not isinstance(candidates, tuple | list):
            candidates = (candidates,)
        same = [tax for tax in candidates if _deduction(mappings, tax) == share]
        if len(same) == 1:
            return "", same[0]
        if mappings.preferred_tax in same:
            return "", mappings.preferred_tax
        if same and share == 100:
            # Ordinary taxes of one rate book the same amounts: the first by sequence (the
            # candidates' order), as before shares were compared. A non-deductible share
            # also says where its part goes: never chosen by order.
            return "", same[0]
        code = AMBIGUOUS_DEDUCTION if same else UNMAPPED_DEDUCTION
        if same:
            break
    if code == UNMAPPED_VAT and Decimal(str(percent or 0)) == 0:
        # 0 % without a mapping: a line without tax (no VAT to book), not a problem.
        return "", None
    return code, None


def _analytic(entry, mappings, problems):
    """{analytic account id: percent} of an ENTRY's dimension item values."""
    value = abs(Decimal(str(entry.get("accountingValue") or 0)))
    distribution = {}
    for item in entry.get("dimensionItemValues") or []:
        key = (item.get("dimensionId"), item.get("itemId"))
        account_id = mappings.dimension_items.get(key)
        if account_id is None:
            problems.append(BillProblem(UNMAPPED_DIMENSION, key))
            continue
        if not value:
            continue
        share = abs(Decimal(str(item.get("value") or 0))) * 100 / value
        distribution[account_id] = distribution.get(account_id, Decimal(0)) + share
    return {account_id: float(share) for account_id, share in distribution.items()}


def map_bill(invoice, receipt, mappings):
    """``(BillData, [])`` for an importable purchase invoice, else ``(None, problems)``."""
    problems = []
    if invoice.get("type") != PURCHASE_INVOICE:
        return None, [BillProblem(NOT_PURCHASE, (invoice.get("type") or "",))]
    status = invoice.get("status") or ""
    if status not in ACCEPTED_STATUSES:
        return None, [BillProblem(NOT_ACCEPTED, (status,))]
    malformed = shape_problems(invoice, receipt)
    if malformed:
        return None, malformed
    if not receipt:
        return None, [BillProblem(NO_RECEIPT, (invoice.get("ledgerReceiptId") or 0,))]
    payment = invoice.get("paymentInfo") or {}
    currency = payment.get("currency") or mappings.company_currency
    currency_id = mappings.currencies.get(currency)
    if currency_id is None:
        problems.append(BillProblem(UNKNOWN_CURRENCY, (currency,)))
    rate = Decimal(str(payment.get("currencyRate") or 1))
    if currency == mappings.company_currency or rate <= 0:
        rate = Decimal(1)
    totals = sum_info(invoice, currency)
    total = to_money(totals.get("invoiceSumTotal"))
    sign = Decimal(-1) if total < 0 else Decimal(1)
    entries = _entries(receipt)
    if not entries:
        problems.append(BillProblem(NO_ENTRIES, (receipt.get("id") or 0,)))
    lines = []
    # An explicit ``null`` is "not given" (schema: the receipt's status applies).
    default_status = _given(receipt.get("vatStatus"), invoice.get("vatStatus"))
    for position, entry in enumerate(entries, start=1):
        code = str(entry.get("account") or "")
        account_id = mappings.accounts.get(code)
        if account_id is None:
            problems.append(BillProblem(UNMAPPED_ACCOUNT, (code,)))
        percent = entry.get("vatPercent") or 0
        status_of_entry = _given(entry.get("vatStatus"), default_status)
        deduction = entry.get("vatDeductionPercent")
        missing, tax_id = _tax_for(mappings, percent, status_of_entry, deduction)
        if missing == UNMAPPED_VAT:
            problems.append(BillProblem(UNMAPPED_VAT, vat_key(percent, status_of_entry)))
        elif missing:
            row = (entry.get("description") or "").strip() or str(position)
            problems.append(
                BillProblem(
                    missing,
                    (
                        row,
                        *vat_key(percent, status_of_entry),
                        format(Decimal(str(deduction)).normalize(), "f"),
                    ),
                )
            )
        analytic = _analytic(entry, mappings, problems)
        value = Decimal(str(entry.get("accountingValue") or 0))
        lines.append(
            BillLine(
                name=(entry.get("description") or receipt.get("name") or "").strip() or "/",
                account_id=account_id,
                tax_id=tax_id,
                amount=to_money(value * rate) * sign,
                analytic=analytic,
                transaction_id=entry.get("id"),
                company_amount=to_money(value),
            )
        )
    if rate != 1:
        _amounts_in_invoice_currency(lines, abs(to_money(totals.get("excludingVatTotal"))))
    # The same problem once (an unmapped account used on many rows is one remedy).
    unique = list({problem.key(): problem for problem in problems}.values())
    if unique:
        return None, unique
    counter = invoice.get("counterParty") or {}
    address = counter.get("counterPartyAddress") or {}
    bank = payment.get("bankAccount") or {}
    return (
        BillData(
            procountor_id=invoice["id"],
            version=invoice.get("version") or "",
            status=status,
            move_type="in_refund" if sign < 0 else "in_invoice",
            partner_procountor_id=invoice.get("partnerId"),
            supplier_name=(address.get("name") or "").strip(),
            supplier_identifier=(counter.get("identifier") or "").strip(),
            supplier_vat=(counter.get("taxCode") or "").strip(),
            supplier_iban=(bank.get("accountNumber") or "").replace(" ", ""),
            invoice_date=invoice.get("date") or "",
            due_date=payment.get("newDueDate") or payment.get("dueDate") or "",
            accounting_date=receipt.get("receiptDate") or invoice.get("date") or "",
            ref=(invoice.get("originalInvoiceNumber") or "").strip(),
            payment_reference=(payment.get("bankReferenceCode") or "").strip(),
            currency=currency,
            currency_id=currency_id,
            currency_rate=rate,
            lines=lines,
            total=abs(total),
            untaxed=abs(to_money(totals.get("excludingVatTotal"))),
            payment_date=invoice.get("paymentDate") or "",
            invoice_number=invoice.get("invoiceNumber"),
            ledger_receipt_id=receipt.get("id"),
            attachments=list(invoice.get("attachments") or []),
            notes=invoice.get("notes") or "",
            company_payable=_payable(receipt),
        ),
        [],
    )


def _payable(receipt):
    rows = [
        row
        for row in receipt.get("transactions") or []
        if row.get("transactionType") == "REVERSING_ENTRY"
    ]
    return to_money(rows[0].get("accountingValue")) if len(rows) == 1 else None


def _amounts_in_invoice_currency(lines, untaxed):
    """Net amounts in the invoice currency that add up to Procountor's ``untaxed`` to the
    cent: Procountor's total split in proportion to what it booked per row in the accounting
    currency (largest remainder). Each row converted on its own (value × rate) would miss
    the invoice's own total by the rounding of the conversion (1,000.00 SEK booked as 89.01
    EUR is 999.98 SEK back at 11.2345)."""
    weight = sum(line.amount for line in lines)
    if not untaxed or not weight:
        return
    exact = [untaxed * line.amount / weight for line in lines]
    shares = [value.quantize(CENT, rounding="ROUND_DOWN") for value in exact]
    left = int((untaxed - sum(shares)) / CENT)
    order = sorted(range(len(lines)), key=lambda i: exact[i] - shares[i], reverse=True)
    for position in order[: max(left, 0)]:
        shares[position] += CENT
    for line, share in zip(lines, shares, strict=True):
        line.amount = share


def company_balances(bill, odoo_taxes):
    """The company-currency balances to write on a foreign-currency bill so that it books
    what Procountor booked: ``(product balances in line order, tax balances, payable)`` or
    None when Procountor's accounting amounts are not all known. ``odoo_taxes`` are the
    balances Odoo computed for its tax lines; the VAT Procountor booked (the receipt
    balances: entries + VAT + payable = 0) replaces their sum, the difference on the
    largest line."""
    if bill.company_payable is None or any(line.company_amount is None for line in bill.lines):
        return None
    products = [line.company_amount for line in bill.lines]
    vat = -(bill.company_payable + sum(products))
    taxes = [to_money(value) for value in odoo_taxes]
    if not taxes:
        return (products, [], bill.company_payable) if vat == 0 else None
    largest = max(range(len(taxes)), key=lambda i: abs(taxes[i]))
    taxes[largest] += vat - sum(taxes)
    return products, taxes, bill.company_payable


#: Statuses of a purchase invoice that left the accepted ones after it was imported
#: (returned to unfinished or to circulation, rejected, invalidated): searched too, only to
#: follow bills already imported.
LEFT_STATUSES = ("UNFINISHED", "RECEIVED", "VERIFIED", "PAYMENT_DENIED", "INVALIDATED")


def fingerprint(bill):
    """What an imported bill says, as plain JSON-able values: compared with what Procountor
    says later (:func:`fingerprint_changes`) to tell a content change from a status or
    payment change."""
    return {
        "supplier": bill.partner_procountor_id or bill.supplier_name,
        "move_type": bill.move_type,
        "invoice_date": bill.invoice_date,
        "due_date": bill.due_date,
        "accounting_date": bill.accounting_date,
        "ref": bill.ref,
        "payment_reference": bill.payment_reference,
        "currency": bill.currency,
        "currency_rate": str(bill.currency_rate),
        "untaxed": str(bill.untaxed),
        "total": str(bill.total),
        "lines": [
            [line.account_id, line.tax_id, str(line.amount), sorted(line.analytic.items())]
            for line in bill.lines
        ],
    }


def fingerprint_changes(before, after):
    """``[(key, before, after)]`` of what differs between two fingerprints (the lines as one
    key: their count, accounts, taxes, amounts or analytic)."""
    keys = [key for key in after if key != "lines"] + ["lines"]
    changes = []
    for key in keys:
        old, new = (before or {}).get(key), after.get(key)
        if key == "lines" and old is not None:
            old = [list(map(_plain, line)) for line in old]
            new = [list(map(_plain, line)) for line in new]
        if old != new:
            if key == "lines":
                changes.append((key, len(old or []), len(new)))
            else:
                changes.append((key, old, new))
    return changes


def _plain(value):
    """JSON round trip of a fingerprint value (tuples become lists)."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def totals_differ(bill, untaxed, total):
    """``(procountor, odoo)`` totals when Odoo's bill does not equal Procountor's invoice to
    the cent (untaxed or total), else None."""
    odoo_untaxed, odoo_total = to_money(untaxed), to_money(total)
    if odoo_untaxed != bill.untaxed or odoo_total != bill.total:
        return (bill.total, odoo_total, bill.untaxed, odoo_untaxed)
    return None


#: How far before the bookmark an incremental search starts again: a change whose
#: ``version`` (its modification time) is earlier than the bookmark may still become visible
#: after the previous run (committed late in Procountor). What is read twice is recognised
#: (imported bills by id and version) and changes nothing.
VERSION_OVERLAP = timedelta(minutes=10)
VERSION_FORMAT = "%Y-%m-%dT%H:%M:%S"


def overlap_since(mark, overlap=VERSION_OVERLAP):
    """The ``versionStartDate`` of a search after bookmark ``mark``: ``overlap`` earlier,
    in Procountor's datetime format (milliseconds kept when the mark has them). A mark that
    is not a datetime is returned as it is."""
    if not mark:
        return mark
    text = str(mark).rstrip("Z")
    head, _dot, fraction = text.partition(".")
    try:
        moment = datetime.strptime(head, VERSION_FORMAT)
    except ValueError:
        return mark
    earlier = (moment - overlap).strftime(VERSION_FORMAT)
    return f"{earlier}.{fraction}" if fraction else earlier


def search_filters(since=None, statuses=ACCEPTED_STATUSES):
    """Query of ``GET /invoices`` for the purchase invoices in ``statuses`` (the accepted
    ones) changed since ``since`` (``versionStartDate``, inclusive, minus
    :data:`VERSION_OVERLAP`), oldest id first so that paging is stable."""
    filters = {
        "types": [PURCHASE_INVOICE],
        "status": list(statuses),
        "orderById": "ASC",
    }
    if since:
        filters["versionStartDate"] = overlap_since(since)
    return filters


def high_water_mark(current, versions):
    """The new ``versionStartDate`` bookmark: the latest version handled, never earlier
    than ``current``."""
    candidates = [value for value in versions if value]
    if current:
        candidates.append(current)
    return max(candidates) if candidates else current
