# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sending with parallel HTTP (``account_move_send_parallel.py``): every guarantee of
sending one at a time holds when a batch's requests run in worker threads. Exactly once,
also after a timeout, a 5xx or a crash between the claim and the stored answer; a 429 slows
the whole connection and a long one ends the run with nothing lost; refused credentials
claim nothing; the log links each call to its invoice; the cron's limit and second worker."""

import datetime
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import account_move_send_parallel
from ..models.account_move_send_parallel import AccountMove as ParallelMove
from ..procountor_api import in_run
from .test_invoice_common import ProcountorInvoiceCase


class ParallelSendCase(ProcountorInvoiceCase):
    """A connection sending with 4 requests at once and every step; waits are counted."""

    client_overrides = {"backoff_factor": 0, "timeout": (2, 0.3)}
    in_run_attempts = in_run.ATTEMPTS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.write(
            {
                "procountor_max_in_flight": 4,
                # Fast enough for tests, still a limit the throttle keeps.
                "procountor_requests_per_second": 200,
                "invoice_attach_pdf": True,
                "invoice_approve": True,
                "invoice_send": True,
                "invoice_cron_enabled": True,
                "invoice_cron_date_from": False,
            }
        )

    def setUp(self):
        super().setUp()
        self.slept = []
        patcher = patch.object(in_run, "_sleep", self.slept.append)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.connection._procountor_throttle().resume()


