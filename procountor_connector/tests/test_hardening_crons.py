# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Crons and batches: an unexpected error stays with its connection or invoice,
refused credentials and rate limits stop a batch, and a broken company never stops the others.
"""

import datetime

from odoo import Command, fields
from odoo.tests import tagged

from .test_invoice_common import DUE_DATE, INVOICE_DATE, ProcountorInvoiceCase

GUARD_LOGGER = "odoo.addons.procountor_connector.models.procountor_cron_guard"
CONNECTION_LOGGER = "odoo.addons.procountor_connector.models.procountor_connection"


@tagged("post_install", "-at_install")
class TestHardeningCrons(ProcountorInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The PDF step is not what these tests are about: fewer calls, faster tests.
        cls.connection.write(
            {
                "invoice_attach_pdf": False,
                "invoice_cron_enabled": True,
                "invoice_cron_date_from": False,
            }
        )

    def _invoices(self, count):
        moves = self.env["account.move"]
        for index in range(count):
            moves |= self.make_invoice(lines=[(self.product_desk, 1, 10.0 + index, 0)])
        return moves

    def assertUnexpectedErrorLogged(self, logs):
        """The guard logged an ERROR with the traceback (exc_info) in the server log."""
        errors = [record for record in logs.records if record.levelname == "ERROR"]
        self.assertTrue(errors, logs.output)
        self.assertTrue(errors[0].exc_info, "the traceback must be in the server log")

    # ------------------------------------------------------------------ point 6

    def test_fetch_cron_keeps_an_unexpected_error_on_its_connection(self):
        other = self.env["procountor.connection"].create(self._connection_vals(name="Second"))
        (self.connection | other).sudo().write({"state": "connected"})
        Connection = self.registry["procountor.connection"]
        original = Connection._procountor_fetch_settings
        broken = self.connection

        def fetch_settings(connection):
            if connection == broken:
                # A bug, or anything else nobody expected (malformed rows of an answer are
                # already a ProcountorError: test_hardening_remote).
                raise RuntimeError("unexpected")
            return original(connection)

        self.patch(Connection, "_procountor_fetch_settings", fetch_settings)
        with self.assertLogs(GUARD_LOGGER, level="ERROR") as logs:
            self.env["procountor.connection"]._cron_procountor_fetch_settings()
        self.assertUnexpectedErrorLogged(logs)
        self.assertEqual(self.connection.state, "error")
        self.assertIn("RuntimeError: unexpected", self.connection.last_error)
        self.assertEqual(other.state, "connected", other.last_error)
        self.assertTrue(other.vat_percent_ids, "the next connection was refreshed all the same")

    def test_send_cron_keeps_an_unexpected_error_on_its_invoice(self):
        first, second = self._invoices(2)
        Move = self.registry["account.move"]
        original = Move._procountor_prepare

        def prepare(move, connection, lookup=None):
            if move == first:
                raise ValueError("malformed mapping")
            return original(move, connection, lookup)

        self.patch(Move, "_procountor_prepare", prepare)
        with self.assertLogs(GUARD_LOGGER, level="ERROR") as logs:
            self.env["procountor.connection"]._cron_procountor_send_invoices()
        self.assertUnexpectedErrorLogged(logs)
        self.assertEqual(first.procountor_state, "error")
        self.assertIn("ValueError: malformed mapping", first.procountor_error)
        self.assertFalse(first.procountor_error_retryable, "a bug is not retried every run")
        self.assertEqual(second.procountor_state, "sent", second.procountor_error)
        self.assertNotEqual(self.connection.state, "error")

    # ------------------------------------------------------------------ point 8

    def test_refused_credentials_stop_the_batch_before_any_invoice(self):
        moves = self._invoices(3)
        self.connection.sudo().write({"api_key": "not-the-api-key"})
        summary = moves._procountor_send_batch()
        self.assertEqual(summary.skipped, moves)
        self.assertIn("refused the credentials", summary.stopped)
        self.assertEqual(set(moves.mapped("procountor_state")), {"not_sent"})
        self.assertFalse(any(moves.mapped("procountor_error")))
        self.assertEqual(self.connection.state, "error")
        self.assertIn("refused the credentials", self.connection.last_error)
        self.assertEqual(len(self.api_calls("POST", "/oauth/token")), 1, "one token request")
        self.assertFalse(self.api_calls(path_prefix="/invoices"))
        action = moves.action_procountor_send()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("refused the credentials", action["params"]["message"])

    def test_credentials_refused_mid_batch_stop_at_that_invoice(self):
        self.one_at_a_time()
        first, second, third = self._invoices(3)
        # The second POST finds its token expired, and the new token is refused: the API key
        # was revoked in the middle of the batch.
        self.add_fault(kind="expire_tokens", path="/invoices", method="POST", every_nth=2)
        self.add_fault(kind="status", path="/oauth/token", status=400, every_nth=2, times=1)
        summary = (first | second | third)._procountor_send_batch()
        self.assertEqual(first.procountor_state, "sent", first.procountor_error)
        self.assertEqual(second.procountor_state, "error")
        self.assertFalse(second.procountor_create_unknown, "its POST was refused: nothing made")
        self.assertTrue(second.procountor_error_retryable, "sent by the cron once fixed")
        self.assertEqual(third.procountor_state, "not_sent", "left untouched")
        self.assertIn(third, summary.skipped)
        self.assertEqual(self.connection.state, "error")
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 2)

    def test_rate_limit_pauses_the_batch_for_retry_after(self):
        self.one_at_a_time()
        first, second, third = moves = self._invoices(3)
        self.add_fault(
            kind="status", path="/invoices", method="POST", status=429, retry_after=120,
            every_nth=2, times=1,
        )  # fmt: skip
        before = fields.Datetime.now()
        summary = moves._procountor_send_batch()
        self.assertEqual(first.procountor_state, "sent", first.procountor_error)
        self.assertEqual(second.procountor_state, "error")
        self.assertTrue(second.procountor_error_retryable)
        self.assertFalse(second.procountor_create_unknown, "a 429 means nothing was created")
        self.assertEqual(third.procountor_state, "not_sent")
        self.assertIn("paused", summary.stopped)
        paused = self.connection.invoice_paused_until
        self.assertTrue(
            before + datetime.timedelta(seconds=110) <= paused,
            f"paused until {paused}, asked for 120 s",
        )
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 2, "no POST after the 429")
        # Until then nothing is sent, by hand or by the cron.
        again = moves._procountor_send_batch()
        self.assertEqual(again.skipped, moves)
        self.env["procountor.connection"]._cron_procountor_send_invoices()
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 2)
        # Afterwards the rest goes.
        self.connection.sudo().invoice_paused_until = before - datetime.timedelta(seconds=1)
        moves._procountor_send_batch()
        self.assertEqual(set(moves.mapped("procountor_state")), {"sent"})
        self.assertEqual(len(self.remote_invoices()), 3)

    def test_token_expiring_mid_batch_is_renewed_and_the_batch_goes_on(self):
        self.one_at_a_time()
        moves = self._invoices(3)
        self.add_fault(kind="expire_tokens", path="/invoices", method="POST", every_nth=2)
        summary = moves._procountor_send_batch()
        self.assertEqual(summary.sent, moves)
        self.assertFalse(summary.stopped)
        # The first token, then one renewal per expiry (the 2nd and 4th POST find it expired).
        self.assertEqual(len(self.api_calls("POST", "/oauth/token")), 3)
        self.assertNotEqual(self.connection.state, "error")

    # ------------------------------------------------------------------ done when

    def test_send_cron_over_three_companies_one_broken(self):
        from procountor_sandbox.server import start_in_thread
        from procountor_sandbox.testing import pin_calendar

        # Company B has its own Procountor company (a second sandbox).
        sandbox_b = start_in_thread(port=0)
        self.addCleanup(sandbox_b.stop)
        self.allowed_urls.append(sandbox_b.url)
        self.addCleanup(self.allowed_urls.remove, sandbox_b.url)
        pin_calendar(sandbox_b.url)
        Connection = self.env["procountor.connection"]
        data_b = self.setup_other_company(name="Yhtiö B Oy")
        data_c = self.setup_other_company(name="Yhtiö C Oy")
        connection_b = Connection.create(
            self._connection_vals(name="B", company_id=data_b["company"].id, base_url=sandbox_b.url)
        )
        connection_b.action_fetch_settings()
        connection_b.action_suggest_mappings()
        # Company C's connection worked (reference data fetched, mapped), then its API key
        # was revoked.
        connection_c = Connection.create(
            self._connection_vals(name="C", company_id=data_c["company"].id)
        )
        connection_c.action_fetch_settings()
        connection_c.action_suggest_mappings()
        connection_c.sudo().write({"api_key": "revoked-api-key", "procountor_access_token": False})
        settings = {
            "invoice_attach_pdf": False,
            "invoice_cron_enabled": True,
            "invoice_cron_date_from": False,
        }
        (connection_b | connection_c).write(settings)
        invoice_a = self.make_invoice()
        invoice_b = self._company_invoice(data_b)
        invoice_c = self._company_invoice(data_c)

        Connection._cron_procountor_send_invoices()

        self.assertEqual(invoice_a.procountor_state, "sent", invoice_a.procountor_error)
        self.assertEqual(invoice_b.procountor_state, "sent", invoice_b.procountor_error)
        self.assertEqual([row["id"] for row in self._remote(sandbox_b)], [
            invoice_b.procountor_invoice_id
        ])  # fmt: skip
        self.assertEqual(invoice_c.procountor_state, "not_sent")
        self.assertEqual(connection_c.state, "error")
        self.assertIn("refused the credentials", connection_c.last_error)
        self.assertNotEqual(self.connection.state, "error")

    def _remote(self, sandbox):
        import requests

        response = requests.get(f"{sandbox.url}/_sandbox/invoices", timeout=10)
        response.raise_for_status()
        return response.json()

    def _company_invoice(self, company_data):
        company = company_data["company"]
        company.partner_id.write({"street": "Katu 2", "zip": "00200", "city": "Espoo"})
        tax = (
            self.env["account.chart.template"].with_company(company).ref("tax_dom_sales_goods_25_5")
        )
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer_fi.id,
                    "invoice_date": INVOICE_DATE,
                    "invoice_date_due": DUE_DATE,
                    "journal_id": company_data["default_journal_sale"].id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Konsultointi",
                                "quantity": 1,
                                "price_unit": 100.0,
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move
