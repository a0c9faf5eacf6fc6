# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payments from Procountor at the edges: amounts whose currency is not known, who may set
the Procountor fields of a payment, events the fetch cannot read, failed runs, the
over-payment tolerance of the invoice currency."""

import requests

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.account_move_payment import ProcountorPaymentSummary
from .common import HELPER_TIMEOUT
from .test_payment_fetch import ProcountorPaymentCase

UNEXPECTED = "Unexpected answer from Procountor"


@tagged("post_install", "-at_install")
class TestPaymentEdges(ProcountorPaymentCase):
    def events_answer(self, move, events):
        """Procountor answers the events of ``move`` with ``events`` (a fault rule)."""
        meta = {"pageNumber": 0, "pageSize": 200, "resultCount": len(events)}
        self.add_fault(
            path=f"/invoices/{move.procountor_invoice_id}/paymentevents",
            method="GET",
            kind="status",
            status=200,
            body={"results": events, "meta": {**meta, "totalCount": len(events)}},
        )

    # ------------------------------------------------------------------ currency

    def test_amount_without_currency_is_not_taken_for_the_invoice_currency(self):
        """An event of 30 in the accounting currency (no paidAmount, paidCurrency or
        currency) on a USD invoice is flagged, never registered as USD."""
        dollars = self.sent_invoice(currency_id=self.usd.id)
        self.pay(dollars, 30.0, omit=["paidAmount", "paidCurrency", "currency"])
        euros = self.sent_invoice()
        self.pay(euros, 30.0, omit=["paidAmount", "paidCurrency", "currency"])
        self.fetch(dollars | euros)
        self.assertFalse(self.procountor_payments(dollars))
        self.assertEqual(dollars.payment_state, "not_paid")
        self.assertTrue(dollars.procountor_payment_attention)
        # Known to be in the accounting currency (EUR), not the invoice's.
        self.assertIn("in EUR, the invoice is in USD", dollars.procountor_payment_message)
        # In the accounting currency (the company's, EUR) the amount is known: registered.
        (payment,) = self.procountor_payments(euros)
        self.assertEqual(payment.amount, 30.0)
        self.assertEqual(payment.currency_id, euros.currency_id)
        # paidAmount without paidCurrency: its currency is not known either.
        other = self.sent_invoice()
        self.pay(other, 30.0, omit=["paidCurrency"])
        self.fetch(other)
        self.assertFalse(self.procountor_payments(other))
        self.assertTrue(other.procountor_payment_attention)

    # ------------------------------------------------------------------ who sets the fields

    def test_only_the_fetch_sets_the_procountor_fields_of_a_payment(self):
        user = new_test_user(
            self.env,
            login="invoicing_clerk",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        move = self.sent_invoice()
        event = self.pay(move, 50.0)
        other = self.make_invoice()
        crafted = {
            "procountor_payment_event_id": event["id"],
            "procountor_connection_id": self.connection.id,
            "procountor_book_on_journal_account": True,
        }
        # The Register Payment wizard with a crafted context: the keys are ignored.
        wizard = (
            self.env["account.payment.register"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=other.ids, **crafted)
            .create({"journal_id": self.bank_journal.id, "amount": 10.0})
        )
        manual = wizard._create_payments()
        self.assertFalse(manual.procountor_payment_event_id)
        self.assertFalse(manual.procountor_connection_id)
        self.assertFalse(manual.procountor_book_on_journal_account)
        # With a default_ key the payment would carry the event: refused.
        wizard = (
            self.env["account.payment.register"]
            .with_user(user)
            .with_context(
                active_model="account.move",
                active_ids=other.ids,
                default_procountor_payment_event_id=str(event["id"]),
            )
            .create({"journal_id": self.bank_journal.id, "amount": 10.0})
        )
        with self.assertRaises(AccessError):
            wizard._create_payments()
        Payment = self.env["account.payment"].with_user(user)
        base = {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": self.customer_fi.id,
            "amount": 5.0,
            "journal_id": self.bank_journal.id,
        }
        with self.assertRaises(AccessError):
            Payment.create({**base, "procountor_payment_event_id": str(event["id"])})
        with self.assertRaises(AccessError):
            Payment.create({**base, "procountor_book_on_journal_account": True})
        with self.assertRaises(AccessError):
            Payment.with_context(
                default_procountor_payment_event_id=str(event["id"]),
                default_procountor_connection_id=self.connection.id,
            ).create(base)
        with self.assertRaises(AccessError):
            manual.with_user(user).write({"procountor_payment_event_id": str(event["id"])})
        with self.assertRaises(AccessError):
            manual.with_user(user).write({"procountor_book_on_journal_account": True})
        # The real event is still free: the fetch registers it.
        self.fetch(move)
        (payment,) = self.procountor_payments(move)
        self.assertEqual(payment.procountor_payment_event_id, str(event["id"]))
        self.assertEqual(move.payment_state, "partial")

    # ------------------------------------------------------------------ unreadable events

    def test_event_without_id_or_with_another_date_format_parks_only_its_invoice(self):
        no_id, bad_date, good = self.sent_invoice(), self.sent_invoice(), self.sent_invoice()
        for move in (no_id, bad_date, good):
            self.pay(move, 50.0, "2026-03-10")
        shape = {
            "invoiceId": 0,
            "type": "BANKSTATEMENT",
            "amount": 50.0,
            "currency": "EUR",
            "paidAmount": 50.0,
            "paidCurrency": "EUR",
            "status": "PARTLY_PAID",
        }
        self.events_answer(no_id, [{**shape, "paymentDate": "2026-03-10"}])
        self.events_answer(bad_date, [{**shape, "id": 99001, "paymentDate": "10.03.2026"}])
        with mute_logger("odoo.addons.procountor_connector.models.procountor_cron_guard"):
            self.fetch(no_id | bad_date | good, "cron")
        self.assertEqual(good.payment_state, "partial")
        self.assertEqual(len(self.procountor_payments(good)), 1)
        for move, detail in ((no_id, "without id"), (bad_date, "10.03.2026")):
            self.assertFalse(self.procountor_payments(move))
            self.assertTrue(move.procountor_payment_attention)
            self.assertIn(UNEXPECTED, move.procountor_payment_message)
            self.assertIn(detail, move.procountor_payment_message)
        self.assertFalse(self.connection.payment_fetch_error)

    # ------------------------------------------------------------------ failed runs

    def test_failed_run_is_stored_on_the_connection_and_last_fetch_stays(self):
        move = self.sent_invoice()
        self.pay(move, 50.0)
        self.fetch(move, "cron")
        self.assertEqual(move.payment_state, "partial")
        last = self.connection.payment_last_fetch
        self.assertTrue(last)
        self.assertFalse(self.connection.payment_fetch_error)
        self.pay(move, 20.0)
        # The API key is revoked: every token request answers 401.
        config = self.sandbox.app.config
        self.addCleanup(setattr, config, "api_key", config.api_key)
        config.api_key = "revoked"
        self.sandbox_post("/_sandbox/tokens/expire")
        self.fetch(move, "cron")
        self.assertTrue(self.connection.payment_fetch_error)
        self.assertEqual(self.connection.payment_last_fetch, last)
        self.assertEqual(len(self.procountor_payments(move)), 1)
        # Garbage answers: stored too, the last successful time still honest.
        self.sandbox.app.config.api_key = self._connection_vals()["api_key"]
        self.connection.payment_fetch_error = False
        self.add_fault(path="/invoices/*", method="GET", kind="status", status=200, body="garbage")
        self.fetch(move, "cron")
        self.assertTrue(self.connection.payment_fetch_error)
        self.assertEqual(self.connection.payment_last_fetch, last)
        # Procountor answers again: the run goes through, the failure is cleared.
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=HELPER_TIMEOUT)
        self.fetch(move, "cron")
        self.assertFalse(self.connection.payment_fetch_error)
        self.assertGreaterEqual(self.connection.payment_last_fetch, last)
        self.assertEqual(len(self.procountor_payments(move)), 2)

    # ------------------------------------------------------------------ tolerance

    def test_overpayment_tolerance_follows_the_currency_decimals(self):
        """A dinar has 1000 fils: 4 fils more than open is an overpayment, not rounding."""
        kwd = self.env.ref("base.KWD")
        kwd.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": kwd.id,
                "name": "2026-01-01",
                "rate": 0.33,
                "company_id": self.company.id,
            }
        )
        move = self.make_invoice(currency_id=kwd.id)
        move.sudo().write(
            {"procountor_invoice_id": 424242, "procountor_connection_id": self.connection.id}
        )
        total = move.amount_total
        events = [
            {
                "id": 777001,
                "invoiceId": 424242,
                "type": "BANKSTATEMENT",
                "paymentDate": "2026-03-10",
                "paidAmount": round(total + 0.004, 3),
                "paidCurrency": "KWD",
            }
        ]
        summary = ProcountorPaymentSummary(self.env)
        journals = self.connection._procountor_payment_journals()
        outcome = move._procountor_apply_payment_events(
            self.connection, events, "snap", journals, summary
        )
        self.assertEqual(outcome, "flagged")
        self.assertFalse(move.matched_payment_ids)
        self.assertIn("larger than what is still open", move.procountor_payment_message)
        # Half a fils below: rounding of the currency, registered.
        events[0].update(id=777002, paidAmount=round(total + 0.0004, 4))
        outcome = move._procountor_apply_payment_events(
            self.connection, events, "snap2", journals, summary
        )
        self.assertEqual(outcome, "registered")
        self.assertEqual(move.payment_state, "paid")
