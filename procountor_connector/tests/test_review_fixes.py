# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Regression tests of defects found in review of the Odoo side."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .test_invoice_common import ProcountorInvoiceCase


@tagged("post_install", "-at_install")
class TestReviewFixes(ProcountorInvoiceCase):
    def _cron_progress(self):
        """Run the send cron; returns the progress it notified."""
        notified = {}

        def notify(cron, *, done, remaining, deactivate=False):
            notified.update(done=done, remaining=remaining)

        with patch.object(type(self.env["ir.cron"]), "_notify_progress", notify):
            self.env["procountor.connection"]._cron_procountor_send_invoices()
        return notified

    def test_cron_does_not_spin_on_an_active_claim(self):
        """An invoice another worker is sending (claim within its lease) is not work for the
        cron: reported as remaining, it made the cron runner call again at once, ten batches
        per run and rescheduled ASAP, until the 15-minute lease ended."""
        self.connection.invoice_cron_enabled = True
        self.connection.invoice_cron_date_from = False
        move = self.make_invoice()
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": fields.Datetime.now(),
                "procountor_connection_id": self.connection.id,
            }
        )
        self.assertEqual(self._cron_progress(), {"done": 0, "remaining": 0})
        self.assertFalse(self.sandbox_journal())
        # Once the lease is over, the abandoned claim is taken up again.
        move._procountor_write(
            {"procountor_claimed_at": fields.Datetime.now() - timedelta(minutes=16)}
        )
        self.assertEqual(self._cron_progress(), {"done": 1, "remaining": 0})
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)

    def test_cron_counts_locked_invoices_as_no_progress(self):
        """Invoices skipped because another transaction holds their row are not "done"."""
        self.connection.invoice_cron_enabled = True
        self.connection.invoice_cron_date_from = False
        move = self.make_invoice()
        Move = type(move)
        # Held by another transaction: as one at a time sees it (NOWAIT) and as a wave of
        # parallel sending sees it (SKIP LOCKED).
        with (
            patch.object(Move, "_procountor_try_lock", lambda record: False),
            patch.object(Move, "_procountor_lock_skipping", lambda records: records.browse()),
        ):
            progress = self._cron_progress()
        self.assertEqual(progress["done"], 0)
        self.assertEqual(move.procountor_state, "not_sent")

    def test_update_replaces_the_pdf_instead_of_adding_one(self):
        """Updating a changed invoice in Procountor must not leave the old PDF next to the new
        one: both are sent with the invoice, and the old one shows the old amounts."""
        move = self.make_invoice()
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.repost_with_price(move, 120.0)
        self.assertTrue(move.procountor_outdated)
        move._procountor_send_batch()
        self.assertFalse(move.procountor_outdated, move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual(len(remote["attachments"]), 1, remote["attachments"])
        self.assertEqual(len(self.api_calls("POST", "/attachments")), 2)
        self.assertEqual(len(self.api_calls("DELETE", "/attachments/")), 1)

    def test_moved_connection_stops_being_the_old_company_default(self):
        """A company's default connection must belong to it (res.company constraint); moving a
        connection to another company left the old company's default pointing to it."""
        Company = self.env["res.company"]
        company_x, company_y = Company.create({"name": "X Oy"}), Company.create({"name": "Y Oy"})
        connection = self.env["procountor.connection"].create(
            self._connection_vals(name="Movable", company_id=company_x.id)
        )
        self.assertEqual(company_x.procountor_connection_id, connection)
        connection.company_id = company_y
        self.assertFalse(company_x.procountor_connection_id)
        company_y.procountor_connection_id = connection  # still allowed for its new company
