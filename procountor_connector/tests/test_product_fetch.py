# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fetching 300 Procountor products: matching order, preview equals confirm, re-fetch,
incremental fetch; and exporting products with their version."""

import requests

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ProcountorTestCommon

PRODUCTS = 300


@tagged("post_install", "-at_install")
class TestProductFetch(ProcountorTestCommon):
    def setUp(self):
        super().setUp()
        from procountor_sandbox import registers

        self.registers = registers
        self.sandbox_post("/_sandbox/seed", {"generate": {"products": PRODUCTS}})
        for product_id in list(self.sandbox.state.products):
            if product_id < registers.PRODUCT_ID_START:
                self.sandbox.state.products.pop(product_id)
        self.connection.sudo().procountor_access_token = False
        Product = self.env["product.product"]
        code = registers.product_code
        self.by_code = Product.create(
            [{"name": f"Odoo {j}", "default_code": code(j)} for j in range(5)]
        )
        self.by_barcode = Product.create(
            [{"name": f"Odoo {j}", "barcode": code(j)} for j in range(5, 10)]
        )
        self.by_name = Product.create([{"name": f"Tuote {j:04d}"} for j in range(10, 15)])
        self.duplicates = Product.create(
            [{"name": f"Dup {n}", "default_code": code(15)} for n in (1, 2)]
        )
        requests.delete(f"{self.sandbox.url}/_sandbox/journal", timeout=10).raise_for_status()

    def _wizard(self, incremental=False, **options):
        action = self.connection._procountor_open_fetch_wizard("product", incremental=incremental)
        wizard = self.env["procountor.register.fetch"].browse(action["res_id"])
        wizard.write(options)
        return wizard

    def test_fetch_products_as_seeded(self):
        self.assertEqual(
            self.connection.action_procountor_fetch_products()["res_model"],
            "procountor.register.fetch",
        )
        wizard = self.env["procountor.register.fetch"].search([], order="id desc", limit=1)
        start = self.registers.PRODUCT_ID_START
        lines = {line.procountor_id - start: line for line in wizard.line_ids}
        self.assertEqual(len(lines), PRODUCTS)
        for j in range(5):
            self.assertEqual(
                (lines[j].status, lines[j].match_key, lines[j].product_id),
                ("matched", "default_code", self.by_code[j]),
            )
        for n, j in enumerate(range(5, 10)):
            self.assertEqual(
                (lines[j].status, lines[j].match_key, lines[j].product_id),
                ("matched", "barcode", self.by_barcode[n]),
            )
        for n, j in enumerate(range(10, 15)):
            self.assertEqual(
                (lines[j].status, lines[j].match_key, lines[j].product_id),
                ("matched", "name", self.by_name[n]),
            )
        self.assertEqual(lines[15].status, "conflict")
        self.assertEqual({lines[j].status for j in range(16, PRODUCTS)}, {"new"})
        # Keyset pages of 200 and a token: no per-product GET.
        self.assertEqual(len(self.sandbox_journal()), 2 + 1)

        wizard.update_matched = True
        planned = {line.procountor_id: (line.action, line.product_id) for line in wizard.line_ids}
        wizard.action_confirm()
        links = {
            link.procountor_id: link
            for link in self.env["procountor.product.link"].search(
                [("connection_id", "=", self.connection.id)]
            )
        }
        self.assertEqual(len(links), 15 + 284)
        for remote_id, (action, product) in planned.items():
            if action == "link_update":
                self.assertEqual(links[remote_id].product_id, product)
                self.assertEqual(
                    product.default_code, self.registers.product_code(remote_id - start)
                )
            elif action == "create":
                index = remote_id - start
                created = links[remote_id].product_id
                self.assertEqual(created.name, f"Tuote {index:04d}")
                self.assertEqual(created.company_id, self.company)
                self.assertEqual(
                    links[remote_id].product_type, "purchase" if index % 10 == 9 else "sales"
                )
            else:
                self.assertEqual(action, "skip")
                self.assertNotIn(remote_id, links)

        second = self._wizard()
        self.assertEqual(set(second.line_ids.mapped("action")), {"none", "skip"})

        changed = [start + j for j in (3, 50, 120, 250, 299)]
        with self.connection._procountor_client() as client:
            for remote_id in changed:
                remote = client.get_product(remote_id)
                client.update_product(remote_id, {**remote, "name": f"Muutettu {remote_id}"})
        third = self._wizard(incremental=True, update_matched=True)
        # The overlap window re-reads the whole seed (fetched seconds ago): only the changed
        # products have something to do; the conflict stays skipped.
        touched = third.line_ids.filtered(
            lambda line: line.action != "none" and line.status != "conflict"
        )
        self.assertEqual(sorted(touched.mapped("procountor_id")), changed)
        third.action_confirm()
        for remote_id in changed:
            self.assertEqual(links[remote_id].product_id.name, f"Muutettu {remote_id}")

    def test_export_product_then_update_with_version(self):
        product = self.env["product.product"].create(
            {"name": "Konsultointi Pro", "default_code": "KPRO", "list_price": 120.0}
        )
        with self.assertRaisesRegex(UserError, "has no Procountor VAT percent"):
            product.action_procountor_export()
        self.assertFalse(self.sandbox_journal(), "refused before any HTTP call")
        self.fetch_settings()
        self.connection.action_suggest_mappings()
        product.action_procountor_export()
        link = product._procountor_link(self.connection)
        remote = self.sandbox.state.products[link.procountor_id]
        self.assertEqual(
            (remote["name"], remote["code"], remote["price"], remote["type"]),
            ("Konsultointi Pro", "KPRO", 120.0, "SALES"),
        )
        self.assertEqual(link.version, remote["version"])
        product.list_price = 150.0
        product.action_procountor_export()
        self.assertEqual(link.state, "linked", link.sync_error)
        self.assertEqual(self.sandbox.state.products[link.procountor_id]["price"], 150.0)
        self.assertEqual(
            sum(p.get("code") == "KPRO" for p in self.sandbox.state.products.values()), 1
        )
        # Changed in Procountor meanwhile: a conflict, nothing overwritten.
        with self.connection._procountor_client() as client:
            current = client.get_product(link.procountor_id)
            client.update_product(link.procountor_id, {**current, "price": 99.0})
        product.list_price = 175.0
        product.action_procountor_export()
        self.assertEqual(link.state, "error")
        self.assertEqual(self.sandbox.state.products[link.procountor_id]["price"], 99.0)
