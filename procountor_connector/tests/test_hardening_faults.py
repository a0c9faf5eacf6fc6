# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Transient faults slow a run down, they do not end it (``procountor_api.in_run``): a short
Retry-After is waited out, a 5xx on a step is tried again after re-reading the invoice, an
unconfirmed POST is looked up in the same run; a long Retry-After still pauses the
connection. The invoices are sent as the cron sends them (``from_cron=True``)."""

import datetime
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..procountor_api import in_run
from .test_invoice_common import ProcountorInvoiceCase


@tagged("post_install", "-at_install")
class TestHardeningFaults(ProcountorInvoiceCase):
    # A read timeout well below the sandbox's delay after committing the write.
    client_overrides = {"backoff_factor": 0, "timeout": (2, 0.3)}
    in_run_attempts = in_run.ATTEMPTS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write(
            {
                "invoice_attach_pdf": False,
                "invoice_cron_enabled": True,
                "invoice_cron_date_from": False,
            }
        )

    def setUp(self):
        super().setUp()
        # Waits are counted, not slept: the sandbox's faults do not depend on time.
        self.slept = []
        patcher = patch.object(in_run, "_sleep", self.slept.append)
        patcher.start()
        self.addCleanup(patcher.stop)

    def assertOneRemoteEach(self, moves):
        remote = self.remote_by_number()
        for move in moves:
            self.assertEqual(move.procountor_state, "sent", move.procountor_error)
            self.assertEqual(len(remote.get(move.name, [])), 1, remote.get(move.name))
            self.assertEqual(move.procountor_invoice_id, remote[move.name][0]["id"])
        self.assertEqual(len(self.remote_invoices()), len(moves))

    def test_short_retry_after_mid_batch_is_waited_out(self):
        self.one_at_a_time()
        moves = self.make_invoices(5)
        self.add_fault(
            kind="status", path="/invoices", method="POST", status=429, retry_after=1,
            every_nth=2, times=2,
        )  # fmt: skip
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertFalse(summary.stopped)
        self.assertEqual(summary.sent, moves)
        self.assertFalse(self.connection.invoice_paused_until)
        self.assertOneRemoteEach(moves)
        self.assertEqual(self.slept, [1, 1])
        self.assertEqual(summary.retry.retries, 2)
        # A 429 created nothing: the invoice was POSTed again without a search.
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 7)
        self.assertFalse(self.api_calls("GET", "/invoices"))

    def test_cron_run_completes_through_short_rate_limits(self):
        moves = self.make_invoices(4)
        self.add_fault(
            kind="status", path="/invoices", method="POST", status=429, retry_after=1,
            every_nth=3,
        )  # fmt: skip
        self.env["procountor.connection"]._cron_procountor_send_invoices()
        self.assertOneRemoteEach(moves)
        self.assertFalse(self.connection.invoice_paused_until)

    def test_server_error_on_approve_is_tried_again(self):
        self.one_at_a_time()
        self.connection.invoice_approve = True
        moves = self.make_invoices(2)
        self.add_fault(kind="status", path="/invoices/*/approve", method="PUT", status=503, times=1)
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, moves)
        self.assertOneRemoteEach(moves)
        for invoice in self.remote_invoices():
            self.assertEqual(invoice["status"], "NOT_SENT")
        self.assertEqual(moves.mapped("procountor_step"), ["approved", "approved"])
        # Created once each; the new attempt re-read the invoice before approving it.
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 2)
        approvals = [call["status"] for call in self.api_calls("PUT") if "approve" in call["path"]]
        self.assertEqual(approvals, [503, 200, 200])
        self.assertEqual(self.slept, [in_run.BACKOFF])

    def test_timeout_after_commit_is_adopted_in_the_same_run(self):
        move = self.make_invoices(1)
        self.add_fault(
            kind="timeout_after_commit", path="/invoices", method="POST", times=1, seconds=0.8
        )
        summary = move._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, move)
        self.assertOneRemoteEach(move)
        self.assertFalse(move.procountor_create_unknown)
        # One POST: the unconfirmed one was found by its number, never sent again.
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 1)
        self.assertTrue(self.api_calls("GET", "/invoices"))

    def test_server_error_on_create_is_looked_up_then_created(self):
        move = self.make_invoices(1)
        self.add_fault(kind="status", path="/invoices", method="POST", status=503, times=1)
        move._procountor_send_batch(from_cron=True)
        self.assertOneRemoteEach(move)
        # The 503 left the POST unconfirmed: searched (nothing), then POSTed once more.
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 2)
        self.assertEqual(len(self.api_calls("GET", "/invoices")), 1)

    def test_long_retry_after_pauses_the_connection(self):
        self.one_at_a_time()
        moves = self.make_invoices(3)
        self.add_fault(
            kind="status", path="/invoices", method="POST", status=429, retry_after=600,
            every_nth=2, times=1,
        )  # fmt: skip
        before = fields.Datetime.now()
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertIn("paused", summary.stopped)
        self.assertEqual(moves.mapped("procountor_state"), ["sent", "error", "not_sent"])
        self.assertGreaterEqual(
            self.connection.invoice_paused_until, before + datetime.timedelta(seconds=590)
        )
        self.assertFalse(self.slept)

    def test_repeated_short_rate_limits_end_in_a_pause(self):
        self.one_at_a_time()
        moves = self.make_invoices(2)
        self.add_fault(kind="status", path="/invoices", method="POST", status=429, retry_after=1)
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertIn("paused", summary.stopped)
        self.assertEqual(len(self.slept), in_run.ATTEMPTS - 1)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), in_run.ATTEMPTS)
        self.assertFalse(self.remote_invoices())

    def test_the_wait_of_a_run_is_bounded(self):
        moves = self.make_invoices(4)
        self.add_fault(kind="status", path="/invoices", method="POST", status=503)
        with patch.object(in_run, "RUN_WAIT_MAX", 2.0):
            summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.failed, moves)
        self.assertLessEqual(sum(self.slept), 2.0)
        for move in moves:
            # As before: unconfirmed, looked up by the cron after its retry delay.
            self.assertEqual(move.procountor_state, "sending")
            self.assertTrue(move.procountor_create_unknown)
            self.assertTrue(move.procountor_error_retryable)
