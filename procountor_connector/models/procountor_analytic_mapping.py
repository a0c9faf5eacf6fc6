# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProcountorAnalyticPlanMapping(models.Model):
    """Odoo analytic plan → Procountor dimension.

    Two small models (plan → dimension, account → item) rather than one with a type: each keeps
    plain required fields and its own unique constraint.
    """

    _name = "procountor.analytic.plan.mapping"
    _inherit = "procountor.mapping.mixin"
    _description = "Procountor Analytic Plan Mapping"
    _order = "connection_id, plan_id"

    plan_id = fields.Many2one(
        "account.analytic.plan",
        "Analytic Plan",
        required=True,
        ondelete="cascade",
        domain="[('parent_id', '=', False)]",
    )
    dimension_id = fields.Many2one(
        "procountor.dimension",
        "Procountor Dimension",
        required=True,
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id)]",
    )

    _sql_constraints = [
        (
            "plan_uniq",
            "unique(connection_id, plan_id)",
            "An analytic plan can be mapped only once per connection.",
        ),
        (
            "dimension_uniq",
            "unique(connection_id, dimension_id)",
            "A Procountor dimension can receive only one analytic plan.",
        ),
    ]

    @api.constrains("connection_id", "dimension_id")
    def _check_dimension_connection(self):
        for mapping in self:
            if mapping.dimension_id.connection_id != mapping.connection_id:
                raise ValidationError(self.env._("The dimension belongs to another connection."))


class ProcountorAnalyticMapping(models.Model):
    """Odoo analytic account → item of a Procountor dimension."""

    _name = "procountor.analytic.mapping"
    _inherit = "procountor.mapping.mixin"
    _description = "Procountor Analytic Account Mapping"
    _order = "connection_id, analytic_account_id"

    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        required=True,
        ondelete="cascade",
        check_company=True,
    )
    plan_id = fields.Many2one(
        related="analytic_account_id.root_plan_id", store=True, string="Analytic Plan"
    )
    dimension_item_id = fields.Many2one(
        "procountor.dimension.item",
        "Procountor Dimension Item",
        required=True,
        ondelete="restrict",
        check_company=True,
        domain="[('connection_id', '=', connection_id)]",
    )

    _sql_constraints = [
        (
            "analytic_account_uniq",
            "unique(connection_id, analytic_account_id)",
            "An analytic account can be mapped only once per connection.",
        ),
    ]

    @api.constrains("connection_id", "dimension_item_id", "analytic_account_id")
    def _check_dimension_item(self):
        for mapping in self:
            item = mapping.dimension_item_id
            if item.connection_id != mapping.connection_id:
                raise ValidationError(
                    self.env._("The dimension item belongs to another connection.")
                )
            plan_mapping = mapping.connection_id.analytic_plan_mapping_ids.filtered(
                lambda plan_map, plan=mapping.plan_id: plan_map.plan_id == plan
            )
            if plan_mapping and plan_mapping.dimension_id != item.dimension_id:
                raise ValidationError(
                    self.env._(
                        "Analytic account %(account)s belongs to plan %(plan)s, which is mapped "
                        "to dimension %(dimension)s; pick an item of that dimension.",
                        account=mapping.analytic_account_id.display_name,
                        plan=mapping.plan_id.display_name,
                        dimension=plan_mapping.dimension_id.display_name,
                    )
                )
