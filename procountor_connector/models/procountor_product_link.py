# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

PRODUCT_TYPES = [("sales", "Sales"), ("purchase", "Purchase")]


class ProcountorProductLink(models.Model):
    """Odoo product variant ↔ Procountor product, per connection."""

    _name = "procountor.product.link"
    _inherit = "procountor.register.link.mixin"
    _description = "Procountor Product Link"
    _order = "connection_id, product_id"
    _rec_name = "product_id"
    _check_company_auto = True

    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True, check_company=True
    )
    product_type = fields.Selection(PRODUCT_TYPES, required=True, default="sales")

    _sql_constraints = [
        (
            "product_uniq",
            "unique(connection_id, product_id, product_type)",
            "A product can be linked only once per connection and product type.",
        ),
    ]

    @api.model
    def _procountor_target_fields(self):
        return (*super()._procountor_target_fields(), "product_id", "product_type")
