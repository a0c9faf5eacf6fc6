# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may change where a connection points, strict base URLs, timeouts."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ProcountorTestCommon, sandbox_defaults


@tagged("post_install", "-at_install")
class TestEndpointRules(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_ids = [cls.company.id]
        # Accounting administrator: Procountor manager through account.group_account_manager.
        cls.manager = new_test_user(
            cls.env,
            login="procountor_endpoint_manager",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=company_ids,
        )
        cls.admin = new_test_user(
            cls.env,
            login="procountor_endpoint_admin",
            groups="base.group_system,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=company_ids,
        )

    def _give_token(self):
        self.connection.action_test_connection()
        self.assertTrue(self.connection.sudo().procountor_access_token)

    # ------------------------------------------------------------------ point 2

    def test_manager_cannot_change_the_endpoint(self):
        self._give_token()
        connection = self.connection.with_user(self.manager)
        for vals in (
            {"environment": "production"},
            {"base_url": "http://127.0.0.2:8899"},
            {"api_version_path": "latest/api"},
            {"api_version_path": "v2604/api"},
        ):
            with self.assertRaisesRegex(AccessError, "system administrators"):
                connection.write(vals)
        self.assertEqual(self.connection.environment, "custom")
        self.assertEqual(self.connection.base_url, self.sandbox.url)
        self.assertEqual(self.connection.api_version_path, "api")
        self.assertTrue(self.connection.sudo().procountor_access_token)

    def test_form_shows_the_endpoint_read_only_to_managers(self):
        endpoint = ("environment", "base_url", "api_version_path")
        with Form(self.connection.with_user(self.manager)) as form:
            for name in endpoint:
                self.assertTrue(form._get_modifier(name, "readonly"), name)
            self.assertFalse(form._get_modifier("procountor_timeout", "readonly"))
        with Form(self.connection.with_user(self.admin)) as form:
            for name in endpoint:
                self.assertFalse(form._get_modifier(name, "readonly"), name)

    def test_manager_keeps_the_rest_of_the_configuration(self):
        self._give_token()
        connection = self.connection.with_user(self.manager)
        # Writing the endpoint fields with their current values (a form saving them) is no change.
        connection.write(
            {
                "name": "Renamed",
                "environment": "custom",
                "base_url": self.sandbox.url,
                "procountor_timeout": 60,
                "procountor_log_retention_days": 30,
            }
        )
        self.assertTrue(self.connection.sudo().procountor_access_token)
        # Client id and redirect URI belong to the integration: managers may change them, and the
        # token they no longer match is forgotten.
        connection.write({"client_id": "another-client", "redirect_uri": "https://x.test/cb"})
        self.assertEqual(self.connection.client_id, "another-client")
        self.assertFalse(self.connection.sudo().procountor_access_token)
        self.assertFalse(self.connection.procountor_token_expires_at)
        self.assertEqual(self.connection.state, "not_connected")

    def test_system_administrator_changes_the_endpoint_and_the_token_goes(self):
        self._give_token()
        connection = self.connection.with_user(self.admin)
        connection.write({"api_version_path": "latest/api"})
        self.assertFalse(self.connection.sudo().procountor_access_token)
        self.assertEqual(self.connection.state, "not_connected")
        self._give_token()
        connection.write({"environment": "test"})
        self.assertFalse(self.connection.sudo().procountor_access_token)

    def test_custom_url_connections_are_created_by_system_administrators(self):
        vals = {
            "name": "Elsewhere",
            "environment": "custom",
            "base_url": self.sandbox.url,
            "client_id": sandbox_defaults.CLIENT_ID,
        }
        with self.assertRaisesRegex(AccessError, "system administrators"):
            self.env["procountor.connection"].with_user(self.manager).create(vals)
        created = self.env["procountor.connection"].with_user(self.admin).create(vals)
        self.assertEqual(created.base_url, self.sandbox.url)
        # Production and test connections stay open to managers.
        test_connection = (
            self.env["procountor.connection"]
            .with_user(self.manager)
            .create({"name": "PTS", "environment": "test"})
        )
        self.assertEqual(test_connection.environment, "test")

    def test_accounting_administrator_creates_the_first_connection(self):
        company = self.setup_other_company(name="Company Without Connection")["company"]
        manager = new_test_user(
            self.env,
            login="procountor_first_connection_manager",
            groups="account.group_account_manager",
            company_id=company.id,
            company_ids=[company.id],
        )
        self.assertFalse(manager.has_group("base.group_erp_manager"))
        connection = (
            self.env["procountor.connection"]
            .with_user(manager)
            .with_company(company)
            .create({"name": "First", "environment": "test", "company_id": company.id})
        )
        self.assertEqual(company.procountor_connection_id, connection)

    # ------------------------------------------------------------------ point 3

    def test_base_url_is_checked_at_save_time(self):
        for url, message in (
            ("https://admin:s3cretpw@procountor.example.test", "user name or a password"),
            ("https://procountor.example.test?x=1", "query"),
            ("https://procountor.example.test#x", "fragment"),
            ("https://procountor.example.test/api", "API version"),
            ("https://procountor.example.test/v2604/api", "API version"),
            ("https://procountor.example.test/proxy", "without a path"),
            ("http://procountor.example.test", "https://"),
            ("http://10.1.2.3:8899", "https://"),
            ("procountor.example.test", "https://"),
            ("https://procountor.example.test:70000", "port"),
        ):
            with self.assertRaises(ValidationError) as info, self.env.cr.savepoint():
                self.connection.base_url = url
            self.assertIn(message, str(info.exception), url)
            self.assertNotIn("s3cretpw", str(info.exception))

    def test_a_saved_connection_always_makes_a_client(self):
        for url in (
            "https://procountor.example.test",
            "https://procountor.example.test:8443/",
            "http://localhost:8899",
            "http://[::1]:8899",
            self.sandbox.url,
        ):
            self.connection.base_url = url
            with self.connection._procountor_client() as client:
                self.assertEqual(client.base_url, url.rstrip("/"))

    # ------------------------------------------------------------------ point 4

    def test_timeout_has_an_upper_bound(self):
        self.connection.procountor_timeout = 300
        with self.assertRaisesRegex(ValidationError, "at most 300 seconds"):
            self.connection.procountor_timeout = 301
        with self.assertRaisesRegex(ValidationError, "at most"):
            self.env["procountor.connection"].create(self._connection_vals(procountor_timeout=3600))

    def test_a_url_saved_before_the_strict_check_is_a_clear_error(self):
        # A database upgraded from an earlier version may hold a URL the constraint now refuses.
        self.env.cr.execute(
            "UPDATE procountor_connection SET base_url = %s WHERE id = %s",
            ["http://sandbox:8899", self.connection.id],
        )
        self.connection.invalidate_recordset(["base_url"])
        with self.assertRaisesRegex(UserError, "https://"):
            self.connection._procountor_client()


@tagged("post_install", "-at_install")
class TestTokenAnswerInLog(ProcountorTestCommon):
    """Point 1 end to end: a token answer with a wrong content type never reaches the log."""

    def _serve_token_as(self, content_type):
        app = self.sandbox.server.app

        def middleware(environ, start_response):
            def start(status, headers, exc_info=None):
                if environ.get("PATH_INFO", "").endswith("/oauth/token"):
                    headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
                    if content_type:
                        headers.append(("Content-Type", content_type))
                return start_response(status, headers, exc_info)

            return app(environ, start)

        self.patch(self.sandbox.server, "app", middleware)

    def test_token_answer_is_redacted_whatever_its_content_type(self):
        for content_type in ("text/plain", None, "application/x-www-form-urlencoded"):
            self.connection.sudo().procountor_access_token = False
            self._serve_token_as(content_type)
            action = self.connection.action_test_connection()
            self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
            token = self.connection.sudo().procountor_access_token
            self.assertTrue(token)
            exchange = self.exchanges(operation="fetch_token")[-1]
            self.assertTrue(exchange.response_body)
            self.assertNotIn(token, exchange.response_body, content_type)
            self.assertIn("***", exchange.response_body)
