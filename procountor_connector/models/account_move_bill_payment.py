# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payments of vendor bills from Procountor's payment events, exactly as for sales invoices
(``account_move_payment.py``): bills imported from Procountor and bills sent to it, on a
connection with *Fetch Payments of Vendor Bills* (``bill_import_payment_state``)."""

from odoo import api, fields, models

BILL_TYPES = ("in_invoice", "in_refund")


class AccountMove(models.Model):
    _inherit = "account.move"

    procountor_payment_fetchable = fields.Boolean(
        compute="_compute_procountor_payment_fetchable",
        help="Technical: the document's payments can be fetched from Procountor (form button).",
    )

    @api.depends(
        "move_type",
        "state",
        "payment_state",
        "procountor_invoice_id",
        "procountor_bill_id",
        "procountor_connection_id",
        "procountor_bill_connection_id",
    )
    def _compute_procountor_payment_fetchable(self):
        for move in self:
            connection, remote_id = move._procountor_payment_source()
            move.procountor_payment_fetchable = bool(
                connection
                and remote_id
                and move.state == "posted"
                and move.payment_state in ("not_paid", "partial")
            )

    def _procountor_payment_source(self):
        """A bill imported from Procountor is paid by its purchase invoice's events, a bill
        sent to Procountor by those of the purchase invoice it became."""
        if self.move_type not in BILL_TYPES:
            return super()._procountor_payment_source()
        self.ensure_one()
        if self.procountor_bill_id and self.procountor_bill_connection_id:
            connection, remote_id = self.procountor_bill_connection_id, self.procountor_bill_id
        elif self.procountor_invoice_id and self.procountor_connection_id:
            connection, remote_id = self.procountor_connection_id, self.procountor_invoice_id
        else:
            return self.env["procountor.connection"], 0
        if not connection.bill_import_payment_state:
            return self.env["procountor.connection"], 0
        return connection, remote_id


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    def _procountor_bill_fetch_payments(self, moves, known=None):
        """After a bill import run: the payments of the bills it imported or saw again, read
        from their payment events (the payment fetch, given the invoices the run has just
        read as ``known``: no second read of them). Returns the summary, or None when the
        option is off."""
        self.ensure_one()
        if not self.bill_import_payment_state:
            return None
        moves = moves.filtered(lambda move: move._procountor_payment_is_candidate())
        if not moves:
            return None
        return moves._procountor_fetch_payments(known=known)

    def _procountor_bill_payments_after_run(self, procountor_ids, summary, known=None):
        """The bill import's hook: the imported bills of this run get their payments from
        their payment events; ``summary.paid`` counts those that got one."""
        self.ensure_one()
        moves = self.env["account.move"].search(
            [
                ("procountor_bill_connection_id", "=", self.id),
                ("procountor_bill_id", "in", list(procountor_ids)),
            ]
        )
        result = self._procountor_bill_fetch_payments(moves, known)
        if result is not None:
            summary.paid += len(result.registered)
