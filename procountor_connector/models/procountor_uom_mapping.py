# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from ..const import PROCOUNTOR_UNITS


class ProcountorUomMapping(models.Model):
    """Odoo unit of measure → Procountor invoice row unit."""

    _name = "procountor.uom.mapping"
    _inherit = "procountor.mapping.mixin"
    _description = "Procountor Unit Mapping"
    _order = "connection_id, uom_id"

    uom_id = fields.Many2one("uom.uom", "Unit of Measure", required=True, ondelete="cascade")
    unit = fields.Selection(PROCOUNTOR_UNITS, "Procountor Unit", required=True)

    _sql_constraints = [
        (
            "uom_uniq",
            "unique(connection_id, uom_id)",
            "A unit of measure can be mapped only once per connection.",
        ),
    ]
