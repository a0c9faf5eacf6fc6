# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A partner or product that Odoo's own validation refuses never stops a fetch: the others
are applied, the refused one is named with Odoo's reason (docs/architecture.md, "Partners
and products", "Records Odoo refuses")."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..procountor_api import payloads
from .common import ProcountorTestCommon
from .test_bill_import import BillImportCase

#: The sandbox's German customer: a VAT number whose check digit is wrong (base_vat's
#: stdnum check refuses it whatever the company's "Verify VAT Numbers" setting).
GERMAN = 4003
BAD_VAT = "DE123456789"
#: What a (patched) Odoo validation says of a product.
PRODUCT_REFUSAL = "Tuotekoodi KONS on varattu."
#: What a (patched) Odoo validation says of a supplier.
SUPPLIER_REFUSAL = "Toimittaja on estetty."


@tagged("post_install", "-at_install")
class TestRegisterRefusals(ProcountorTestCommon):
    def setUp(self):
        super().setUp()
        partners = self.sandbox.state.businessPartners
        # Three customers: 4001, the German one, and one created after it.
        for partner_id in list(partners):
            if partner_id not in (4001, GERMAN):
                partners.pop(partner_id)
        body = payloads.build_business_partner(
            payloads.PartnerData(
                name="Kolmas Asiakas Oy",
                address=payloads.Address(
                    name="Kolmas Asiakas Oy",
                    street="Kolmaskatu 3",
                    zip="00300",
                    city="Helsinki",
                    country_code="FI",
                ),
                business_id="0112038-9",
                customer_number="C-1009",
            )
        )
        with self.connection._procountor_client() as client:
            self.third_id = client.create_business_partner(body)["id"]
        self.assertEqual(sorted(partners), [4001, GERMAN, self.third_id])

    def _links(self):
        return {
            link.procountor_id: link
            for link in self.env["procountor.partner.link"].search(
                [("connection_id", "=", self.connection.id)]
            )
        }

    def _assert_german_created_without_vat(self, links):
        german = links[GERMAN]
        self.assertEqual(german.partner_id.name, "Deutsche Kunde GmbH")
        self.assertFalse(german.partner_id.vat, "a VAT number Odoo refuses is not stored")
        self.assertEqual(german.partner_id.ref, "C-1003")
        self.assertEqual(german.state, "linked")
        self.assertIn(BAD_VAT, german.sync_error)
        self.assertIn("Deutsche Kunde GmbH", german.sync_error)

    def test_wizard_creates_the_others_and_the_refused_vat_is_named(self):
        action = self.connection.action_procountor_fetch_partners()
        wizard = self.env["procountor.register.fetch"].browse(action["res_id"])
        order = wizard.line_ids.mapped("procountor_id")
        self.assertEqual(sorted(order), [4001, GERMAN, self.third_id])
        self.assertEqual(order[1], GERMAN, "the refused partner is the middle one")
        self.assertEqual(set(wizard.line_ids.mapped("action")), {"create"})
        wizard.action_confirm()
        self.assertEqual(wizard.state, "done")
        links = self._links()
        self.assertEqual(sorted(links), [4001, GERMAN, self.third_id])
        self.assertEqual(links[4001].partner_id.name, "Asiakas Oy")
        self.assertEqual(links[self.third_id].partner_id.name, "Kolmas Asiakas Oy")
        self.assertFalse(links[4001].sync_error)
        self._assert_german_created_without_vat(links)
        line = wizard.line_ids.filtered(lambda line: line.procountor_id == GERMAN)
        self.assertIn(BAD_VAT, line.note)
        self.assertIn("does not seem to be valid", line.note, "Odoo's own message")
        self.assertIn("Create in Odoo: 3", wizard.result)
        self.assertIn(BAD_VAT, wizard.result)

    def test_cron_creates_the_others_and_keeps_the_reason_on_the_connection(self):
        self.connection.register_cron_enabled = True
        self.env["procountor.connection"]._cron_procountor_fetch_registers()
        links = self._links()
        self.assertEqual(sorted(links), [4001, GERMAN, self.third_id])
        self._assert_german_created_without_vat(links)
        self.assertTrue(self.connection.partner_fetch_version)
        # A data problem of one record, not a broken connection: its own field.
        self.assertNotEqual(self.connection.state, "error")
        self.assertFalse(self.connection.last_error)
        self.assertIn(BAD_VAT, self.connection.register_problems)
        self.assertIn("Deutsche Kunde GmbH", self.connection.register_problems)
        # The products of the same run were fetched too.
        self.assertTrue(self.connection.product_link_ids)

    def test_cron_problems_kept_apart_from_the_connection_state_and_capped(self):
        connection = self.connection
        connection.sudo().write({"state": "connected", "last_error": False})
        problems = [f"Partner {n}: refused" for n in range(25)]
        connection._procountor_store_register_problems(problems)
        self.assertEqual(connection.state, "connected")
        self.assertFalse(connection.last_error)
        self.assertTrue(connection.setup_connection_done, "step 2 is not failed by data")
        self.assertIn("Partner 19: refused", connection.register_problems)
        self.assertNotIn("Partner 20: refused", connection.register_problems)
        self.assertIn("5 more", connection.register_problems)
        # The next run replaces the list; a run without problems clears it.
        connection._procountor_store_register_problems(problems[:1])
        self.assertNotIn("Partner 1: refused", connection.register_problems)
        connection._procountor_store_register_problems([])
        self.assertFalse(connection.register_problems)

    def test_cron_clears_problems_when_all_applied(self):
        self.connection.write({"register_cron_enabled": True})
        self.connection.sudo().register_problems = "Partner X: refused"
        self.sandbox.state.businessPartners.pop(GERMAN)
        # Nothing else to note either: this class maps no taxes, so the products (created
        # without a sales tax, which is noted) stay out of this run.
        self.sandbox.state.products.clear()
        self.env["procountor.connection"]._cron_procountor_fetch_registers()
        self.assertFalse(self.connection.register_problems)

    def test_database_constraint_refusal_leaves_the_others(self):
        """A database constraint (here res.partner's check_name, as a partner without a name
        meets it) fails only its record, with Odoo's words for the constraint."""
        Product = self.registry["product.product"]
        original = Product.create
        company_partner = self.env.company.partner_id

        def create(records, vals_list):
            many = vals_list if isinstance(vals_list, list) else [vals_list]
            if any(vals.get("default_code") == "KONS" for vals in many):
                records.env.cr.execute(
                    "UPDATE res_partner SET name = NULL WHERE id = %s", [company_partner.id]
                )
            return original(records, vals_list)

        self.patch(Product, "create", create)
        action = self.connection.action_procountor_fetch_products()
        wizard = self.env["procountor.register.fetch"].browse(action["res_id"])
        codes = {line.code: line for line in wizard.line_ids}
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection_register_refusals",
            "odoo.sql_db",
        ):
            wizard.action_confirm()
        links = self.env["procountor.product.link"].search(
            [("connection_id", "=", self.connection.id)]
        )
        self.assertEqual(len(links), len(codes) - 1)
        self.assertNotIn(codes["KONS"].procountor_id, links.mapped("procountor_id"))
        self.assertIn("Contacts require a name", codes["KONS"].note)
        self.assertTrue(company_partner.name, "the refused change was rolled back")

    def test_linked_partner_updated_without_the_refused_vat(self):
        """An update bringing a VAT number Odoo refuses writes the rest and keeps Odoo's."""
        wizard = self.env["procountor.register.fetch"].browse(
            self.connection.action_procountor_fetch_partners()["res_id"]
        )
        wizard.action_confirm()
        partner = self._links()[4001].partner_id
        with self.connection._procountor_client() as client:
            remote = client.get_business_partner(4001)
            client.patch_business_partner(
                4001,
                {
                    "name": "Asiakas Oy Ab",
                    "invoicingInfo": {**remote["invoicingInfo"], "identifier": BAD_VAT},
                },
                remote["version"],
            )
        wizard = self.env["procountor.register.fetch"].browse(
            self.connection.action_procountor_fetch_partners()["res_id"]
        )
        wizard.update_matched = True
        line = wizard.line_ids.filtered(lambda line: line.procountor_id == 4001)
        self.assertEqual(line.action, "update")
        wizard.action_confirm()
        self.assertEqual(partner.name, "Asiakas Oy Ab")
        self.assertFalse(partner.vat)
        self.assertIn(BAD_VAT, line.note)
        self.assertIn(BAD_VAT, self._links()[4001].sync_error)

    def test_product_refused_by_odoo_is_left_out_with_the_reason(self):
        """Any other refusal leaves the record out (nothing guessed), named with Odoo's
        message; the other products are created."""
        Product = self.registry["product.product"]
        original = Product.create

        def create(records, vals_list):
            many = vals_list if isinstance(vals_list, list) else [vals_list]
            if any(vals.get("default_code") == "KONS" for vals in many):
                raise ValidationError(PRODUCT_REFUSAL)
            return original(records, vals_list)

        self.patch(Product, "create", create)
        action = self.connection.action_procountor_fetch_products()
        wizard = self.env["procountor.register.fetch"].browse(action["res_id"])
        codes = {line.code: line for line in wizard.line_ids}
        self.assertGreaterEqual(len(codes), 3)
        self.assertIn("KONS", codes)
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection_register_refusals"
        ):
            wizard.action_confirm()
        links = self.env["procountor.product.link"].search(
            [("connection_id", "=", self.connection.id)]
        )
        refused = codes["KONS"]
        self.assertNotIn(refused.procountor_id, links.mapped("procountor_id"))
        self.assertEqual(len(links), len(codes) - 1)
        self.assertIn(PRODUCT_REFUSAL, refused.note)
        self.assertIn("Konsultointi", refused.note)
        self.assertIn(PRODUCT_REFUSAL, wizard.result)


