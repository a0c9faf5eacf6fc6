# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reconciliation of Odoo's and Procountor's books, against the sandbox.

A month in agreement is seeded on both sides in bulk (Odoo invoices posted at once, their
Procountor twins built by the connector's own payload builder and created through the
sandbox's bulk control endpoint; bills generated in Procountor and imported by the
connector; entries sent by the connector), then the books are made to drift through the
control API the way a Procountor user would."""

import datetime
from collections import Counter
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_invoice_common import ProcountorInvoiceCase
from .test_journal_send import EXTRA_LEDGER_ACCOUNTS

PERIOD = "odoo.addons.procountor_connector.models.procountor_connection_reconcile.default_period"
JANUARY = (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
INVOICE_DAY = datetime.date(2026, 1, 15)
DUE_DAY = datetime.date(2026, 1, 29)
PAY_DAY = "2026-01-20"


@tagged("post_install", "-at_install")
class TestReconcile(ProcountorInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.misc_journal = env["account.journal"].create(
            {"name": "Palkat", "code": "PAY", "type": "general", "company_id": cls.company.id}
        )
        cls.connection.write(
            {
                "invoice_attach_pdf": False,
                "bill_import_enabled": True,
                "bill_import_post": True,
                "bill_import_payment_state": True,
                "bill_import_journal_id": cls.company_data["default_journal_purchase"].id,
                "payment_bank_journal_id": cls.bank_journal.id,
                "journal_send_journal_ids": [Command.set(cls.misc_journal.ids)],
            }
        )
        account = cls._account
        cls.salaries, cls.employees = account("5010"), account("2940")
        chart = env["account.chart.template"].with_company(cls.company)
        cls.purchase_taxes = {
            25.5: chart.ref("tax_dom_purchase_goods_25_5"),
            10.0: chart.ref("tax_dom_purchase_goods_10"),
        }
        cls.purchase_taxes[10.0].active = True
        cls.purchase_taxes[13.5] = cls.purchase_taxes[25.5].copy(
            {"name": "13.5% osto", "amount": 13.5}
        )
        Plan = env["account.analytic.plan"]
        Analytic = env["account.analytic.account"]
        plan = Plan.create({"name": "Kustannuspaikka"})
        project = Plan.create({"name": "Projekti"})
        cls.analytic = {
            101: Analytic.create({"name": "Helsinki", "plan_id": plan.id}),
            102: Analytic.create({"name": "Tampere", "plan_id": plan.id}),
            201: Analytic.create({"name": "Verkkokauppa", "plan_id": project.id}),
        }

    @classmethod
    def _account(cls, code):
        return cls.env["account.account"].search(
            [("code", "=", code), ("company_ids", "in", cls.company.id)], limit=1
        )

    def setUp(self):
        super().setUp()
        self.sandbox_post("/_sandbox/seed", {"ledgerAccounts": EXTRA_LEDGER_ACCOUNTS})
        self.fetch_settings()
        self._map_purchase()

    def _map_purchase(self):
        connection = self.connection
        percents = {vat.percent: vat for vat in connection.vat_percent_ids}
        statuses = {status.code: status for status in connection.vat_status_ids}
        Mapping = self.env["procountor.tax.mapping"]
        for percent, tax in self.purchase_taxes.items():
            Mapping.search(
                [("connection_id", "=", connection.id), ("tax_id", "=", tax.id)]
            ).unlink()
            Mapping.create(
                {
                    "connection_id": connection.id,
                    "tax_id": tax.id,
                    "vat_percent_id": percents[percent].id,
                    "vat_status_id": statuses[2].id,
                }
            )
        items = {item.procountor_id: item for item in connection.dimension_item_ids}
        AnalyticMapping = self.env["procountor.analytic.mapping"]
        for item_id, analytic in self.analytic.items():
            if not AnalyticMapping.search([("analytic_account_id", "=", analytic.id)]):
                AnalyticMapping.create(
                    {
                        "connection_id": connection.id,
                        "analytic_account_id": analytic.id,
                        "dimension_item_id": items[item_id].id,
                    }
                )

    # ------------------------------------------------------------------ seeding

    def seed_sales(self, count, paid_every=5, partly_every=25, refund_every=20):
        """``count`` posted sales documents of January and their Procountor twins; every
        ``paid_every``-th paid in full, every ``partly_every``-th (offset 3) paid in two
        parts, every ``refund_every``-th (offset 7) a credit note."""
        Move = self.env["account.move"]
        vals, plan = [], []
        customers = (self.customer_fi, self.customer_de)
        products = (self.product_desk, self.product_coffee, self.product_paper)
        for index in range(count):
            refund = index % refund_every == 7
            lines = [
                Command.create(
                    {
                        "product_id": products[(index + row) % 3].id,
                        "quantity": 1 + (index + row) % 3,
                        "price_unit": 40.0 + (index * 7 + row * 11) % 160,
                    }
                )
                for row in range(1 + index % 2)
            ]
            vals.append(
                {
                    "move_type": "out_refund" if refund else "out_invoice",
                    "partner_id": customers[index % 2].id,
                    "invoice_date": INVOICE_DAY,
                    "invoice_date_due": DUE_DAY,
                    "journal_id": self.sale_journal.id,
                    "invoice_line_ids": lines,
                }
            )
            if refund:
                plan.append("open")
            elif index % paid_every == 0:
                plan.append("paid")
            elif index % partly_every == 3:
                plan.append("partly")
            else:
                plan.append("open")
        moves = Move.create(vals)
        moves.action_post()
        specs = []
        for move, state in zip(moves, plan, strict=True):
            data, problems = move._procountor_prepare(self.connection)
            self.assertFalse(problems, move.name)
            payments = []
            if state == "paid":
                payments = [{"amount": move.amount_total, "paymentDate": PAY_DAY}]
            elif state == "partly":
                payments = [
                    {"amount": 30.0, "paymentDate": PAY_DAY},
                    {"amount": 20.0, "paymentDate": PAY_DAY},
                ]
            specs.append(
                {
                    "invoice": move._procountor_build_body(data),
                    "status": "SENT",
                    "payments": payments,
                }
            )
        created = self.sandbox_post("/_sandbox/invoices", {"invoices": specs})["invoices"]
        for move, remote in zip(moves, created, strict=True):
            move.write(
                {
                    "procountor_connection_id": self.connection.id,
                    "procountor_invoice_id": remote["id"],
                    "procountor_invoice_number": remote["invoiceNumber"],
                    "procountor_ledger_receipt_id": remote["ledgerReceiptId"],
                    "procountor_status": remote["status"],
                    "procountor_state": "sent",
                }
            )
        paid = moves.filtered(lambda m: plan[moves.ids.index(m.id)] == "paid")
        self.pay(paid)
        for move in moves.filtered(lambda m: plan[moves.ids.index(m.id)] == "partly"):
            self.pay(move, 30.0)
            self.pay(move, 20.0)
        return moves, plan

    def pay(self, moves, amount=None):
        values = {"journal_id": self.bank_journal.id, "payment_date": PAY_DAY}
        if amount is not None:
            values.update(amount=amount, payment_difference_handling="open")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=moves.ids
        ).create(values)._create_payments()

    def seed_bills(self, count):
        self.sandbox_post(
            "/_sandbox/seed",
            {
                "generate": {
                    "purchaseInvoices": count,
                    "purchaseInvoiceOptions": {
                        "statuses": ["APPROVED", "PAID"],
                        "attachmentEvery": 0,
                        "today": "2026-01-31",
                    },
                }
            },
        )
        summary = self.connection._procountor_fetch_bills()
        self.assertEqual((summary.imported, summary.pending), (count, 0), summary.problem)
        return self.env["account.move"].search(
            [("procountor_bill_connection_id", "=", self.connection.id)]
        )

    def seed_entries(self, count):
        Move = self.env["account.move"]
        entries = Move.create(
            [
                {
                    "move_type": "entry",
                    "journal_id": self.misc_journal.id,
                    "date": INVOICE_DAY,
                    "ref": f"Palkat 01/2026 erä {index + 1}",
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": self.salaries.id,
                                "debit": 1000.0 + index,
                                "name": "Palkat",
                            }
                        ),
                        Command.create(
                            {
                                "account_id": self.employees.id,
                                "credit": 1000.0 + index,
                                "name": "Netto",
                            }
                        ),
                    ],
                }
                for index in range(count)
            ]
        )
        entries.action_post()
        entries._procountor_send_batch()
        self.assertEqual(set(entries.mapped("procountor_state")), {"sent"})
        return entries

    def reconcile(self):
        return self.connection._procountor_reconcile(*JANUARY)

    def posted_invoices(self):
        """The ``POST /invoices`` the sandbox received (creations of sales invoices)."""
        return [
            entry
            for entry in self.sandbox_journal()
            if entry["method"] == "POST" and entry["path"].rstrip("/").endswith("/invoices")
        ]

    def differences(self, state=None):
        domain = [("connection_id", "=", self.connection.id)]
        if state:
            domain.append(("state", "=", state))
        return self.env["procountor.difference"].search(domain)

    # ------------------------------------------------------------------ tests

    def test_month_in_agreement_then_drifting(self):
        """A month of 200 sales documents, 50 bills and 20 entries with their payments
        agrees; each change made in Procountor is then found once, as its kind."""
        moves, plan = self.seed_sales(200)
        bills = self.seed_bills(50)
        self.seed_entries(20)
        self.assertTrue(any(b.payment_state in ("paid", "in_payment") for b in bills))

        summary = self.reconcile()
        self.assertFalse(summary.problem)
        self.assertEqual(
            (summary.documents["sale"], summary.documents["purchase"], summary.documents["entry"]),
            (200, 50, 20),
        )
        self.assertEqual(self.differences().mapped("display_name"), [])
        # Calls: 2 search pages + 1 read + payment events of sales and bills, journal search
        # and receipts, the balance search, the API user once; not one per document.
        self.assertLessEqual(summary.calls, 12, summary.calls)

        open_ = [
            m
            for m, s in zip(moves, plan, strict=True)
            if s == "open" and m.move_type == "out_invoice"
        ]
        paid = [m for m, s in zip(moves, plan, strict=True) if s == "paid"]
        partly = [m for m, s in zip(moves, plan, strict=True) if s == "partly"]
        changed, deleted, paid_there = open_[0], open_[1], open_[2]
        remote = self.sandbox.state.invoices
        rows = remote[changed.procountor_invoice_id]["invoiceRows"]
        rows[0] = {**rows[0], "unitPrice": rows[0]["unitPrice"] + 10}
        self.sandbox_patch(
            f"/_sandbox/invoices/{changed.procountor_invoice_id}", {"invoiceRows": rows}
        )
        self.sandbox_delete(f"/_sandbox/invoices/{deleted.procountor_invoice_id}")
        self.sandbox_post(
            f"/_sandbox/invoices/{paid_there.procountor_invoice_id}/payments",
            {"amount": paid_there.amount_total, "paymentDate": PAY_DAY},
        )
        extra_body = dict(remote[paid[0].procountor_invoice_id])
        extra_number = f"{self.sale_journal.code}/2026/09999"
        extra = self.sandbox_post(
            "/_sandbox/invoices",
            {
                "invoices": [
                    {
                        "invoice": self._body_of(extra_body, originalInvoiceNumber=extra_number),
                        "status": "SENT",
                    }
                ]
            },
        )["invoices"][0]
        bill = bills.filtered(lambda b: len(b.invoice_line_ids.tax_ids) > 1)[:1]
        self.assertTrue(bill, "a generated bill with two VAT rates")
        receipt_id = remote[bill.procountor_bill_id]["ledgerReceiptId"]
        transactions = self.sandbox.state.ledgerReceipts[receipt_id]["transactions"]
        entries = [t for t in transactions if t["transactionType"] == "ENTRY"]
        first = entries[0]
        second = next(t for t in entries if t["vatPercent"] != first["vatPercent"])
        first["vatPercent"], second["vatPercent"] = second["vatPercent"], first["vatPercent"]
        self.sandbox_put(
            f"/_sandbox/ledgerreceipts/{receipt_id}/transactions", {"transactions": transactions}
        )
        removed_from = partly[0]
        events = [
            e
            for e in self.sandbox.state.paymentEvents.values()
            if e["invoiceId"] == removed_from.procountor_invoice_id
        ]
        self.sandbox_delete(
            f"/_sandbox/invoices/{removed_from.procountor_invoice_id}/payments/{events[0]['id']}"
        )

        summary = self.reconcile()
        self.assertFalse(summary.problem)
        found = {(d.kind, d.move_id.id or int(d.procountor_id)) for d in self.differences()}
        self.assertEqual(
            found,
            {
                ("total", changed.id),
                ("missing_in_procountor", deleted.id),
                ("paid_status", paid_there.id),
                ("missing_in_odoo", extra["id"]),
                ("lines", bill.id),
                ("paid_amount", removed_from.id),
            },
        )
        self.assertEqual(Counter(summary.new.elements()), Counter(kind for kind, _id in found))
        with self.assertRaisesRegex(UserError, "fetch the bill again"):
            self.differences().filtered(lambda d: d.kind == "lines").action_resend()

        # Explained stays explained on the next run while the values are unchanged.
        explained = self.differences().filtered(lambda d: d.kind == "missing_in_procountor")
        with self.assertRaises(UserError):
            explained.action_explain()
        explained.note = "Deleted in Procountor by mistake; re-sent next month."
        explained.action_explain()
        summary = self.reconcile()
        self.assertEqual(explained.state, "explained")
        self.assertFalse(summary.new)
        self.assertEqual(len(self.differences()), 6)

        # ... and is opened again when its values change.
        total = self.differences().filtered(lambda d: d.kind == "total")
        total.note = "Price agreed by phone."
        total.action_explain()
        self._drift(changed, add=5)
        summary = self.reconcile()
        self.assertEqual((total.state, total.note), ("open", "Price agreed by phone."))
        self.assertEqual(dict(summary.new), {"total": 1})
        self.assertEqual(explained.state, "explained")

    def _body_of(self, invoice, **changes):
        """An Invoice body from a stored invoice (what a person would type again)."""
        keys = (
            "type",
            "partnerId",
            "date",
            "counterParty",
            "billingAddress",
            "paymentInfo",
            "invoiceChannel",
            "language",
            "vatStatus",
            "extraInfo",
            "discountPercent",
            "invoiceRows",
        )
        body = {key: invoice[key] for key in keys if key in invoice}
        body["invoiceRows"] = [
            {k: v for k, v in row.items() if k != "id"} for row in body["invoiceRows"]
        ]
        body.update(changes)
        return body

    # ------------------------------------------------------------------ sandbox helpers

    def _send(self, method, path, payload):
        import requests

        response = requests.request(method, f"{self.sandbox.url}{path}", json=payload, timeout=10)
        response.raise_for_status()
        return response.json()

    def sandbox_patch(self, path, payload):
        return self._send("PATCH", path, payload)

    def sandbox_put(self, path, payload):
        return self._send("PUT", path, payload)

    def sandbox_delete(self, path):
        return self._send("DELETE", path, None)

    # ------------------------------------------------------------------ bad inputs, job

    def _drift(self, move, add=10):
        rows = self.sandbox.state.invoices[move.procountor_invoice_id]["invoiceRows"]
        rows = [{**rows[0], "unitPrice": rows[0]["unitPrice"] + add}, *rows[1:]]
        self.sandbox_patch(
            f"/_sandbox/invoices/{move.procountor_invoice_id}", {"invoiceRows": rows}
        )

    def test_period_checked_before_any_call(self):
        with self.assertRaises(UserError):
            self.connection._procountor_reconcile(JANUARY[1], JANUARY[0])
        self.assertFalse(self.exchanges(operation="reconcile"))

    def test_unreachable_half_way_keeps_earlier_differences(self):
        """Procountor stops answering after the invoices were read: nothing is stored,
        the earlier differences stay as they were, the failure is on the connection and
        in the log; the next run compares everything."""
        moves, _plan = self.seed_sales(6)
        self._drift(moves[1])
        self.reconcile()
        before = self.differences()
        self.assertEqual(before.mapped("kind"), ["total"])
        self.sandbox_delete(f"/_sandbox/invoices/{moves[2].procountor_invoice_id}")
        self._drift(moves[1], add=-10)  # fixed in Procountor: would resolve the first one
        self.add_fault(path="/ledgerreceipts*", method="GET", kind="status", status=503)
        with patch(PERIOD, return_value=JANUARY):
            action = self.connection.action_procountor_reconcile()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("could not be read to the end", action["params"]["message"])
        self.assertEqual(action["params"]["next"]["res_model"], "procountor.difference")
        self.assertEqual(self.differences(), before)
        self.assertEqual(before.state, "open")
        self.assertIn("could not be read to the end", self.connection.reconcile_error)
        log = self.exchanges(operation="reconcile")
        self.assertEqual(log.mapped("ok"), [True, False])
        self.sandbox_delete("/_sandbox/faults")
        summary = self.reconcile()
        self.assertFalse(summary.problem)
        self.assertFalse(self.connection.reconcile_error)
        self.assertEqual(before.state, "resolved")
        self.assertEqual(
            self.differences("open").mapped(lambda d: (d.kind, d.move_id)),
            [("missing_in_procountor", moves[2])],
        )

    def test_send_again_creates_a_document_deleted_in_procountor(self):
        """*Send Again* on "in Odoo, not in Procountor": the invoice Procountor no longer has
        is created again (once), and the next run finds both books in agreement; one that
        Procountor still has is not replaced."""
        moves, _plan = self.seed_sales(4, paid_every=99, partly_every=99, refund_every=99)
        deleted, kept = moves[1], moves[2]
        old_id = deleted.procountor_invoice_id
        self.sandbox_delete(f"/_sandbox/invoices/{old_id}")
        self.reconcile()
        difference = self.differences().filtered(lambda d: d.kind == "missing_in_procountor")
        self.assertEqual(difference.move_id, deleted)

        kept_id = kept.procountor_invoice_id
        self.assertFalse(kept._procountor_forget_if_gone())
        self.assertEqual(kept.procountor_invoice_id, kept_id)

        difference.action_resend()
        self.assertEqual(deleted.procountor_state, "sent")
        self.assertTrue(deleted.procountor_invoice_id)
        self.assertNotEqual(deleted.procountor_invoice_id, old_id)
        self.assertIn(deleted.procountor_invoice_id, self.sandbox.state.invoices)
        self.assertEqual(len(self.posted_invoices()), 1)
        difference.action_resend()  # again: Procountor has it now, nothing is created
        self.assertEqual(len(self.posted_invoices()), 1)
        self.reconcile()
        self.assertEqual(difference.state, "resolved")
        self.assertFalse(self.differences("open"))

    def test_malformed_page(self):
        """A search page without its results list, or with a row that has no usable id:
        the run stops before comparing (nothing would be missing, only unread)."""
        moves, _plan = self.seed_sales(3)
        for body in ({"results": "not a list"}, {"results": [{"id": "100001"}], "meta": {}}):
            fault = self.add_fault(
                path="/invoices", method="GET", kind="status", status=200, body=body, times=1
            )
            summary = self.reconcile()
            self.assertIn("could not be read to the end", summary.problem)
            self.assertFalse(self.differences())
            self.sandbox_delete(f"/_sandbox/faults/{fault['id']}")
        self.assertFalse(self.reconcile().problem)
        self.assertFalse(self.differences())

    def test_action_opens_the_differences(self):
        moves, _plan = self.seed_sales(3)
        self._drift(moves[1])
        with patch(PERIOD, return_value=JANUARY):
            action = self.connection.action_procountor_reconcile()
        self.assertEqual(action["res_model"], "procountor.difference")
        self.assertEqual(self.env["procountor.difference"].search(action["domain"]).kind, "total")
        self.assertEqual(self.connection.difference_open_count, 1)

    def test_weekly_job_leaves_an_activity_once(self):
        moves, _plan = self.seed_sales(6)
        user = self.env["res.users"].create(
            {
                "name": "Kirjanpitäjä",
                "login": "kirjanpitaja@example.com",
                "company_ids": [Command.set(self.company.ids)],
                "company_id": self.company.id,
            }
        )
        self.connection.write({"reconcile_cron_enabled": True, "reconcile_user_id": user.id})
        self._drift(moves[1])
        self.sandbox_delete(f"/_sandbox/invoices/{moves[2].procountor_invoice_id}")
        with patch(PERIOD, return_value=JANUARY):
            self.env["procountor.connection"]._cron_procountor_reconcile()
            activity = self.connection.activity_ids
            self.assertEqual(activity.user_id, user)
            self.assertIn("2 new differences", activity.summary)
            self.assertIn("Total differs: 1", str(activity.note))
            self.assertIn("In Odoo, not in Procountor: 1", str(activity.note))
            self.env["procountor.connection"]._cron_procountor_reconcile()
        self.assertEqual(self.connection.activity_ids, activity)
        self.assertIn("differences", self.exchanges(operation="reconcile")[-1].response_body)

    def test_fetch_payments_resolves_a_payment_made_only_in_procountor(self):
        moves, _plan = self.seed_sales(3)
        move = moves[1]
        self.sandbox_post(
            f"/_sandbox/invoices/{move.procountor_invoice_id}/payments",
            {"amount": move.amount_total, "paymentDate": PAY_DAY},
        )
        self.reconcile()
        difference = self.differences()
        self.assertEqual((difference.kind, difference.move_id), ("paid_status", move))
        self.assertEqual(difference.action_open_document()["res_id"], move.id)
        difference.action_fetch_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        summary = self.reconcile()
        self.assertEqual((difference.state, summary.resolved), ("resolved", 1))
        self.assertTrue(difference.resolved_date)

    def test_balance_of_a_partner_from_before_the_period(self):
        """A January invoice paid only in Procountor is outside February's documents; the
        customer's open balance at the end of February tells."""
        moves, _plan = self.seed_sales(6)
        move = moves[1]
        self.sandbox_post(
            f"/_sandbox/invoices/{move.procountor_invoice_id}/payments",
            {"amount": move.amount_total, "paymentDate": PAY_DAY},
        )
        self.connection._procountor_reconcile(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
        difference = self.differences()
        self.assertEqual(
            (difference.kind, difference.document_type, difference.partner_id),
            ("balance", "partner", move.commercial_partner_id),
        )
        same_partner = moves.filtered(
            lambda m: m.commercial_partner_id == move.commercial_partner_id
        )
        odoo_open = sum(
            (-1 if m.move_type == "out_refund" else 1) * m.amount_residual for m in same_partner
        )
        self.assertEqual(difference.odoo_value, f"receivable {odoo_open:.2f} EUR")
        self.assertEqual(
            difference.procountor_value, f"receivable {odoo_open - move.amount_total:.2f} EUR"
        )
        self.assertEqual(str(difference.date), "2026-02-28")
