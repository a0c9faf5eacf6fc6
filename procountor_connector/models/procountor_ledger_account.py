# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ProcountorLedgerAccount(models.Model):
    """An account of the Procountor chart of accounts (``GET /coa``)."""

    _name = "procountor.ledger.account"
    _inherit = "procountor.reference.mixin"
    _description = "Procountor Ledger Account"
    _order = "connection_id, code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, readonly=True, index=True)
    name = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "code_uniq",
            "unique(connection_id, code)",
            "A ledger account appears once per connection.",
        ),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.code} {account.name or ''}".strip()
