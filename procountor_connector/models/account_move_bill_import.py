# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bills imported from Procountor: their state fields, the exactly-once barrier and
the payment that follows Procountor's status (docs/architecture.md, "Vendor bills from
Procountor")."""

import logging

import psycopg2

from odoo import Command, fields, models
from odoo.tools import SQL, mute_logger

from ..procountor_api import payloads

_logger = logging.getLogger(__name__)

#: (connection, Procountor purchase invoice id) of a purchase move, held as imported or sent.
PURCHASE_KEY = (
    "(CASE WHEN procountor_bill_id > 0 THEN procountor_bill_connection_id "
    "ELSE procountor_connection_id END), "
    "(CASE WHEN procountor_bill_id > 0 THEN procountor_bill_id ELSE procountor_invoice_id END)"
)
PURCHASE_WHERE = (
    "move_type IN ('in_invoice', 'in_refund') "
    "AND (procountor_bill_id > 0 OR procountor_invoice_id > 0)"
)


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_bill_status = fields.Char(
        "Purchase Invoice Status in Procountor",
        copy=False,
        readonly=True,
        help="Status of the Procountor purchase invoice at the last import run.",
    )
    procountor_bill_version = fields.Char(copy=False, readonly=True)
    procountor_bill_payment_registered = fields.Boolean(
        "Payment Registered From Procountor",
        copy=False,
        readonly=True,
        help="The payment Procountor recorded was registered on this bill (once).",
    )

    def init(self):
        result = super().init()
        # The last barrier of "never imported twice": one bill per Procountor purchase
        # invoice and connection, whatever two concurrent runs do.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS account_move_procountor_bill_uniq "
            "ON account_move (procountor_bill_connection_id, procountor_bill_id) "
            "WHERE procountor_bill_id IS NOT NULL AND procountor_bill_id != 0 "
            "AND procountor_bill_connection_id IS NOT NULL"
        )
        # And never a bill imported back that Odoo sent: per connection, one purchase move
        # per Procountor purchase invoice id, whether it holds the id as sent
        # (procountor_invoice_id) or as imported (procountor_bill_id).
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                self.env.cr.execute(
                    SQL(
                        "CREATE UNIQUE INDEX IF NOT EXISTS account_move_procountor_purchase_uniq "
                        "ON account_move (%s) WHERE %s",
                        SQL(PURCHASE_KEY),
                        SQL(PURCHASE_WHERE),
                    )
                )
        except psycopg2.errors.UniqueViolation:
            # A database where sent bills were already imported back: the run's own check
            # still keeps new ones out; the doubles are for the accountant to reverse.
            self.env.cr.execute(
                SQL(
                    "SELECT array_agg(id ORDER BY id) FROM account_move WHERE %s "
                    "GROUP BY %s HAVING count(*) > 1",
                    SQL(PURCHASE_WHERE),
                    SQL(PURCHASE_KEY),
                )
            )
            _logger.warning(
                "Vendor bills imported back from Procountor although sent from Odoo (move ids "
                "per Procountor invoice): %s. The unique index account_move_procountor_"
                "purchase_uniq is created once they are cancelled and their Procountor id "
                "cleared.",
                [row[0] for row in self.env.cr.fetchall()],
            )
        return result

    @staticmethod
    def _procountor_bill_line_vals(line):
        vals = {
            "name": line.name,
            "account_id": line.account_id,
            "quantity": 1,
            "price_unit": float(line.amount),
            "tax_ids": [Command.set([line.tax_id] if line.tax_id else [])],
        }
        if line.analytic:
            vals["analytic_distribution"] = {
                str(account_id): share for account_id, share in line.analytic.items()
            }
        return vals

    def _procountor_bill_follow_payment(self, connection, paid, payment_date):
        """Register the payment Procountor made, once: Procountor PAID / MARKED_PAID, the
        option on, the bill posted and still open. Returns True when a payment was made.

        The payment goes through Odoo's Register Payment wizard in the connection's bank
        journal on Procountor's ``paymentDate`` for what is open, so Odoo books it as a
        payment made by hand; the option *Paid* of the payment fetch books it straight on
        the journal's account (the bank statement is reconciled in Procountor)."""
        self.ensure_one()
        if not (
            connection.bill_import_payment_state
            and paid
            and self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and not self.procountor_bill_payment_registered
        ):
            return False
        context = {"active_model": "account.move", "active_ids": self.ids}
        if connection.payment_final_state == "paid":
            context["procountor_book_on_journal_account"] = True
        with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            wizard = (
                self.env["account.payment.register"]
                .with_context(**context)
                .create(
                    {
                        "journal_id": connection.payment_bank_journal_id.id,
                        "payment_date": payment_date or fields.Date.context_today(self),
                        "amount": self.amount_residual,
                        "currency_id": self.currency_id.id,
                        "payment_difference_handling": "open",
                    }
                )
            )
            payment = wizard._create_payments()
            if connection.payment_final_state == "paid" and payment.state == "in_process":
                payment.action_validate()
            self.procountor_bill_payment_registered = True
        return True

    def _procountor_bill_sync(self, connection, invoice):
        """An already imported bill seen again: keep Procountor's status and follow its
        payment. Returns ``"paid"`` when a payment was registered, else ``"unchanged"``."""
        self.ensure_one()
        vals = {}
        if self.procountor_bill_status != invoice.get("status"):
            vals["procountor_bill_status"] = invoice.get("status")
        if self.procountor_bill_version != invoice.get("version"):
            vals["procountor_bill_version"] = invoice.get("version")
        if vals:
            self.write(vals)
        status = invoice.get("status")
        if status not in payloads.BILL_PAID_STATUSES:
            return "unchanged"
        paid = self._procountor_bill_follow_payment(connection, True, invoice.get("paymentDate"))
        return "paid" if paid else "unchanged"
