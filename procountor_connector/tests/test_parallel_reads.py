# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The payment fetch and the bill import with their reads in worker threads (more than one
request at once), against the sandbox: the same outcome as one request at a time."""

import threading

import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import procountor_connection_bill
from ..procountor_api import const
from ..procountor_api.client import ProcountorClient
from .test_bill_import import BillImportCase
from .test_payment_fetch import TOTAL, ProcountorPaymentCase

WORKER_PREFIX = "procountor-http"


class ThreadsSeen:
    """Which threads called the client's ``names`` (wrapping them on ``ProcountorClient``)."""

    def __init__(self, case, *names):
        self.calls = {name: [] for name in names}
        lock = threading.Lock()
        for name in names:
            original = getattr(ProcountorClient, name)

            def wrapper(client, *args, _original=original, _name=name, **kwargs):
                with lock:
                    self.calls[_name].append(threading.current_thread().name)
                return _original(client, *args, **kwargs)

            case.patch(ProcountorClient, name, wrapper)

    def in_workers(self, name):
        threads = self.calls[name]
        return bool(threads) and all(thread.startswith(WORKER_PREFIX) for thread in threads)

    def in_main(self, name):
        threads = self.calls[name]
        return bool(threads) and not any(thread.startswith(WORKER_PREFIX) for thread in threads)


@tagged("post_install", "-at_install")
class TestParallelPaymentReads(ProcountorPaymentCase):
    def setUp(self):
        super().setUp()
        self.connection.sudo().procountor_max_in_flight = 4
        # Batches of two invoices: several batch reads in one run.
        self.patch(const, "BATCH_IDS_MAX", 2)

    def _invoices(self, count):
        moves = self.env["account.move"]
        for _index in range(count):
            moves |= self.sent_invoice()
        return moves

    def test_each_payment_registered_once_partials_included(self):
        moves = self._invoices(6)
        full, part, unpaid = moves[:3], moves[3:5], moves[5]
        for move in full:
            self.pay(move, TOTAL)
        for move in part:
            self.pay(move, 50.0)
        seen = ThreadsSeen(self, "get_invoices", "get_invoice_payment_events")
        action = self.fetch(moves, "cron")
        self.assertIsNone(action)
        self.assertTrue(seen.in_workers("get_invoices"), seen.calls)
        self.assertTrue(seen.in_workers("get_invoice_payment_events"), seen.calls)
        # One read per paid invoice, none for the unpaid one.
        self.assertEqual(len(seen.calls["get_invoice_payment_events"]), 5)
        for move in full:
            self.assertIn(move.payment_state, ("paid", "in_payment"))
            self.assertEqual(len(self.procountor_payments(move)), 1)
        for move in part:
            self.assertEqual(move.payment_state, "partial")
            self.assertAlmostEqual(move.amount_residual, TOTAL - 50.0)
            self.assertEqual(len(self.procountor_payments(move)), 1)
        self.assertEqual(unpaid.payment_state, "not_paid")
        self.assertFalse(self.procountor_payments(unpaid))
        # The rest of the partial ones, and a run that finds everything booked already.
        for move in part:
            self.pay(move, TOTAL - 50.0, "2026-03-12")
        self.fetch(moves, "cron")
        self.fetch(moves, "list")
        for move in full | part:
            self.assertIn(move.payment_state, ("paid", "in_payment"))
        for move in part:
            self.assertEqual(sorted(self.procountor_payments(move).mapped("amount")), [50.0, 75.5])
        events = self.env["account.payment"].search(
            [("procountor_connection_id", "=", self.connection.id)]
        )
        self.assertEqual(len(events), 7)
        self.assertEqual(len(set(events.mapped("procountor_payment_event_id"))), 7)

    def test_failed_event_read_is_stored_on_that_invoice_only(self):
        moves = self._invoices(4)
        for move in moves:
            self.pay(move, TOTAL)
        broken = moves[2]
        self.add_fault(
            kind="status",
            path=f"/invoices/{broken.procountor_invoice_id}/paymentevents",
            status=503,
        )
        seen = ThreadsSeen(self, "get_invoice_payment_events")
        with mute_logger("odoo.addons.procountor_connector.procountor_api.client"):
            action = self.fetch(moves)
        self.assertTrue(seen.in_workers("get_invoice_payment_events"), seen.calls)
        self.assertIn("3 registered", action["params"]["message"])
        self.assertIn("1 failed", action["params"]["message"])
        self.assertEqual(broken.payment_state, "not_paid")
        self.assertTrue(broken.procountor_payment_message)
        self.assertFalse(self.procountor_payments(broken))
        for move in moves - broken:
            self.assertIn(move.payment_state, ("paid", "in_payment"))
            self.assertFalse(move.procountor_payment_message)
            self.assertEqual(len(self.procountor_payments(move)), 1)
        # Procountor answers again: the next run books it, once.
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=10)
        self.fetch(moves)
        self.assertIn(broken.payment_state, ("paid", "in_payment"))
        self.assertEqual(len(self.procountor_payments(broken)), 1)

    def test_exchange_log_links_each_read_to_its_invoice(self):
        moves = self._invoices(3)
        for move in moves:
            self.pay(move, 20.0)
        before = self.exchanges()
        self.fetch(moves)
        logged = self.exchanges() - before
        reads = logged.filtered(lambda e: e.operation == "get_invoice_payment_events")
        self.assertEqual(len(reads), 3)
        for read in reads:
            self.assertEqual(read.res_model, "account.move")
            move = self.env["account.move"].browse(read.res_id)
            self.assertEqual(read.path, f"/invoices/{move.procountor_invoice_id}/paymentevents")
        batches = logged.filtered(lambda e: e.operation == "get_invoices")
        self.assertEqual(len(batches), 2)  # 3 invoices, batches of 2
        self.assertFalse(any(batches.mapped("res_id")))

    def test_one_request_at_a_time_reads_in_the_run_thread(self):
        self.one_at_a_time()
        moves = self._invoices(2)
        for move in moves:
            self.pay(move, TOTAL)
        seen = ThreadsSeen(self, "get_invoices", "get_invoice_payment_events")
        self.fetch(moves)
        self.assertTrue(seen.in_main("get_invoices"), seen.calls)
        self.assertTrue(seen.in_main("get_invoice_payment_events"), seen.calls)
        for move in moves:
            self.assertEqual(len(self.procountor_payments(move)), 1)


