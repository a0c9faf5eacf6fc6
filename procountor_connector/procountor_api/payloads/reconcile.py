# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reconciliation: do Odoo's books and Procountor's agree? Plain decisions, no Odoo.

The Odoo side is described by ``OdooDocument`` (built by the connection from moves), the
Procountor side by ``ProcountorDocument`` (built here from Procountor's JSON: invoices,
their payment events and ledger receipts). ``compare_documents`` pairs them by Procountor
id and returns ``Finding`` rows, at most one per (document, kind);
``compare_balances`` adds the open balances per partner that the document findings do
not already explain.

Kinds (``KINDS``; the Odoo selection ``procountor.difference.kind`` uses these values):

- ``missing_in_procountor``: an Odoo document the connection sent (or should have sent)
  that Procountor does not have, or has invalidated;
- ``missing_in_odoo``: a Procountor document of this connection (created through its API
  user, or carrying an Odoo number) without a posted Odoo document;
- ``currency``, ``total``, ``partner``, ``date``, ``reference``: that field differs;
- ``paid_status``: paid in one, open in the other;
- ``paid_amount``: both open or both paid, but the paid amounts differ;
- ``lines``: totals agree but the accounts or the VAT split of the lines do not (vendor
  bills and journal entries, from their ledger receipts);
- ``balance``: a partner's open balance differs beyond the documents already listed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .common import compact_vat, counterparty_identifier
from .ledger_receipts import name_carries_number
from .purchase_invoice import same_supplier

KINDS = (
    "missing_in_procountor",
    "missing_in_odoo",
    "currency",
    "total",
    "partner",
    "date",
    "reference",
    "paid_status",
    "paid_amount",
    "lines",
    "balance",
)
#: Per document, the field kinds are looked at in this order, each at most once.
FIELD_KINDS = ("currency", "total", "partner", "date", "reference")
DOCUMENT_TYPES = ("sale", "purchase", "entry", "partner")
SALES_TYPES = ("SALES_INVOICE",)
PURCHASE_TYPES = ("PURCHASE_INVOICE",)
#: Procountor statuses meaning "nothing left to pay".
PAID_STATUSES = frozenset(("PAID", "MARKED_PAID"))
#: Statuses with a payment event to read.
WITH_PAYMENTS = frozenset(("PAID", "MARKED_PAID", "PARTLY_PAID"))
#: Statuses of documents still open in Procountor (the balance search).
OPEN_STATUSES = (
    "UNFINISHED",
    "NOT_SENT",
    "SENT",
    "PARTLY_PAID",
    "RECEIVED",
    "VERIFIED",
    "APPROVED",
    "PAYMENT_QUEUED",
    "PAYMENT_SENT_TO_BANK",
)
#: Purchase invoices the bill import takes (the others are not expected in Odoo).
ACCEPTED_PURCHASE = frozenset(
    ("APPROVED", "PAYMENT_QUEUED", "PAYMENT_SENT_TO_BANK", "PARTLY_PAID", "PAID", "MARKED_PAID")
)
GONE = "INVALIDATED"
#: Half a cent: what Procountor's and Odoo's roundings may differ by.
TOLERANCE = Decimal("0.005")
CENT = Decimal("0.01")


class ReconcileInputError(ValueError):
    """Procountor answered with a document the comparison cannot read (a malformed row)."""


def money(value) -> Decimal:
    """A Decimal rounded to the cent; ``ReconcileInputError`` for what is not a number."""
    if isinstance(value, bool):
        raise ReconcileInputError(f"not an amount: {value!r}")
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ReconcileInputError(f"not an amount: {value!r}") from error


