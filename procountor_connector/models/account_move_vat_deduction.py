# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Non-deductible VAT on the way to Procountor: journal entries and vendor bills.

Odoo 18 books the non-deductible share of a purchase tax through the tax's repartition: a
tax line in the tax closing for the deductible share, and one that is not (booked on the
base line's account when the repartition line has no account). Procountor carries the same
fact as ``vatDeductionPercent`` on a ledger-receipt row: it computes the row's VAT from its
net value, books the deductible share on its VAT account and the rest on the row's own
account. What is checked here, before any HTTP call, is that both books agree: the share is
one Procountor can express (purchase VAT, on the row's own account) and its amount is
Odoo's to the cent (docs/architecture.md, "Non-deductible VAT")."""

from decimal import Decimal

from odoo import _, api, models

from ..procountor_api import payloads

FULLY_DEDUCTIBLE = 100.0


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def _procountor_vat_deduction(self, line, label):
        """``(percent, problems)``: the ``vatDeductionPercent`` of ``line``'s one tax as a
        ``Decimal``, or None when it is fully deductible (nothing to send)."""
        tax = line.tax_ids
        if len(tax) != 1:
            return None, []  # refused elsewhere: a Procountor row takes one VAT percent
        percent = tax._procountor_vat_deduction_percent()
        if percent == FULLY_DEDUCTIBLE:
            return None, []
        if tax.type_tax_use != "purchase":
            return None, [
                _(
                    "Line %(line)s: tax %(tax)s is only %(percent)s %% deductible, but it is "
                    "not a purchase tax: Procountor takes a deductible share of purchase VAT "
                    "only. Use a purchase tax, or a fully deductible one.",
                    line=label,
                    tax=tax.name,
                    percent=percent,
                )
            ]
        shares = (tax.invoice_repartition_line_ids | tax.refund_repartition_line_ids).filtered(
            lambda rep: (
                rep.repartition_type == "tax"
                and rep.factor_percent > 0
                and not rep.use_in_tax_closing
            )
        )
        problems = []
        for account in shares.account_id - line.account_id:
            problems.append(
                _(
                    "Line %(line)s: tax %(tax)s books its non-deductible share on account "
                    "%(account)s, but Procountor books the non-deductible VAT of a row on the "
                    "row's own account (%(own)s): the books would differ. Leave the account of "
                    "the non-deductible share empty on the tax (Odoo then books it on the "
                    "line's account, as Procountor does), or book this cost without that tax.",
                    line=label,
                    tax=tax.name,
                    account=account.display_name,
                    own=line.account_id.display_name,
                )
            )
        return Decimal(str(percent)), problems

    @api.model
    def _procountor_check_deductible_vat(self, base_lines, tax_lines, lookup):
        """Procountor's deductible VAT of each partly deductible tax must be Odoo's tax lines
        in the tax closing, to the cent.

        Procountor computes it per row (the row's VAT times its ``vatDeductionPercent``,
        rounded half up); Odoo splits its tax amount over the repartition lines. A cent of
        difference would leave the VAT returns of the two books apart, so it is refused."""
        problems = []
        for tax in base_lines.tax_ids:
            percent = tax._procountor_vat_deduction_percent()
            if percent == FULLY_DEDUCTIBLE:
                continue
            mapped, _status = lookup.taxes.get(tax.id, (None, None))
            rate = round(mapped[0] if mapped else tax.amount, 2)
            procountor = sum(
                (
                    payloads.procountor_deductible_vat(
                        payloads.round_cents(line.balance), rate, Decimal(str(percent))
                    )
                    for line in base_lines
                    if line.tax_ids == tax
                ),
                Decimal(0),
            )
            odoo = sum(
                (
                    payloads.round_cents(line.balance)
                    for line in tax_lines
                    if line.tax_line_id == tax and line.tax_repartition_line_id.use_in_tax_closing
                ),
                Decimal(0),
            )
            if odoo != procountor:
                problems.append(
                    _(
                        "Tax %(tax)s: the deductible VAT is %(odoo)s in Odoo, but Procountor "
                        "computes %(procountor)s (%(percent)s %% of each row's VAT, rounded per "
                        "row). Odoo gives a rounding cent to the first of the tax's repartition "
                        "lines: put the non-deductible line first in the tax's repartition.",
                        tax=tax.name,
                        odoo=odoo,
                        procountor=procountor,
                        percent=percent,
                    )
                )
        return problems
