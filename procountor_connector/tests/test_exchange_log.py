# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..procountor_api.client import Exchange
from .common import ProcountorTestCommon, closed_port_url

CONNECTION_LOGGER = "odoo.addons.procountor_connector.models.procountor_connection"


@tagged("post_install", "-at_install")
class TestExchangeLog(ProcountorTestCommon):
    def test_one_exchange_per_call_success_and_failure(self):
        self.connection.action_test_connection()
        self.fetch_settings()
        self.add_fault(path="/company", kind="status", status=403, times=1)
        with mute_logger(CONNECTION_LOGGER):
            self.connection.action_test_connection()
        journal = self.sandbox_journal()
        exchanges = self.exchanges()
        self.assertEqual(
            len(exchanges), len(journal), "one log entry per API call the sandbox received"
        )
        self.assertEqual(
            [exchange.path.split("?")[0] for exchange in exchanges],
            [entry["path"] for entry in journal],
        )
        failed = exchanges.filtered(lambda exchange: not exchange.ok)
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed.status, 403)
        self.assertEqual(failed.operation, "get_company")
        self.assertTrue(failed.error_message)
        self.assertTrue(all(exchange.duration_ms >= 0 for exchange in exchanges))
        self.assertTrue(all(exchange.company_id == self.company for exchange in exchanges))
        self.assertTrue(
            exchanges.filtered(lambda exchange: exchange.operation == "get_company")[
                0
            ].response_body
        )

    def test_error_codes_are_stored(self):
        errors = {"errors": [{"status": 400, "field": "x", "message": "SOME_CODE"}]}
        self.add_fault(path="/company", kind="status", status=400, body=errors, times=1)
        with mute_logger(CONNECTION_LOGGER):
            self.connection.action_test_connection()
        failed = self.exchanges(operation="get_company")
        self.assertEqual(failed.error_codes, "SOME_CODE")
        self.assertIn("SOME_CODE", self.connection.last_error)

    def test_exchange_for_unreachable_host(self):
        url = closed_port_url()
        self.allowed_urls.append(url)
        self.addCleanup(self.allowed_urls.remove, url)
        self.connection.base_url = url
        with mute_logger(CONNECTION_LOGGER, "urllib3.connectionpool"):
            self.connection.action_fetch_settings()
        self.assertEqual(len(self.exchanges()), 1)
        self.assertFalse(self.exchanges().ok)

    def test_exchange_linked_to_any_record(self):
        partner = self.partner_a
        with self.connection._procountor_client(record=partner) as client:
            client.get_status()
        exchange = self.exchanges(operation="get_status")
        self.assertEqual((exchange.res_model, exchange.res_id), ("res.partner", partner.id))
        action = exchange.action_open_related_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", partner.id))

    def test_bodies_are_capped(self):
        huge = "x" * 100000
        exchange = Exchange(
            operation="test",
            method="GET",
            url="u",
            path="/p",
            status=200,
            duration_ms=1,
            request_body=huge,
            response_body=huge,
            ok=True,
        )
        self.connection._procountor_log_exchange(exchange)
        stored = self.exchanges(operation="test")
        self.assertLessEqual(len(stored.request_body), 20000)
        self.assertLessEqual(len(stored.response_body), 20000)
        self.assertIn("truncated", stored.response_body)

    def test_smart_button(self):
        self.connection.action_test_connection()
        self.connection.invalidate_recordset(["procountor_exchange_count"])
        self.assertEqual(self.connection.procountor_exchange_count, 2)
        action = self.connection.action_procountor_view_exchanges()
        self.assertEqual(action["res_model"], "procountor.exchange")
        self.assertEqual(self.env["procountor.exchange"].search(action["domain"]), self.exchanges())

    def test_cleanup_cron(self):
        self.connection.action_test_connection()
        old, recent = self.exchanges()
        self.connection.procountor_log_retention_days = 30
        self.env.cr.execute(
            "UPDATE procountor_exchange SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=31), old.id],
        )
        self.env.invalidate_all()
        self.env["procountor.exchange"]._cron_procountor_cleanup_exchanges()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())
