# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ProcountorBankAccount(models.Model):
    """A bank account of the Procountor company (``GET /bankaccounts``)."""

    _name = "procountor.bank.account"
    _inherit = "procountor.reference.mixin"
    _description = "Procountor Bank Account"
    _order = "connection_id, sequence, id"
    _rec_names_search = ["iban", "bank_name"]

    procountor_id = fields.Integer("Procountor ID", required=True, readonly=True)
    sequence = fields.Integer(readonly=True, help="Procountor's order number")
    iban = fields.Char("IBAN", readonly=True, index=True)
    account_number = fields.Char(readonly=True, help="BBAN")
    bic = fields.Char("BIC", readonly=True)
    bank_name = fields.Char(readonly=True)
    currency = fields.Char(readonly=True, help="ISO 4217 code")
    default_for_invoice = fields.Boolean(readonly=True)

    _sql_constraints = [
        (
            "procountor_id_uniq",
            "unique(connection_id, procountor_id)",
            "A bank account appears once per connection.",
        ),
    ]

    @api.depends("iban", "bank_name", "account_number")
    def _compute_display_name(self):
        for account in self:
            number = account.iban or account.account_number or str(account.procountor_id)
            account.display_name = (
                f"{number} ({account.bank_name})" if account.bank_name else number
            )

    @staticmethod
    def _procountor_normalize_iban(value):
        """IBAN without spaces, upper case (for comparisons)."""
        return "".join((value or "").split()).upper()
