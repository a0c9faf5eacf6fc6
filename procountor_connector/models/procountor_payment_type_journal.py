# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A Procountor payment event type the user books in a journal of their choice."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..procountor_api import payloads


def _event_type_selection(_model):
    return [(event_type, event_type) for event_type in sorted(payloads.PAYMENT_KIND_BY_TYPE)]


class ProcountorPaymentTypeJournal(models.Model):
    """Payment events of this type are registered as payments in this journal.

    Without a row a type follows the connection's decision table (docs/architecture.md,
    "Payment event types"): only the user knows, for example, which bank account "paid
    elsewhere" or a card acquirer's settlement reaches."""

    _name = "procountor.payment.type.journal"
    _description = "Procountor Payment Event Type Journal"
    _order = "connection_id, event_type"

    connection_id = fields.Many2one("procountor.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    event_type = fields.Selection(
        _event_type_selection,
        "Procountor Payment Type",
        required=True,
        help="The type of the Procountor payment event (PaymentEvent.type).",
    )
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        ondelete="cascade",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash', 'credit')), ('company_id', '=', company_id)]",
        help="Events of this type are registered as payments in this journal.",
    )

    _sql_constraints = [
        (
            "event_type_uniq",
            "unique(connection_id, event_type)",
            "A Procountor payment type can be mapped only once per connection.",
        ),
    ]

    @api.constrains("journal_id", "connection_id")
    def _check_journal(self):
        for row in self:
            if row.journal_id.company_id != row.connection_id.company_id:
                raise ValidationError(
                    self.env._("The journal belongs to another company than the connection.")
                )
            if row.journal_id.type not in ("bank", "cash", "credit"):
                raise ValidationError(
                    self.env._("Only bank, cash and credit card journals take payments.")
                )
