# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Accepted Procountor purchase invoices that could not become vendor bills yet.

A purchase invoice whose account, VAT or dimension has no mapping (or whose totals Odoo
cannot reproduce, or whose scan could not be downloaded) is not half-imported: it gets one
row here with every reason, and every later run reads it again (even after the run's
high-water mark passed it) until it imports; the row is then deleted."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..status_labels import status_label


class ProcountorBillPending(models.Model):
    _name = "procountor.bill.pending"
    _description = "Procountor Purchase Invoice Not Imported"
    _order = "connection_id, procountor_id"
    _rec_name = "procountor_id"
    _check_company_auto = True

    connection_id = fields.Many2one(
        "procountor.connection", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    procountor_id = fields.Integer("Procountor ID", required=True, readonly=True)
    invoice_number = fields.Integer("Procountor Number", readonly=True)
    supplier_name = fields.Char("Supplier", readonly=True)
    original_number = fields.Char("Supplier's Invoice Number", readonly=True)
    invoice_date = fields.Date(readonly=True)
    amount_total = fields.Float("Total", readonly=True, digits=(16, 2))
    currency = fields.Char(readonly=True)
    procountor_status = fields.Char("Status in Procountor", readonly=True)
    procountor_status_label = fields.Char(
        "Procountor Status", compute="_compute_procountor_status_label"
    )
    reason = fields.Text(readonly=True)
    last_attempt = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "procountor_uniq",
            "unique(connection_id, procountor_id)",
            "A Procountor purchase invoice is listed only once per connection.",
        ),
    ]

    @api.depends_context("lang")
    @api.depends("procountor_status")
    def _compute_procountor_status_label(self):
        # Procountor's raw status (APPROVED, PARTLY_PAID...) in words.
        for pending in self:
            pending.procountor_status_label = status_label(self.env, pending.procountor_status)

    def action_retry(self):
        """Import these purchase invoices again (after the missing mapping was added), with
        the rights of the user who asks: the same as the Fetch Vendor Bills button."""
        if not self.env.user.has_group("procountor_connector.group_procountor_user"):
            raise AccessError(
                self.env._("Only Procountor users may import purchase invoices from Procountor.")
            )
        self.check_access("read")
        self.env["account.move"].check_access("create")
        if not self:
            return False
        groups = {}
        for row in self:
            groups.setdefault(row.connection_id, []).append(row.procountor_id)
        # The rows go away as their bills import: keep the connections, not the rows.
        results = [
            connection._procountor_fetch_bills(only_ids=ids) for connection, ids in groups.items()
        ]
        return next(iter(groups))._procountor_bill_notification(results)
