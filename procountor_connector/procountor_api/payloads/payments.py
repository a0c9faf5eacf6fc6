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
- ``payment_kind(event_type, overrides)``: every ``PaymentEvent.type`` of the schema mapped to
  what Odoo does with it: a payment in the bank or cash journal, a cash discount written off,
  a set-off reconciled, or a flag for the accountant (money that moved elsewhere or not at
  all is never booked as bank money); the connection may map a type to a journal.
- ``decide_payments(...)``: given the events read and what Odoo already holds, the events to
  register and the flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from .common import to_decimal

BANK = "bank"
CASH = "cash"
#: A payment in the journal the user mapped to the event type on the connection.
JOURNAL = "journal"
#: A cash discount: written off to the connection's cash discount account (VAT corrected).
DISCOUNT = "discount"
#: A set-off: the invoice reconciled with the one credit note it was set off against.
SETOFF = "setoff"
#: Not booked: the accountant decides (the invoice is flagged with the reason).
FLAG = "flag"
OTHER = FLAG  # the name of this kind before set-offs and cash discounts were booked

#: PaymentEvent.type (26.04 enum) → what Odoo does with it when the user mapped no journal
#: to that type on the connection (docs/architecture.md, "Payment event types").
PAYMENT_KIND_BY_TYPE = {
    # Money on the company's bank account that Procountor reads: bank statement lines and
    # reference payments (viitesuoritukset) allocated to the invoice.
    "BANKSTATEMENT": BANK,
    "BANKSTATEMENT_TO_INVOICE": BANK,
    "REFERENCEPAYMENT": BANK,
    "REFERENCEPAYMENT_TO_INVOICE": BANK,
    # The same money allocated to a journal receipt: which receipt, and whether Odoo already
    # books it (an entry the connector sent, for instance), the event does not say; a
    # payment here could book the money twice, so a person decides.
    "BANKSTATEMENT_TO_JOURNAL": FLAG,
    "REFERENCEPAYMENT_TO_JOURNAL": FLAG,
    # Money in the till.
    "CASH": CASH,
    # Less paid against a cash discount (käteisalennus): no money, a discount with its VAT.
    "CASHDISCOUNT": DISCOUNT,
    # Settled against a credit note of the same party: no money, a reconciliation.
    "SETOFF": SETOFF,
    # Money that moved elsewhere than the bank account Procountor reads (another bank
    # account, a card acquirer's or Nets' clearing account, "marked paid" by hand), or no money
    # at all (credit loss, adjustment, correction, settlement against another document whose
    # counterpart Procountor does not name): which account moves is not known, a person
    # decides, or maps the type to a journal on the connection.
    "BANKTRANSFERELSEWHERE": FLAG,
    "CHARGECARD": FLAG,
    "NETS_DK_INVOICE": FLAG,
    "ELSEWHERE": FLAG,
    "OTHERPAYMENTMETHOD": FLAG,
    "ADJUSTMENT": FLAG,
    "COMPENSATIONINVOICE": FLAG,
    "CORRECTION": FLAG,
    "CREDITLOSS": FLAG,
    "INVOICE_TO_INVOICE": FLAG,
    "INVOICE_TO_JOURNAL": FLAG,
    "JOURNAL_TO_INVOICE": FLAG,
    "JOURNAL_TO_JOURNAL": FLAG,
    "TRANSACTION_FOCUSED": FLAG,
}

#: Flag codes (the Odoo side turns each into a translated message).
FLAG_REMOVED = "removed"
FLAG_NOT_POSITIVE = "not_positive"
FLAG_CURRENCY = "currency"
FLAG_CURRENCY_UNKNOWN = "currency_unknown"
FLAG_OVERPAID = "overpaid"
FLAG_NOT_MONEY = "not_money"
FLAG_UNEXPECTED = "unexpected"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def payment_kind(event_type, overrides=None):
    """What Odoo does with an event of this type (``BANK``, ``CASH``, ``JOURNAL``,
    ``DISCOUNT``, ``SETOFF`` or ``FLAG``); ``overrides`` ({type: kind}) are the connection's
    choices. An unknown (newer) type is ``FLAG``: never guessed."""
    if overrides and event_type in overrides:
        return overrides[event_type]
    return PAYMENT_KIND_BY_TYPE.get(event_type or "", FLAG)


