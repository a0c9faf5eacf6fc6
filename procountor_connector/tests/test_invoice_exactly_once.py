# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Exactly once: lost answers, crashes and concurrent senders never duplicate an invoice.

How concurrency is simulated here. A TransactionCase runs in one database transaction, so two
real Odoo workers (two transactions holding row locks and committing claims) cannot run inside
it. What makes the real workers safe is (1) the row lock taken before an invoice is looked at
and (2) the durable claim (``procountor_state = 'sending'``, ``procountor_claimed_at``,
``procountor_create_unknown``) written and committed before the POST leaves. The tests exercise
both from the point of view of the second worker:

- ``test_two_workers_interleaved``: worker B runs *while* worker A's first POST is in flight
  (B is started from inside A's HTTP call), on the same 50 invoices. B must skip the invoice A
  has claimed and may send the others; A must then skip what B sent. Inside one transaction
  B sees A's claim exactly as it would after A's commit in production.
- ``test_locked_rows_are_skipped``: the row lock of another transaction is simulated by making
  the NOWAIT lock fail (as PostgreSQL's LockNotAvailable does); those invoices are skipped
  without any HTTP call.
- The pure-Python suite (``tests/test_payloads.py::test_two_threads_create_each_invoice_once``)
  runs two real threads against the sandbox through the same ``payloads.create_once`` protocol.
"""

import datetime
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..procountor_api import payloads
from ..procountor_api.client import ProcountorClient
from .test_invoice_common import ProcountorInvoiceCase


@tagged("post_install", "-at_install")
class TestInvoiceExactlyOnce(ProcountorInvoiceCase):
    # A read timeout well below the sandbox's delay after committing the write.
    client_overrides = {"backoff_factor": 0, "timeout": (2, 0.3)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The PDF step is not what these tests are about: fewer calls, faster tests.
        cls.connection.invoice_attach_pdf = False

    def _invoices(self, count):
        moves = self.env["account.move"]
        for index in range(count):
            moves |= self.make_invoice(lines=[(self.product_desk, 1 + index % 3, 10.0 + index, 0)])
        return moves

    def assertOneRemoteEach(self, moves):
        remote = self.remote_by_number()
        for move in moves:
            self.assertEqual(
                len(remote.get(move.name, [])), 1, f"{move.name}: {remote.get(move.name)}"
            )
            self.assertEqual(move.procountor_invoice_id, remote[move.name][0]["id"])
            self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertEqual(len(self.remote_invoices()), len(moves))

    def test_timeout_after_commit_every_third_post(self):
        moves = self._invoices(15)
        self.add_fault(
            kind="timeout_after_commit", path="/invoices", method="POST", every_nth=3, seconds=0.8
        )
        first = moves._procountor_send_batch()
        self.assertEqual(len(first.failed), 5)
        for move in first.failed:
            # Procountor has it, Odoo does not know: stays "sending", looked up next time.
            self.assertEqual(move.procountor_state, "sending")
            self.assertTrue(move.procountor_create_unknown)
            self.assertFalse(move.procountor_claimed_at)
        for _round in range(5):
            if set(moves.mapped("procountor_state")) == {"sent"}:
                break
            moves._procountor_send_batch()
        self.assertOneRemoteEach(moves)
        # Every invoice was POSTed once: the unconfirmed ones were found and adopted.
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 15)
        self.assertEqual(len(self.api_calls("GET", "/invoices")), 10)  # search + read, 5 times

    def test_rerun_until_nothing_left_with_attachments(self):
        self.connection.invoice_attach_pdf = True
        moves = self._invoices(6)
        self.add_fault(
            kind="timeout_after_commit", path="/invoices", method="POST", every_nth=3, seconds=0.8
        )
        for _round in range(5):
            pending = moves.filtered(lambda move: move.procountor_state != "sent")
            if not pending:
                break
            pending._procountor_send_batch()
        self.assertOneRemoteEach(moves)
        for invoice in self.remote_invoices():
            self.assertEqual(len(invoice["attachments"]), 1)

    def test_server_error_after_commit_is_ambiguous_too(self):
        move = self._invoices(1)
        self.add_fault(kind="drop_after_commit", path="/invoices", method="POST", times=1)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sending")
        self.assertTrue(move.procountor_create_unknown)
        self.assertIn("looks it up", move.procountor_error)
        move._procountor_send_batch()
        self.assertOneRemoteEach(move)

    def test_definite_refusal_then_retry_posts_again(self):
        move = self._invoices(1)
        self.add_fault(kind="status", path="/invoices", method="POST", status=400, times=1)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertFalse(move.procountor_create_unknown)
        move._procountor_send_batch()
        self.assertOneRemoteEach(move)
        # No search was needed: the 400 proved nothing was created.
        self.assertFalse(self.api_calls("GET", "/invoices"))

    def test_crash_after_claim_is_adopted(self):
        """A worker claimed, POSTed (Procountor created it) and died before storing the id."""
        move = self._invoices(1)
        data, _problems = move._procountor_prepare(self.connection)
        with self.connection._procountor_client() as client:
            created = client.create_invoice(payloads.build_sales_invoice(data))
        stale = fields.Datetime.now() - datetime.timedelta(hours=1)
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": stale,
                "procountor_connection_id": self.connection.id,
            }
        )
        move._procountor_send_batch()
        self.assertOneRemoteEach(move)
        self.assertEqual(move.procountor_invoice_id, created["id"])
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 1, "only the dead worker's POST")
        self.assertTrue(any("adopted" in message.body for message in move.message_ids))

    def test_adopted_invoice_stays_claimed_during_its_steps(self):
        """Found by benchmarks/check_two_workers.py: the adoption is committed (releasing the
        row lock) before the PDF step; a second worker arriving then must skip the invoice,
        not attach (or approve, send) it a second time."""
        self.connection.invoice_attach_pdf = True
        move = self._invoices(1)
        data, _problems = move._procountor_prepare(self.connection)
        with self.connection._procountor_client() as client:
            client.create_invoice(payloads.build_sales_invoice(data))
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_connection_id": self.connection.id,
            }
        )
        original = ProcountorClient.upload_attachment
        worker_b = {}

        def upload_attachment(client, *args, **kwargs):
            # Worker B starts while worker A, having adopted the invoice, attaches its PDF.
            if not worker_b:
                worker_b["summary"] = move._procountor_send_batch()
            return original(client, *args, **kwargs)

        with patch.object(ProcountorClient, "upload_attachment", upload_attachment):
            summary_a = move._procountor_send_batch()
        self.assertEqual(summary_a.sent, move)
        self.assertEqual(worker_b["summary"].skipped, move, "B skips the invoice A adopted")
        self.assertOneRemoteEach(move)
        self.assertEqual(len(self.remote_invoices()[0]["attachments"]), 1)
        self.assertEqual(len(self.api_calls("POST", "/attachments")), 1)
        self.assertFalse(move.procountor_claimed_at, "the claim ends with the steps")

    def test_active_claim_of_another_worker_is_respected(self):
        move = self._invoices(1)
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": fields.Datetime.now(),
                "procountor_connection_id": self.connection.id,
            }
        )
        summary = move._procountor_send_batch()
        self.assertEqual(summary.skipped, move)
        self.assertFalse(self.sandbox_journal())

    def test_locked_rows_are_skipped(self):
        self.one_at_a_time()
        moves = self._invoices(6)
        locked = moves[::2]
        original = type(moves)._procountor_try_lock

        def try_lock(move):
            return False if move in locked else original(move)

        with patch.object(type(moves), "_procountor_try_lock", try_lock):
            summary = moves._procountor_send_batch()
        self.assertEqual(summary.skipped, locked)
        self.assertEqual(summary.sent, moves - locked)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 3)
        self.assertEqual(set(locked.mapped("procountor_state")), {"not_sent"})

    def test_two_workers_interleaved(self):
        self.one_at_a_time()
        moves = self._invoices(50)
        original = ProcountorClient.create_invoice
        worker_b = {}

        def create_invoice(client, data, **kwargs):
            # Worker B starts while worker A's first POST is on its way.
            if not worker_b:
                worker_b["started"] = True
                worker_b["summary"] = moves._procountor_send_batch()
            return original(client, data, **kwargs)

        with patch.object(ProcountorClient, "create_invoice", create_invoice):
            summary_a = moves._procountor_send_batch()
        summary_b = worker_b["summary"]
        self.assertEqual(len(summary_a.sent), 1)
        self.assertEqual(summary_b.skipped, summary_a.sent, "B skips the invoice A claimed")
        self.assertEqual(summary_a.skipped, summary_b.sent, "A skips what B sent")
        self.assertEqual(len(summary_b.sent), 49)
        self.assertOneRemoteEach(moves)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 50)
