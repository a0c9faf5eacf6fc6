# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    procountor_connection_id = fields.Many2one(
        "procountor.connection",
        domain="[('company_id', '=', id)]",
        help="Connection used by default for this company's documents",
    )

    @api.constrains("procountor_connection_id")
    def _check_procountor_connection_company(self):
        for company in self:
            connection = company.procountor_connection_id.sudo()
            if connection and connection.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The default Procountor connection of %(company)s must belong to that "
                        "company.",
                        company=company.name,
                    )
                )
