# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Products in Procountor's register: links, export, creation on send."""

from odoo import _, fields, models

from ..procountor_api import payloads


class ProductProduct(models.Model):
    _inherit = "product.product"

    procountor_link_ids = fields.One2many(
        "procountor.product.link", "product_id", "Procountor Links", copy=False
    )
    procountor_link_count = fields.Integer(compute="_compute_procountor_link_count")

    def _compute_procountor_link_count(self):
        counts = dict(
            self.env["procountor.product.link"]._read_group(
                [("product_id", "in", self.ids)], ["product_id"], ["__count"]
            )
        )
        for product in self:
            product.procountor_link_count = counts.get(product, 0)

    def action_procountor_view_links(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Procountor Links"),
            "res_model": "procountor.product.link",
            "view_mode": "list,form",
            "domain": [("product_id", "=", self.id)],
            "context": {"default_product_id": self.id},
        }

    def _procountor_link(self, connection, product_type="sales"):
        self.ensure_one()
        return self.env["procountor.product.link"].search(
            [
                ("connection_id", "=", connection.id),
                ("product_id", "=", self.id),
                ("product_type", "=", product_type),
            ],
            limit=1,
        )

    def action_procountor_export(self):
        """Create the selected products in Procountor, or update the linked ones."""
        self.env["procountor.connection"]._procountor_check_register_access()
        connection = self.env["procountor.connection"]._procountor_register_connection(self)
        return connection._procountor_export_checked(self)

    def _procountor_default_type(self):
        """A product that can only be purchased goes to Procountor as a purchase product."""
        self.ensure_one()
        return "purchase" if self.purchase_ok and not self.sale_ok else "sales"

    def _procountor_export_problems(self, connection):
        self.ensure_one()
        problems = []
        if not (self.name or "").strip():
            problems.append(_("The product has no name."))
        if len(self.default_code or "") > 40:
            problems.append(_("The internal reference is longer than 40 characters."))
        if self.company_id and self.company_id != connection.company_id:
            problems.append(_("The product belongs to another company than the connection."))
        tax = self._procountor_tax(connection, self._procountor_default_type())
        if tax and not connection._procountor_tax_mapping(tax).vat_percent_id:
            problems.append(
                _(
                    "Tax %(tax)s has no Procountor VAT percent (connection, Mappings tab).",
                    tax=tax.name,
                )
            )
        return problems

    def _procountor_tax(self, connection, product_type):
        """The product's first sales (or vendor) tax of the connection's company."""
        taxes = self.supplier_taxes_id if product_type == "purchase" else self.taxes_id
        return taxes.filtered(lambda t: t.company_id == connection.company_id)[:1]

    def _procountor_product_data(self, connection, product_type="sales"):
        self.ensure_one()
        tax = self._procountor_tax(connection, product_type)
        percent = connection._procountor_tax_mapping(tax).vat_percent_id if tax else False
        return payloads.ProductData(
            name=self.name or "",
            code=self.default_code or "",
            product_type="PURCHASE" if product_type == "purchase" else "SALES",
            unit=connection._procountor_unit(self.uom_id) or payloads.DEFAULT_UNIT,
            price=payloads.to_decimal(
                self.standard_price if product_type == "purchase" else self.lst_price
            ),
            vat_percent=payloads.to_decimal(percent.percent) if percent else None,
            currency=connection.company_id.currency_id.name or "EUR",
            active=self.active,
        )

    def _procountor_push(self, connection, client, product_type="sales", create_only=False):
        self.ensure_one()
        link = self._procountor_link(connection, product_type)
        if not link:
            link = self.env["procountor.product.link"]._procountor_create_pending(
                {
                    "connection_id": connection.id,
                    "product_id": self.id,
                    "product_type": product_type,
                }
            )
        # The link code sets what the link joins; users may not (see TARGET_FIELDS).
        link = link.sudo()
        body = payloads.build_product(self._procountor_product_data(connection, product_type))
        outcome = link._procountor_push(
            body,
            {
                "create": client.create_product,
                "find": lambda b: payloads.find_product(client, b),
                "get": client.get_product,
                "put": client.update_product,
                "merge": payloads.merge_product,
            },
            create_only=create_only,
        )
        return link, outcome
