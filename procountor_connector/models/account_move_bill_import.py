# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bills imported from Procountor: their state fields and the exactly-once barrier
(docs/architecture.md, "Vendor bills from Procountor"); their payments come from Procountor's
payment events (``account_move_bill_payment.py``)."""

import logging

import psycopg2

from odoo import Command, fields, models
from odoo.tools import SQL, mute_logger

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
    # Kept for databases where earlier versions set it (views being updated still name it);
    # payments of bills now come from Procountor's payment events.
    procountor_bill_payment_registered = fields.Boolean(
        "Payment Registered From Procountor Status",
        copy=False,
        readonly=True,
        help="Set by earlier versions, which registered one payment for a bill Procountor "
        "said was paid. Payments now come from Procountor's payment events.",
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

    def _procountor_bill_sync(self, connection, invoice):
        """An already imported bill seen again: keep Procountor's status. Its payments come
        from Procountor's payment events after the run (``account_move_bill_payment.py``).
        Returns ``"unchanged"``."""
        self.ensure_one()
        vals = {}
        if self.procountor_bill_status != invoice.get("status"):
            vals["procountor_bill_status"] = invoice.get("status")
        if self.procountor_bill_version != invoice.get("version"):
            vals["procountor_bill_version"] = invoice.get("version")
        if vals:
            self.write(vals)
        return "unchanged"