def money_text(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return ""
    return f"{amount:.2f} {currency}".strip()


@dataclass
class OdooDocument:
    """One Odoo move as the comparison sees it; amounts signed as Procountor's (a credit
    note or vendor refund is negative).

    ``counterparty``: what Procountor should name (``partnerId`` of the link and
    ``counterParty`` identifier, VAT number and name), compared by ``same_supplier``.
    ``lines``: ``((account, VAT percent, net), ...)`` grouped, or None when not compared.
    ``paid``: None for journal entries (nothing to pay)."""

    move_id: int
    doc_type: str
    procountor_id: int | None
    number: str
    reference: str
    date: str
    currency: str = ""
    total: Decimal = Decimal(0)
    paid: Decimal | None = None
    fully_paid: bool = False
    partner_id: int | None = None
    counterparty: dict = field(default_factory=dict)
    lines: tuple | None = None


@dataclass
class ProcountorDocument:
    procountor_id: int
    doc_type: str
    number: str
    reference: str
    date: str
    status: str
    currency: str = ""
    total: Decimal = Decimal(0)
    paid: Decimal | None = None
    partner_key: int | None = None
    raw: dict = field(default_factory=dict)
    lines: tuple | None = None
    ours: bool = False

    @property
    def fully_paid(self) -> bool:
        return self.status in PAID_STATUSES


@dataclass
class Finding:
    kind: str
    doc_type: str
    key: str
    date: str
    move_id: int | None = None
    procountor_id: int | None = None
    partner_id: int | None = None
    odoo_value: str = ""
    procountor_value: str = ""


def expected_counterparty(partner_link_id, business_id, vat, country_code, name) -> dict:
    """What Procountor should carry for an Odoo partner, shaped like an invoice body."""
    return {
        "partnerId": partner_link_id or None,
        "counterParty": {
            "identifier": counterparty_identifier(business_id, vat, country_code),
            "taxCode": compact_vat(vat),
            "counterPartyAddress": {"name": name or ""},
        },
    }


def as_object(value, what):
    if not isinstance(value, dict):
        raise ReconcileInputError(f"{what} is not an object: {value!r}")
    return value


def as_int(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReconcileInputError(f"{what} is not a number: {value!r}")
    return value


def invoice_sum(invoice: dict) -> tuple[str, Decimal]:
    """(currency, total) of an invoice in its own currency, from ``invoiceSumInfo``."""
    currency = str((invoice.get("paymentInfo") or {}).get("currency") or "")
    infos = invoice.get("invoiceSumInfo")
    if isinstance(infos, dict):
        infos = [infos]
    if not isinstance(infos, list) or not infos:
        raise ReconcileInputError(f"invoice {invoice.get('id')} has no invoiceSumInfo")
    chosen = next(
        (i for i in infos if isinstance(i, dict) and i.get("currency") == currency), infos[0]
    )
    chosen = as_object(chosen, "invoiceSumInfo")
    return str(chosen.get("currency") or currency), money(chosen.get("invoiceSumTotal"))


def paid_by_invoice(events) -> dict:
    """Paid amount per invoice id, in the paid currency (``paidAmount``, else ``amount``)."""
    paid = defaultdict(lambda: Decimal(0))
    for event in events:
        event = as_object(event, "payment event")
        invoice_id = as_int(event.get("invoiceId"), "payment event invoiceId")
        amount = event.get("paidAmount", event.get("amount"))
        paid[invoice_id] += money(amount)
    return dict(paid)


def receipt_lines(receipt: dict, account_map=None) -> tuple:
    """``((account, VAT percent, net), ...)`` of a ledger receipt's ENTRY rows, grouped
    and sorted; the net is ``accountingValue`` (accounting currency, debit positive)."""
    grouped = defaultdict(lambda: Decimal(0))
    transactions = receipt.get("transactions")
    if not isinstance(transactions, list):
        raise ReconcileInputError(f"ledger receipt {receipt.get('id')} has no transactions")
    for transaction in transactions:
        transaction = as_object(transaction, "transaction")
        if transaction.get("transactionType") != "ENTRY":
            continue
        account = str(transaction.get("account") or "")
        percent = money(transaction.get("vatPercent") or 0)
        grouped[(account, percent)] += money(transaction.get("accountingValue"))
    return group_lines(grouped.items())


def group_lines(rows) -> tuple:
    """Sorted ``(account, percent, net)`` tuples, zero groups left out."""
    merged = defaultdict(lambda: Decimal(0))
    for (account, percent), net in rows:
        merged[(str(account), Decimal(percent).quantize(CENT))] += net
    return tuple(
        (account, percent, net.quantize(CENT))
        for (account, percent), net in sorted(merged.items())
        if abs(net) >= TOLERANCE
    )


def lines_text(lines) -> str:
    return "; ".join(
        f"{account} {percent.normalize():f}%: {net:.2f}" for account, percent, net in lines or ()
    )


def remote_invoice(invoice, paid, receipt=None, *, api_user_id=None, odoo_number=None):
    """A ``ProcountorDocument`` of a Procountor invoice. ``paid``: its paid amount (events);
    ``odoo_number(text)``: does a text look like one of our Odoo numbers."""
    invoice = as_object(invoice, "invoice")
    invoice_id = as_int(invoice.get("id"), "invoice id")
    kind = invoice.get("type")
    doc_type = "sale" if kind in SALES_TYPES else "purchase"
    currency, total = invoice_sum(invoice)
    original = str(invoice.get("originalInvoiceNumber") or "")
    status = str(invoice.get("status") or "")
    ours = bool(api_user_id) and invoice.get("creatorId") == api_user_id
    if not ours and odoo_number is not None and original:
        ours = bool(odoo_number(original))
    partner_key = invoice.get("partnerId")
    return ProcountorDocument(
        procountor_id=invoice_id,
        doc_type=doc_type,
        number=str(invoice.get("invoiceNumber") or ""),
        reference=original,
        date=str(invoice.get("date") or ""),
        status=status,
        currency=currency,
        total=total,
        paid=paid,
        partner_key=partner_key if isinstance(partner_key, int) else None,
        raw=invoice,
        lines=receipt_lines(receipt) if receipt is not None else None,
        ours=ours,
    )


def remote_receipt(receipt, *, odoo_number=None):
    """A ``ProcountorDocument`` of a JOURNAL ledger receipt: the total is the sum of the
    debits of its ENTRY rows (net), as for Odoo's entry."""
    receipt = as_object(receipt, "ledger receipt")
    receipt_id = as_int(receipt.get("id"), "ledger receipt id")
    lines = receipt_lines(receipt)
    name = str(receipt.get("name") or "")
    return ProcountorDocument(
        procountor_id=receipt_id,
        doc_type="entry",
        number=str(receipt.get("receiptNumber") or ""),
        reference=name,
        date=str(receipt.get("receiptDate") or ""),
        status=str(receipt.get("status") or ""),
        total=sum((net for _a, _p, net in lines if net > 0), Decimal(0)),
        raw=receipt,
        lines=lines,
        ours=bool(odoo_number and name and odoo_number(name)),
    )


def number_matcher(prefixes):
    """``f(text)`` → True when ``text`` is an Odoo sequence number of one of ``prefixes``
    (``INV/2026/`` followed by digits)."""
    patterns = [re.compile(re.escape(prefix) + r"\d+(\s|$)") for prefix in prefixes if prefix]

    def matches(text):
        return any(pattern.match(str(text or "").strip()) for pattern in patterns)

    return matches


def _key(doc_type, kind, move_id=None, procountor_id=None):
    subject = f"m{move_id}" if move_id else f"p{procountor_id}"
    return f"{doc_type}:{kind}:{subject}"


def _finding(kind, odoo, remote, odoo_value="", procountor_value=""):
    doc_type = (odoo or remote).doc_type
    move_id = odoo.move_id if odoo else None
    procountor_id = remote.procountor_id if remote else (odoo.procountor_id if odoo else None)
    return Finding(
        kind=kind,
        doc_type=doc_type,
        key=_key(doc_type, kind, move_id, procountor_id),
        date=(odoo.date if odoo else remote.date) or "",
        move_id=move_id,
        procountor_id=procountor_id or None,
        partner_id=odoo.partner_id if odoo else None,
        odoo_value=str(odoo_value),
        procountor_value=str(procountor_value),
    )


def _paid_text(doc):
    state = "paid" if doc.fully_paid else "open"
    return f"{state}, paid {money_text(doc.paid, doc.currency)}"


def _same_reference(odoo, remote):
    if odoo.doc_type == "entry":
        # A receipt's name is the entry's number, then its reference, cut to 80.
        return name_carries_number(remote.reference, odoo.reference)
    return (odoo.reference or "").strip() == (remote.reference or "").strip()


def _field_findings(odoo, remote):
    found = []
    if odoo.currency and remote.currency and odoo.currency != remote.currency:
        found.append(_finding("currency", odoo, remote, odoo.currency, remote.currency))
    elif abs(odoo.total - remote.total) >= TOLERANCE:
        found.append(
            _finding(
                "total",
                odoo,
                remote,
                money_text(odoo.total, odoo.currency),
                money_text(remote.total, remote.currency),
            )
        )
    if odoo.counterparty and not same_supplier(remote.raw, odoo.counterparty):
        name = (remote.raw.get("counterParty") or {}).get("counterPartyAddress") or {}
        sent = odoo.counterparty["counterParty"]["counterPartyAddress"]["name"]
        found.append(_finding("partner", odoo, remote, sent, name.get("name") or ""))
    if odoo.date != remote.date:
        found.append(_finding("date", odoo, remote, odoo.date, remote.date))
    if not _same_reference(odoo, remote):
        found.append(_finding("reference", odoo, remote, odoo.reference, remote.reference))
    return found


def _payment_findings(odoo, remote):
    if odoo.paid is None or remote.doc_type == "entry":
        return []
    remote_paid = remote.paid if remote.paid is not None else Decimal(0)
    if odoo.fully_paid != remote.fully_paid:
        remote_doc = ProcountorDocument(**{**remote.__dict__, "paid": remote_paid})
        return [_finding("paid_status", odoo, remote, _paid_text(odoo), _paid_text(remote_doc))]
    if abs(odoo.paid - remote_paid) >= TOLERANCE:
        return [
            _finding(
                "paid_amount",
                odoo,
                remote,
                money_text(odoo.paid, odoo.currency),
                money_text(remote_paid, remote.currency),
            )
        ]
    return []


def _line_findings(odoo, remote, found):
    if odoo.lines is None or remote.lines is None:
        return []
    if any(f.kind in ("total", "currency") for f in found):
        return []  # the split is only a question when the totals agree
    if odoo.lines == remote.lines:
        return []
    return [_finding("lines", odoo, remote, lines_text(odoo.lines), lines_text(remote.lines))]


def compare_documents(odoo_docs, remote_docs, odoo_move_of=None):
    """Findings for one document type. ``odoo_docs``: what Odoo has (with or without a
    Procountor id); ``remote_docs``: what Procountor has, by id (an id Odoo links to but
    Procountor did not return is missing there). ``odoo_move_of(remote)`` → the id of an
    Odoo move that is not posted (draft, cancelled) but names that Procountor document,
    put on its ``missing_in_odoo``."""
    findings = []
    remote_by_id = {doc.procountor_id: doc for doc in remote_docs}
    matched = set()
    for odoo in odoo_docs:
        remote = remote_by_id.get(odoo.procountor_id) if odoo.procountor_id else None
        if remote is None or remote.status == GONE:
            value = remote.status if remote else ""
            findings.append(
                _finding(
                    "missing_in_procountor",
                    odoo,
                    remote,
                    odoo.number,
                    value or (str(odoo.procountor_id) if odoo.procountor_id else ""),
                )
            )
            if remote is not None:
                matched.add(remote.procountor_id)
            continue
        matched.add(remote.procountor_id)
        found = _field_findings(odoo, remote)
        found += _payment_findings(odoo, remote)
        found += _line_findings(odoo, remote, found)
        findings += found
    for remote in remote_docs:
        if remote.procountor_id in matched or remote.status == GONE or not remote.ours:
            continue
        finding = _finding(
            "missing_in_odoo",
            None,
            remote,
            "",
            f"{remote.reference or remote.number} {money_text(remote.total, remote.currency)}",
        )
        if odoo_move_of is not None:
            finding.move_id = odoo_move_of(remote) or None
        findings.append(finding)
    return findings


@dataclass(frozen=True)
class OpenItem:
    """One open document of a partner: ``amount`` still open, signed (a credit note is
    negative), in ``currency``; ``side`` receivable or payable."""

    partner_id: int
    side: str
    currency: str
    amount: Decimal
    document: tuple  # (doc type, Procountor id or move id): what a finding may explain


def compare_balances(odoo_items, remote_items, explained, date):
    """``balance`` findings per (partner, side, currency): the open amounts of both sides,
    leaving out documents that already have a finding (``explained``: a set of
    ``document`` tuples), differ by half a cent or more."""
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for index, items in enumerate((odoo_items, remote_items)):
        for item in items:
            if item.document in explained:
                continue
            sums[(item.partner_id, item.side, item.currency)][index] += item.amount
    findings = []
    for (partner_id, side, currency), (odoo_sum, remote_sum) in sorted(sums.items()):
        if abs(odoo_sum - remote_sum) < TOLERANCE:
            continue
        findings.append(
            Finding(
                kind="balance",
                doc_type="partner",
                key=f"partner:balance:{partner_id}:{side}:{currency}",
                date=date,
                partner_id=partner_id,
                odoo_value=f"{side} {money_text(odoo_sum, currency)}",
                procountor_value=f"{side} {money_text(remote_sum, currency)}",
            )
        )
    return findings


def explained_documents(findings):
    """The ``OpenItem.document`` tuples the document findings already account for."""
    documents = set()
    for finding in findings:
        if finding.procountor_id:
            documents.add((finding.doc_type, "p", finding.procountor_id))
        if finding.move_id:
            documents.add((finding.doc_type, "m", finding.move_id))
    return documents
