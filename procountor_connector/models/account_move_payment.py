# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payments Procountor received → Odoo payments, each payment event exactly once.

One code path for the invoice button, the list action and the cron
(``procountor.connection._cron_procountor_fetch_payments``):

1. per connection, the journals are checked before any HTTP call;
2. ``GET /invoices/{ids}`` reads status, latest payment date and version of up to 200
   invoices per call; an invoice whose snapshot (``payloads.invoice_payment_snapshot``) equals
   the one stored at the last fetch costs nothing more;
3. a changed invoice is locked (``FOR NO KEY UPDATE NOWAIT``; another worker's row is
   skipped), its events are read (``GET /invoices/{id}/paymentevents``: only that answer
   carries the event ``type`` that picks the journal; read ahead: account_move_payment_reads.py),
   ``payloads.decide_payments`` says what to register and what to flag, each new event goes
   through Odoo's Register Payment wizard, and the invoice is committed (outside tests);
4. the unique constraint on (connection, event id) of ``account.payment`` is the last
   barrier.
"""

import logging
from decimal import Decimal

import psycopg2

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_repr, mute_logger, split_every

from ..procountor_api import const, payloads
from ..procountor_api.client import Exchange
from ..procountor_api.exceptions import ProcountorError
from .account_payment import FETCH_CONTEXT_KEY, FETCH_PASS

_logger = logging.getLogger(__name__)

PROCOUNTOR_USER_GROUP = "procountor_connector.group_procountor_user"
#: Odoo payment states of an invoice that still waits for money.
OPEN_PAYMENT_STATES = ("not_paid", "partial")


class ProcountorPaymentSummary:
    """Outcome of one fetch over many invoices.

    ``registered``, ``unchanged``, ``flagged``, ``failed`` and ``skipped`` are recordsets of
    moves (kept as id lists while a run adds to them: a union per invoice would be quadratic).
    """

    OUTCOMES = ("registered", "unchanged", "flagged", "failed", "skipped")

    def __init__(self, env):
        self.env = env
        self._ids = {outcome: [] for outcome in self.OUTCOMES}
        self.payments = env["account.payment"]
        #: A problem of the whole connection (journals missing, no credentials): nothing fetched.
        self.problem = None
        self.reasons = {}  # move -> first line of its failure

    def __getattr__(self, name):
        if name in self.OUTCOMES:
            return self.env["account.move"].browse(self._ids[name])
        raise AttributeError(name)

    def add(self, outcome, move, reason=None):
        self._ids[outcome].extend(move.ids)
        if reason:
            self.reasons[move] = reason

    @property
    def attempted(self):
        return sum(len(self._ids[outcome]) for outcome in ("registered", "flagged", "failed"))

    def as_text(self):
        return ", ".join(f"{outcome} {len(self._ids[outcome])}" for outcome in self.OUTCOMES)


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_payment_snapshot = fields.Char(
        copy=False,
        readonly=True,
        help="Procountor status, latest payment date and version of the invoice at the last "
        "payment fetch: an unchanged invoice has no new payment.",
    )
    procountor_payment_attention = fields.Boolean(
        "Procountor Payment Needs Attention",
        copy=False,
        readonly=True,
        index=True,
        help="Procountor has a payment that was not registered in Odoo: see the message.",
    )
    procountor_payment_message = fields.Text(copy=False, readonly=True)
    procountor_payment_fetch_date = fields.Datetime(
        "Last Procountor Payment Fetch", copy=False, readonly=True
    )

    # ------------------------------------------------------------------ entry points

    def action_procountor_fetch_payments(self):
        """Register the payments Procountor received for these invoices; a notification sums up."""
        if not self.env.user.has_group(PROCOUNTOR_USER_GROUP):
            raise AccessError(_("Only Procountor users may fetch payments from Procountor."))
        self.check_access("write")
        summary = self._procountor_fetch_payments()
        return self._procountor_payment_notification(summary)

    def _procountor_payment_notification(self, summary):
        lines = []
        if summary.problem:
            lines.append(summary.problem)
        lines.append(
            _(
                "%(registered)s registered (%(payments)s payments), %(unchanged)s unchanged, "
                "%(flagged)s flagged, %(failed)s failed.",
                registered=len(summary.registered),
                payments=len(summary.payments),
                unchanged=len(summary.unchanged),
                flagged=len(summary.flagged),
                failed=len(summary.failed),
            )
        )
        if summary.skipped:
            lines.append(
                _(
                    "%(count)s skipped (not a posted invoice in Procountor, already paid, or "
                    "being fetched by someone else).",
                    count=len(summary.skipped),
                )
            )
        for move in (summary.failed | summary.flagged)[:10]:
            reason = summary.reasons.get(move) or move.procountor_payment_message or "?"
            lines.append(f"{move.name}: {reason.strip().splitlines()[0]}")
        kind = "success"
        if summary.failed or summary.problem:
            kind = "danger"
        elif summary.flagged:
            kind = "warning"
        return self.env["procountor.connection"]._procountor_notification(
            _("Procountor payments"), "\n".join(lines), kind
        )

    def action_procountor_payment_dismiss(self):
        """The accountant handled a flagged payment by hand: clear the flag, keep the record.

        The message goes to the chatter with who dismissed it. The next fetch sees the same
        Procountor snapshot and leaves the invoice alone; if the invoice changes in Procountor
        again and the payment still cannot be registered, the flag comes back."""
        if not self.env.user.has_group(PROCOUNTOR_USER_GROUP):
            raise AccessError(_("Only Procountor users may dismiss Procountor payment flags."))
        self.check_access("write")
        for move in self.filtered("procountor_payment_attention"):
            move._message_log(
                body=_(
                    "Procountor payment flag dismissed by %(user)s: %(message)s",
                    user=self.env.user.name,
                    message=move.procountor_payment_message or "",
                )
            )
            move.sudo().write(
                {"procountor_payment_attention": False, "procountor_payment_message": False}
            )
        return True

    # ------------------------------------------------------------------ fetching

    def _procountor_payment_source(self):
        """``(connection, Procountor invoice id)`` whose payment events pay this move, or an
        empty connection. Sales invoices and credit notes sent through a connection here;
        vendor bills in ``account_move_bill_payment.py``."""
        self.ensure_one()
        if self.move_type in ("out_invoice", "out_refund") and self.procountor_invoice_id:
            return self.procountor_connection_id, self.procountor_invoice_id
        return self.env["procountor.connection"], 0

    def _procountor_payment_is_candidate(self):
        self.ensure_one()
        connection, remote_id = self._procountor_payment_source()
        return (
            self.state == "posted"
            and bool(remote_id)
            and bool(connection)
            and (self.payment_state in OPEN_PAYMENT_STATES or self.procountor_payment_attention)
        )

    def _procountor_payment_remote_id(self):
        return self._procountor_payment_source()[1]

    def _procountor_fetch_payments(self, known=None):
        """Fetch for every candidate of ``self``; returns a ``ProcountorPaymentSummary``.

        ``known``: Procountor invoices by id that the caller has just read (the bill import
        run); a batch whose invoices are all there is not read again."""
        summary = ProcountorPaymentSummary(self.env)
        candidates = self.filtered(lambda move: move._procountor_payment_is_candidate())
        for move in self - candidates:
            summary.add("skipped", move)
        by_connection = candidates.grouped(lambda move: move._procountor_payment_source()[0])
        for connection, moves in by_connection.items():
            moves._procountor_fetch_payments_with(connection, summary, known or {})
        return summary

    def _procountor_fetch_payments_with(self, connection, summary, known):
        missing = connection._procountor_payment_missing()
        if missing:
            # Nothing is fetched: a payment read now could not be registered anyway.
            summary.problem = "\n".join(missing)
            for move in self:
                summary.add("failed", move, missing[0])
            return
        try:
            client = connection._procountor_client()
        except UserError as exc:
            summary.problem = str(exc)
            for move in self:
                summary.add("failed", move, str(exc))
            return
        journals = connection._procountor_payment_journals()
        with client:
            if connection.procountor_max_in_flight > 1 and self._procountor_fetch_payments_parallel(
                connection, client, journals, summary, known
            ):
                return
            for chunk in split_every(const.BATCH_IDS_MAX, self.ids, self.browse):
                client.on_exchange = self.env["account.move"]._procountor_exchange_logger(
                    connection
                )
                remote_ids = [move._procountor_payment_remote_id() for move in chunk]
                try:
                    if all(remote_id in known for remote_id in remote_ids):
                        remote = [known[remote_id] for remote_id in remote_ids]
                    else:
                        remote = client.get_invoices(remote_ids)
                    by_id = payloads.invoices_by_id(remote)
                except (ProcountorError, ValueError) as exc:
                    chunk._procountor_payment_chunk_failed(exc, summary)
                    continue
                for move in chunk:
                    move._procountor_fetch_payments_one(
                        connection,
                        client,
                        by_id.get(move._procountor_payment_remote_id()),
                        journals,
                        summary,
                    )

    def _procountor_fetch_payments_one(
        self, connection, client, remote, journals, summary, prefetched=None
    ):
        """``prefetched(move)``: its event read made ahead (``Outcome``), or None: read here."""
        self.ensure_one()
        if remote is None:
            self._procountor_payment_flag(
                connection,
                [
                    _(
                        "Procountor no longer has invoice %(id)s: check in Procountor whether "
                        "it was deleted, and register its payments in Odoo by hand.",
                        id=self._procountor_payment_remote_id(),
                    )
                ],
            )
            summary.add("flagged", self)
            self._procountor_commit()
            return
        if self._procountor_payment_remote_id() == self.procountor_invoice_id:
            mismatch = self._procountor_remote_mismatch(remote)
            if mismatch:
                # Not the document this move sent (an id given twice): neither its status
                # nor its payment events belong to this move.
                self._procountor_payment_flag(connection, [mismatch])
                summary.add("flagged", self, mismatch)
                self._procountor_commit()
                return
        if self._procountor_note_remote_status(remote):
            self._procountor_commit()
        snapshot = payloads.invoice_payment_snapshot(remote)
        if self._procountor_payment_unchanged(remote, snapshot):
            # Never fetched and no payment date in Procountor (set with the first payment
            # transaction): no event to read yet, and nothing written for the unpaid majority.
            summary.add("unchanged", self)
            return
        if not self._procountor_try_lock():
            summary.add("skipped", self)
            return
        # Locked, with what other workers committed: look again.
        if not self._procountor_payment_is_candidate() or (
            snapshot == self.procountor_payment_snapshot and not self.procountor_payment_attention
        ):
            summary.add("unchanged", self)
            self._procountor_commit()
            return
        client.on_exchange = self._procountor_exchange_logger(connection)
        read = prefetched(self) if prefetched else None
        try:
            if read is None:
                events = client.get_invoice_payment_events(self._procountor_payment_remote_id())
            elif read.error is not None:
                raise read.error
            else:
                events = read.value
            if not isinstance(events, list):
                raise ValueError(f"payment events answered as {type(events).__name__}")
        except ValueError as exc:
            # Not a list of events: this invoice waits with the reason, the others go on.
            self._procountor_payment_flag(
                connection, [self._procountor_unexpected_message(str(exc))]
            )
            summary.add("flagged", self)
            self._procountor_commit()
            return
        except ProcountorError as exc:
            self._procountor_payment_failed(exc.message)
            summary.add("failed", self, exc.message)
            self._procountor_commit()
            return
        outcome = self._procountor_apply_payment_events(
            connection, events, snapshot, journals, summary
        )
        summary.add(outcome, self, summary.reasons.get(self))
        self._procountor_commit()

    def _procountor_apply_payment_events(self, connection, events, snapshot, journals, summary):
        """Register what ``decide_payments`` says, store the flags; returns the outcome."""
        self.ensure_one()
        linked = self.matched_payment_ids.filtered(
            lambda payment: (
                payment.procountor_connection_id == connection
                and payment.procountor_payment_event_id
                and payment.state != "canceled"
            )
        )
        event_ids = [
            str(event["id"])
            for event in events
            if isinstance(event, dict) and str(event.get("id") or "").isdigit()
        ]
        # Registered before, even if no longer reconciled with this invoice or cancelled since:
        # an event with any Odoo payment is never registered again.
        existing = self.env["account.payment"].search(
            [
                ("procountor_connection_id", "=", connection.id),
                ("procountor_payment_event_id", "in", event_ids),
            ]
        )
        registered_ids = {int(p.procountor_payment_event_id) for p in linked | existing}
        # Cash discounts and set-offs booked without a payment, and this document's side of
        # a set-off its counterpart already reconciled.
        registered_ids |= self._procountor_booked_event_ids(connection, event_ids)
        registered_ids |= self._procountor_pair_setoffs(connection, events, registered_ids)
        currency = self.currency_id
        decision = payloads.decide_payments(
            events,
            registered_ids=registered_ids,
            invoice_currency=currency.name,
            open_amount=Decimal(float_repr(self.amount_residual, currency.decimal_places)),
            sign=-1 if self.move_type in ("out_refund", "in_refund") else 1,
            decimals=currency.decimal_places,
            overrides=self._procountor_payment_overrides(connection),
            accounting_currency=self.company_currency_id.name,
        )
        payments = self.env["account.payment"]
        booked_flags = []
        for row in decision.register:
            try:
                if row.kind in (payloads.DISCOUNT, payloads.SETOFF):
                    problem = self._procountor_book_without_payment(connection, row)
                    if problem:
                        booked_flags.append(problem)
                    continue
                payments |= self._procountor_register_payment(connection, row, journals)
            except psycopg2.errors.UniqueViolation:
                # Another worker registered it between our read and our insert: it is done.
                _logger.info("Procountor payment event %s already registered", row.id)
            except (UserError, ValidationError) as exc:
                # Odoo refused (locked period, ...): keep the snapshot so the next run retries.
                message = _(
                    "Odoo could not register Procountor payment %(id)s of %(amount)s "
                    "%(currency)s: %(error)s",
                    id=row.id,
                    amount=row.amount,
                    currency=row.currency,
                    error=exc,
                )
                self._procountor_payment_failed(message)
                summary.payments |= payments
                summary.reasons[self] = message
                return "failed"
        summary.payments |= payments
        messages = [self._procountor_flag_message(flag, linked) for flag in decision.flags]
        messages += booked_flags
        self._procountor_payment_flag(connection, messages, snapshot=snapshot)
        if messages:
            return "flagged"
        booked = len(decision.register) > len(booked_flags)
        return "registered" if payments or booked else "unchanged"

    def _procountor_register_payment(self, connection, row, journals):
        """One Odoo payment for one Procountor event, the way the Register Payment wizard does."""
        if row.kind == payloads.JOURNAL:
            journal = connection._procountor_payment_type_journals()[row.type]
        else:
            journal = journals[row.kind]
        context = {
            "active_model": "account.move",
            "active_ids": self.ids,
            "procountor_payment_event_id": row.id,
            "procountor_connection_id": connection.id,
            # The pass that lets the wizard and account.payment take the fields above.
            FETCH_CONTEXT_KEY: FETCH_PASS,
        }
        if connection.payment_final_state == "paid":
            context["procountor_book_on_journal_account"] = True
        if row.company_amount is not None and self.currency_id != self.company_currency_id:
            # A foreign-currency payment is booked with the euros Procountor booked for it,
            # so Odoo's exchange difference is Procountor's (not Odoo's rate of the day).
            context["procountor_payment_company_amount"] = float(abs(row.company_amount))
        with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            wizard = (
                self.env["account.payment.register"]
                .with_context(**context)
                .create(
                    {
                        "journal_id": journal.id,
                        "amount": float(row.amount),
                        "currency_id": self.currency_id.id,
                        "payment_date": row.payment_date,
                        "payment_difference_handling": "open",
                    }
                )
            )
            payment = wizard._create_payments()
            if connection.payment_final_state == "paid" and payment.state == "in_process":
                payment.action_validate()
            self.env.flush_all()
        return payment

    def _procountor_unexpected_message(self, detail):
        return _(
            "Unexpected answer from Procountor: %(detail)s. This document waits until "
            "Procountor answers as expected; check its payments in Procountor and register "
            "them in Odoo by hand if needed.",
            detail=detail,
        )

    def _procountor_flag_message(self, flag, linked):
        money = f"{flag.amount} {flag.currency}".strip()
        if flag.code == payloads.FLAG_UNEXPECTED:
            return self._procountor_unexpected_message(flag.detail)
        if flag.code == payloads.FLAG_CURRENCY_UNKNOWN:
            return _(
                "Procountor payment %(id)s of %(date)s (%(amount)s) names no currency: it was "
                "not registered. Register it in Odoo by hand with the amount in "
                "%(invoice_currency)s.",
                id=flag.event_id,
                date=flag.payment_date,
                amount=flag.amount,
                invoice_currency=self.currency_id.name,
            )
        if flag.code == payloads.FLAG_REMOVED:
            payment = linked.filtered(
                lambda p: p.procountor_payment_event_id == str(flag.event_id)
            )[:1]
            if not payment:
                # A cash discount entry or a set-off: name what Odoo booked for it.
                link = (
                    self.env["procountor.payment.link"]
                    .sudo()
                    .search(
                        [("move_id", "=", self.id), ("event_id", "=", str(flag.event_id))], limit=1
                    )
                )
                payment = link.entry_id or link.counterpart_move_id
            return _(
                "Procountor payment %(id)s was removed in Procountor but Odoo payment "
                "%(payment)s still pays this invoice. If the removal is right, cancel or reverse "
                "%(payment)s; otherwise allocate the payment again in Procountor.",
                id=flag.event_id,
                payment=payment.display_name or "?",
            )
        if flag.code == payloads.FLAG_NOT_MONEY:
            return _(
                "Procountor payment %(id)s of %(date)s (%(money)s) is a %(type)s: %(meaning)s "
                "It was not booked. Record it in Odoo by hand (a payment in the right journal, "
                "a credit note, a write-off or a reconciliation), or map the type to a journal "
                "on the connection.",
                id=flag.event_id,
                date=flag.payment_date,
                money=money,
                type=flag.event_type or "?",
                meaning=self._procountor_event_type_meaning(flag.event_type),
            )
        if flag.code == payloads.FLAG_NOT_POSITIVE:
            return _(
                "Procountor payment %(id)s of %(date)s has the amount %(money)s (zero, or "
                "against the invoice's direction): it was not registered. Check it in "
                "Procountor and record any returned money in Odoo by hand.",
                id=flag.event_id,
                date=flag.payment_date,
                money=money,
            )
        if flag.code == payloads.FLAG_CURRENCY:
            return _(
                "Procountor payment %(id)s of %(date)s was paid in %(currency)s, the invoice is "
                "in %(invoice_currency)s: it was not registered. Register it in Odoo by hand "
                "with the amount in %(invoice_currency)s.",
                id=flag.event_id,
                date=flag.payment_date,
                currency=flag.currency,
                invoice_currency=self.currency_id.name,
            )
        return _(
            "Procountor payment %(id)s of %(date)s (%(money)s) is larger than what is still "
            "open in Odoo (%(open)s): it was not registered. Check the invoice and its payments "
            "in Procountor and in Odoo, then register the payment in Odoo by hand.",
            id=flag.event_id,
            date=flag.payment_date,
            money=money,
            open=flag.open_amount,
        )

    def _procountor_event_type_meaning(self, event_type):
        """Why an event of this type is not booked by default (docs/architecture.md)."""
        elsewhere = _(
            "the money moved through an account Procountor does not read (another bank "
            "account, a card acquirer, a clearing service, or paid by hand), so which Odoo "
            "account moves is not known."
        )
        meanings = {
            "ELSEWHERE": elsewhere,
            "OTHERPAYMENTMETHOD": elsewhere,
            "BANKTRANSFERELSEWHERE": elsewhere,
            "CHARGECARD": elsewhere,
            "NETS_DK_INVOICE": elsewhere,
            "CREDITLOSS": _(
                "a credit loss: no money moved; in Odoo it is a credit note or a write-off to "
                "the credit loss account, with its VAT correction."
            ),
            "COMPENSATIONINVOICE": _(
                "settled with a credit note that Procountor does not name: reconcile it with "
                "that credit note."
            ),
            "INVOICE_TO_INVOICE": _(
                "settled with another invoice that Procountor does not name: reconcile the two."
            ),
            "BANKSTATEMENT_TO_JOURNAL": _(
                "bank money allocated to a journal receipt that Procountor does not name; if "
                "Odoo books that receipt too (an entry sent to Procountor, say), a payment "
                "would count the money twice."
            ),
            "CASHDISCOUNT": _(
                "a cash discount, and the connection has no cash discount account (and journal) "
                "for this side (Options tab, Payments), so it is not written off."
            ),
        }
        meanings["REFERENCEPAYMENT_TO_JOURNAL"] = meanings["BANKSTATEMENT_TO_JOURNAL"]
        return meanings.get(
            event_type,
            _("no money reached the bank account Procountor reads, or its meaning is not certain."),
        )

    def _procountor_payment_flag(self, connection, messages, snapshot=None):
        """Store the outcome of a fetch: the flags (or none) and the snapshot seen."""
        self.ensure_one()
        message = "\n".join(messages) or False
        vals = {"procountor_payment_fetch_date": fields.Datetime.now()}
        if snapshot is not None:
            vals["procountor_payment_snapshot"] = snapshot
        if (
            message != (self.procountor_payment_message or False)
            or bool(messages) != self.procountor_payment_attention
        ):
            vals["procountor_payment_attention"] = bool(messages)
            vals["procountor_payment_message"] = message
            if messages:
                # The log shows it next to the calls of this invoice; the chatter keeps it.
                connection._procountor_log_exchange(
                    Exchange(
                        operation="fetch_payments_check",
                        method="CHECK",
                        url="",
                        path=f"/invoices/{self._procountor_payment_remote_id()}/paymentevents",
                        status=None,
                        duration_ms=0,
                        error_message=message,
                        ok=False,
                    ),
                    self,
                )
                self._message_log(body=_("Procountor payments need attention: %s", message))
        self.sudo().write(vals)

    def _procountor_payment_failed(self, message):
        self.ensure_one()
        self.sudo().write(
            {
                "procountor_payment_message": message,
                "procountor_payment_fetch_date": fields.Datetime.now(),
            }
        )