@tagged("post_install", "-at_install")
class TestBillSupplierRefusals(BillImportCase):
    def test_bills_of_suppliers_odoo_refuses(self):
        """The bill import creates its new suppliers through the same fetch: one whose VAT
        number Odoo refuses is created without it (its bill imported); one Odoo refuses
        outright keeps its bill waiting with Odoo's reason; the others import."""
        invoices = self.seed(3)
        suppliers = self.sandbox.state.businessPartners
        by_supplier = {invoice["partnerId"]: invoice for invoice in invoices.values()}
        self.assertEqual(len(by_supplier), 3)
        german_id, refused_id, _plain_id = sorted(by_supplier)
        suppliers[german_id]["invoicingInfo"] = {"identifier": BAD_VAT}
        suppliers[german_id]["address"]["country"] = "GERMANY"
        refused_name = suppliers[refused_id]["name"]
        Partner = self.registry["res.partner"]
        original = Partner.create

        def create(records, vals_list):
            many = vals_list if isinstance(vals_list, list) else [vals_list]
            if any(vals.get("name") == refused_name for vals in many):
                raise ValidationError(SUPPLIER_REFUSAL)
            return original(records, vals_list)

        self.patch(Partner, "create", create)
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection_register_refusals"
        ):
            self.fetch()
        bills = self.bills()
        self.assertEqual(len(bills), 2)
        german = bills.partner_id.filtered(
            lambda partner: partner.name == suppliers[german_id]["name"]
        )
        self.assertTrue(german)
        self.assertFalse(german.vat)
        pending = self.connection.bill_pending_ids
        self.assertEqual(len(pending), 1)
        self.assertIn(refused_name, pending.reason)
        self.assertIn(SUPPLIER_REFUSAL, pending.reason)
