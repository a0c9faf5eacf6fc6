# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProcountorAccountMapping(models.Model):
    """Odoo account → Procountor ledger account (needed when the codes differ)."""

    _name = "procountor.account.mapping"
    _inherit = "procountor.mapping.mixin"
    _description = "Procountor Account Mapping"
    _order = "connection_id, account_code"

    account_id = fields.Many2one(
        "account.account", required=True, ondelete="cascade", check_company=True
    )
    account_code = fields.Char(related="account_id.code", store=True)
    ledger_account_id = fields.Many2one(
        "procountor.ledger.account",
        "Procountor Ledger Account",
        required=True,
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id)]",
    )

    _sql_constraints = [
        (
            "account_uniq",
            "unique(connection_id, account_id)",
            "An account can be mapped only once per connection.",
        ),
    ]

    @api.constrains("connection_id", "ledger_account_id")
    def _check_ledger_account_connection(self):
        for mapping in self:
            if mapping.ledger_account_id.connection_id != mapping.connection_id:
                raise ValidationError(
                    self.env._("The ledger account belongs to another connection.")
                )
