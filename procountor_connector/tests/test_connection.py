# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime

from odoo.exceptions import UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.procountor_connection import REFRESH_LOCK_NAMESPACE
from ..procountor_api.client import ProcountorClient
from .common import ProcountorTestCommon, closed_port_url, sandbox_defaults

CONNECTION_LOGGER = "odoo.addons.procountor_connector.models.procountor_connection"


@tagged("post_install", "-at_install")
class TestConnection(ProcountorTestCommon):
    def test_test_connection_success(self):
        action = self.connection.action_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.connection.state, "connected")
        self.assertFalse(self.connection.last_error)
        self.assertEqual(self.connection.procountor_company_name, "Sandbox Oy")
        self.assertEqual(self.connection.procountor_business_id, "1234567-1")
        self.assertIn("Sandbox Oy", action["params"]["message"])
        self.assertEqual(self.exchanges().mapped("operation"), ["fetch_token", "get_company"])
        self.assertTrue(all(self.exchanges().mapped("ok")))
        self.assertEqual(set(self.exchanges().mapped("res_model")), {"procountor.connection"})
        self.assertEqual(set(self.exchanges().mapped("res_id")), {self.connection.id})

    def test_wrong_api_key(self):
        self.connection.api_key = "not-the-key"
        with mute_logger(CONNECTION_LOGGER):
            action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(self.connection.state, "error")
        self.assertIn("refused the credentials", self.connection.last_error)
        self.assertEqual(action["params"]["message"], self.connection.last_error)
        failed = self.exchanges()
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed.operation, "fetch_token")
        self.assertFalse(failed.ok)
        self.assertEqual(failed.state, "error")
        self.assertIn(failed.status, (400, 401, 403))

    def test_unreachable_host(self):
        url = closed_port_url()
        self.allowed_urls.append(url)
        self.addCleanup(self.allowed_urls.remove, url)
        self.connection.base_url = url
        with mute_logger(CONNECTION_LOGGER, "urllib3.connectionpool"):
            action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(self.connection.state, "error")
        self.assertIn("Could not connect to Procountor", self.connection.last_error)
        failed = self.exchanges()
        self.assertEqual(
            len(failed), 1, "one log entry for the one call, however many connect retries"
        )
        self.assertFalse(failed.ok)
        self.assertEqual(failed.status, 0)
        self.assertTrue(failed.error_message)

    def test_timeout(self):
        self.client_overrides = {**self.client_overrides, "max_retries": 0}
        self.connection.procountor_timeout = 1
        self.add_fault(path="/company", kind="latency", seconds=2.5, times=1)
        with mute_logger(CONNECTION_LOGGER):
            action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(self.connection.state, "error")
        self.assertIn("did not answer within 1 s", self.connection.last_error)
        self.assertEqual(self.exchanges().mapped("operation"), ["fetch_token", "get_company"])
        self.assertEqual(self.exchanges().mapped("ok"), [True, False])

    def test_state_recovers_after_error(self):
        self.connection.api_key = "not-the-key"
        with mute_logger(CONNECTION_LOGGER):
            self.connection.action_test_connection()
        self.assertEqual(self.connection.state, "error")
        self.connection.api_key = sandbox_defaults.API_KEY
        self.assertEqual(
            self.connection.state, "not_connected", "new credentials: state unknown again"
        )
        self.connection.action_test_connection()
        self.assertEqual(self.connection.state, "connected")
        self.assertFalse(self.connection.last_error)

    def test_bad_input_raises_before_any_call(self):
        for vals in (
            {"api_key": False},
            {"client_secret": False},
            {"client_id": False},
            {"base_url": False},
            {"api_version_path": "pinned", "api_version_pinned": False},
        ):
            connection = self.connection.copy(self._connection_vals(name="Broken", **vals))
            with self.assertRaises(UserError):
                connection.action_test_connection()
            with self.assertRaises(UserError):
                connection.action_fetch_settings()
            self.assertFalse(self.exchanges(connection))
        self.assertFalse(self.sandbox_journal())

    def test_token_fetched_once_then_refreshed_once(self):
        self.connection.action_test_connection()
        self.connection.action_test_connection()
        self.fetch_settings()
        self.assertEqual(len(self.exchanges(operation="fetch_token")), 1)
        self.assertTrue(self.connection.sudo().procountor_access_token)
        self.assertTrue(self.connection.procountor_token_expires_at)

        first_token = self.connection.sudo().procountor_access_token
        self.sandbox_post("/_sandbox/tokens/expire", {})
        self.fetch_settings()
        self.connection.action_test_connection()
        self.assertEqual(len(self.exchanges(operation="fetch_token")), 2)
        self.assertEqual(
            len(self.exchanges(status=401)), 1, "only the first call meets the expired token"
        )
        self.assertNotEqual(self.connection.sudo().procountor_access_token, first_token)

    def test_token_kept_in_memory_when_row_is_locked(self):
        Connection = self.registry["procountor.connection"]
        self.patch(Connection, "_procountor_lock_row", lambda connection: False)
        with self.connection._procountor_client() as client:
            client.get_company()
            client.get_session_info()
        self.assertFalse(
            self.connection.sudo().procountor_access_token, "no row lock: nothing written"
        )
        self.assertEqual(
            len(self.exchanges(operation="fetch_token")), 1, "the in-memory token is reused"
        )

    def test_token_refresh_holds_the_refresh_lock(self):
        """While a worker fetches a token, no other worker can take the refresh lock."""
        original = ProcountorClient.fetch_token
        seen = []

        def fetch_token(client):
            # Another worker = another database connection.
            with self.registry.cursor() as other_cr:
                other_cr.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    [REFRESH_LOCK_NAMESPACE, self.connection.id],
                )
                seen.append(other_cr.fetchone()[0])
                other_cr.rollback()
            return original(client)

        self.patch(ProcountorClient, "fetch_token", fetch_token)
        with self.connection._procountor_client() as client:
            client.get_company()
        self.assertEqual(seen, [False], "the other worker must wait while we refresh")

    def test_token_committed_by_another_worker_is_used_after_the_lock(self):
        """A worker that waited for the refresh lock uses the token the other worker committed."""
        Connection = self.registry["procountor.connection"]
        with self.connection._procountor_client() as client:
            client.get_company()
        token = self.connection.sudo().procountor_access_token
        expires = self.connection.procountor_token_expires_at
        # Our transaction still sees no token; the other worker's commit is only visible to a
        # new cursor, which the patched method stands for.
        self.connection.sudo().write(
            {"procountor_access_token": False, "procountor_token_expires_at": False}
        )
        self.patch(
            Connection,
            "_procountor_committed_token",
            lambda connection: (token, expires.replace(tzinfo=datetime.UTC).timestamp()),
        )
        with self.connection._procountor_client() as client:
            client.get_session_info()
        self.assertEqual(
            len(self.exchanges(operation="fetch_token")), 1, "no second token was fetched"
        )

    def test_pinned_version_spelling(self):
        connection = self.env["procountor.connection"].create(
            self._connection_vals(api_version_path="v2604/api")
        )
        self.assertEqual(connection.api_version_path, "pinned")
        self.assertEqual(connection.api_version_pinned, "v2604")
        connection.action_test_connection()
        self.assertEqual(connection.state, "connected")
        self.assertTrue(self.exchanges(connection)[0].path.startswith("/oauth/token"))

    def test_copy_has_no_secrets(self):
        self.connection.action_test_connection()
        copy = self.connection.copy()
        self.assertEqual(copy.client_id, sandbox_defaults.CLIENT_ID)
        self.assertEqual(copy.base_url, self.sandbox.url)
        self.assertFalse(copy.sudo().client_secret)
        self.assertFalse(copy.sudo().api_key)
        self.assertFalse(copy.sudo().procountor_access_token)
        self.assertFalse(copy.procountor_token_expires_at)
        self.assertEqual(copy.state, "not_connected")
        self.assertFalse(copy.procountor_company_name)

    def test_company_default_connection(self):
        self.assertEqual(self.company.procountor_connection_id, self.connection)
        self.assertTrue(self.connection.is_company_default)
        other = self.env["procountor.connection"].create(self._connection_vals(name="Second"))
        self.assertEqual(
            self.company.procountor_connection_id, self.connection, "the first one stays default"
        )
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.procountor_connection_id, self.connection)
        settings.procountor_connection_id = other
        settings.execute()
        self.assertEqual(self.company.procountor_connection_id, other)

    def test_default_connection_of_another_company_refused(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        connection_b = self.env["procountor.connection"].create(
            self._connection_vals(name="B", company_id=company_b.id)
        )
        self.assertEqual(company_b.procountor_connection_id, connection_b)
        with self.assertRaises(ValidationError):
            self.company.procountor_connection_id = connection_b

    def test_neutralize(self):
        self.connection.action_test_connection()
        self.connection.environment = "production"
        self.env.flush_all()
        queries = list(get_neutralization_queries(["procountor_connector"]))
        self.assertEqual(len(queries), 1)
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()
        connection = self.connection.sudo()
        self.assertEqual(connection.environment, "test")
        self.assertFalse(connection.client_secret)
        self.assertFalse(connection.api_key)
        self.assertFalse(connection.procountor_access_token)
        self.assertFalse(connection.procountor_token_expires_at)
        self.assertEqual(connection.client_id, sandbox_defaults.CLIENT_ID)

    def test_log_written_beside_an_uncommitted_connection(self):
        # Outside tests the log goes through a second cursor. The connection of this test is not
        # committed, so that cursor cannot see it: the log must then share the current transaction
        # instead of failing.
        Connection = self.registry["procountor.connection"]
        self.patch(Connection, "_procountor_log_in_current_transaction", lambda model: False)
        self.connection.action_test_connection()
        self.assertEqual(len(self.exchanges()), 2)