def tolerance(decimals):
    """Half the smallest unit of a currency with ``decimals`` decimal places."""
    return Decimal(1).scaleb(-int(decimals)) / 2


def invoices_by_id(rows):
    """{id: invoice} of a ``GET /invoices/{ids}`` answer; ``ValueError`` when the answer is
    not a list of invoices with ids (a garbage answer fails the batch, it flags no invoice
    as deleted)."""
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list):
        raise ValueError(f"invoices answered as {type(rows).__name__}")
    result = {}
    for row in rows:
        row_id = row.get("id") if isinstance(row, dict) else None
        if isinstance(row_id, bool) or not str(row_id if row_id is not None else "").isdigit():
            raise ValueError(f"an invoice with the id {row_id!r}")
        result[int(row_id)] = row
    return result


def invoice_payment_snapshot(invoice):
    """A short text that changes whenever the invoice's payments change in Procountor."""
    return "|".join(str(invoice.get(key) or "") for key in ("status", "paymentDate", "version"))


@dataclass(frozen=True)
class PaymentEventRow:
    """One Procountor payment event, with its amount signed as the document's.

    ``amount`` is in ``currency``: the paid currency when the event has ``paidAmount``, else
    the accounting currency of ``amount``; ``""`` when the event does not say (then the
    amount is used only where the accounting currency is the invoice's). For a credit note, a
    refund that Procountor stores as a negative amount is positive here (``sign``).
    """

    id: int
    invoice_id: int
    type: str
    kind: str
    payment_date: str
    amount: Decimal
    currency: str
    description: str = ""
    #: The euros (accounting currency) Procountor booked for a payment made in another
    #: currency (``amount`` next to ``paidAmount``); None when not known.
    company_amount: Decimal | None = None

    @classmethod
    def from_event(cls, event, sign=1, overrides=None, accounting_currency=""):
        """Build from a ``PaymentEvent`` body; ``UnexpectedEvent`` says what is wrong."""
        if not isinstance(event, dict):
            raise UnexpectedEvent("a payment event that is not an object")
        event_id = event.get("id")
        if isinstance(event_id, bool) or not isinstance(event_id, int | str):
            raise UnexpectedEvent("a payment event without id")
        if not str(event_id).isdigit() or int(event_id) <= 0:
            raise UnexpectedEvent(f"a payment event with the id {event_id!r}")
        day = event.get("paymentDate")
        if not isinstance(day, str) or not _ISO_DATE.match(day) or not _is_date(day):
            raise UnexpectedEvent(
                f"payment event {event_id} with the payment date {day!r} (not YYYY-MM-DD)"
            )
        company_amount = None
        if event.get("paidAmount") is not None:
            # paidAmount is in paidCurrency; without it the currency is not known.
            amount, currency = event["paidAmount"], event.get("paidCurrency") or ""
            company_amount = _accounting_amount(event, accounting_currency)
        else:
            # amount is in the accounting currency (26.04 schema), whether or not the event
            # names it.
            amount = event.get("amount")
            currency = event.get("currency") or accounting_currency or ""
        if isinstance(amount, bool) or not isinstance(amount, int | float | str):
            raise UnexpectedEvent(f"payment event {event_id} without an amount")
        try:
            value = to_decimal(amount)
        except (InvalidOperation, ValueError) as exc:
            raise UnexpectedEvent(f"payment event {event_id} with the amount {amount!r}") from exc
        if not value.is_finite():
            raise UnexpectedEvent(f"payment event {event_id} with the amount {amount!r}")
        return cls(
            id=int(event_id),
            invoice_id=int(event.get("invoiceId") or 0)
            if str(event.get("invoiceId") or 0).isdigit()
            else 0,
            type=event.get("type") or "",
            kind=payment_kind(event.get("type"), overrides),
            payment_date=day,
            amount=value * sign,
            currency=currency,
            description=event.get("description") or "",
            company_amount=None if company_amount is None else company_amount * sign,
        )