@tagged("post_install", "-at_install")
class TestParallelBillReads(BillImportCase):
    def setUp(self):
        super().setUp()
        self.connection.sudo().procountor_max_in_flight = 4
        # Chunks of four: several chunk reads in one run.
        self.patch(procountor_connection_bill, "BATCH", 4)

    def test_each_bill_imported_once_with_its_file(self):
        self.connection.bill_import_attach_image = True
        invoices = self.seed(11)
        seen = ThreadsSeen(self, "get_invoices", "get_attachment", "get_invoice_image")
        before = self.exchanges()
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending, summary.failed), (11, 0, 0))
        self.assertTrue(seen.in_workers("get_invoices"), seen.calls)
        self.assertTrue(seen.in_workers("get_attachment"), seen.calls)
        self.assertTrue(seen.in_workers("get_invoice_image"), seen.calls)
        self.assertEqual(len(seen.calls["get_invoices"]), 3)  # 11 bills, chunks of 4
        bills = self.bills()
        self.assertEqual(len(bills), 11)
        self.assertEqual(sorted(bills.mapped("procountor_bill_id")), sorted(invoices))
        for bill in bills:
            files = self.env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", bill.id)]
            )
            self.assertEqual(len(files), 1)
            index = sorted(invoices).index(bill.procountor_bill_id)
            if index % 10 == 0:
                self.assertEqual(files.name, f"lasku-{index:05d}.pdf")
                self.assertTrue(files.raw.startswith(b"%PDF"))
            else:
                self.assertTrue(files.raw.startswith(b"\x89PNG"))
            self.assertEqual(bill.message_main_attachment_id, files)
            self.assert_bill_matches(bill, invoices[bill.procountor_bill_id])
        # Every read is in the log, linked to the connection as the run's own calls are.
        logged = self.exchanges() - before
        file_reads = logged.filtered(
            lambda e: e.operation in ("get_attachment", "get_invoice_image")
        )
        self.assertEqual(len(file_reads), 11)
        self.assertEqual(set(file_reads.mapped("res_model")), {"procountor.connection"})
        self.assertEqual(set(file_reads.mapped("res_id")), {self.connection.id})
        # A second run imports nothing again.
        summary = self.fetch()
        self.assertEqual(summary.imported, 0)
        self.assertEqual(len(self.bills()), 11)

    def test_file_read_failure_leaves_that_bill_pending(self):
        self.seed(6)
        self.add_fault(kind="status", path="/attachments/*", status=503, times=4)
        with mute_logger("odoo.addons.procountor_connector.procountor_api.client"):
            summary = self.fetch()
        # The first bill has the only file: it waits, the others are imported.
        self.assertEqual((summary.imported, summary.pending), (5, 1))
        self.assertIn("files", self.connection.bill_pending_ids.reason)
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (1, 0))
        self.assertEqual(len(self.bills()), 6)

    def test_chunk_read_failure_stops_the_run_there(self):
        ids = sorted(self.seed(9))
        # The second chunk read (ids 5-8) fails every time: the first chunk is imported, the
        # run stops and the mark stays.
        second = ",".join(str(i) for i in ids[4:8])
        self.add_fault(kind="status", path=f"/invoices/{second}", method="GET", status=503)
        with mute_logger("odoo.addons.procountor_connector.procountor_api.client"):
            summary = self.fetch()
        self.assertEqual((summary.imported, summary.failed), (4, 1))
        self.assertTrue(self.connection.bill_import_error)
        self.assertFalse(self.connection.bill_import_version)
        self.assertEqual(
            sorted(self.bills().mapped("procountor_bill_id")), ids[:4], "the first chunk only"
        )

    def test_one_request_at_a_time_reads_in_the_run_thread(self):
        self.one_at_a_time()
        self.seed(3)
        seen = ThreadsSeen(self, "get_invoices", "get_attachment")
        summary = self.fetch()
        self.assertEqual(summary.imported, 3)
        self.assertTrue(seen.in_main("get_invoices"), seen.calls)
        self.assertTrue(seen.in_main("get_attachment"), seen.calls)
