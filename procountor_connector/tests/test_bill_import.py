# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bills imported from Procountor's accepted purchase invoices, against the sandbox."""

from decimal import Decimal

import psycopg2
import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ProcountorTestCommon, closed_port_url

ACCEPTED = (
    "APPROVED",
    "PAYMENT_QUEUED",
    "PAYMENT_SENT_TO_BANK",
    "PARTLY_PAID",
    "PAID",
    "MARKED_PAID",
)


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


class BillImportCase(ProcountorTestCommon):
    """Set-up and helpers of the bill import tests (no test of its own)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchase_journal = cls.company_data["default_journal_purchase"]
        cls.connection.write(
            {
                "bill_import_enabled": True,
                "bill_import_journal_id": cls.purchase_journal.id,
                "payment_bank_journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        chart = cls.env["account.chart.template"].with_company(cls.company)
        cls.tax_255 = chart.ref("tax_dom_purchase_goods_25_5")
        cls.tax_10 = chart.ref("tax_dom_purchase_goods_10")
        cls.tax_10.active = True  # l10n_fi ships the 10 % purchase tax archived
        cls.tax_135 = cls.tax_255.copy({"name": "13.5% osto", "amount": 13.5})
        plan = cls.env["account.analytic.plan"].create({"name": "Kustannuspaikka"})
        project_plan = cls.env["account.analytic.plan"].create({"name": "Projekti"})
        Analytic = cls.env["account.analytic.account"]
        cls.analytic = {
            101: Analytic.create({"name": "Helsinki", "plan_id": plan.id}),
            102: Analytic.create({"name": "Tampere", "plan_id": plan.id}),
            201: Analytic.create({"name": "Verkkokauppa", "plan_id": project_plan.id}),
        }

    def setUp(self):
        super().setUp()
        self.fetch_settings()
        connection = self.connection
        percents = {vat.percent: vat for vat in connection.vat_percent_ids}
        statuses = {status.code: status for status in connection.vat_status_ids}
        Mapping = self.env["procountor.tax.mapping"]
        Mapping.search([("connection_id", "=", connection.id)]).unlink()
        for tax, percent in ((self.tax_255, 25.5), (self.tax_10, 10.0), (self.tax_135, 13.5)):
            Mapping.create(
                {
                    "connection_id": connection.id,
                    "tax_id": tax.id,
                    "vat_percent_id": percents[percent].id,
                    "vat_status_id": statuses[2].id,
                }
            )
        items = {item.procountor_id: item for item in connection.dimension_item_ids}
        for item_id, analytic in self.analytic.items():
            self.env["procountor.analytic.mapping"].create(
                {
                    "connection_id": connection.id,
                    "analytic_account_id": analytic.id,
                    "dimension_item_id": items[item_id].id,
                }
            )

    # ------------------------------------------------------------------ helpers

    def seed(self, count, **options):
        self.sandbox_post(
            "/_sandbox/seed",
            {"generate": {"purchaseInvoices": count, "purchaseInvoiceOptions": options}},
        )
        return {
            invoice_id: invoice
            for invoice_id, invoice in self.sandbox.state.invoices.items()
            if invoice["type"] == "PURCHASE_INVOICE"
        }

    def clear_journal(self):
        requests.delete(f"{self.sandbox.url}/_sandbox/journal", timeout=10).raise_for_status()

    def journal_paths(self):
        return [(entry["method"], entry["path"]) for entry in self.sandbox_journal()]

    def bills(self, connection=None):
        return self.env["account.move"].search(
            [("procountor_bill_connection_id", "=", (connection or self.connection).id)]
        )

    def fetch(self, connection=None):
        return (connection or self.connection)._procountor_fetch_bills()

    def assert_bill_matches(self, move, invoice):
        """Lines, accounts, taxes and analytic as on the ledger receipt; totals to the cent."""
        receipt = self.sandbox.state.ledgerReceipts[invoice["ledgerReceiptId"]]
        entries = [t for t in receipt["transactions"] if t["transactionType"] == "ENTRY"]
        lines = move.invoice_line_ids.sorted("sequence")
        self.assertEqual(len(lines), len(entries), move.ref)
        for line, entry in zip(lines, entries, strict=True):
            self.assertEqual(line.account_id.code, entry["account"])
            self.assertEqual(money(line.price_subtotal), money(entry["accountingValue"]))
            expected_tax = {25.5: self.tax_255, 10.0: self.tax_10, 13.5: self.tax_135}.get(
                entry["vatPercent"], self.env["account.tax"]
            )
            self.assertEqual(line.tax_ids, expected_tax)
            expected = {}
            for value in entry.get("dimensionItemValues", []):
                analytic = self.analytic[value["itemId"]]
                share = Decimal(str(value["value"])) * 100 / Decimal(str(entry["accountingValue"]))
                expected[str(analytic.id)] = float(share)
            self.assertEqual(
                {k: round(v, 6) for k, v in (line.analytic_distribution or {}).items()},
                {k: round(v, 6) for k, v in expected.items()},
            )
        total = invoice["invoiceSumInfo"][0]
        self.assertEqual(money(move.amount_total), money(total["invoiceSumTotal"]))
        self.assertEqual(money(move.amount_untaxed), money(total["excludingVatTotal"]))
        self.assertEqual(money(move.amount_tax), money(total["vatSumTotal"]))
        self.assertEqual(move.ref, invoice["originalInvoiceNumber"])
        self.assertEqual(move.payment_reference, invoice["paymentInfo"]["bankReferenceCode"])
        self.assertEqual(str(move.invoice_date), invoice["date"])
        self.assertEqual(str(move.invoice_date_due), invoice["paymentInfo"]["dueDate"])
        self.assertEqual(move.journal_id, self.purchase_journal)
        self.assertEqual(move.move_type, "in_invoice")
        self.assertEqual(move.procountor_bill_status, invoice["status"])


@tagged("post_install", "-at_install")
class TestBillImport(BillImportCase):
    # ------------------------------------------------------------------ tests

    def test_import_50_then_3_after_mapping_then_nothing(self):
        invoices = self.seed(53, unmappedAccountEvery=17)
        self.clear_journal()
        summary = self.fetch()
        reasons = "\n".join(sorted(set(self.connection.bill_pending_ids.mapped("reason"))))
        self.assertEqual((summary.imported, summary.pending, summary.failed), (50, 3, 0), reasons)
        bills = self.bills()
        self.assertEqual(len(bills), 50)
        by_id = {bill.procountor_bill_id: bill for bill in bills}
        for invoice_id, invoice in invoices.items():
            if invoice_id in by_id:
                self.assert_bill_matches(by_id[invoice_id], invoice)
        # Batched reads: 1 search page, 1 GET /invoices/{ids}, 1 GET /ledgerreceipts/{ids},
        # 1 GET /businesspartners/{ids}, the attachments (one per file) and the token.
        calls = self.journal_paths()
        kinds = [
            path.split("/")[1] + ("/{ids}" if path.count("/") > 1 else "") for _m, path in calls
        ]
        self.assertEqual(kinds.count("invoices"), 1)
        self.assertEqual(kinds.count("invoices/{ids}"), 1)
        self.assertEqual(kinds.count("ledgerreceipts/{ids}"), 1)
        self.assertEqual(kinds.count("businesspartners/{ids}"), 1)
        attached = {a["referenceId"] for a in self.sandbox.state.attachments.values()}
        with_files = len(attached & set(by_id))
        self.assertEqual(kinds.count("attachments/{ids}"), with_files)
        # The three with account 4050 are listed with the reason, not half-imported.
        pending = self.connection.bill_pending_ids
        self.assertEqual(len(pending), 3)
        for row in pending:
            self.assertIn("4050", row.reason)
            self.assertNotIn(row.procountor_id, by_id)
        self.assertIn(
            "3 not imported yet",
            self.connection._procountor_bill_summary_text(summary),
        )
        # The mapping is added: the next run reads the three again although the
        # high-water mark passed them, and imports them.
        target = self.env["account.chart.template"].with_company(self.company).ref("account_4010")
        self.env["procountor.account.mapping"].create(
            {
                "connection_id": self.connection.id,
                "account_id": target.id,
                "ledger_account_id": self.connection.ledger_account_ids.filtered(
                    lambda account: account.code == "4050"
                ).id,
            }
        )
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (3, 0))
        self.assertEqual(len(self.bills()), 53)
        self.assertFalse(self.connection.bill_pending_ids)
        for row_id in pending.ids:
            self.assertFalse(self.env["procountor.bill.pending"].browse(row_id).exists())
        late = self.bills().filtered(
            lambda m: "4010" in m.invoice_line_ids.account_id.mapped("code")
        )
        self.assertEqual(len(late), 3)
        # A second run imports nothing and makes no duplicate.
        summary = self.fetch()
        self.assertEqual(summary.imported, 0)
        self.assertEqual(len(self.bills()), 53)
        self.assertEqual(
            len(set(self.bills().mapped("procountor_bill_id"))), 53, "no duplicate bill"
        )

    def test_non_accepted_statuses_are_not_imported(self):
        self.seed(
            6,
            statuses=[
                "UNFINISHED",
                "INVALIDATED",
                "RECEIVED",
                "VERIFIED",
                "PAYMENT_DENIED",
                "SENT",
            ],
        )
        summary = self.fetch()
        self.assertEqual(summary.imported, 0)
        self.assertFalse(self.bills())
        self.assertFalse(self.connection.bill_pending_ids)
        search = [e for e in self.sandbox_journal() if e["path"] == "/invoices"]
        self.assertTrue(search)
        asked = ",".join(search[0]["query"]["status"]).split(",")
        self.assertEqual(sorted(asked), sorted(ACCEPTED))

    def test_pending_invoice_invalidated_leaves_the_list(self):
        invoices = self.seed(3, unmappedAccountEvery=1)
        self.fetch()
        self.assertEqual(len(self.connection.bill_pending_ids), 3)
        first = min(invoices)
        self.sandbox_post(f"/_sandbox/invoices/{first}/status", {"status": "INVALIDATED"})
        self.fetch()
        self.assertEqual(len(self.connection.bill_pending_ids), 2)
        self.assertNotIn(first, self.connection.bill_pending_ids.mapped("procountor_id"))

    def test_suppliers_linked_or_created_once(self):
        from procountor_sandbox import purchases

        existing = self.env["res.partner"].create(
            {
                "name": "Toimittaja Vanha Nimi",
                "is_company": True,
                "company_registry": purchases.generated_supplier(3)["invoicingInfo"]["identifier"],
            }
        )
        partners_before = self.env["res.partner"].search_count([])
        self.seed(40)
        self.fetch()
        links = self.env["procountor.partner.link"].search(
            [("connection_id", "=", self.connection.id)]
        )
        self.assertEqual(len(links), 20)
        self.assertEqual(set(links.mapped("partner_type")), {"supplier"})
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before + 19)
        supplier_3 = self.bills().filtered(
            lambda m: m.partner_id.name != "Toimittaja 03 Oy" and m.partner_id == existing
        )
        self.assertEqual(len(supplier_3), 2, "the matching Odoo partner is linked, not duplicated")
        # More invoices of the same suppliers: no new partner nor link.
        self.seed(45)
        self.fetch()
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before + 19)
        self.assertEqual(
            self.env["procountor.partner.link"].search_count(
                [("connection_id", "=", self.connection.id)]
            ),
            20,
        )

    def test_ambiguous_supplier_waits_with_the_reason(self):
        from procountor_sandbox import purchases

        business_id = purchases.generated_supplier(0)["invoicingInfo"]["identifier"]
        self.env["res.partner"].create(
            [
                {"name": f"Kaksoiskappale {n}", "is_company": True, "company_registry": business_id}
                for n in (1, 2)
            ]
        )
        self.seed(21)  # supplier 0 has invoices 0 and 20
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (19, 2))
        for row in self.connection.bill_pending_ids:
            self.assertIn("matches several Odoo partners", row.reason)
            self.assertIn("Kaksoiskappale", row.reason)

    def test_posted_or_draft(self):
        self.seed(4)
        self.fetch()
        self.assertEqual(set(self.bills().mapped("state")), {"draft"})
        self.connection.bill_import_post = True
        self.seed(4)
        self.fetch()
        posted = self.bills().filtered(lambda m: m.state == "posted")
        self.assertEqual(len(posted), 4)
        self.assertEqual(len(self.bills()), 8)
        # An imported bill mirrors Procountor: it is never sent back as a purchase invoice.
        self.connection.purchase_send_enabled = True
        self.assertEqual({bill._procountor_send_kind() for bill in posted}, {""})

    def test_foreign_currency_and_refund(self):
        from procountor_sandbox import purchases

        usd = self.env.ref("base.USD")
        usd.active = True
        dollar = purchases.generated_purchase_invoice(0)
        dollar["invoice"]["paymentInfo"].update(currency="USD", currencyRate=1.1)
        dollar["invoice"]["invoiceRows"] = [
            {**dollar["invoice"]["invoiceRows"][0], "unitPrice": 110.0, "quantity": 1}
        ]
        credit = purchases.generated_purchase_invoice(1)
        credit["invoice"]["invoiceRows"] = [
            {
                **credit["invoice"]["invoiceRows"][0],
                "quantity": -2,
                "unitPrice": 50.0,
                "vatPercent": 25.5,
                "vatStatus": 2,
            }
        ]
        credit["invoice"]["originalInvoiceNumber"] = "HYV-1"
        credit["status"] = "APPROVED"
        suppliers = [purchases.generated_supplier(0), purchases.generated_supplier(1)]
        self.sandbox_post(
            "/_sandbox/seed", {"businessPartners": suppliers, "purchaseInvoices": [dollar, credit]}
        )
        summary = self.fetch()
        reasons = "\n".join(self.connection.bill_pending_ids.mapped("reason"))
        self.assertEqual(summary.imported, 2, reasons)
        in_usd = self.bills().filtered(lambda m: m.currency_id == usd)
        self.assertEqual(money(in_usd.amount_untaxed), money(110))
        self.assertEqual(money(in_usd.amount_total), money("138.05"))
        refund = self.bills().filtered(lambda m: m.ref == "HYV-1")
        self.assertEqual(refund.move_type, "in_refund")
        self.assertEqual(money(refund.amount_total), money("125.50"))

    def test_payments_come_from_procountor_payment_events(self):
        """Not from the status: PAID (a bank event of the total) is paid by one bank payment,
        PARTLY_PAID (half) is partial, MARKED_PAID (paid elsewhere) is flagged, not paid."""
        self.connection.write({"bill_import_post": True, "bill_import_payment_state": True})
        invoices = self.seed(12)
        self.fetch()
        bank = self.connection.payment_bank_journal_id
        for bill in self.bills():
            status = invoices[bill.procountor_bill_id]["status"]
            payment = bill.matched_payment_ids
            if status == "PAID":
                self.assertIn(bill.payment_state, ("paid", "in_payment"), status)
                self.assertEqual(len(payment), 1)
                self.assertEqual(
                    str(payment.date),
                    self.sandbox.state.invoices[bill.procountor_bill_id]["paymentDate"],
                )
                self.assertEqual(payment.journal_id, bank)
            elif status == "PARTLY_PAID":
                self.assertEqual(bill.payment_state, "partial", status)
                self.assertEqual(len(payment), 1)
            elif status == "MARKED_PAID":
                self.assertEqual(bill.payment_state, "not_paid", status)
                self.assertFalse(payment)
                self.assertIn("ELSEWHERE", bill.procountor_payment_message)
            else:
                self.assertEqual(bill.payment_state, "not_paid", status)
        # An approved one is paid in Procountor later: the next run books it, once.
        approved = self.bills().filtered(lambda m: m.procountor_bill_status == "APPROVED")[:1]
        self.sandbox_post(
            f"/_sandbox/invoices/{approved.procountor_bill_id}/status",
            {"status": "PAID", "paymentDate": str(approved.invoice_date)},
        )
        summary = self.fetch()
        self.assertEqual(summary.paid, 1)
        self.assertIn(approved.payment_state, ("paid", "in_payment"))
        self.assertEqual(approved.procountor_bill_status, "PAID")
        self.assertEqual(len(approved.matched_payment_ids), 1)
        summary = self.fetch()
        self.assertEqual(summary.paid, 0)
        self.assertEqual(len(approved.matched_payment_ids), 1)

    def test_files_attached(self):
        self.connection.bill_import_attach_image = True
        invoices = self.seed(11)
        self.fetch()
        for bill in self.bills():
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

    def test_remote_failure_is_stored_and_next_run_completes(self):
        self.seed(5)
        self.add_fault(kind="status", path="/ledgerreceipts/*", status=503, times=4)
        with mute_logger("odoo.addons.procountor_connector.procountor_api.client"):
            summary = self.fetch()
        self.assertEqual(summary.failed, 1)
        self.assertFalse(self.bills())
        self.assertTrue(self.connection.bill_import_error)
        self.assertFalse(self.connection.bill_import_version, "the mark did not move")
        self.assertTrue(self.exchanges(status=503))
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=10)
        summary = self.fetch()
        self.assertEqual(summary.imported, 5)
        self.assertFalse(self.connection.bill_import_error)
        self.assertTrue(self.connection.bill_import_version)

    def test_file_download_failure_leaves_bill_pending(self):
        self.seed(2)
        self.add_fault(kind="status", path="/attachments/*", status=503, times=4)
        with mute_logger("odoo.addons.procountor_connector.procountor_api.client"):
            summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (1, 1))
        self.assertIn("files", self.connection.bill_pending_ids.reason)
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=10)
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (1, 0))
        self.assertEqual(len(self.bills()), 2)

    def test_lost_answers_then_next_run_completes(self):
        """Answers lost on the way (connection closed after the request: a time-out for the
        client), more times than the client retries: stored, then the next run completes."""
        self.seed(3)
        self.add_fault(kind="drop_after_commit", path="/invoices/*", method="GET", times=4)
        with mute_logger("odoo.addons.procountor_connector.procountor_api.client"):
            summary = self.fetch()
        self.assertEqual(summary.failed, 1)
        self.assertTrue(self.connection.bill_import_error)
        self.assertFalse(self.bills())
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=10)
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.failed), (3, 0))
        self.assertFalse(self.connection.bill_import_error)

    def test_cron_runs_each_connection_and_survives_a_failing_one(self):
        broken = self.env["procountor.connection"].create(
            self._connection_vals(
                name="Broken",
                base_url=closed_port_url(),
                bill_import_enabled=True,
                bill_import_journal_id=self.purchase_journal.id,
            )
        )
        self.seed(3)
        with mute_logger(
            "odoo.addons.procountor_connector.procountor_api.client",
            "odoo.addons.procountor_connector.models.procountor_cron_guard",
        ):
            self.env["procountor.connection"]._cron_procountor_fetch_bills()
        self.assertEqual(len(self.bills()), 3)
        self.assertTrue(broken.bill_import_error)
        self.assertFalse(self.bills(broken))
        cron = self.env.ref("procountor_connector.ir_cron_procountor_fetch_bills")
        self.assertFalse(cron.active, "optional: inactive until turned on")

    def test_same_code_accounts_found_when_run_from_another_company(self):
        """An account's code is per company in Odoo 18: a cron runs in its user's company,
        which need not be the connection's; the import still finds the connection's
        company's account of the same code."""
        other = self.env["res.company"].create({"name": "Toinen Oy"})
        self.env.user.company_ids |= other
        invoices = self.seed(2)
        connection = self.connection.with_company(other).with_context(
            allowed_company_ids=[other.id, self.company.id]
        )
        connection._procountor_fetch_bills()
        self.assertFalse(self.connection.bill_pending_ids.mapped("reason"))
        self.assertEqual(len(self.bills()), 2)
        for move in self.bills():
            invoice = invoices[move.procountor_bill_id]
            self.assert_bill_matches(move.with_company(self.company), invoice)

    def test_cron_survives_an_unexpected_error(self):
        other = self.env["procountor.connection"].create(
            self._connection_vals(
                name="Second",
                bill_import_enabled=True,
                bill_import_journal_id=self.purchase_journal.id,
            )
        )
        self.seed(2)
        Connection = self.registry["procountor.connection"]
        original = Connection._procountor_bill_mappings

        def mappings(connection):
            if connection.id == self.connection.id:
                raise KeyError("boom")
            return original(connection)

        self.patch(Connection, "_procountor_bill_mappings", mappings)
        with mute_logger("odoo.addons.procountor_connector.models.procountor_cron_guard"):
            self.env["procountor.connection"]._cron_procountor_fetch_bills()
        self.assertIn("boom", self.connection.bill_import_error)
        # The second connection ran: it has no mappings of its own, so both invoices wait.
        self.assertTrue(other.bill_import_last_run)
        self.assertFalse(other.bill_import_error)
        self.assertEqual(len(other.bill_pending_ids), 2)

    def test_never_twice_unique_index_and_lock(self):
        self.seed(1)
        self.fetch()
        bill = self.bills()
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                bill.copy(
                    {
                        "procountor_bill_id": bill.procountor_bill_id,
                        "procountor_bill_connection_id": self.connection.id,
                    }
                )
                self.env.flush_all()
        # A run while another holds the connection's lock does nothing.
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (0x50424C, self.connection.id))
            summary = self.fetch()
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (0x50424C, self.connection.id))
        self.assertTrue(summary.busy)
        self.assertEqual(len(self.bills()), 1)

    def test_button_and_retry(self):
        self.seed(2, unmappedAccountEvery=2)
        action = self.connection.action_procountor_fetch_bills()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("1 imported", action["params"]["message"])
        row = self.connection.bill_pending_ids
        self.assertEqual(len(row), 1)
        self.env["account.account"].create(
            {
                "code": "4050",
                "name": "Rakentamispalvelujen ostot",
                "account_type": "expense",
                "company_ids": [self.company.id],
            }
        )
        action = row.action_retry()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertFalse(row.exists())
        self.assertEqual(len(self.bills()), 2)

    def test_missing_setup_before_any_call(self):
        self.connection.bill_import_journal_id = False
        self.clear_journal()
        summary = self.fetch()
        self.assertIn("no vendor bill journal", summary.problem)
        self.assertFalse(self.sandbox_journal())
