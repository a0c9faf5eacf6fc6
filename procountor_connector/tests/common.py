# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Base classes of the Odoo suite: a Finnish company (l10n_fi) and a local Procountor sandbox.

The sandbox (``procountor_sandbox`` at the repository root, not an Odoo addon) runs in a thread on a
free loopback port, once per test class. HTTP calls reach it because ``_request_handler`` lets
requests to its URL through Odoo's test-time network block; every other URL stays blocked.
"""

import socket
import sys
from contextlib import closing
from pathlib import Path

import requests

from odoo.tests.common import _super_send

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..procountor_api import in_run
from ..procountor_api import throttle as throttle_module

try:
    from procountor_sandbox import defaults as sandbox_defaults
    from procountor_sandbox.server import start_in_thread
except ImportError:
    # Not on the path (odoo-bin without PYTHONPATH): the sandbox sits at the repository root, two
    # levels up.
    _ROOT = str(Path(__file__).resolve().parents[2])
    if _ROOT not in sys.path:
        sys.path.insert(0, _ROOT)
    from procountor_sandbox import defaults as sandbox_defaults
    from procountor_sandbox.server import start_in_thread

#: Seconds an HTTP call of the test helpers may take.
HELPER_TIMEOUT = 10


def closed_port_url():
    """URL of a loopback port nobody listens on (bound, then released)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class ProcountorTestCommon(AccountTestInvoicingCommon):
    """A Finnish company with a connection to a fresh sandbox.

    ``client_overrides`` (class or instance attribute) are merged into the client's options: by
    default no back-off between retries, so that failure tests stay fast.
    """

    client_overrides = {"backoff_factor": 0}
    #: Attempts of one move in one run (``procountor_api.in_run``). One by default: these
    #: tests follow a fault from one run to the next (stored error, look-up by the next run);
    #: test_hardening_faults.py lets the run try again itself.
    in_run_attempts = 1

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fi")
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = start_in_thread(port=0)
        cls.addClassCleanup(cls.sandbox.stop)
        #: URLs (host roots) that tests may reach on purpose besides the sandbox.
        cls.allowed_urls = [cls.sandbox.url]
        cls.company = cls.company_data["company"]
        cls.connection = cls.env["procountor.connection"].create(cls._connection_vals())

    def one_at_a_time(self):
        """Send with one request at a time (``procountor_max_in_flight`` 1): the tests of the
        order of a batch's requests, which parallel HTTP does not keep."""
        self.connection.sudo().procountor_max_in_flight = 1

    @classmethod
    def _connection_vals(cls, **overrides):
        return {
            "name": "Sandbox",
            "company_id": cls.company.id,
            "environment": "custom",
            "base_url": cls.sandbox.url,
            "api_version_path": "api",
            "client_id": sandbox_defaults.CLIENT_ID,
            "client_secret": sandbox_defaults.CLIENT_SECRET,
            "redirect_uri": sandbox_defaults.REDIRECT_URI,
            "api_key": sandbox_defaults.API_KEY,
            # The sandbox takes any rate; the throttle still runs (spacing calls 2 ms apart).
            "procountor_requests_per_second": 500,
            **overrides,
        }

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo blocks outbound HTTP in tests; only the sandbox (and URLs a test adds on purpose) may
        # pass.
        if any(
            r.url == url or r.url.startswith(url + "/") for url in getattr(cls, "allowed_urls", ())
        ):
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.sandbox_post("/_sandbox/reset", {})
        # The sandbox forgot every 429 of an earlier test: so do the connections' throttles
        # (one per connection and process, kept between batches).
        throttle_module._registry.clear()
        Connection = self.registry["procountor.connection"]
        original = Connection._procountor_client_options
        test = self

        def client_options(connection):
            return {**original(connection), **test.client_overrides}

        self.patch(Connection, "_procountor_client_options", client_options)
        self.patch(in_run, "ATTEMPTS", self.in_run_attempts)

    # ------------------------------------------------------------------ sandbox helpers

    def sandbox_post(self, path, payload=None):
        response = requests.post(
            f"{self.sandbox.url}{path}", json=payload or {}, timeout=HELPER_TIMEOUT
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def sandbox_get(self, path):
        response = requests.get(f"{self.sandbox.url}{path}", timeout=HELPER_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def sandbox_journal(self):
        """API calls the sandbox received since the last reset (control calls excluded)."""
        body = self.sandbox_get("/_sandbox/journal")
        return body.get("entries", body) if isinstance(body, dict) else body

    def add_fault(self, **spec):
        return self.sandbox_post("/_sandbox/faults", spec)

    # ------------------------------------------------------------------ Odoo helpers

    def exchanges(self, connection=None, **filters):
        domain = [("connection_id", "=", (connection or self.connection).id)]
        domain += [(name, "=", value) for name, value in filters.items()]
        return self.env["procountor.exchange"].sudo().search(domain, order="id")

    def fetch_settings(self, connection=None):
        action = (connection or self.connection).action_fetch_settings()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        return action
