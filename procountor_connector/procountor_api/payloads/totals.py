# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Invoice totals as Procountor computes them from a body, to compare with Odoo's to the cent."""

from dataclasses import dataclass, field
from decimal import Decimal

from .common import (
    round_cents,
    to_decimal,
)


@dataclass(frozen=True)
class Totals:
    """Invoice sums in the invoice currency (negative for a credit note body)."""

    excluding_vat: Decimal
    vat: Decimal
    total: Decimal
    vat_by_percent: dict = field(default_factory=dict, compare=False)

    def as_tuple(self):
        return (self.excluding_vat, self.vat, self.total)


def invoice_totals(body, rounding_method="round_per_line"):
    """The sums of an invoice body: ``excludingVatTotal``, ``vatSumTotal``,
    ``invoiceSumTotal``.

    Rounding follows Odoo's company setting, so the result can be compared with Odoo's
    totals:
    - ``round_per_line``: each row's net is rounded to the cent, its VAT computed from
      that rounded net and rounded; the invoice sums add the rounded rows;
    - ``round_globally``: rows are added unrounded per VAT percent and status, and each
      group's net and VAT are rounded once. Row net = quantity × unitPrice × (1 − row
      discount) × (1 − invoice discount); prices are net (``unitPricesIncludeVat``
      false) unless the body says otherwise, then VAT is taken out of them."""
    if rounding_method not in ("round_per_line", "round_globally"):
        raise ValueError(f"unknown rounding method {rounding_method!r}")
    includes_vat = bool(body.get("extraInfo", {}).get("unitPricesIncludeVat"))
    invoice_factor = 1 - to_decimal(body.get("discountPercent", 0)) / 100
    groups = {}
    per_line = rounding_method == "round_per_line"
    for row in body.get("invoiceRows", ()):
        percent = to_decimal(row.get("vatPercent", 0))
        amount = (
            to_decimal(row["quantity"])
            * to_decimal(row["unitPrice"])
            * (1 - to_decimal(row.get("discountPercent", 0)) / 100)
            * invoice_factor
        )
        net, vat = _row_net_and_vat(amount, percent, includes_vat, per_line)
        key = (percent, row.get("vatStatus", body.get("vatStatus")))
        group_net, group_vat = groups.get(key, (Decimal(0), Decimal(0)))
        groups[key] = (group_net + net, group_vat + vat)
    excluding_vat = vat_total = Decimal(0)
    vat_by_percent = {}
    for (percent, _status), (net, vat) in groups.items():
        net, vat = round_cents(net), round_cents(vat)
        excluding_vat += net
        vat_total += vat
        vat_by_percent[percent] = vat_by_percent.get(percent, Decimal(0)) + vat
    return Totals(excluding_vat, vat_total, excluding_vat + vat_total, vat_by_percent)


def _row_net_and_vat(amount, percent, includes_vat, per_line):
    if includes_vat:
        gross = round_cents(amount) if per_line else amount
        vat = gross * percent / (100 + percent)
        vat = round_cents(vat) if per_line else vat
        return gross - vat, vat
    net = round_cents(amount) if per_line else amount
    vat = net * percent / 100
    return net, (round_cents(vat) if per_line else vat)


def remote_totals(invoice, currency=None):
    """Totals from a Procountor invoice's ``invoiceSumInfo`` in the invoice currency
    (the entry that is not ``inAccountingCurrency`` when there are two), or None when
    Procountor gave no sums."""
    entries = invoice.get("invoiceSumInfo") or []
    if currency:
        matching = [entry for entry in entries if entry.get("currency") == currency]
        entries = matching or entries
    if len(entries) > 1:
        entries = [entry for entry in entries if not entry.get("inAccountingCurrency")] or entries
    if not entries:
        return None
    entry = entries[0]
    return Totals(
        round_cents(entry.get("excludingVatTotal", 0)),
        round_cents(entry.get("vatSumTotal", 0)),
        round_cents(entry.get("invoiceSumTotal", 0)),
    )


# --- exactly-once creation ---------------------------------------------------------------
