# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor payment events that move no money, booked the way Odoo books them
(docs/architecture.md, "Payment event types"):

- ``CASHDISCOUNT``: an entry in the connection's cash discount journal that takes the discount
  off the receivable or payable, splits it into net and VAT with the document's own taxes
  (the discount corrects the VAT as the invoice's VAT rows do) and is reconciled with the
  document; no account on the connection: flagged;
- ``SETOFF``: the document reconciled with the one credit note (or invoice) of the same
  partner, currency and connection that the set-off closes; more than one, none, or an amount
  that closes neither: flagged. The counterpart's own set-off event is recognised as the same
  set-off (paired), not booked again.

Each booked event is a ``procountor.payment.link`` (unique per connection and event id), the
counterpart of a payment's ``procountor_payment_event_id``.
"""

import logging

from odoo import Command, _, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, mute_logger

from ..procountor_api import payloads

_logger = logging.getLogger(__name__)

#: Receivable and payable: the lines a payment, a write-off or a set-off reconciles.
OPEN_ACCOUNT_TYPES = ("asset_receivable", "liability_payable")
OPPOSITE_TYPE = {
    "out_invoice": "out_refund",
    "out_refund": "out_invoice",
    "in_invoice": "in_refund",
    "in_refund": "in_invoice",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------ what is booked

    def _procountor_payment_overrides(self, connection):
        """{event type: kind} for this document: the connection's journals per type, and a
        cash discount flagged when the connection cannot write it off."""
        self.ensure_one()
        overrides = connection._procountor_payment_overrides()
        can_write_off = connection._procountor_discount_account(self) and (
            connection.payment_discount_journal_id
        )
        if "CASHDISCOUNT" not in overrides and not can_write_off:
            overrides["CASHDISCOUNT"] = payloads.FLAG
        return overrides

    def _procountor_payment_links(self, connection):
        return (
            self.env["procountor.payment.link"]
            .sudo()
            .search([("connection_id", "=", connection.id), ("move_id", "in", self.ids)])
        )

    def _procountor_booked_event_ids(self, connection, event_ids):
        """Event ids booked without a payment: this document's, and any of ``event_ids``
        (booked for another document: never booked twice)."""
        Link = self.env["procountor.payment.link"].sudo()
        links = self._procountor_payment_links(connection)
        links |= Link.search(
            [("connection_id", "=", connection.id), ("event_id", "in", list(event_ids))]
        )
        return {int(link.event_id) for link in links}

    def _procountor_book_without_payment(self, connection, row):
        """Book a cash discount or a set-off; returns a flag message, or "" when booked."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                if row.kind == payloads.DISCOUNT:
                    problem = self._procountor_book_discount(connection, row)
                else:
                    problem = self._procountor_book_setoff(connection, row)
                if problem:
                    raise _NotBooked(problem)
                self.env.flush_all()
        except _NotBooked as not_booked:
            return not_booked.reason
        except (UserError, ValidationError) as exc:
            return _(
                "Odoo could not book Procountor %(type)s %(id)s of %(date)s (%(amount)s "
                "%(currency)s): %(error)s. Book it by hand.",
                type=row.type,
                id=row.id,
                date=row.payment_date,
                amount=row.amount,
                currency=row.currency,
                error=exc.args[0] if exc.args else exc,
            )
        return ""

    def _procountor_link(self, connection, row, kind, **values):
        return (
            self.env["procountor.payment.link"]
            .sudo()
            .create(
                {
                    "connection_id": connection.id,
                    "event_id": str(row.id),
                    "event_type": row.type,
                    "kind": kind,
                    "move_id": self.id,
                    "amount": float(row.amount),
                    "currency_id": self.currency_id.id,
                    "date": row.payment_date,
                    **values,
                }
            )
        )

    def _procountor_open_lines(self):
        return self.line_ids.filtered(
            lambda line: line.account_id.account_type in OPEN_ACCOUNT_TYPES and not line.reconciled
        )

    # ------------------------------------------------------------------ cash discount

    def _procountor_book_discount(self, connection, row):
        account = connection._procountor_discount_account(self)
        journal = connection.payment_discount_journal_id
        if self.currency_id != self.company_currency_id:
            return _(
                "Procountor cash discount %(id)s of %(date)s (%(amount)s %(currency)s) is on a "
                "document in a foreign currency: write it off in Odoo by hand, with the rate "
                "Procountor used.",
                id=row.id,
                date=row.payment_date,
                amount=row.amount,
                currency=row.currency,
            )
        open_lines = self._procountor_open_lines()
        if not open_lines or len(open_lines.account_id) != 1:
            return _(
                "Procountor cash discount %(id)s: the document has no single open receivable "
                "or payable line to reconcile the discount with. Write it off by hand.",
                id=row.id,
            )
        # +1: the document's open line is a debit (a customer invoice, a vendor refund).
        direction = 1 if sum(open_lines.mapped("balance")) > 0 else -1
        discount_lines, problem = self._procountor_discount_lines(account, row, direction)
        if problem:
            return problem
        counterpart = {
            "name": _("Cash discount (Procountor %(id)s)", id=row.id),
            "account_id": open_lines.account_id.id,
            "partner_id": self.commercial_partner_id.id,
            "balance": -direction * float(row.amount),
        }
        entry = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": row.payment_date,
                    "ref": _("Cash discount of %(name)s", name=self.name),
                    "line_ids": [Command.create(counterpart)]
                    + [Command.create(vals) for vals in discount_lines],
                }
            )
        )
        entry_open = entry.line_ids.filtered(lambda line: line.account_id == open_lines.account_id)
        if not float_is_zero(
            sum(entry.line_ids.mapped("balance")), precision_rounding=self.currency_id.rounding
        ) or float_compare(
            abs(sum(entry_open.mapped("balance"))),
            float(row.amount),
            precision_rounding=self.currency_id.rounding,
        ):
            return self._procountor_discount_not_to_the_cent(row)
        entry.action_post()
        (entry_open | open_lines).reconcile()
        self._procountor_link(connection, row, "discount", entry_id=entry.id)
        self._message_log(
            body=_(
                "Procountor cash discount %(id)s of %(amount)s %(currency)s written off in "
                "%(entry)s.",
                id=row.id,
                amount=row.amount,
                currency=row.currency,
                entry=entry.display_name,
            )
        )
        return ""

    def _procountor_discount_not_to_the_cent(self, row):
        return _(
            "Procountor cash discount %(id)s of %(amount)s %(currency)s cannot be split into net "
            "and VAT to the cent with this document's taxes: write it off by hand.",
            id=row.id,
            amount=row.amount,
            currency=row.currency,
        )

    def _procountor_discount_lines(self, account, row, direction):
        """Net lines on the discount account, with the document's taxes, whose net plus the
        VAT Odoo computes on them is the discount to the cent; ``(lines, problem)``.

        The discount is shared between the document's tax groups by their gross amounts
        (the rounding rest on the largest); Odoo adds the VAT lines of the entry itself, with
        the tags of a VAT correction."""
        currency = self.currency_id
        groups = {}
        for line in self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            groups.setdefault(line.tax_ids, 0.0)
            groups[line.tax_ids] += line.price_total
        total = sum(groups.values())
        if not groups or float_is_zero(total, precision_rounding=currency.rounding):
            return [], self._procountor_discount_not_to_the_cent(row)
        for taxes in groups:
            if any(t.amount_type != "percent" or t.price_include for t in taxes):
                return [], self._procountor_discount_not_to_the_cent(row)
        discount = float(row.amount)
        shares = {
            taxes: currency.round(discount * gross / total) for taxes, gross in groups.items()
        }
        largest = max(groups, key=lambda taxes: abs(groups[taxes]))
        shares[largest] = currency.round(shares[largest] + discount - sum(shares.values()))
        lines = []
        name = _("Cash discount (Procountor %(id)s)", id=row.id)
        for taxes, share in shares.items():
            if float_is_zero(share, precision_rounding=currency.rounding):
                continue
            net, rest = self._procountor_net_of(taxes, share)
            if currency.compare_amounts(abs(rest), currency.rounding) > 0:
                # More than a rounding cent left over: these taxes do not split the
                # discount into net and VAT the way this code can (never guessed).
                return [], self._procountor_discount_not_to_the_cent(row)
            line = {
                "name": name,
                "account_id": account.id,
                "partner_id": self.commercial_partner_id.id,
            }
            lines.append({**line, "balance": direction * net, "tax_ids": [Command.set(taxes.ids)]})
            if rest:
                # A gross amount that no net plus its rounded VAT reaches (25.5 % VAT moves the
                # gross by 1.255 cents a cent): that one cent goes to the discount account
                # without VAT (Odoo's own early-payment discount puts it on its largest base
                # line instead, so the reported base may differ by that cent).
                lines.append({**line, "balance": direction * rest})
        return lines, ""

    def _procountor_net_of(self, taxes, gross):
        """``(net, rest)`` for the share ``gross`` of a discount: the VAT that Odoo computes
        on ``net`` with ``taxes`` is the VAT included in ``gross`` (gross × rate / (1 + rate),
        to the cent) where a net reaches it, and ``rest`` (0.0 or a cent) is what is left of
        ``gross`` after net and VAT."""
        currency = self.currency_id
        if not taxes:
            return gross, 0.0
        # The VAT that reaches the receivable/payable, from Odoo's own tax engine: a
        # reverse-charge tax (+rate and -rate repartition lines) adds none, so its discount
        # is all net and Odoo books the two VAT lines of the correction itself.
        probe = taxes.compute_all(10000.0, quantity=1.0)
        rate = (probe["total_included"] - probe["total_excluded"]) / probe["total_excluded"]
        included_vat = currency.round(gross * rate / (1 + rate))
        first = currency.round(gross - included_vat)
        best = None
        for step in (0, -1, 1, -2, 2):
            net = currency.round(first + step * currency.rounding)
            vat = currency.round(
                taxes.compute_all(net, currency=currency, quantity=1.0)["total_included"] - net
            )
            rest = currency.round(gross - net - vat)
            # First the included VAT, then the smallest rest.
            key = (currency.compare_amounts(vat, included_vat) != 0, abs(rest))
            if best is None or key < best[0]:
                best = (key, net, rest)
        return best[1], best[2]

    # ------------------------------------------------------------------ set-off

    def _procountor_setoff_candidates(self, connection):
        """Open documents of the other direction (credit notes of an invoice, invoices of a
        credit note) of the same partner and currency, from the same connection."""
        self.ensure_one()
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("currency_id", "=", self.currency_id.id),
                ("move_type", "=", OPPOSITE_TYPE[self.move_type]),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        return moves.filtered(lambda move: move._procountor_payment_source()[0] == connection)

    def _procountor_book_setoff(self, connection, row):
        currency = self.currency_id
        amount = float(row.amount)
        candidates = self._procountor_setoff_candidates(connection)
        fitting = candidates.filtered(
            lambda move: (
                float_compare(move.amount_residual, amount, precision_rounding=currency.rounding)
                >= 0
            )
        )
        closes = fitting.filtered(
            lambda move: (
                not float_compare(
                    min(move.amount_residual, self.amount_residual),
                    amount,
                    precision_rounding=currency.rounding,
                )
            )
        )
        if len(closes) != 1:
            return _(
                "Procountor set-off %(id)s of %(date)s (%(amount)s %(currency)s): Odoo finds "
                "%(count)s open documents of %(partner)s that this set-off would close "
                "(%(names)s), so it does not know which one Procountor used. Reconcile it by "
                "hand.",
                id=row.id,
                date=row.payment_date,
                amount=row.amount,
                currency=row.currency,
                count=len(closes),
                partner=self.commercial_partner_id.display_name,
                names=", ".join(closes.mapped("name")) or "-",
            )
        lines = self._procountor_open_lines() | closes._procountor_open_lines()
        if len(lines.account_id) != 1:
            return _(
                "Procountor set-off %(id)s: %(name)s and %(other)s are on different accounts. "
                "Reconcile them by hand.",
                id=row.id,
                name=self.name,
                other=closes.name,
            )
        lines.reconcile()
        self._procountor_link(connection, row, "setoff", counterpart_move_id=closes.id)
        self._message_log(
            body=_(
                "Procountor set-off %(id)s of %(amount)s %(currency)s: reconciled with %(other)s.",
                id=row.id,
                amount=row.amount,
                currency=row.currency,
                other=closes.name,
            )
        )
        return ""

    def _procountor_pair_setoffs(self, connection, events, registered_ids):
        """This document's set-off events whose set-off its counterpart already booked: each
        is paired with that booking (no second reconciliation). Returns their ids."""
        self.ensure_one()
        Link = self.env["procountor.payment.link"].sudo()
        sign = -1 if self.move_type in ("out_refund", "in_refund") else 1
        paired = set()
        for event in events:
            if not isinstance(event, dict) or event.get("type") != "SETOFF":
                continue
            try:
                row = payloads.PaymentEventRow.from_event(event, sign)
            except payloads.UnexpectedEvent:
                continue  # flagged by decide_payments
            if row.id in registered_ids:
                continue
            booked = Link.search(
                [
                    ("connection_id", "=", connection.id),
                    ("kind", "=", "setoff"),
                    ("counterpart_move_id", "=", self.id),
                    ("paired_event_id", "=", False),
                ]
            ).filtered(
                lambda link, amount=float(row.amount): (
                    not float_compare(
                        link.amount, amount, precision_rounding=self.currency_id.rounding
                    )
                )
            )
            if not booked:
                continue
            booked = booked[0]
            booked.paired_event_id = str(row.id)
            self._procountor_link(
                connection,
                row,
                "setoff",
                counterpart_move_id=booked.move_id.id,
                paired_event_id=booked.event_id,
            )
            paired.add(row.id)
        return paired


class _NotBooked(Exception):
    """A no-money event Odoo must not book as it stands (rolled back to its savepoint)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
