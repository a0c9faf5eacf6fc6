# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payments Procountor received → what Odoo must register, leave alone or flag.

Plain Python, so that the pure-Python suite tests every decision without Odoo:

- ``invoice_payment_snapshot(invoice)``: what of a Procountor ``Invoice`` tells that its
  payments changed. The 26.04 ``Invoice`` has no paid or open amount: its ``status``
  (``PARTLY_PAID``, ``PAID``, ``MARKED_PAID``...), ``paymentDate`` (date of the latest payment
  transaction, set by Procountor) and ``version`` (changed on every modification, payments
  included) are compared with the values seen at the last fetch; only a changed invoice has its
  payment events read.
- ``payment_kind(event_type)``: every ``PaymentEvent.type`` of the schema mapped to ``bank``,
  ``cash`` or ``other`` (not money that reached an account: set-offs, credit losses, cash
  discounts, corrections... are flagged, never registered as a payment).
- ``decide_payments(...)``: given the events read and what Odoo already holds, the events to
  register and the flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .common import CENT, to_decimal

BANK = "bank"
CASH = "cash"
OTHER = "other"

#: PaymentEvent.type (26.04 enum) → kind of Odoo journal the payment goes to.
PAYMENT_KIND_BY_TYPE = {
    # Money on a bank account: bank statement lines, reference payments (viitesuoritukset),
    # transfers to another account, card and direct-debit settlements, "paid elsewhere".
    "BANKSTATEMENT": BANK,
    "BANKSTATEMENT_TO_INVOICE": BANK,
    "BANKSTATEMENT_TO_JOURNAL": BANK,
    "BANKTRANSFERELSEWHERE": BANK,
    "REFERENCEPAYMENT": BANK,
    "REFERENCEPAYMENT_TO_INVOICE": BANK,
    "REFERENCEPAYMENT_TO_JOURNAL": BANK,
    "ELSEWHERE": BANK,
    "CHARGECARD": BANK,
    "NETS_DK_INVOICE": BANK,
    "OTHERPAYMENTMETHOD": BANK,
    # Money in the till.
    "CASH": CASH,
    # No money moved: settled against another document or written off in Procountor. Odoo has
    # its own way for each (credit note, write-off, reconciliation): a person decides.
    "ADJUSTMENT": OTHER,
    "CASHDISCOUNT": OTHER,
    "COMPENSATIONINVOICE": OTHER,
    "CORRECTION": OTHER,
    "CREDITLOSS": OTHER,
    "INVOICE_TO_INVOICE": OTHER,
    "INVOICE_TO_JOURNAL": OTHER,
    "JOURNAL_TO_INVOICE": OTHER,
    "JOURNAL_TO_JOURNAL": OTHER,
    "SETOFF": OTHER,
    "TRANSACTION_FOCUSED": OTHER,
}

#: Flag codes (the Odoo side turns each into a translated message).
FLAG_REMOVED = "removed"
FLAG_NOT_POSITIVE = "not_positive"
FLAG_CURRENCY = "currency"
FLAG_OVERPAID = "overpaid"
FLAG_NOT_MONEY = "not_money"


def payment_kind(event_type):
    """``bank``, ``cash`` or ``other``; an unknown (newer) type is ``other``: never guessed."""
    return PAYMENT_KIND_BY_TYPE.get(event_type or "", OTHER)


def invoice_payment_snapshot(invoice):
    """A short text that changes whenever the invoice's payments change in Procountor."""
    return "|".join(str(invoice.get(key) or "") for key in ("status", "paymentDate", "version"))


@dataclass(frozen=True)
class PaymentEventRow:
    """One Procountor payment event, with its amount signed as the document's.

    ``amount`` is in ``currency`` (the paid currency); for a credit note, a refund that
    Procountor stores as a negative amount is positive here (``sign`` of ``from_event``).
    """

    id: int
    invoice_id: int
    type: str
    kind: str
    payment_date: str
    amount: Decimal
    currency: str
    description: str = ""

    @classmethod
    def from_event(cls, event, sign=1):
        """Build from a ``PaymentEvent`` (or ``BasicPaymentTransactionData``) body."""
        if event.get("paidAmount") is not None:
            amount, currency = event["paidAmount"], event.get("paidCurrency")
        else:
            amount, currency = event.get("amount"), event.get("currency")
        return cls(
            id=int(event["id"]),
            invoice_id=int(event.get("invoiceId") or 0),
            type=event.get("type") or "",
            kind=payment_kind(event.get("type")),
            payment_date=event.get("paymentDate") or "",
            amount=to_decimal(amount or 0) * sign,
            currency=currency or event.get("currency") or "",
            description=event.get("description") or "",
        )


@dataclass(frozen=True)
class PaymentFlag:
    """Something not registered (or registered in Odoo but gone in Procountor)."""

    code: str
    event_id: int
    amount: Decimal = Decimal(0)
    currency: str = ""
    payment_date: str = ""
    event_type: str = ""
    open_amount: Decimal = Decimal(0)


@dataclass
class PaymentDecision:
    register: list = field(default_factory=list)  # PaymentEventRow, oldest first
    known: list = field(default_factory=list)  # ids already registered in Odoo
    flags: list = field(default_factory=list)  # PaymentFlag

    @property
    def changed(self):
        return bool(self.register or self.flags)


def decide_payments(events, *, registered_ids, invoice_currency, open_amount, sign=1):
    """What to do with the payment events of one invoice.

    - ``events``: PaymentEvent bodies read from Procountor now;
    - ``registered_ids``: event ids that already have a (not cancelled) Odoo payment for this
      invoice, i.e. what Odoo holds;
    - ``invoice_currency``: ISO code of the invoice;
    - ``open_amount``: what is still open in Odoo, in the invoice currency (positive);
    - ``sign``: -1 for a credit note (its refunds are negative amounts in Procountor).

    Events are taken oldest first (by id). Registered: a new, positive event in the invoice's
    currency of a bank or cash kind that fits in what is still open. Flagged: a registered event
    that is gone now (removed in Procountor), a zero or negative amount, another currency, a
    kind that is no payment, an amount larger than what is still open. Nothing is dropped.
    """
    registered = {int(event_id) for event_id in registered_ids}
    rows = sorted((PaymentEventRow.from_event(e, sign) for e in events), key=lambda r: r.id)
    present = {row.id for row in rows}
    decision = PaymentDecision()
    for event_id in sorted(registered - present):
        decision.flags.append(PaymentFlag(FLAG_REMOVED, event_id))
    remaining = to_decimal(open_amount)
    for row in rows:
        if row.id in registered:
            decision.known.append(row.id)
            continue
        flag = None
        if row.kind == OTHER:
            flag = FLAG_NOT_MONEY
        elif row.amount <= 0:
            flag = FLAG_NOT_POSITIVE
        elif row.currency and invoice_currency and row.currency != invoice_currency:
            flag = FLAG_CURRENCY
        elif row.amount - remaining >= CENT / 2:
            flag = FLAG_OVERPAID
        if flag:
            decision.flags.append(
                PaymentFlag(
                    flag,
                    row.id,
                    amount=row.amount,
                    currency=row.currency,
                    payment_date=row.payment_date,
                    event_type=row.type,
                    open_amount=remaining,
                )
            )
            continue
        decision.register.append(row)
        remaining -= row.amount
    return decision
