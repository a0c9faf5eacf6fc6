# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProcountorTaxMapping(models.Model):
    """Odoo tax → the VAT percentage and VAT status Procountor expects on an invoice row."""

    _name = "procountor.tax.mapping"
    _inherit = "procountor.mapping.mixin"
    _description = "Procountor Tax Mapping"
    _order = "connection_id, type_tax_use, tax_id"

    tax_id = fields.Many2one(
        "account.tax",
        required=True,
        ondelete="cascade",
        check_company=True,
        domain="[('type_tax_use', 'in', ('sale', 'purchase')), ('amount_type', '!=', 'group')]",
    )
    type_tax_use = fields.Selection(related="tax_id.type_tax_use", store=True)
    tax_amount = fields.Float(related="tax_id.amount", string="Odoo Rate")
    vat_percent_id = fields.Many2one(
        "procountor.vat.percent",
        "Procountor VAT %",
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id)]",
    )
    vat_percent = fields.Float(related="vat_percent_id.percent", store=True, string="VAT %")
    vat_status_id = fields.Many2one(
        "procountor.vat.status",
        "Procountor VAT Status",
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id)]",
    )

    _sql_constraints = [
        (
            "tax_uniq",
            "unique(connection_id, tax_id)",
            "A tax can be mapped only once per connection.",
        ),
    ]

    @api.constrains("connection_id", "tax_id", "vat_percent_id", "vat_status_id")
    def _check_procountor_values(self):
        for mapping in self:
            sale = mapping.tax_id.type_tax_use == "sale"
            for value in (mapping.vat_percent_id, mapping.vat_status_id):
                if value and value.connection_id != mapping.connection_id:
                    raise ValidationError(
                        self.env._(
                            "The Procountor value %(value)s belongs to another connection.",
                            value=value.display_name,
                        )
                    )
                if value and not (value.sales if sale else value.purchase):
                    raise ValidationError(
                        self.env._(
                            "%(value)s is not allowed on %(use)s in Procountor (tax %(tax)s).",
                            value=value.display_name,
                            use=self.env._("sales") if sale else self.env._("purchases"),
                            tax=mapping.tax_id.display_name,
                        )
                    )


class ProcountorFiscalPositionMapping(models.Model):
    """Odoo fiscal position → the invoice-level VAT status of sales (and purchases)."""

    _name = "procountor.fiscal.position.mapping"
    _inherit = "procountor.mapping.mixin"
    _description = "Procountor Fiscal Position Mapping"
    _order = "connection_id, fiscal_position_id"

    fiscal_position_id = fields.Many2one(
        "account.fiscal.position",
        required=True,
        ondelete="cascade",
        check_company=True,
    )
    vat_status_id = fields.Many2one(
        "procountor.vat.status",
        "Sales VAT Status",
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id), ('sales', '=', True)]",
    )
    # A fiscal position applies to vendor bills too, and Procountor's purchase statuses differ from
    # the sales ones, so one optional field per direction (the brief named only the sales one).
    purchase_vat_status_id = fields.Many2one(
        "procountor.vat.status",
        "Purchase VAT Status",
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id), ('purchase', '=', True)]",
    )

    _sql_constraints = [
        (
            "fiscal_position_uniq",
            "unique(connection_id, fiscal_position_id)",
            "A fiscal position can be mapped only once per connection.",
        ),
    ]

    @api.constrains("connection_id", "vat_status_id", "purchase_vat_status_id")
    def _check_procountor_values(self):
        for mapping in self:
            for status in mapping.vat_status_id | mapping.purchase_vat_status_id:
                if status.connection_id != mapping.connection_id:
                    raise ValidationError(
                        self.env._(
                            "The VAT status %(status)s belongs to another connection.",
                            status=status.display_name,
                        )
                    )
