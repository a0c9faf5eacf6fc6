# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

PARTNER_TYPES = [("customer", "Customer"), ("supplier", "Supplier")]


class ProcountorPartnerLink(models.Model):
    """Odoo partner (commercial entity) ↔ Procountor business partner, per connection."""

    _name = "procountor.partner.link"
    _inherit = "procountor.register.link.mixin"
    _description = "Procountor Partner Link"
    _order = "connection_id, partner_id"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True, check_company=True
    )
    partner_type = fields.Selection(PARTNER_TYPES, required=True, default="customer")
    customer_number = fields.Char("Procountor Customer Number")

    _sql_constraints = [
        (
            "partner_uniq",
            "unique(connection_id, partner_id, partner_type)",
            "A partner can be linked only once per connection and partner type.",
        ),
    ]

    @api.model
    def _procountor_target_fields(self):
        return (*super()._procountor_target_fields(), "partner_id", "partner_type")

    def _procountor_synced_vals(self, remote):
        # Written with the rest, before the commit that ends the creation: a write after
        # it would race with another worker that found the link created.
        vals = super()._procountor_synced_vals(remote)
        number = (remote.get("invoicingInfo") or {}).get("customerNumber")
        if number:
            vals["customer_number"] = number
        return vals

    @api.model
    def _procountor_type(self, remote_type):
        return "supplier" if remote_type == "SUPPLIER" else "customer"
