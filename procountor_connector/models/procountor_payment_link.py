# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor payment events booked in Odoo without a payment: cash discounts (a write-off
entry) and set-offs (a reconciliation with the credit note)."""

from odoo import fields, models


class ProcountorPaymentLink(models.Model):
    """One Procountor payment event booked in Odoo by something else than an
    ``account.payment``; like a payment's event id, unique per connection, so a re-run or a
    second worker never books it twice. Written by the payment fetch only (users may read)."""

    _name = "procountor.payment.link"
    _description = "Procountor Payment Event Booked Without Payment"
    _order = "id"

    connection_id = fields.Many2one(
        "procountor.connection", required=True, ondelete="restrict", index=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    event_id = fields.Char("Procountor Payment Event ID", required=True)
    event_type = fields.Char("Procountor Payment Type")
    kind = fields.Selection([("discount", "Cash discount"), ("setoff", "Set-off")], required=True)
    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, ondelete="cascade", index=True
    )
    entry_id = fields.Many2one(
        "account.move", "Write-off Entry", ondelete="set null", help="Cash discount entry."
    )
    counterpart_move_id = fields.Many2one(
        "account.move",
        "Set Off Against",
        ondelete="set null",
        index="btree_not_null",
        help="The credit note (or invoice) the event settled this document with.",
    )
    paired_event_id = fields.Char(
        help="The counterpart's own set-off event, once its fetch recognised this set-off."
    )
    amount = fields.Float(digits=0)
    currency_id = fields.Many2one("res.currency")
    date = fields.Date()

    _sql_constraints = [
        (
            "event_uniq",
            "UNIQUE(connection_id, event_id)",
            "This Procountor payment event is already booked.",
        ),
        (
            "event_digits",
            "CHECK(event_id ~ '^[0-9]+$')",
            "A Procountor payment event id is a number.",
        ),
    ]
