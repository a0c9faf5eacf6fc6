# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The VAT of products fetched from Procountor (docs/architecture.md, "Taxes of products
fetched from Procountor").

Procountor's product carries one VAT percent (``vat``, and optionally ``vatStatus``) for
the side its type says: a SALES product's is its sales VAT, a PURCHASE product's its
purchase VAT. A created product gets the Odoo tax of that side mapped to that percent
(connection, Mappings tab) with the product's VAT status, else the domestic one; without
one unambiguous tax it gets no tax of that side (never the company default, which may
carry another rate), and a note says what to do. A linked product whose tax differs is
never changed: a note says so."""

from odoo import Command, models

from ..const import SALES_VAT_STATUS_CODES, VAT_KIND_DOMESTIC
from ..utils import status_kind


def _number(value):
    """Procountor's VAT percent as a float, or None (absent, null, not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    def _procountor_after_products(self, applied, notes):
        """Once the links exist: the prices, the tax check of updated products, and what
        either left undone on the product's link (``sync_error``) and in ``notes``."""
        price_notes = self._procountor_apply_product_prices(applied)
        Product = self.env["product.product"].with_context(active_test=False)
        link_notes = {}
        for action, remote, product_id in applied:
            tax_note = notes.get(remote["id"]) if action == "create" else False
            if action in ("update", "link_update"):
                tax_note = self._procountor_check_product_tax(Product.browse(product_id), remote)
                if tax_note:
                    earlier = notes.get(remote["id"])
                    notes[remote["id"]] = "\n".join(filter(None, [earlier, tax_note]))
            text = "\n".join(filter(None, [price_notes.get(remote["id"]), tax_note]))
            link_notes[remote["id"]] = text or False
        links = self.env["procountor.product.link"].search(
            [("connection_id", "=", self.id), ("procountor_id", "in", list(link_notes))]
        )
        for link in links:
            if link.sync_error != link_notes[link.procountor_id]:
                link.sudo().sync_error = link_notes[link.procountor_id]

    def _procountor_product_tax_side(self, remote):
        """``(tax use, product field)`` that Procountor's VAT of ``remote`` is about."""
        if remote.get("type") == "PURCHASE":
            return "purchase", "supplier_taxes_id"
        return "sale", "taxes_id"

    def _procountor_domestic_status(self, status, use):
        if not status:
            return False
        sale = use == "sale"
        kind = status_kind(status.description, sale)
        if kind is None and sale:
            return status.code == SALES_VAT_STATUS_CODES[VAT_KIND_DOMESTIC]
        return kind == VAT_KIND_DOMESTIC

    def _procountor_product_tax_candidates(self, remote):
        """Active Odoo taxes of ``remote``'s side mapped to its VAT percent and status (its
        own ``vatStatus``, else a domestic one)."""
        use, _field = self._procountor_product_tax_side(remote)
        vat = _number(remote.get("vat"))
        status_code = remote.get("vatStatus")
        if vat is None:
            return self.env["account.tax"]
        mappings = self.tax_mapping_ids.filtered(
            lambda mapping: (
                mapping.tax_id.active
                and mapping.tax_id.type_tax_use == use
                and mapping.tax_id.amount_type == "percent"
                and mapping.vat_percent_id
                and round(mapping.vat_percent_id.percent, 2) == round(vat, 2)
                and round(mapping.tax_id.amount, 2) == round(vat, 2)
                and (
                    mapping.vat_status_id.code == status_code
                    if isinstance(status_code, int) and not isinstance(status_code, bool)
                    else self._procountor_domestic_status(mapping.vat_status_id, use)
                )
            )
        )
        return mappings.tax_id

    def _procountor_product_tax(self, remote):
        """``(tax or empty, note or False)``: the tax a product created from ``remote`` gets
        on its side. Several candidates: the company's default tax of that side when it is
        one of them (what Odoo would give a new product anyway, and its rate is right),
        else none."""
        use, _field = self._procountor_product_tax_side(remote)
        candidates = self._procountor_product_tax_candidates(remote)
        if len(candidates) > 1:
            company = self.company_id
            default = (
                company.account_sale_tax_id if use == "sale" else company.account_purchase_tax_id
            )
            candidates = candidates & default
        if len(candidates) == 1:
            return candidates, False
        return candidates.browse(), self._procountor_product_tax_note(remote, use)

    def _procountor_product_tax_note(self, remote, use):
        _ = self.env._
        vat = _number(remote.get("vat"))
        side = _("sales tax") if use == "sale" else _("purchase tax")
        if vat is None:
            return _(
                "%(name)s (Procountor ID %(id)s) has no VAT percent in Procountor: it was "
                "created without a %(side)s. Set the tax on the product in Odoo.",
                name=remote.get("name") or "-",
                id=remote["id"],
                side=side,
            )
        percent = f"{vat:g}"
        return _(
            "%(name)s (Procountor ID %(id)s) has %(vat)s %% VAT in Procountor, and no single "
            "active Odoo %(side)s is mapped to %(vat)s %% with its VAT status: it was created "
            "without a %(side)s (never the company default, which may have another rate). "
            "Map one tax to %(vat)s %% on the connection (Mappings tab) and set it on the "
            "product in Odoo.",
            name=remote.get("name") or "-",
            id=remote["id"],
            vat=percent,
            side=side,
        )

    def _procountor_product_tax_vals(self, remote):
        """``(vals, note)``: the tax field of a product created from ``remote``."""
        _use, field = self._procountor_product_tax_side(remote)
        tax, note = self._procountor_product_tax(remote)
        return {field: [Command.set(tax.ids)]}, note

    def _procountor_check_product_tax(self, product, remote):
        """After an update of a linked or matched product: a product without a tax of its
        side gets the mapped one; a tax whose rate differs from Procountor's VAT is left
        and noted (a person decides which is right). Returns the note or False."""
        vat = _number(remote.get("vat"))
        if vat is None:
            return False
        use, field = self._procountor_product_tax_side(remote)
        taxes = product[field].filtered(lambda tax: tax.company_id == self.company_id)
        if not taxes:
            tax, _note = self._procountor_product_tax(remote)
            if tax:
                product.write({field: [Command.link(tax.id)]})
            return False
        if all(
            tax.amount_type == "percent" and round(tax.amount, 2) == round(vat, 2) for tax in taxes
        ):
            return False
        _ = self.env._
        side = _("sales tax") if use == "sale" else _("purchase tax")
        percent = f"{vat:g}"
        return _(
            "%(name)s (Procountor ID %(id)s) has %(vat)s %% VAT in Procountor but %(taxes)s "
            "in Odoo: the %(side)s was not changed. Check which is right and correct the "
            "product in Odoo or in Procountor.",
            name=remote.get("name") or "-",
            id=remote["id"],
            vat=percent,
            taxes=", ".join(taxes.mapped("name")),
            side=side,
        )
