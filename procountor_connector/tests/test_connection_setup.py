# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Setup tab of a connection: each step turns from missing to done when it is done."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import ProcountorTestCommon, sandbox_defaults


@tagged("post_install", "-at_install")
class TestConnectionSetup(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="procountor_setup_manager",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _post_invoice(self, tax, date=None, move_type="out_invoice"):
        invoice = self.init_invoice(
            move_type,
            partner=self.partner_a,
            invoice_date=date or fields.Date.today(),
            amounts=[100.0],
            taxes=tax,
        )
        invoice.action_post()
        return invoice

    def _map_tax(self, tax):
        sale = tax.type_tax_use == "sale"
        self.env["procountor.tax.mapping"].create(
            {
                "connection_id": self.connection.id,
                "tax_id": tax.id,
                "vat_percent_id": self.connection.vat_percent_ids.filtered(
                    lambda vat: vat.sales if sale else vat.purchase
                )[:1].id,
                "vat_status_id": self.connection.vat_status_ids.filtered(
                    lambda status: status.sales if sale else status.purchase
                )[:1].id,
            }
        )

    def _refresh(self):
        self.connection.invalidate_recordset()
        return self.connection

    # ------------------------------------------------------------------ steps

    def test_credentials(self):
        connection = self.env["procountor.connection"].create(
            self._connection_vals(name="No key", api_key=False, client_secret=False)
        )
        self.assertFalse(connection.setup_credentials_done)
        self.assertIn("Client Secret, API Key", connection.setup_credentials_status)
        connection.write(
            {"client_secret": sandbox_defaults.CLIENT_SECRET, "api_key": sandbox_defaults.API_KEY}
        )
        self.assertTrue(connection.setup_credentials_done)
        self.assertNotIn("Missing", connection.setup_credentials_status)
        # A Procountor manager (no administrator) learns that the secrets are set, never them.
        as_manager = connection.with_user(self.manager)
        self.assertTrue(as_manager.setup_credentials_done)
        self.assertIn("Only administrators", as_manager.setup_credentials_status)
        self.assertNotIn(sandbox_defaults.API_KEY, as_manager.setup_credentials_status)
        with self.assertRaises(AccessError):
            as_manager.read(["api_key"])

    def test_connection_tested(self):
        connection = self.connection
        self.assertFalse(connection.setup_connection_done)
        self.assertFalse(connection.procountor_tested_at)
        connection.action_test_connection()
        self.assertTrue(self._refresh().setup_connection_done)
        self.assertTrue(connection.procountor_tested_at)
        self.assertIn("Last successful test", connection.setup_connection_status)
        # A failed test keeps the time of the last success but is not done.
        connection.sudo().api_key = "wrong"
        connection.action_test_connection()
        self.assertFalse(self._refresh().setup_connection_done)
        self.assertTrue(connection.procountor_tested_at)

    def test_reference_data_fetched(self):
        self.assertFalse(self.connection.setup_reference_done)
        self.fetch_settings()
        connection = self._refresh()
        self.assertTrue(connection.setup_reference_done)
        self.assertIn(
            f"{len(connection.ledger_account_ids)} ledger accounts",
            connection.setup_reference_status,
        )

    def test_taxes_in_use_named_until_mapped(self):
        self.fetch_settings()
        sale_tax = self.company_data["default_tax_sale"]
        purchase_tax = self.company_data["default_tax_purchase"]
        old_tax = self.tax_sale_b
        self._post_invoice(sale_tax)
        self._post_invoice(purchase_tax, move_type="in_invoice")
        # Used only 14 months ago: no longer a step of the setup.
        self._post_invoice(old_tax, date=fields.Date.today() - relativedelta(months=14))
        connection = self._refresh()
        self.assertFalse(connection.setup_taxes_done)
        self.assertEqual(connection.setup_unmapped_tax_ids, sale_tax | purchase_tax)
        status = connection.setup_taxes_status
        self.assertIn("Not mapped: 2 of the 2 taxes", status)
        self.assertIn(sale_tax.name, status)
        self.assertIn(purchase_tax.name, status)
        self.assertNotIn(old_tax.name, status)
        action = connection.action_procountor_setup_unmapped_taxes()
        self.assertEqual(
            self.env["account.tax"].with_context(active_test=False).search(action["domain"]),
            sale_tax | purchase_tax,
        )
        self._map_tax(sale_tax)
        connection = self._refresh()
        self.assertFalse(connection.setup_taxes_done)
        self.assertEqual(connection.setup_unmapped_tax_ids, purchase_tax)
        self.assertIn("Not mapped: 1 of the 2 taxes", connection.setup_taxes_status)
        self._map_tax(purchase_tax)
        connection = self._refresh()
        self.assertTrue(connection.setup_taxes_done)
        self.assertIn("All 2 taxes", connection.setup_taxes_status)

    def test_no_tax_in_use_needs_a_sales_tax_mapped(self):
        """With no tax used in 12 months, nothing mapped is not "done": a sales tax must be."""
        self.fetch_settings()
        connection = self._refresh()
        self.assertFalse(connection.setup_unmapped_tax_ids)
        self.assertFalse(connection.setup_taxes_done)
        self.assertIn("no sales tax is mapped", connection.setup_taxes_status)
        self._map_tax(self.company_data["default_tax_purchase"])
        self.assertFalse(self._refresh().setup_taxes_done, "a purchase tax alone is not enough")
        self._map_tax(self.company_data["default_tax_sale"])
        connection = self._refresh()
        self.assertTrue(connection.setup_taxes_done)
        self.assertIn("2 taxes are mapped", connection.setup_taxes_status)

    def test_taxes_in_use_only_posted_of_the_company(self):
        """The per-tax query counts posted documents of the connection's company only."""
        self.fetch_settings()
        sale_tax = self.company_data["default_tax_sale"]
        draft = self.init_invoice(
            "out_invoice", partner=self.partner_a, amounts=[100.0], taxes=self.tax_sale_b
        )
        self.assertEqual(draft.state, "draft")
        self._post_invoice(sale_tax)
        self.assertEqual(self._refresh().setup_unmapped_tax_ids, sale_tax)

    def test_mapping_step_not_recomputed_by_mapping_onchange(self):
        """Editing the mapping lines on the form does not run the mapping step's scan again
        (it reads every invoice line's account); it is read again once saved."""
        self.fetch_settings()
        connection = self._refresh()
        suggester = type(self.env["procountor.mapping.suggester"])
        calls = []
        original = suggester._accounts_in_use

        def counted(model, conn):
            calls.append(conn.id)
            return original(model, conn)

        self.patch(suggester, "_accounts_in_use", counted)
        record = connection.new(origin=connection)
        record._update_cache({"setup_mappings_done": False, "setup_mappings_status": "x"})
        record.modified(["account_mapping_ids", "uom_mapping_ids", "analytic_mapping_ids"])
        self.assertEqual(record.setup_mappings_status, "x")
        self.assertFalse(calls)

    def test_group_tax_in_use_needs_its_children(self):
        self.fetch_settings()
        group = self.tax_armageddon
        self._post_invoice(group)
        connection = self._refresh()
        self.assertEqual(connection.setup_unmapped_tax_ids, group.children_tax_ids)

    def test_other_mappings(self):
        connection = self.connection
        self.assertFalse(connection.setup_mappings_done)
        self.assertIn("Fetch the reference data first", connection.setup_mappings_status)
        self.fetch_settings()
        connection = self._refresh()
        self.assertFalse(connection.setup_mappings_done)
        # What Check Mappings lists (taxes apart: their own step) is named.
        self.assertIn(
            "No journal is set for incoming Procountor payments", connection.setup_mappings_status
        )
        self._map_everything_else()
        connection = self._refresh()
        self.assertTrue(connection.setup_mappings_done, connection.setup_mappings_status)

    def _map_everything_else(self):
        """Complete every mapping Check Mappings asks for besides taxes."""
        connection = self.connection
        suggester = self.env["procountor.mapping.suggester"]
        suggester._suggest_all(connection)
        ledger = connection.ledger_account_ids[:1]
        accounts = (
            suggester._accounts_in_use(connection) - connection.account_mapping_ids.account_id
        )
        self.env["procountor.account.mapping"].create(
            [
                {
                    "connection_id": connection.id,
                    "account_id": account.id,
                    "ledger_account_id": ledger.id,
                }
                for account in accounts
            ]
        )
        status = connection.vat_status_ids.filtered("sales")[:1]
        positions = (
            suggester._company_records("account.fiscal.position", connection)
            - connection.fiscal_position_mapping_ids.filtered("vat_status_id").fiscal_position_id
        )
        connection.fiscal_position_mapping_ids.filtered(
            lambda mapping: mapping.fiscal_position_id in positions
        ).unlink()
        self.env["procountor.fiscal.position.mapping"].create(
            [
                {
                    "connection_id": connection.id,
                    "fiscal_position_id": position.id,
                    "vat_status_id": status.id,
                }
                for position in positions
            ]
        )
        unit = self.env["procountor.uom.mapping"]._fields["unit"].get_values(self.env)[0]
        products = suggester._company_records("product.template", connection)
        self.env["procountor.uom.mapping"].create(
            [
                {"connection_id": connection.id, "uom_id": uom.id, "unit": unit}
                for uom in (products.uom_id | products.uom_po_id)
                - connection.uom_mapping_ids.uom_id
            ]
        )
        self.assertEqual(suggester._unmapped_analytic(connection), [])

    def test_registers_linked(self):
        connection = self.connection
        self.assertFalse(connection.setup_registers_done)
        self.assertIn("0 partners and 0 products", connection.setup_registers_status)
        self.env["procountor.partner.link"].create(
            {"connection_id": connection.id, "partner_id": self.partner_a.id, "procountor_id": 7}
        )
        connection = self._refresh()
        self.assertFalse(connection.setup_registers_done)
        self.assertIn("products", connection.setup_registers_status.split("Not fetched yet")[1])
        self.env["procountor.product.link"].create(
            {"connection_id": connection.id, "product_id": self.product_a.id, "procountor_id": 8}
        )
        connection = self._refresh()
        self.assertTrue(connection.setup_registers_done)
        self.assertIn("1 partners and 1 products", connection.setup_registers_status)

    def test_crons_chosen(self):
        connection = self.connection
        connection.write(
            {
                "invoice_cron_enabled": False,
                "payment_fetch_enabled": False,
                "bill_import_enabled": False,
                "register_cron_enabled": False,
                "reconcile_cron_enabled": False,
            }
        )
        self.assertFalse(connection.setup_crons_done)
        self.assertIn("No automatic job is on", connection.setup_crons_status)
        bill_cron = self.env.ref("procountor_connector.ir_cron_procountor_fetch_bills")
        bill_cron.active = False
        connection.write(
            {
                "bill_import_enabled": True,
                "bill_import_journal_id": self.company_data["default_journal_purchase"].id,
            }
        )
        connection = self._refresh()
        self.assertFalse(connection.setup_crons_done)
        self.assertIn(
            "Bill import: its scheduled action is inactive", connection.setup_crons_status
        )
        bill_cron.active = True
        connection = self._refresh()
        self.assertTrue(connection.setup_crons_done, connection.setup_crons_status)
        self.assertIn("On: Bill import.", connection.setup_crons_status)
        action = connection.action_procountor_setup_crons()
        crons = self.env["ir.cron"].with_context(active_test=False).search(action["domain"])
        self.assertIn(bill_cron, crons)
        self.assertIn(self.env.ref("procountor_connector.ir_cron_procountor_send_invoices"), crons)

    def test_progress_counts_done_steps(self):
        self.assertIn("of 7 setup steps done", self.connection.setup_progress)
        before = int(self.connection.setup_progress.split()[0])
        self.connection.action_test_connection()
        after = int(self._refresh().setup_progress.split()[0])
        self.assertEqual(after, before + 1)

    # ------------------------------------------------------------------ views

    def test_form_and_dialogs_load(self):
        arch = self.env["procountor.connection"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        for step in ("credentials", "connection", "reference", "taxes", "mappings", "registers"):
            self.assertIn(f"setup_{step}_status", arch)
        self.assertIn("setup_crons_status", arch)
        form = Form(self.connection.with_user(self.manager))
        self.assertTrue(form.setup_credentials_done)
        self.assertFalse(form.setup_connection_done)
        # A Procountor user (invoicing) reads the whole checklist too.
        invoicing = new_test_user(
            self.env,
            login="procountor_setup_invoicing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.fetch_settings()
        self._post_invoice(self.company_data["default_tax_sale"])
        as_user = self.connection.with_user(invoicing)
        as_user.invalidate_recordset()
        fields_ = [name for name in as_user._fields if name.startswith("setup_")]
        values = as_user.read(fields_)[0]
        self.assertIn(self.company_data["default_tax_sale"].name, values["setup_taxes_status"])
        self.assertIn("Still missing", values["setup_mappings_status"])
        # A new connection's form computes the checklist before it is saved.
        new = Form(self.env["procountor.connection"])
        self.assertFalse(new.setup_credentials_done)
        for method in ("action_procountor_setup_credentials", "action_procountor_setup_jobs"):
            action = getattr(self.connection, method)()
            self.assertEqual(action["target"], "new")
            view_id = action["views"][0][0]
            with Form(self.connection, view=view_id) as dialog:
                if method.endswith("credentials"):
                    dialog.redirect_uri = sandbox_defaults.REDIRECT_URI
                else:
                    dialog.register_cron_enabled = True
        self.assertTrue(self.connection.register_cron_enabled)
