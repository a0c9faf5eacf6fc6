# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ProcountorDimension(models.Model):
    """A Procountor dimension (cost-accounting axis, ``GET /dimensions``)."""

    _name = "procountor.dimension"
    _inherit = "procountor.reference.mixin"
    _description = "Procountor Dimension"
    _order = "connection_id, name"

    procountor_id = fields.Integer("Procountor ID", required=True, readonly=True)
    name = fields.Char(readonly=True)
    item_ids = fields.One2many("procountor.dimension.item", "dimension_id", readonly=True)

    _sql_constraints = [
        (
            "procountor_id_uniq",
            "unique(connection_id, procountor_id)",
            "A dimension appears once per connection.",
        ),
    ]


class ProcountorDimensionItem(models.Model):
    """An item (value) of a Procountor dimension."""

    _name = "procountor.dimension.item"
    _inherit = "procountor.reference.mixin"
    _description = "Procountor Dimension Item"
    _order = "dimension_id, code_name"
    _rec_names_search = ["code_name", "description"]

    dimension_id = fields.Many2one(
        "procountor.dimension", required=True, index=True, ondelete="cascade", readonly=True
    )
    procountor_id = fields.Integer("Procountor ID", required=True, readonly=True)
    code_name = fields.Char(readonly=True)
    description = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "procountor_id_uniq",
            "unique(dimension_id, procountor_id)",
            "A dimension item appears once per dimension.",
        ),
    ]

    @api.depends("dimension_id.name", "code_name")
    def _compute_display_name(self):
        for item in self:
            item.display_name = f"{item.dimension_id.name or ''} / {item.code_name or ''}"
