# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Product prices fetched from Procountor: written to a new product, and to an existing one
only when the connection says so; in both cases only a price whose meaning is certain
(company currency, the same VAT inclusion as the Odoo field, no cost kept by stock
valuation). See docs/architecture.md, "Partners and products"."""

import logging

from odoo import fields, models

from ..procountor_api import payloads
from ..procountor_api.exceptions import ProcountorError

_logger = logging.getLogger(__name__)

#: Procountor's VAT settings key of each product type (``GET /vats/settings``).
VAT_SETTING_BY_TYPE = {
    "PURCHASE": "unitPricesIncludeVatPurchase",
    "SALES": "unitPricesIncludeVatSales",
}


class ProcountorConnection(models.Model):
    _inherit = "procountor.connection"

    product_price_update = fields.Boolean(
        "Update Prices from Procountor",
        help="When a fetch updates linked or matched products, also write Procountor's "
        "price: to the sales price of a sales product, to the cost of a purchase product. "
        "Only a price in the company currency whose VAT inclusion matches the Odoo field "
        "(the product's taxes) is written; a cost kept by stock valuation never is; a "
        "product without a price in Procountor keeps its own. Off: fetches never change "
        "the prices of existing products (new products still get Procountor's price when "
        "it meets these rules).",
    )

    def _procountor_apply_product_prices(self, applied):
        """The price step of a product fetch: ``applied`` lists ``(action, remote, product
        id)`` of the created and updated products. Returns ``{procountor id: note or
        False}`` of the products it looked at: what was not written, and why (the caller
        keeps it on the product's link, ``sync_error``)."""
        todo = [
            (remote, product_id)
            for action, remote, product_id in applied
            if action == "create" or self.product_price_update
        ]
        if not todo:
            return {}
        vat_settings = (
            self._procountor_vat_price_settings()
            if any(remote.get("price") for remote, _product_id in todo)
            else {}
        )
        Product = self.env["product.product"].with_context(active_test=False)
        notes = {}
        for remote, product_id in todo:
            product = Product.browse(product_id)
            field, amount, note = product._procountor_price_from(self, remote, vat_settings)
            if amount is not None and product[field] != amount:
                product.write({field: amount})
            notes[remote["id"]] = note
        return notes

    def _procountor_vat_price_settings(self):
        """Procountor's ``{unitPricesIncludeVatSales, unitPricesIncludeVatPurchase}``, or
        None when they cannot be read (prices are then left as they are, with a reason)."""
        try:
            with self._procountor_client(record=self) as client:
                settings = client.get_vat_settings()
        except ProcountorError as exc:
            _logger.warning(
                "Procountor connection %s: VAT settings unreadable, prices left: %s",
                self.id,
                exc.message,
            )
            return None
        return settings if isinstance(settings, dict) else None


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _procountor_price_from(self, connection, remote, vat_settings):
        """``(field, amount or None, note)``: which Odoo price field Procountor's price of
        ``remote`` belongs to, the amount to write there (None: leave it) and why not."""
        self.ensure_one()
        purchase = remote.get("type") == "PURCHASE"
        field = "standard_price" if purchase else "list_price"
        setting = VAT_SETTING_BY_TYPE["PURCHASE" if purchase else "SALES"]
        remote_includes = (vat_settings or {}).get(setting) if vat_settings is not None else None
        if not isinstance(remote_includes, bool):
            remote_includes = None
        decision = payloads.product_price(
            remote,
            connection.company_id.currency_id.name,
            remote_includes,
            False if purchase else self._procountor_sales_price_includes_vat(connection),
        )
        if decision.problem:
            return field, None, self._procountor_price_note(decision.problem, remote, connection)
        if decision.amount is None:
            return field, None, False
        if purchase and self._procountor_cost_books_valuation():
            return (
                field,
                None,
                self.env._(
                    "Procountor's price was not written: the cost of this product is kept "
                    "by stock valuation, and changing it would book a revaluation."
                ),
            )
        return field, float(decision.amount), False

    def _procountor_sales_price_includes_vat(self, connection):
        """Whether the sales price holds VAT: True/False from the product's sales taxes of
        the connection's company (none: a net price), None when they disagree."""
        taxes = self.taxes_id.filtered(lambda tax: tax.company_id == connection.company_id)
        included = set(taxes.mapped("price_include"))
        if len(included) > 1:
            return None
        return bool(included and included.pop())

    def _procountor_cost_books_valuation(self):
        """True when stock valuation keeps this product's cost: stock_account books a
        revaluation when ``standard_price`` of a valued product changes (and computes it
        from the layers under FIFO). The addon does not depend on stock: the fields tell
        whether it is installed."""
        self.ensure_one()
        if "cost_method" not in self._fields:
            return False
        storable = self.is_storable if "is_storable" in self._fields else True
        return bool(storable and self.cost_method)

    def _procountor_price_note(self, problem, remote, connection):
        _ = self.env._
        notes = {
            payloads.PRICE_NOT_NUMBER: _(
                "Procountor's price %(price)s is not a number: the price was not updated.",
                price=remote.get("price"),
            ),
            payloads.PRICE_NO_CURRENCY: _(
                "Procountor's price has no currency: the price was not updated."
            ),
            payloads.PRICE_OTHER_CURRENCY: _(
                "Procountor's price is in %(currency)s and the company's prices are in "
                "%(company)s: the price was not updated (no conversion is guessed).",
                currency=remote.get("currency"),
                company=connection.company_id.currency_id.name,
            ),
            payloads.PRICE_VAT_UNKNOWN: _(
                "Whether Procountor's prices include VAT could not be read (its VAT "
                "settings): the price was not updated."
            ),
            payloads.PRICE_VAT_MISMATCH: _(
                "Procountor's price and the Odoo price of this product differ in VAT "
                "inclusion (Procountor's VAT settings; the product's taxes in Odoo): the "
                "price was not updated."
            ),
        }
        return notes[problem]