def _accounting_amount(event, accounting_currency):
    """The event's ``amount`` when it is certainly in the accounting currency (the event
    names that currency, or names none: the schema says ``amount`` is in it), else None."""
    amount = event.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None
    if not accounting_currency or (event.get("currency") or accounting_currency) != (
        accounting_currency
    ):
        return None
    try:
        value = to_decimal(amount)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


class UnexpectedEvent(ValueError):
    """A payment event whose shape the fetch cannot read (its ``args[0]`` says why)."""


def _is_date(text):
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


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
    detail: str = ""


@dataclass
class PaymentDecision:
    register: list = field(default_factory=list)  # PaymentEventRow, oldest first
    known: list = field(default_factory=list)  # ids already registered in Odoo
    flags: list = field(default_factory=list)  # PaymentFlag

    @property
    def changed(self):
        return bool(self.register or self.flags)


def decide_payments(
    events,
    *,
    registered_ids,
    invoice_currency,
    open_amount,
    sign=1,
    decimals=2,
    overrides=None,
    accounting_currency="",
):
    """What to do with the payment events of one invoice.

    - ``events``: PaymentEvent bodies read from Procountor now;
    - ``registered_ids``: event ids that Odoo already booked for this invoice (a payment, a
      cash discount write-off or a set-off), i.e. what Odoo holds;
    - ``invoice_currency``: ISO code of the invoice;
    - ``open_amount``: what is still open in Odoo, in the invoice currency (positive);
    - ``sign``: -1 for a credit note (its refunds are negative amounts in Procountor);
    - ``decimals``: decimal places of the invoice currency: an event larger than what is
      open by half its smallest unit or more is an overpayment;
    - ``overrides``: {event type: kind} the connection chose (a journal mapped to a type, a
      cash discount that cannot be written off);
    - ``accounting_currency``: Procountor's accounting currency as Odoo knows it (the
      company's): the currency of an ``amount`` whose event names none. Empty: unknown.

    Events are taken oldest first (by id). Booked (``register``, each with its ``kind``): a
    new, positive event in the invoice's currency whose kind is not ``FLAG`` and that fits in
    what is still open. Flagged: an event the fetch cannot read (no id, a date in another
    format, no amount: ``unexpected`` with the reason in ``detail``), a booked event that is
    gone now (removed in Procountor), a kind that a person must decide, a zero or negative
    amount, an amount in another or an unknown currency, an amount larger than what is
    still open. Nothing is dropped.
    """
    registered = {int(event_id) for event_id in registered_ids}
    decision = PaymentDecision()
    rows = []
    for event in events:
        try:
            rows.append(
                PaymentEventRow.from_event(
                    event, sign, overrides=overrides, accounting_currency=accounting_currency
                )
            )
        except UnexpectedEvent as exc:
            decision.flags.append(PaymentFlag(FLAG_UNEXPECTED, 0, detail=str(exc)))
    rows.sort(key=lambda r: r.id)
    present = {row.id for row in rows}
    if not decision.flags:
        # An event the fetch could not read may be the one that looks removed: only a full
        # answer tells what is gone.
        for event_id in sorted(registered - present):
            decision.flags.append(PaymentFlag(FLAG_REMOVED, event_id))
    remaining = to_decimal(open_amount)
    half_unit = tolerance(decimals)
    for row in rows:
        if row.id in registered:
            decision.known.append(row.id)
            continue
        flag = None
        if row.kind == FLAG:
            flag = FLAG_NOT_MONEY
        elif row.amount <= 0:
            flag = FLAG_NOT_POSITIVE
        elif not row.currency:
            flag = FLAG_CURRENCY_UNKNOWN
        elif invoice_currency and row.currency != invoice_currency:
            flag = FLAG_CURRENCY
        elif row.amount - remaining >= half_unit:
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
