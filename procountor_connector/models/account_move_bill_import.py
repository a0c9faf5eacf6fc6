# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bills imported from Procountor: their state fields and the exactly-once barrier
(docs/architecture.md, "Vendor bills from Procountor"); their payments come from Procountor's
payment events (``account_move_bill_payment.py``)."""

from odoo import Command, fields, models


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
