# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Review: what happens to an invoice between the wave's claim and the stored answer."""

import datetime
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..models import account_move_send_parallel
from ..models.account_move_send_parallel import AccountMove as ParallelMove
from .test_parallel_send import ParallelSendCase


@tagged("post_install", "-at_install")
class TestReviewParallelGaps(ParallelSendCase):
    def test_cancelled_while_claimed_is_not_marked_in_procountor_unflagged(self):
        moves = self.make_invoices(2)
        original = ParallelMove._procountor_store_chain

        def user_cancels_then_store(move, connection, client, job, result):
            # An accountant cancels the invoice while its claim waits / its chain runs.
            move.button_cancel()
            return original(move, connection, client, job, result)

        with patch.object(ParallelMove, "_procountor_store_chain", user_cancels_then_store):
            moves._procountor_send_batch(from_cron=True)
        for move in moves:
            self.assertEqual(move.state, "cancel")
            # Procountor has it (sent to the customer); Odoo must at least say so.
            self.assertTrue(
                move.procountor_outdated,
                "cancelled in Odoo while being sent, but not flagged out of date",
            )

    def test_changed_while_claimed_is_flagged_out_of_date(self):
        moves = self.make_invoices(1)
        original = ParallelMove._procountor_store_chain

        def user_changes_then_store(move, connection, client, job, result):
            move.button_draft()
            move.invoice_line_ids[0].price_unit = 999.0
            move.action_post()
            return original(move, connection, client, job, result)

        with patch.object(ParallelMove, "_procountor_store_chain", user_changes_then_store):
            moves._procountor_send_batch(from_cron=True)
        self.assertEqual(moves.procountor_state, "sent")
        self.assertTrue(
            moves.procountor_outdated, "Procountor has the old amounts, Odoo says up to date"
        )

    def test_given_back_claim_does_not_erase_another_workers_claim(self):
        moves = self.make_invoices(1)
        original = ParallelMove._procountor_store_chain
        theirs = {}

        def other_worker_claims_then_store(move, connection, client, job, result):
            # The lease ran out before this batch stored the outcome; another worker
            # claimed the invoice and its POST is on its way.
            theirs["at"] = fields.Datetime.now() + datetime.timedelta(seconds=5)
            move._procountor_write(
                {
                    "procountor_state": "sending",
                    "procountor_create_unknown": True,
                    "procountor_claimed_at": theirs["at"],
                }
            )
            return original(move, connection, client, job, result)

        with (
            patch.object(account_move_send_parallel, "CLAIM_STALE", datetime.timedelta(0)),
            patch.object(ParallelMove, "_procountor_store_chain", other_worker_claims_then_store),
        ):
            moves._procountor_send_batch(from_cron=True)
        self.assertTrue(moves.procountor_create_unknown, "the other worker's POST may be out")
        self.assertEqual(moves.procountor_claimed_at, theirs["at"])

    def test_late_store_does_not_redo_another_workers_steps(self):
        self.map_receivable_to_1700()
        self.connection.invoice_accounting_rows = True
        moves = self.make_invoices(1)
        original = ParallelMove._procountor_store_chain
        done = []

        def other_worker_first(move, connection, client, job, result):
            if not done:
                done.append(True)
                # This batch's main thread reached the outcome after the lease: another
                # worker took the invoice as abandoned, adopted it and ran every step.
                move._procountor_write(
                    {"procountor_claimed_at": fields.Datetime.now() - datetime.timedelta(hours=1)}
                )
                with patch.object(ParallelMove, "_procountor_store_chain", original):
                    move._procountor_send_batch(from_cron=True)
                self.assertEqual(move.procountor_state, "sent")
            return original(move, connection, client, job, result)

        with patch.object(ParallelMove, "_procountor_store_chain", other_worker_first):
            moves._procountor_send_batch(from_cron=True)
        remote = self.remote_by_number()[moves.name]
        self.assertEqual(len(remote), 1)
        puts = [c["path"] for c in self.api_calls("PUT")]
        counts = (
            len(remote[0].get("attachments") or ()),
            len([p for p in puts if "approve" in p]),
            len([p for p in puts if p.endswith("/send")]),
            moves.procountor_state,
            moves.procountor_error,
        )
        self.assertEqual(counts[:3], (1, 1, 1), f"attachments, approves, sends, state: {counts}")
