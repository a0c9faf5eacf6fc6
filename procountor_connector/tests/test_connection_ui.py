# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import Form, tagged

from .common import ProcountorTestCommon, sandbox_defaults


@tagged("post_install", "-at_install")
class TestConnectionUi(ProcountorTestCommon):
    def test_connection_form(self):
        with Form(self.env["procountor.connection"]) as form:
            form.name = "Form made"
            form.environment = "custom"
            form.base_url = self.sandbox.url
            form.client_id = sandbox_defaults.CLIENT_ID
            form.client_secret = sandbox_defaults.CLIENT_SECRET
            form.redirect_uri = sandbox_defaults.REDIRECT_URI
            form.api_key = sandbox_defaults.API_KEY
            form.api_version_path = "pinned"
            form.api_version_pinned = "v2604"
        connection = form.record
        self.assertEqual(connection.company_id, self.env.company)
        self.assertEqual(connection._procountor_effective_version_path(), "v2604/api")
        self.assertEqual(connection.action_test_connection()["params"]["type"], "success")
        connection.action_fetch_settings()
        with Form(connection) as form:
            with form.tax_mapping_ids.new() as line:
                line.tax_id = self.company_data["default_tax_sale"]
                line.vat_percent_id = connection.vat_percent_ids.filtered(
                    lambda vat: vat.percent == 25.5
                )
                line.vat_status_id = connection.vat_status_ids.filtered(
                    lambda status: status.code == 1
                )
            with form.uom_mapping_ids.new() as line:
                line.uom_id = self.env.ref("uom.product_uom_unit")
                line.unit = "PIECE"
        self.assertEqual(
            connection._procountor_tax_mapping(self.company_data["default_tax_sale"]).vat_percent,
            25.5,
        )
        self.assertEqual(connection._procountor_unit(self.env.ref("uom.product_uom_unit")), "PIECE")

    def test_custom_environment_needs_url(self):
        form = Form(self.env["procountor.connection"])
        form.name = "No URL"
        form.environment = "custom"
        with self.assertRaises(AssertionError):
            form.save()

    def test_views_render(self):
        actions = self.env["ir.model.data"].search(
            [("module", "=", "procountor_connector"), ("model", "=", "ir.actions.act_window")]
        )
        self.assertGreaterEqual(len(actions), 15)
        for data in actions:
            action = self.env["ir.actions.act_window"].browse(data.res_id)
            views = [(False, mode) for mode in action.view_mode.split(",")] + [(False, "search")]
            result = self.env[action.res_model].get_views(views)
            for mode in action.view_mode.split(","):
                self.assertIn(mode, result["views"], action.name)
        for model, view in (
            ("res.config.settings", "procountor_connector.res_config_settings_view_form"),
            ("res.company", "procountor_connector.res_company_view_form"),
        ):
            arch = self.env[model].get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn("procountor_connection_id", arch, view)

    def test_menus_resolve(self):
        menus = self.env["ir.model.data"].search(
            [("module", "=", "procountor_connector"), ("model", "=", "ir.ui.menu")]
        )
        root = self.env.ref("account.menu_finance")
        self.assertGreaterEqual(len(menus), 18)
        for data in menus:
            menu = self.env["ir.ui.menu"].browse(data.res_id)
            self.assertTrue(menu.complete_name.startswith(root.name + "/"), menu.complete_name)
