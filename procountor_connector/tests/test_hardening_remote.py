# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Remote failures while sending an invoice, produced by the sandbox's fault
injection: what the user finds on the invoice or the connection (docs/bad-inputs.md)."""

import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HELPER_TIMEOUT
from .test_invoice_common import ProcountorInvoiceCase

#: (name, fault on POST /invoices, state, create_unknown, retryable, text in the error)
POST_FAILURES = [
    ("403", {"status": 403}, "error", False, False, "insufficient user rights"),
    ("404", {"status": 404}, "error", False, False, "could not find the object"),
    ("409", {"status": 409}, "error", False, False, "rejected the data (HTTP 409)"),
    ("500", {"status": 500}, "sending", True, True, "may or may not have been applied"),
    (
        "html_502",
        {"status": 502, "body": "<html><head><title>502 Bad Gateway</title></head></html>"},
        "sending",
        True,
        True,
        "502 Bad Gateway",
    ),
    (
        "truncated_json",
        {"status": 200, "body": '{"id": 12, "status": "UNFIN'},
        "sending",
        True,
        True,
        "not JSON",
    ),
    ("wrong_shape_json", {"status": 200, "body": []}, "sending", True, True, "Unexpected answer"),
    (
        "no_id",
        {"status": 200, "body": {"status": "UNFINISHED"}},
        "sending",
        True,
        True,
        "without an id",
    ),
]


@tagged("post_install", "-at_install")
class TestHardeningRemote(ProcountorInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.invoice_attach_pdf = False

    def _clear_faults(self):
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=HELPER_TIMEOUT)

    def test_failures_of_the_post_are_stored_on_the_invoice(self):
        for name, fault, state, unknown, retryable, text in POST_FAILURES:
            with self.subTest(name):
                self._clear_faults()
                move = self.make_invoice()
                self.add_fault(kind="status", path="/invoices", method="POST", times=1, **fault)
                summary = move._procountor_send_batch()
                self.assertEqual(summary.failed, move)
                self.assertEqual(move.procountor_state, state, move.procountor_error)
                self.assertEqual(move.procountor_create_unknown, unknown)
                self.assertEqual(move.procountor_error_retryable, retryable)
                self.assertIn(text, move.procountor_error)
                self.assertNotIn("Traceback", move.procountor_error)
                # The exchange log keeps the failed call.
                self.assertFalse(self.exchanges(operation="create_invoice")[-1:].ok)

    def test_token_endpoint_garbage_stops_the_batch_on_the_connection(self):
        moves = self.make_invoice() | self.make_invoice()
        self.add_fault(kind="status", path="/oauth/token", status=200, body="<html>login</html>")
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection",
            "odoo.addons.procountor_connector.models.procountor_connection_reference",
        ):
            summary = moves._procountor_send_batch()
        self.assertEqual(summary.skipped, moves)
        self.assertEqual(set(moves.mapped("procountor_state")), {"not_sent"})
        self.assertEqual(self.connection.state, "error")
        self.assertIn("not JSON", self.connection.last_error)

    def test_token_rejected_twice_mid_batch_stops_the_batch(self):
        self.one_at_a_time()
        first, second = moves = self.make_invoice() | self.make_invoice()
        # Every POST is refused with 401, even with a freshly issued token.
        self.add_fault(kind="status", path="/invoices", method="POST", status=401)
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection",
            "odoo.addons.procountor_connector.models.procountor_connection_reference",
        ):
            summary = moves._procountor_send_batch()
        self.assertEqual(first.procountor_state, "error")
        self.assertIn("freshly issued access token", first.procountor_error)
        self.assertEqual(second.procountor_state, "not_sent")
        self.assertIn(second, summary.skipped)
        self.assertEqual(self.connection.state, "error")

    def test_malformed_reference_data_is_an_error_on_the_connection(self):
        self.add_fault(kind="status", path="/dimensions", status=200, body=[{"id": "x"}, "junk"])
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection",
            "odoo.addons.procountor_connector.models.procountor_connection_reference",
        ):
            action = self.connection.action_fetch_settings()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(self.connection.state, "error")
        self.assertIn("Unexpected answer from Procountor", self.connection.last_error)
