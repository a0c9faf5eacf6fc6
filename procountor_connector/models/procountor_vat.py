# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProcountorVatPercent(models.Model):
    """A VAT percentage in use in the Procountor company (``GET /vats/default``)."""

    _name = "procountor.vat.percent"
    _inherit = "procountor.reference.mixin"
    _description = "Procountor VAT Percentage"
    _order = "connection_id, percent desc"
    _rec_name = "percent"

    percent = fields.Float(required=True, digits=(5, 2), readonly=True)
    sales = fields.Boolean(readonly=True, help="Allowed on sales")
    purchase = fields.Boolean(readonly=True, help="Allowed on purchases")
    # Procountor gives no dates; these come from the Finnish rate history (const.py) and may be
    # corrected.
    date_from = fields.Date("Valid From")
    date_to = fields.Date("Valid Until")

    _sql_constraints = [
        (
            "percent_uniq",
            "unique(connection_id, percent)",
            "A VAT percentage appears once per connection.",
        ),
    ]

    @api.depends("percent")
    def _compute_display_name(self):
        for vat in self:
            vat.display_name = f"{vat.percent:g} %"

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for vat in self:
            if vat.date_from and vat.date_to and vat.date_from > vat.date_to:
                raise ValidationError(
                    self.env._("The validity of a VAT percentage cannot end before it starts.")
                )

    def _procountor_is_valid_on(self, date):
        """True when the rate may be used on ``date`` (a ``datetime.date``)."""
        self.ensure_one()
        return (not self.date_from or self.date_from <= date) and (
            not self.date_to or date <= self.date_to
        )


class ProcountorVatStatus(models.Model):
    """A VAT status (VAT treatment code) of the Procountor company (``GET /vats/default``)."""

    _name = "procountor.vat.status"
    _inherit = "procountor.reference.mixin"
    _description = "Procountor VAT Status"
    _order = "connection_id, code"
    _rec_names_search = ["description", "code"]

    code = fields.Integer(required=True, readonly=True, help="Procountor's vatStatus number")
    description = fields.Char(readonly=True)
    sales = fields.Boolean(readonly=True, help="Allowed on sales")
    purchase = fields.Boolean(readonly=True, help="Allowed on purchases")

    _sql_constraints = [
        ("code_uniq", "unique(connection_id, code)", "A VAT status appears once per connection."),
    ]

    @api.depends("code", "description")
    def _compute_display_name(self):
        for status in self:
            status.display_name = f"{status.code} {status.description or ''}".strip()
