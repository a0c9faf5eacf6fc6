# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Hardening of connections, partners and products: who may create a custom-URL connection,
partners and products created once when two sends meet, who may set the fetch bookmark and
the links, the overlap window of incremental fetches, and product prices from Procountor."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..procountor_api import payloads
from ..procountor_api.client import ProcountorClient
from .test_invoice_common import ProcountorInvoiceCase

SANDBOX_VERSION = "%Y-%m-%dT%H:%M:%S.%f"


def shifted_version(version, **delta):
    """A Procountor version stamp moved by ``delta`` (milliseconds, as the sandbox writes)."""
    moment = datetime.fromisoformat(version) + timedelta(**delta)
    return moment.strftime(SANDBOX_VERSION)[:-3]


@tagged("post_install", "-at_install")
class TestRegisterHardening(ProcountorInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.invoice_attach_pdf = False
        company_ids = [cls.company.id]
        cls.manager = new_test_user(
            cls.env,
            login="procountor_register_manager",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.user = new_test_user(
            cls.env,
            login="procountor_register_user",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.new_customer = cls.env["res.partner"].create(
            {
                "name": "Uusi Asiakas Oy",
                "is_company": True,
                "street": "Uusikatu 1",
                "zip": "00100",
                "city": "Helsinki",
                "country_id": cls.env.ref("base.fi").id,
                "company_registry": "0112038-9",
            }
        )

    def remote_partners(self, name):
        return [p for p in self.sandbox.state.businessPartners.values() if p["name"] == name]

    # ------------------------------------------------------------------ custom URL

    def test_context_defaults_cannot_create_a_custom_url_connection(self):
        Connection = self.env["procountor.connection"].with_user(self.manager)
        sneaky = Connection.with_context(
            default_environment="custom", default_base_url="https://elsewhere.example"
        )
        with self.assertRaisesRegex(AccessError, "system administrators"):
            sneaky.create({"name": "Through defaults"})
        with self.assertRaisesRegex(AccessError, "system administrators"):
            Connection.with_context(default_base_url="https://elsewhere.example").create(
                {"name": "URL kept for later", "environment": "test"}
            )
        self.assertFalse(
            self.env["procountor.connection"].search([("name", "like", "Through defaults")])
        )
        # Test and production connections stay open to Accounting administrators.
        self.assertEqual(Connection.create({"name": "PTS"}).environment, "test")

    # ------------------------------------------------------------------ created once

    def _interleaved_sends(self, create_method, first, second):
        """Send ``first``; while its first POST of ``create_method`` is on its way, a second
        worker sends ``second``. Returns the second worker's summary."""
        original = getattr(ProcountorClient, create_method)
        worker_b = {}

        def create(client, *args, **kwargs):
            if not worker_b:
                worker_b["started"] = True
                worker_b["summary"] = second._procountor_send_batch()
            return original(client, *args, **kwargs)

        with patch.object(ProcountorClient, create_method, create):
            summary_a = first._procountor_send_batch()
        self.assertEqual(summary_a.sent, first, first.procountor_error)
        return worker_b["summary"]

    def test_two_sends_for_one_new_customer_post_it_once(self):
        self.connection.partner_create_on_send = True
        first = self.make_invoice(partner=self.new_customer)
        second = self.make_invoice(partner=self.new_customer)
        summary_b = self._interleaved_sends("create_business_partner", first, second)
        self.assertEqual(summary_b.skipped, second, "the customer is being created by A")
        self.assertEqual(second.procountor_state, "not_sent")
        self.assertEqual(len(self.api_calls("POST", "/businesspartners")), 1)
        # Next run: the customer exists, the second invoice uses it.
        second._procountor_send_batch()
        self.assertEqual(second.procountor_state, "sent", second.procountor_error)
        [partner] = self.remote_partners("Uusi Asiakas Oy")
        self.assertEqual(
            {invoice["partnerId"] for invoice in self.remote_invoices()}, {partner["id"]}
        )
        self.assertEqual(len(self.api_calls("POST", "/businesspartners")), 1)

    def test_two_sends_for_one_new_product_post_it_once(self):
        self.connection.product_create_on_send = True
        product = self._product("Uusi tuote", "NEWP", self.tax_25_5)
        first = self.make_invoice(lines=[(product, 1, 40.0, 0)])
        second = self.make_invoice(lines=[(product, 2, 40.0, 0)])
        summary_b = self._interleaved_sends("create_product", first, second)
        self.assertEqual(summary_b.skipped, second)
        self.assertEqual(len(self.api_calls("POST", "/products")), 1)
        second._procountor_send_batch()
        self.assertEqual(second.procountor_state, "sent", second.procountor_error)
        link = product._procountor_link(self.connection)
        self.assertEqual(
            {invoice["invoiceRows"][0]["productId"] for invoice in self.remote_invoices()},
            {link.procountor_id},
        )
        self.assertEqual(len(self.api_calls("POST", "/products")), 1)

    def test_a_link_row_locked_by_another_worker_is_not_posted(self):
        self.connection.partner_create_on_send = True
        Link = self.env["procountor.partner.link"]
        Link.create(
            {
                "connection_id": self.connection.id,
                "partner_id": self.new_customer.id,
                "partner_type": "customer",
                "state": "pending",
            }
        )
        move = self.make_invoice(partner=self.new_customer)
        with patch.object(type(Link), "_procountor_try_lock", lambda link: False):
            summary = move._procountor_send_batch()
        self.assertEqual(summary.skipped, move)
        self.assertFalse(self.api_calls("POST", "/businesspartners"))
        self.assertFalse(self.remote_invoices())

    # ------------------------------------------------------------------ who sets what

    def test_users_cannot_set_the_fetch_bookmark(self):
        self.connection.partner_fetch_version = "2026-01-01T00:00:00.000"
        Wizard = self.env["procountor.register.fetch"].with_user(self.user)
        with self.assertRaises(AccessError):
            Wizard.create(
                {"connection_id": self.connection.id, "kind": "partner", "max_version": "9999"}
            )
        wizard = Wizard.create({"connection_id": self.connection.id, "kind": "partner"})
        with self.assertRaises(AccessError):
            wizard.write({"max_version": "9999-12-31T00:00:00"})
        with self.assertRaises(AccessError):
            wizard.write(
                {"line_ids": [(0, 0, {"procountor_id": 77, "status": "new", "remote_data": "{}"})]}
            )
        wizard.action_confirm()
        self.assertEqual(self.connection.partner_fetch_version, "2026-01-01T00:00:00.000")

    def test_wizard_lines_keep_what_was_fetched(self):
        self.fetch_settings()
        action = self.connection.with_user(self.user).action_procountor_fetch_partners()
        wizard = self.env["procountor.register.fetch"].with_user(self.user).browse(action["res_id"])
        line = wizard.line_ids[:1]
        self.assertTrue(line)
        with self.assertRaises(AccessError):
            line.write({"partner_id": self.customer_fi.id, "status": "matched"})
        with self.assertRaises(AccessError):
            line.write({"procountor_id": 424242})
        # What the preview lets a user choose stays open.
        line.write({"skip": True})
        wizard.write({"create_missing": False, "update_matched": True})
        self.assertTrue(line.skip)

    def test_users_cannot_repoint_links(self):
        link = self.env["procountor.partner.link"].create(
            {
                "connection_id": self.connection.id,
                "partner_id": self.new_customer.id,
                "procountor_id": 5001,
            }
        )
        as_user = link.with_user(self.user)
        for vals in (
            {"procountor_id": 5002},
            {"partner_id": self.customer_fi.id},
            {"state": "pending", "create_unknown": False},
            {"version": "2099-01-01T00:00:00"},
        ):
            with self.assertRaises(AccessError):
                as_user.write(vals)
        with self.assertRaises(AccessError):
            self.env["procountor.partner.link"].with_user(self.user).create(
                {
                    "connection_id": self.connection.id,
                    "partner_id": self.customer_fi.id,
                    "procountor_id": 5003,
                }
            )
        with self.assertRaises(AccessError):
            self.env["procountor.product.link"].with_user(self.user).create(
                {
                    "connection_id": self.connection.id,
                    "product_id": self.product_desk.id,
                    "procountor_id": 6001,
                }
            )
        with self.assertRaises(AccessError):
            self.customer_fi.with_user(self.user).write(
                {
                    "procountor_link_ids": [
                        (0, 0, {"connection_id": self.connection.id, "procountor_id": 5004})
                    ]
                }
            )
        self.assertEqual(link.procountor_id, 5001)
        # A Procountor manager repairs links by hand.
        link.with_user(self.manager).write({"procountor_id": 5005})
        self.assertEqual(link.procountor_id, 5005)
        self.assertTrue(link.with_user(self.manager).target_editable)
        self.assertFalse(as_user.target_editable)

    # ------------------------------------------------------------------ overlap window

    def _remote_partner(self, name):
        """A business partner created in Procountor only (the Odoo partner that gave its
        body is removed)."""
        partner = self.env["res.partner"].create({"name": name, "is_company": True})
        body = payloads.build_business_partner(partner._procountor_partner_data(self.connection))
        partner.unlink()
        with self.connection._procountor_client() as client:
            return client.create_business_partner(body)

    def test_incremental_fetch_rereads_an_overlap_window(self):
        # Only the record of this test in Procountor's register (the seed is recent too).
        self.sandbox.state.businessPartners.clear()
        late = self._remote_partner("Myöhässä Oy")
        # A record stamped before the bookmark but committed (visible) only after the last
        # fetch read the one that moved the bookmark.
        self.connection.sudo().partner_fetch_version = shifted_version(late["version"], seconds=30)
        connection = self.connection
        preview = connection._procountor_register_preview("partner", incremental=True)
        connection._procountor_register_apply("partner", preview, True, True)
        created = self.env["res.partner"].search([("name", "=", "Myöhässä Oy")])
        self.assertEqual(len(created), 1, "the late change is not skipped")
        link = created._procountor_link(connection)
        self.assertEqual(link.procountor_id, late["id"])
        # Re-reading it (it is still in the window) changes nothing.
        write_date = created.write_date
        preview = connection._procountor_register_preview("partner", incremental=True)
        statuses = {row["match"].remote_id: row["match"].status for row in preview["rows"]}
        self.assertEqual(statuses[late["id"]], "unchanged")
        counts = connection._procountor_register_apply("partner", preview, True, True)
        self.assertFalse(counts["create"] + counts["update"] + counts["link_update"])
        self.assertEqual(len(self.env["res.partner"].search([("name", "=", "Myöhässä Oy")])), 1)
        self.assertEqual(created.write_date, write_date)

    def test_incremental_product_fetch_rereads_an_overlap_window(self):
        with self.connection._procountor_client() as client:
            late = client.create_product(
                {
                    "type": "SALES",
                    "name": "Myöhäinen tuote",
                    "code": "LATE",
                    "unit": "PIECE",
                    "price": 10,
                    "discount": 0,
                    "currency": "EUR",
                    "active": True,
                }
            )
        self.connection.sudo().product_fetch_version = shifted_version(late["version"], seconds=30)
        self.env["procountor.connection"].browse(self.connection.id).register_cron_enabled = True
        self.env["procountor.connection"]._cron_procountor_fetch_registers()
        product = self.env["product.product"].search([("default_code", "=", "LATE")])
        self.assertEqual(len(product), 1)
        self.env["procountor.connection"]._cron_procountor_fetch_registers()
        self.assertEqual(
            len(self.env["product.product"].search([("default_code", "=", "LATE")])), 1
        )

    # ------------------------------------------------------------------ product prices

    def _linked_product(self, remote_vals, **odoo_vals):
        """A product linked to a Procountor product created with ``remote_vals``."""
        with self.connection._procountor_client() as client:
            remote = client.create_product(
                {
                    "type": "SALES",
                    "name": "Hinnoiteltu",
                    "unit": "PIECE",
                    "price": 10,
                    "discount": 0,
                    "currency": "EUR",
                    "active": True,
                    **remote_vals,
                }
            )
        product = self.env["product.product"].create(
            {"name": remote["name"], "list_price": 50.0, "standard_price": 30.0, **odoo_vals}
        )
        self.env["procountor.product.link"].create(
            {
                "connection_id": self.connection.id,
                "product_id": product.id,
                "product_type": "purchase" if remote["type"] == "PURCHASE" else "sales",
                "procountor_id": remote["id"],
                "version": "2000-01-01T00:00:00.000",
            }
        )
        return product, remote

    def _cron(self):
        self.connection.register_cron_enabled = True
        self.env["procountor.connection"]._cron_procountor_fetch_registers()

    def test_product_cron_leaves_prices_alone_by_default(self):
        sales, _remote = self._linked_product({"price": 80, "name": "Myynti"})
        purchase, _remote = self._linked_product({"price": 20, "type": "PURCHASE", "name": "Osto"})
        self.assertFalse(self.connection.product_price_update)
        self._cron()
        self.assertEqual(sales.list_price, 50.0)
        self.assertEqual(purchase.standard_price, 30.0)
        self.assertEqual(sales.name, "Myynti", "the rest is still updated")

    def test_product_prices_update_only_when_right(self):
        self.connection.product_price_update = True
        plain, _r = self._linked_product({"price": 80, "name": "Euroissa"}, taxes_id=[])
        crowns, _r = self._linked_product({"price": 900, "currency": "SEK", "name": "Kruunuissa"})
        no_price, remote = self._linked_product({"name": "Ei hintaa"})
        self.sandbox.state.products[remote["id"]].pop("price")
        zero, _r = self._linked_product({"price": 0, "name": "Nolla"})
        cost, _r = self._linked_product({"price": 20, "type": "PURCHASE", "name": "Ostohinta"})
        self._cron()
        self.assertEqual(plain.list_price, 80.0)
        self.assertEqual(crowns.list_price, 50.0, "never a foreign amount as euros")
        self.assertIn("SEK", crowns.procountor_link_ids.sync_error)
        self.assertEqual(no_price.list_price, 50.0, "no price: untouched")
        self.assertEqual(zero.list_price, 50.0)
        self.assertEqual(cost.standard_price, 20.0)

    def test_vat_inclusive_prices_follow_the_odoo_tax(self):
        self.connection.product_price_update = True
        self.sandbox.state.vatSettings = {
            "unitPricesIncludeVatSales": True,
            "unitPricesIncludeVatPurchase": False,
        }
        net, _r = self._linked_product({"price": 125.5, "name": "Verollinen"}, taxes_id=[])
        included_tax = self.tax_25_5.copy(
            {"name": "25.5 % incl.", "price_include_override": "tax_included"}
        )
        gross, _r = self._linked_product(
            {"price": 125.5, "name": "Verollinen 2"}, taxes_id=[(6, 0, included_tax.ids)]
        )
        excluded, _r = self._linked_product(
            {"price": 125.5, "name": "Veroton"}, taxes_id=[(6, 0, self.tax_25_5.ids)]
        )
        self._cron()
        self.assertEqual(gross.list_price, 125.5)
        self.assertEqual(excluded.list_price, 50.0, "a gross price is not a net price")
        self.assertIn("VAT", excluded.procountor_link_ids.sync_error)
        self.assertEqual(net.list_price, 50.0, "no tax in Odoo: its price is a net one")
        with_zero_vat, _r = self._linked_product(
            {"price": 99.0, "vat": 0, "name": "Veroton nolla"}, taxes_id=[]
        )
        self._cron()
        self.assertEqual(with_zero_vat.list_price, 99.0, "0 % VAT: gross is net")

    def test_cost_is_not_written_where_stock_valuation_books_it(self):
        self.connection.product_price_update = True
        cost, _r = self._linked_product({"price": 20, "type": "PURCHASE", "name": "Varastoitu"})
        Product = type(self.env["product.product"])
        with patch.object(Product, "_procountor_cost_books_valuation", lambda p: True, create=True):
            self._cron()
        self.assertEqual(cost.standard_price, 30.0)
        self.assertIn("valuation", cost.procountor_link_ids.sync_error)