@tagged("post_install", "-at_install")
class TestParallelSend(ParallelSendCase):
    def assertOneRemoteEach(self, moves, steps=True):
        remote = self.remote_by_number()
        for move in moves:
            self.assertEqual(move.procountor_state, "sent", move.procountor_error)
            found = remote.get(move.name, [])
            self.assertEqual(len(found), 1, found)
            self.assertEqual(move.procountor_invoice_id, found[0]["id"])
            if steps:
                self.assertEqual(move.procountor_step, "sent")
                self.assertEqual(found[0]["status"], "SENT")
                self.assertEqual(len(found[0].get("attachments") or ()), 1, move.name)
        self.assertEqual(len(self.remote_invoices()), len(moves))

    # ------------------------------------------------------------------ exactly once

    def test_each_invoice_reaches_procountor_once_with_every_step(self):
        moves = self.make_invoices(10)
        throttle = self.connection._procountor_throttle()
        started = throttle.started
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, moves)
        self.assertOneRemoteEach(moves)
        for path in ("/invoices", "/attachments"):
            self.assertEqual(len(self.api_calls("POST", path)), 10, path)
        self.assertEqual(len([c for c in self.api_calls("PUT") if "approve" in c["path"]]), 10)
        self.assertEqual(len([c for c in self.api_calls("PUT") if c["path"].endswith("/send")]), 10)
        self.assertGreaterEqual(throttle.started - started, 40, "every call went through it")
        self.assertLessEqual(throttle.most_in_flight, 4)
        self.assertFalse(any(moves.mapped("procountor_claimed_at")), "claims end when sent")

    def test_log_links_each_call_to_its_invoice(self):
        moves = self.make_invoices(4)
        moves._procountor_send_batch(from_cron=True)
        for move in moves:
            posts = self.exchanges(operation="create_invoice", res_id=move.id)
            self.assertEqual(len(posts), 1, move.name)
            self.assertEqual(posts.res_model, "account.move")
            self.assertIn(move.name, posts.request_body)
            self.assertEqual(len(self.exchanges(operation="send_invoice", res_id=move.id)), 1)

    def test_timeout_after_commit_is_adopted_in_the_same_run(self):
        moves = self.make_invoices(4)
        self.add_fault(
            kind="timeout_after_commit", path="/invoices", method="POST", every_nth=2,
            times=2, seconds=0.8,
        )  # fmt: skip
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, moves)
        self.assertOneRemoteEach(moves)
        self.assertFalse(any(moves.mapped("procountor_create_unknown")))
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 4, "nothing POSTed twice")
        adopted = moves.filtered(
            lambda move: any("adopted" in (m.body or "") for m in move.message_ids)
        )
        self.assertEqual(len(adopted), 2)

    def test_server_error_on_create_is_looked_up_then_created(self):
        moves = self.make_invoices(3)
        self.add_fault(kind="status", path="/invoices", method="POST", status=503, times=1)
        moves._procountor_send_batch(from_cron=True)
        self.assertOneRemoteEach(moves)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 4)

    def test_server_error_on_approve_is_tried_again_once(self):
        moves = self.make_invoices(3)
        self.add_fault(kind="status", path="/invoices/*/approve", method="PUT", status=503, times=1)
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, moves)
        self.assertOneRemoteEach(moves)
        self.assertEqual(self.slept, [in_run.BACKOFF], "the 5xx was waited out once")
        # Every invoice approved and sent once, the refused request once more.
        puts = self.api_calls("PUT", "/invoices/")
        self.assertEqual(len(puts), 3 * 2 + 1)

    def test_crash_after_the_claim_is_recovered_without_a_second_invoice(self):
        moves = self.make_invoices(4)

        def crash(move, connection, client, job, result):
            # The process died after Procountor answered, before anything was stored.
            return "skipped", ""

        with patch.object(ParallelMove, "_procountor_store_chain", crash):
            moves._procountor_send_batch(from_cron=True)
        self.assertEqual(set(moves.mapped("procountor_state")), {"sending"})
        self.assertTrue(all(moves.mapped("procountor_create_unknown")))
        self.assertEqual(len(self.remote_invoices()), 4)
        # The lease of the dead worker ends; the next run looks each invoice up.
        moves._procountor_write(
            {"procountor_claimed_at": fields.Datetime.now() - datetime.timedelta(hours=1)}
        )
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, moves)
        self.assertOneRemoteEach(moves)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 4, "adopted, not created again")
        self.assertEqual(len(self.api_calls("POST", "/attachments")), 4, "no second PDF")

    def test_active_claims_of_another_worker_are_left_to_it(self):
        moves = self.make_invoices(4)
        theirs = moves[:2]
        theirs._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": fields.Datetime.now(),
                "procountor_connection_id": self.connection.id,
            }
        )
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.skipped, theirs)
        self.assertEqual(summary.sent, moves - theirs)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 2)

    # ------------------------------------------------------------------ rate limits, credentials

    def test_short_retry_after_is_waited_out_by_the_whole_connection(self):
        moves = self.make_invoices(5)
        self.add_fault(
            kind="status", path="/invoices", method="POST", status=429, retry_after=1,
            every_nth=2, times=2,
        )  # fmt: skip
        throttle = self.connection._procountor_throttle()
        pauses = throttle.pauses
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertFalse(summary.stopped)
        self.assertEqual(summary.sent, moves)
        self.assertOneRemoteEach(moves)
        self.assertEqual(throttle.pauses - pauses, 2, "each 429 paused the connection")
        self.assertFalse(self.connection.invoice_paused_until)

    def test_long_retry_after_ends_the_run_and_loses_nothing(self):
        moves = self.make_invoices(8)
        self.add_fault(
            kind="status", path="/invoices", method="POST", status=429, retry_after=600,
            every_nth=2, times=1,
        )  # fmt: skip
        before = fields.Datetime.now()
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertIn("paused", summary.stopped)
        self.assertGreaterEqual(
            self.connection.invoice_paused_until, before + datetime.timedelta(seconds=590)
        )
        created = moves.filtered("procountor_invoice_id")
        refused = moves.filtered(
            lambda move: move.procountor_state == "error" and not move.procountor_invoice_id
        )
        waiting = moves - created - refused
        self.assertEqual(len(refused), 1, "the invoice whose POST met the 429")
        self.assertTrue(refused.procountor_error_retryable)
        self.assertFalse(refused.procountor_create_unknown, "a 429 created nothing")
        # Created before the pause: their steps wait for the next run (resumed, not redone).
        for move in created.filtered(lambda move: move.procountor_state != "sent"):
            self.assertEqual(move.procountor_state, "error")
            self.assertTrue(move.procountor_error_retryable)
        self.assertEqual(set(waiting.mapped("procountor_state")), {"not_sent"})
        self.assertFalse(any(waiting.mapped("procountor_create_unknown")), "claims given back")
        self.assertFalse(any(waiting.mapped("procountor_claimed_at")))
        self.assertEqual(len(self.remote_invoices()), len(created))
        # When the pause is over the rest goes, each once.
        self.connection.sudo().invoice_paused_until = before - datetime.timedelta(seconds=1)
        moves._procountor_send_batch(from_cron=True)
        self.assertOneRemoteEach(moves)

    def test_refused_credentials_claim_nothing(self):
        moves = self.make_invoices(3)
        self.connection.sudo().client_secret = "wrong"
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertIn("refused the credentials", summary.stopped)
        self.assertEqual(summary.skipped, moves)
        self.assertEqual(set(moves.mapped("procountor_state")), {"not_sent"})
        self.assertFalse(any(moves.mapped("procountor_claimed_at")))
        self.assertFalse(self.api_calls(path_prefix="/invoices"))

    def test_expired_token_is_renewed_once_and_kept_on_the_connection(self):
        moves = self.make_invoices(6)
        self.add_fault(kind="expire_tokens", path="/invoices", method="POST", every_nth=3, times=1)
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, moves)
        self.assertOneRemoteEach(moves)
        tokens = self.api_calls("POST", "/oauth/token")
        self.assertEqual(len(tokens), 2, "the first token and one renewal")
        last = self.exchanges(operation="fetch_token")[-1:]
        self.assertTrue(last.ok)
        self.assertTrue(self.connection.sudo().procountor_access_token)

    # ------------------------------------------------------------------ mixed batches, cron

    def test_accounting_rows_run_in_the_batch_thread(self):
        self.map_receivable_to_1700()
        self.connection.invoice_accounting_rows = True
        moves = self.make_invoices(3)
        summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.sent, moves, moves.mapped("procountor_error"))
        self.assertOneRemoteEach(moves)
        self.assertEqual(len(self.api_calls("PUT", "/ledgerreceipts/")), 3, "each page once")
        for move in moves:
            self.assertEqual(
                len(self.exchanges(operation="update_ledger_receipt", res_id=move.id)), 1
            )
        moves._procountor_send_batch(from_cron=True)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 3, "nothing created twice")

    def test_cron_sends_its_batch_size_and_wakes_the_second_worker(self):
        self.connection.invoice_batch_size = 3
        moves = self.make_invoices(7)
        worker = self.env.ref("procountor_connector.ir_cron_procountor_send_invoices_worker_2")
        worker.active = True
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search_count([("cron_id", "=", worker.id)])
        self.env["procountor.connection"]._cron_procountor_send_invoices()
        self.assertEqual(len(moves.filtered(lambda move: move.procountor_state == "sent")), 3)
        self.assertEqual(Trigger.search_count([("cron_id", "=", worker.id)]), triggers + 1)
        # A worker whose first candidates are claimed by another takes the next ones.
        waiting = moves.filtered(lambda move: move.procountor_state == "not_sent")
        waiting[:3]._procountor_write(
            {"procountor_claimed_at": fields.Datetime.now(), "procountor_state": "sending"}
        )
        self.env["procountor.connection"]._cron_procountor_send_invoices()
        self.assertEqual(set(waiting[3:].mapped("procountor_state")), {"sent"})

    def test_request_limits_must_be_positive(self):
        for vals in ({"procountor_max_in_flight": 0}, {"procountor_requests_per_second": -1}):
            with (
                self.subTest(vals=vals),
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.errors.CheckViolation),
                self.env.cr.savepoint(),
            ):
                self.connection.write(vals)
                self.connection.flush_recordset()
        self.connection.procountor_requests_per_second = 0
        self.assertEqual(self.connection._procountor_per_second(), 20.0)
        self.connection.environment = "test"
        self.assertEqual(self.connection._procountor_per_second(), 1.4)

    def test_claims_waiting_too_long_for_a_worker_are_given_back(self):
        moves = self.make_invoices(3)
        with patch.object(account_move_send_parallel, "CLAIM_STALE", datetime.timedelta(0)):
            summary = moves._procountor_send_batch(from_cron=True)
        self.assertEqual(summary.skipped, moves)
        self.assertEqual(set(moves.mapped("procountor_state")), {"not_sent"})
        self.assertFalse(any(moves.mapped("procountor_claimed_at")))
        self.assertFalse(any(moves.mapped("procountor_create_unknown")))
        self.assertFalse(self.api_calls("POST", "/invoices"))
