# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProcountorJournalMapping(models.Model):
    """Odoo bank or cash journal ↔ Procountor bank account; where incoming payments go."""

    _name = "procountor.journal.mapping"
    _inherit = "procountor.mapping.mixin"
    _description = "Procountor Journal Mapping"
    _order = "connection_id, sequence, id"

    sequence = fields.Integer(default=10)
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        ondelete="cascade",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
    )
    journal_type = fields.Selection(related="journal_id.type")
    bank_account_id = fields.Many2one(
        "procountor.bank.account",
        "Procountor Bank Account",
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id)]",
        help="Leave empty for a cash journal",
    )
    use_for_incoming_payments = fields.Boolean(
        help="Payments that Procountor records on sales invoices are registered in this journal "
        "(the first such journal by sequence when none matches the Procountor bank account)."
    )

    _sql_constraints = [
        (
            "journal_uniq",
            "unique(connection_id, journal_id)",
            "A journal can be mapped only once per connection.",
        ),
    ]

    @api.constrains("connection_id", "bank_account_id", "journal_id")
    def _check_bank_account(self):
        for mapping in self:
            if mapping.journal_id.type not in ("bank", "cash"):
                raise ValidationError(self.env._("Only bank and cash journals can be mapped."))
            if not mapping.bank_account_id:
                continue
            if mapping.bank_account_id.connection_id != mapping.connection_id:
                raise ValidationError(self.env._("The bank account belongs to another connection."))
            duplicates = mapping.connection_id.journal_mapping_ids.filtered(
                lambda other, current=mapping: (
                    other != current and other.bank_account_id == current.bank_account_id
                )
            )
            if duplicates:
                raise ValidationError(
                    self.env._(
                        "Procountor bank account %(account)s is already mapped to journal "
                        "%(journal)s.",
                        account=mapping.bank_account_id.display_name,
                        journal=duplicates[0].journal_id.display_name,
                    )
                )
