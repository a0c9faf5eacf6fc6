# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    procountor_connection_id = fields.Many2one(
        related="company_id.procountor_connection_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
