# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the invoice screens show about Procountor beyond the sending state itself."""

from odoo import api, fields, models

from ..status_labels import state_label, state_tone, status_label, unbooked_label


class AccountMove(models.Model):
    _inherit = "account.move"

    # Read by the form's "not production" note and the state badge's tooltip: an invoice sent
    # through a custom URL (the sandbox, a proxy) must never pass for real bookkeeping.
    procountor_not_production = fields.Boolean(
        "Sent Through a Custom URL",
        compute="_compute_procountor_not_production",
        compute_sudo=True,
        help="The Procountor connection of this invoice uses a custom URL (a sandbox or a "
        "proxy), not Procountor's production service.",
    )

    @api.depends("procountor_connection_id.environment")
    def _compute_procountor_not_production(self):
        for move in self:
            move.procountor_not_production = move.procountor_connection_id.environment == "custom"

    # What the screens say instead of the stored keys and Procountor's raw status: the stored
    # ``procountor_state`` "sent" only means "Procountor has it"; with Procountor's status it
    # reads as what happened ("In Procountor (unfinished)", "Sent to customer", "Paid").
    procountor_state_label = fields.Char(
        "Procountor",
        compute="_compute_procountor_labels",
        help="Where the move stands in Procountor: the connector's state read with Procountor's "
        "last known status.",
    )
    procountor_status_label = fields.Char(
        "Status in Procountor",
        compute="_compute_procountor_labels",
        help="Procountor's status of the document, as last read from Procountor.",
    )
    procountor_bill_status_label = fields.Char(
        "Procountor Status",
        compute="_compute_procountor_labels",
        help="Status of the purchase invoice in Procountor when last imported.",
    )

    # The badge's colour, said by the server with the words (``status_labels.state_tone``):
    # an invoice Procountor invalidated, deleted or refused to pay is never green, nor one
    # Procountor says is paid while Odoo has not booked the payment.
    procountor_state_tone = fields.Selection(
        [
            ("success", "Done"),
            ("info", "Under Way"),
            ("warning", "Needs a Look"),
            ("danger", "Problem"),
            ("muted", "Not Sent"),
        ],
        "Procountor Badge Colour",
        compute="_compute_procountor_labels",
        help="Technical: the colour of the Procountor badge.",
    )

    @api.depends_context("lang")
    @api.depends(
        "move_type",
        "procountor_state",
        "procountor_status",
        "procountor_outdated",
        "procountor_bill_status",
        "payment_state",
        "procountor_payment_attention",
    )
    def _compute_procountor_labels(self):
        for move in self:
            unbooked = move._procountor_unbooked_label(move.procountor_status)
            move.procountor_state_label = state_label(
                self.env,
                move.procountor_state,
                move.procountor_status,
                move.procountor_outdated,
                unbooked,
            )
            move.procountor_state_tone = state_tone(
                move.procountor_state,
                move.procountor_status,
                move.procountor_outdated,
                bool(unbooked),
            )
            move.procountor_status_label = status_label(self.env, move.procountor_status)
            move.procountor_bill_status_label = move._procountor_unbooked_label(
                move.procountor_bill_status
            ) or status_label(self.env, move.procountor_bill_status)

    def _procountor_unbooked_label(self, status):
        """Words for Procountor's paid ``status`` of this invoice or bill while Odoo's own
        payment state does not agree (not booked yet, or flagged by the payment fetch); ""
        otherwise. Journal entries have no payment state to compare."""
        if not self.is_invoice(include_receipts=True):
            return ""
        return unbooked_label(
            self.env, status, self.payment_state, self.procountor_payment_attention
        )
