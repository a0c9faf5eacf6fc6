# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payments from Procountor → Odoo, registered through the sandbox's control API."""

import psycopg2
import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.account_payment import FETCH_CONTEXT_KEY, FETCH_PASS
from ..procountor_api import const
from .common import HELPER_TIMEOUT
from .test_invoice_common import ProcountorInvoiceCase

TOTAL = 125.5  # one desk of 100.00 with 25.5 % VAT


@tagged("post_install", "-at_install")
class ProcountorPaymentCase(ProcountorInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Procountor takes payments on approved invoices only; no PDF: faster.
        cls.connection.write({"invoice_approve": True, "invoice_attach_pdf": False})
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.connection.write(
            {
                "payment_bank_journal_id": cls.bank_journal.id,
                "payment_cash_journal_id": cls.cash_journal.id,
            }
        )

    def sent_invoice(self, **values):
        move = self.make_invoice(**values)
        move.action_procountor_send()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        return move

    def pay(self, move, amount, payment_date="2026-03-10", **extra):
        return self.sandbox_post(
            f"/_sandbox/invoices/{move.procountor_invoice_id}/payments",
            {"amount": amount, "paymentDate": payment_date, **extra},
        )

    def remove_payment(self, move, event_id):
        response = requests.delete(
            f"{self.sandbox.url}/_sandbox/invoices/{move.procountor_invoice_id}/payments/{event_id}",
            timeout=HELPER_TIMEOUT,
        )
        response.raise_for_status()
        return response.json()

    def procountor_payments(self, move):
        return self.env["account.payment"].search(
            [
                ("procountor_connection_id", "=", self.connection.id),
                ("id", "in", move.matched_payment_ids.ids),
            ],
            order="id",
        )

    def fetch(self, moves, entry="list"):
        if entry == "button":
            for move in moves:
                move.action_procountor_fetch_payments()
            return None
        if entry == "cron":
            self.env["procountor.connection"]._cron_procountor_fetch_payments()
            return None
        return moves.action_procountor_fetch_payments()


@tagged("post_install", "-at_install")
class TestPaymentFetch(ProcountorPaymentCase):
    def _two_parts(self, entry):
        move = self.sent_invoice()
        first = self.pay(move, 50.0, "2026-03-10")
        self.fetch(move, entry)
        self.assertEqual(move.payment_state, "partial")
        (payment,) = self.procountor_payments(move)
        self.assertEqual(payment.procountor_payment_event_id, str(first["id"]))
        self.assertEqual(payment.amount, 50.0)
        self.assertEqual(str(payment.date), "2026-03-10")
        self.assertEqual(payment.journal_id, self.bank_journal)
        self.assertEqual(payment.payment_type, "inbound")
        self.assertAlmostEqual(move.amount_residual, 75.5)
        self.pay(move, 75.5, "2026-03-12")
        self.fetch(move, entry)
        self.assertEqual(move.payment_state, "paid")
        payments = self.procountor_payments(move)
        self.assertEqual(len(payments), 2)
        self.assertEqual(sorted(payments.mapped("amount")), [50.0, 75.5])
        self.assertFalse(move.procountor_payment_attention)
        return move

    def test_two_parts_by_button(self):
        self._two_parts("button")

    def test_two_parts_by_cron(self):
        self._two_parts("cron")

    def test_two_parts_by_list_then_nothing_changes(self):
        move = self._two_parts("list")
        self.env["procountor.connection"].flush_model()
        before = len(self.sandbox_journal())
        for entry in ("list", "button", "cron"):
            self.fetch(move, entry)
        self.assertEqual(len(self.procountor_payments(move)), 2)
        self.assertEqual(move.payment_state, "paid")
        # A move paid in Odoo is no longer fetched: not even its status is read.
        self.assertEqual(len(self.sandbox_journal()), before)

    def test_unchanged_invoices_cost_one_call(self):
        moves = self.sent_invoice() | self.sent_invoice() | self.sent_invoice()
        self.fetch(moves)
        requests.delete(f"{self.sandbox.url}/_sandbox/journal", timeout=HELPER_TIMEOUT)
        self.pay(moves[1], 10.0)
        action = self.fetch(moves)
        self.assertIn("1 registered", action["params"]["message"])
        self.assertIn("2 unchanged", action["params"]["message"])
        calls = [
            (c["method"], c["path"]) for c in self.sandbox_journal() if "oauth" not in c["path"]
        ]
        ids = ",".join(str(i) for i in moves.mapped("procountor_invoice_id"))
        self.assertEqual(
            calls,
            [
                ("GET", f"/invoices/{ids}"),
                ("GET", f"/invoices/{moves[1].procountor_invoice_id}/paymentevents"),
            ],
        )
        requests.delete(f"{self.sandbox.url}/_sandbox/journal", timeout=HELPER_TIMEOUT)
        action = self.fetch(moves)
        self.assertIn("0 registered", action["params"]["message"])
        self.assertEqual(len(self.sandbox_journal()), 1)

    def test_cash_payment_goes_to_cash_journal(self):
        move = self.sent_invoice()
        self.pay(move, TOTAL, type="CASH")
        self.fetch(move, "button")
        (payment,) = self.procountor_payments(move)
        self.assertEqual(payment.journal_id, self.cash_journal)
        self.assertEqual(move.payment_state, "paid")

    def test_credit_note_refunded(self):
        # A credit note on its own (one made by reversing an invoice is reconciled with it).
        credit_note = self.sent_invoice(move_type="out_refund")
        # Procountor keeps a credit note as an invoice with a negative total: refunds are negative.
        self.pay(credit_note, -TOTAL, "2026-03-11")
        action = self.fetch(credit_note)
        self.assertIn("1 registered", action["params"]["message"])
        (payment,) = self.procountor_payments(credit_note)
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.amount, TOTAL)
        self.assertEqual(credit_note.payment_state, "paid")

    def test_foreign_currency_exchange_difference(self):
        """A SEK payment is booked with the euros Procountor booked for it (its ``amount``,
        at Procountor's rate of the payment day), not at Odoo's rate: the bank line is
        Procountor's and the exchange difference is the rest."""
        sek = self.setup_other_currency("SEK", rates=[("2026-01-01", 11.0), ("2026-03-15", 11.5)])
        move = self.sent_invoice(partner=self.customer_de, currency_id=sek.id)
        total = move.amount_total
        booked_euros = round(total / 11.3, 2)  # Procountor's rate, neither of Odoo's
        self.pay(move, total, "2026-03-20", accountingAmount=booked_euros)
        self.fetch(move, "button")
        self.assertEqual(move.payment_state, "paid")
        (payment,) = self.procountor_payments(move)
        self.assertEqual(payment.currency_id, sek)
        self.assertAlmostEqual(payment.amount, total)
        liquidity, _counterpart, _writeoff = payment._seek_for_lines()
        self.assertAlmostEqual(sum(liquidity.mapped("balance")), booked_euros, places=2)
        receivable = move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        exchange = receivable.full_reconcile_id.exchange_move_id | (
            receivable.matched_credit_ids.exchange_move_id
        )
        self.assertTrue(exchange, "Odoo made no exchange difference entry")
        self.assertEqual(exchange.journal_id, self.company.currency_exchange_journal_id)
        self.assertAlmostEqual(
            abs(
                sum(
                    exchange.line_ids.filtered(
                        lambda line: line.account_id == receivable.account_id
                    ).mapped("balance")
                )
            ),
            round(receivable.balance - booked_euros, 2),
            places=2,
        )

    def test_removed_payment_is_flagged(self):
        move = self.sent_invoice()
        event = self.pay(move, 50.0)
        self.fetch(move)
        (payment,) = self.procountor_payments(move)
        self.remove_payment(move, event["id"])
        action = self.fetch(move)
        self.assertIn("1 flagged", action["params"]["message"])
        self.assertTrue(move.procountor_payment_attention)
        self.assertIn("was removed in Procountor", move.procountor_payment_message)
        self.assertIn(payment.display_name, move.procountor_payment_message)
        self.assertEqual(self.procountor_payments(move), payment, "no other payment was made")
        self.assertEqual(payment.state, "in_process", "nothing was guessed: Odoo's payment stays")
        found = self.env["account.move"].search(
            [("procountor_payment_attention", "=", True), ("id", "=", move.id)]
        )
        self.assertEqual(found, move)
        log = self.exchanges(operation="fetch_payments_check")
        self.assertEqual(log.res_id, move.id)
        self.assertIn("removed", log.error_message)
        # Fixed in Odoo (the payment cancelled): the next fetch clears the flag.
        payment.action_cancel()
        self.fetch(move)
        self.assertFalse(move.procountor_payment_attention)

    def test_overpayment_is_flagged(self):
        move = self.sent_invoice()
        self.pay(move, 200.0)
        action = self.fetch(move)
        self.assertEqual(action["params"]["type"], "warning")
        self.assertTrue(move.procountor_payment_attention)
        self.assertIn("larger than what is still open", move.procountor_payment_message)
        self.assertFalse(self.procountor_payments(move))
        self.assertEqual(move.payment_state, "not_paid")
        # Flagged invoices are read again (so a fix is seen) but never paid twice.
        self.fetch(move)
        self.assertFalse(self.procountor_payments(move))

    def test_dismissed_flag_stays_dismissed_until_procountor_changes(self):
        move = self.sent_invoice()
        self.pay(move, 200.0)
        self.fetch(move)
        self.assertTrue(move.procountor_payment_attention)
        move.action_procountor_payment_dismiss()
        self.assertFalse(move.procountor_payment_attention)
        self.assertFalse(move.procountor_payment_message)
        self.assertIn("flag dismissed", move.message_ids[0].body)
        self.assertIn("larger than what is still open", move.message_ids[0].body)
        # Procountor unchanged: the next fetch leaves the dismissed invoice alone.
        action = self.fetch(move)
        self.assertNotIn("1 flagged", action["params"]["message"])
        self.assertFalse(move.procountor_payment_attention)
        self.assertFalse(self.procountor_payments(move))
        # Procountor changes and the payment still cannot be registered: the flag is back.
        self.pay(move, 10.0)
        self.fetch(move)
        self.assertTrue(move.procountor_payment_attention)

    def test_negative_and_other_currency_are_flagged(self):
        move = self.sent_invoice()
        self.pay(move, -10.0)
        self.pay(move, 20.0, paidCurrency="USD")
        good = self.pay(move, 30.0)
        self.fetch(move)
        (payment,) = self.procountor_payments(move)
        self.assertEqual(payment.procountor_payment_event_id, str(good["id"]))
        self.assertIn("-10", move.procountor_payment_message)
        self.assertIn("USD", move.procountor_payment_message)
        self.assertTrue(move.procountor_payment_attention)

    def test_transient_error_loses_no_batch(self):
        self.patch(const, "BATCH_IDS_MAX", 2)
        moves = self.sent_invoice() | self.sent_invoice() | self.sent_invoice()
        for move in moves:
            self.pay(move, TOTAL)
        # Every try of the first batch (the call and its 3 retries) answers 503.
        self.add_fault(path="/invoices/*,*", method="GET", kind="status", status=503, times=4)
        action = self.fetch(moves)
        self.assertIn("2 failed", action["params"]["message"])
        self.assertEqual(moves[:2].mapped("payment_state"), ["not_paid", "not_paid"])
        self.assertEqual(moves[2].payment_state, "paid")
        action = self.fetch(moves)
        self.assertIn("2 registered", action["params"]["message"])
        self.assertEqual(set(moves.mapped("payment_state")), {"paid"})
        self.assertEqual(len(moves.matched_payment_ids), 3)

    def test_timeout_on_events_is_retried_next_run(self):
        move = self.sent_invoice()
        self.pay(move, TOTAL)
        self.add_fault(path="/invoices/*/paymentevents", kind="status", status=429, times=4)
        action = self.fetch(move)
        self.assertIn("1 failed", action["params"]["message"])
        self.assertFalse(move.procountor_payment_snapshot)
        self.fetch(move)
        self.assertEqual(move.payment_state, "paid")

    def test_read_timeout_on_a_batch_is_completed_next_run(self):
        moves = self.sent_invoice() | self.sent_invoice()
        for move in moves:
            self.pay(move, 50.0)
        self.connection.procountor_timeout = 1
        # Longer than the read timeout, for the call and each of its retries.
        self.add_fault(path="/invoices/*,*", method="GET", kind="latency", seconds=1.5, times=4)
        action = self.fetch(moves, "list")
        self.assertIn("2 failed", action["params"]["message"])
        self.assertFalse(moves.matched_payment_ids)
        self.fetch(moves, "cron")
        self.assertEqual(moves.mapped("payment_state"), ["partial", "partial"])
        self.assertEqual(len(moves.matched_payment_ids), 2)

    def test_missing_journal_is_listed_before_any_call(self):
        move = self.sent_invoice()
        self.pay(move, TOTAL)
        self.connection.payment_cash_journal_id = False
        requests.delete(f"{self.sandbox.url}/_sandbox/journal", timeout=HELPER_TIMEOUT)
        action = self.fetch(move)
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("journal for cash payments", action["params"]["message"])
        self.assertFalse(self.sandbox_journal())
        check = self.connection.action_procountor_check_payment_setup()
        self.assertEqual(check["params"]["type"], "warning")

    def test_option_paid_validates_payments(self):
        # Simulate the Accounting app, which shows reconciled but unmatched invoices In Payment.
        Move = self.registry["account.move"]
        self.patch(Move, "_get_invoice_in_payment_state", lambda self: "in_payment")
        move_in_payment = self.sent_invoice()
        self.pay(move_in_payment, TOTAL)
        self.fetch(move_in_payment)
        self.assertEqual(move_in_payment.payment_state, "in_payment")
        self.assertEqual(self.procountor_payments(move_in_payment).state, "in_process")
        self.connection.payment_final_state = "paid"
        move_paid = self.sent_invoice()
        self.pay(move_paid, TOTAL)
        self.fetch(move_paid)
        payment = self.procountor_payments(move_paid)
        self.assertEqual(move_paid.payment_state, "paid")
        payment = self.procountor_payments(move_paid)
        self.assertEqual(payment.state, "paid")
        self.assertEqual(payment.outstanding_account_id, self.bank_journal.default_account_id)
        # "In Payment" is no longer fetched either.
        self.assertFalse(move_in_payment._procountor_payment_is_candidate())

    def test_event_id_unique_per_connection(self):
        move = self.sent_invoice()
        self.pay(move, 50.0)
        self.fetch(move)
        (payment,) = self.procountor_payments(move)
        # The SQL barrier, past the ORM guard that keeps users from these fields.
        payment = payment.with_context(**{FETCH_CONTEXT_KEY: FETCH_PASS})
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                payment.copy(
                    {
                        "procountor_payment_event_id": payment.procountor_payment_event_id,
                        "procountor_connection_id": self.connection.id,
                    }
                )
                self.env.flush_all()
        # int64 ids fit (Odoo's Integer is int4).
        payment.procountor_payment_event_id = str(2**62)
        self.env.flush_all()

    def test_cron_connection_error_is_stored_and_run_goes_on(self):
        move = self.sent_invoice()
        self.pay(move, TOTAL)
        broken = self.env["procountor.connection"].create(self._connection_vals(name="Broken"))
        Connection = self.registry["procountor.connection"]
        original = Connection._procountor_cron_fetch_payments_one

        def fetch_one(connection):
            if connection == broken:
                raise RuntimeError("database on fire")
            return original(connection)

        self.patch(Connection, "_procountor_cron_fetch_payments_one", fetch_one)
        with mute_logger("odoo.addons.procountor_connector.models.procountor_cron_guard"):
            self.env["procountor.connection"]._cron_procountor_fetch_payments()
        self.assertIn("database on fire", broken.payment_fetch_error)
        self.assertFalse(self.connection.payment_fetch_error)
        self.assertEqual(move.payment_state, "paid")

    def test_events_read_again_are_not_registered_twice(self):
        """As when a second worker reads the events after the first registered them (one
        transaction here; the real two-transaction check is
        benchmarks/check_two_workers_payments.py)."""
        move = self.sent_invoice()
        self.pay(move, 50.0)
        self.fetch(move)
        # Someone forgets the snapshot: the events are read again, nothing is registered twice.
        move.procountor_payment_snapshot = False
        self.fetch(move, "cron")
        self.assertEqual(len(self.procountor_payments(move)), 1)
