# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the invoice screens show about Procountor beyond the sending state itself."""

from odoo import api, fields, models


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
