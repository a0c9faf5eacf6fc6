# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Taxes with a non-deductible share, as Odoo 18 books them, for the send tests."""

from odoo import Command


def half_deductible_tax(connection, base, name, share_account=None):
    """A copy of purchase tax ``base`` of which 50 % is deductible, mapped like ``base``.

    The deductible half goes to ``base``'s VAT account and into the tax closing; the other
    half has no account (Odoo books it on the base line's expense account) unless
    ``share_account`` is given (booked there: what Procountor cannot express)."""
    env = base.env
    vat_account = base.invoice_repartition_line_ids.filtered(
        lambda line: line.repartition_type == "tax"
    ).account_id[:1]

    def repartition():
        return [
            Command.create({"repartition_type": "base", "factor_percent": 100.0}),
            Command.create(
                {
                    "repartition_type": "tax",
                    "factor_percent": 50.0,
                    "account_id": vat_account.id,
                    "use_in_tax_closing": True,
                }
            ),
            Command.create(
                {
                    "repartition_type": "tax",
                    "factor_percent": 50.0,
                    "account_id": share_account.id if share_account else False,
                    "use_in_tax_closing": False,
                }
            ),
        ]

    tax = env["account.tax"].create(
        {
            "name": name,
            "amount": base.amount,
            "amount_type": "percent",
            "type_tax_use": "purchase",
            "company_id": base.company_id.id,
            "tax_group_id": base.tax_group_id.id,
            "country_id": base.country_id.id,
            "invoice_repartition_line_ids": repartition(),
            "refund_repartition_line_ids": repartition(),
        }
    )
    mapping = connection.tax_mapping_ids.filtered(lambda line: line.tax_id == base)
    mapping.copy({"tax_id": tax.id, "connection_id": connection.id})
    assert tax._procountor_vat_deduction_percent() == 50.0
    return tax
