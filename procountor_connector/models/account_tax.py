# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import float_round


class AccountTax(models.Model):
    _inherit = "account.tax"

    def _procountor_vat_deduction_percent(self):
        """The deductible share of this tax in percent, as Procountor's ``vatDeductionPercent``.

        Odoo 18 books non-deductible VAT through the tax's repartition: the deductible share is a
        tax line used in the tax closing, the non-deductible share one that is not (booked on the
        base line's expense account or an account of its own). Procountor carries the same fact as
        one percentage on the row, so both directions compare this number: 100.0 for an ordinary
        tax, 50.0 for a half-deductible one, 0.0 for a tax that is not deductible at all.

        Only the invoice repartition lines with a positive factor count: the negative line of a
        reverse-charge tax cancels the charge, it is no share of it.
        """
        self.ensure_one()
        lines = self.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax" and line.factor_percent > 0
        )
        total = sum(lines.mapped("factor_percent"))
        if not total:
            return 100.0
        deductible = sum(lines.filtered("use_in_tax_closing").mapped("factor_percent"))
        return float_round(deductible * 100.0 / total, precision_digits=2)
