# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ProcountorReferenceMixin(models.AbstractModel):
    """Fields shared by the reference data copied from Procountor (one set per connection).

    ``company_id`` is stored so that the multi-company record rules can filter on it. ``active`` is
    cleared when a re-fetch no longer finds the record in Procountor: mappings that point to it keep
    working, but it is no longer offered.
    """

    _name = "procountor.reference.mixin"
    _description = "Procountor Reference Data"

    connection_id = fields.Many2one(
        "procountor.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    active = fields.Boolean(default=True)


class ProcountorMappingMixin(models.AbstractModel):
    """Fields shared by the mapping models (Odoo record → Procountor value, per connection)."""

    _name = "procountor.mapping.mixin"
    _description = "Procountor Mapping"
    _check_company_auto = True

    connection_id = fields.Many2one(
        "procountor.connection", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
