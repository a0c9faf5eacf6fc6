# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bill import at the edges: bills that went the other way, malformed answers,
non-deductible VAT, foreign currencies at Procountor's rate, invoices that change after
import, the re-try of waiting rows and the overlap of incremental runs."""

import psycopg2

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_bill_import import BillImportCase, money


@tagged("post_install", "-at_install")
class TestBillImportEdges(BillImportCase):
    # ------------------------------------------------------------------ helpers

    def vendor_bill(self, ref="SENT-1", **values):
        """A posted Odoo vendor bill of the connection's company (not imported)."""
        bill = self.init_invoice(
            "in_invoice",
            partner=self.partner_a,
            amounts=[100.0],
            taxes=self.tax_255,
            post=True,
            company=self.company,
        )
        bill.ref = ref
        if values:
            bill.write(values)
        return bill

    # ------------------------------------------------------------------ never twice

    def test_bill_sent_from_odoo_is_not_imported_back(self):
        invoices = self.seed(3)
        sent_id = min(invoices)
        sent = self.vendor_bill(
            procountor_connection_id=self.connection.id,
            procountor_invoice_id=sent_id,
            procountor_state="sent",
        )
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (2, 0))
        self.assertNotIn(sent_id, self.bills().mapped("procountor_bill_id"))
        self.assertEqual(summary.unchanged, 1)
        # Re-runs (the mark moved on) and a run of only that id change nothing.
        self.connection.bill_import_version = False
        self.fetch()
        self.connection._procountor_fetch_bills(only_ids=[sent_id])
        self.assertEqual(len(self.bills()), 2)
        self.assertFalse(sent.procountor_bill_id)

    def test_bill_being_sent_waits_until_its_id_is_known(self):
        invoices = self.seed(2)
        first = min(invoices)
        # A send claimed a bill with the same supplier invoice number: its POST is out,
        # the answer (the id) not stored yet.
        sending = self.vendor_bill(
            ref=invoices[first]["originalInvoiceNumber"],
            procountor_connection_id=self.connection.id,
            procountor_state="sending",
            procountor_create_unknown=True,
        )
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (1, 1))
        row = self.connection.bill_pending_ids
        self.assertEqual(row.procountor_id, first)
        self.assertIn(sending.name, row.reason)
        # The send completes: the id is stored; the next run drops the row, imports nothing.
        sending.write(
            {
                "procountor_invoice_id": first,
                "procountor_create_unknown": False,
                "procountor_state": "sent",
            }
        )
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (0, 0))
        self.assertFalse(self.connection.bill_pending_ids)
        self.assertEqual(len(self.bills()), 1)

    def test_database_refuses_an_imported_copy_of_a_sent_bill(self):
        sent = self.vendor_bill(
            procountor_connection_id=self.connection.id,
            procountor_invoice_id=777001,
            procountor_state="sent",
        )
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                sent.copy(
                    {
                        "procountor_bill_id": 777001,
                        "procountor_bill_connection_id": self.connection.id,
                    }
                )
                self.env.flush_all()

    def test_update_of_a_database_with_bills_imported_back_does_not_fail(self):
        """Where the bug already imported sent bills back, the module update logs the
        doubles instead of failing on the new unique index."""
        self.env.cr.execute("DROP INDEX account_move_procountor_purchase_uniq")
        sent = self.vendor_bill(
            procountor_connection_id=self.connection.id,
            procountor_invoice_id=777002,
            procountor_state="sent",
        )
        double = sent.copy(
            {"procountor_bill_id": 777002, "procountor_bill_connection_id": self.connection.id}
        )
        self.env.flush_all()
        with self.assertLogs(
            "odoo.addons.procountor_connector.models.account_move_bill_import", "WARNING"
        ) as logs:
            self.env["account.move"].init()
        self.assertIn(f"[{sent.id}, {double.id}]", logs.output[0])

    # ------------------------------------------------------------------ malformed answers

    def test_malformed_bills_wait_with_the_reason_and_the_others_import(self):
        from procountor_sandbox.routes.invoices import invoice_view

        invoices = self.seed(4)
        first, second, third, fourth = sorted(invoices)
        state = self.sandbox.state
        # A ledger receipt row whose VAT percent is not a number.
        receipt = state.ledgerReceipts[invoices[first]["ledgerReceiptId"]]
        entry = next(t for t in receipt["transactions"] if t["transactionType"] == "ENTRY")
        entry["vatPercent"] = "abc"
        # An invoice that comes back without its id.
        views = [invoice_view(state, state.invoices[i]) for i in (first, second, third, fourth)]
        del views[1]["id"]
        self.add_fault(
            kind="status", path="/invoices/*", method="GET", status=200, body=views, times=1
        )
        # A search row without an id (besides the four good ones).
        rows = [
            {
                "id": i,
                "type": "PURCHASE_INVOICE",
                "status": state.invoices[i]["status"],
                "version": state.invoices[i]["version"],
            }
            for i in (first, second, third, fourth)
        ]
        search = {
            "results": [{"type": "PURCHASE_INVOICE", "status": "APPROVED"}, *rows],
            "meta": {"pageNumber": 0, "pageSize": 200, "resultCount": 5, "totalCount": 5},
        }
        self.add_fault(
            kind="status", path="/invoices", method="GET", status=200, body=search, times=1
        )
        with mute_logger("odoo.addons.procountor_connector.models.procountor_cron_guard"):
            self.env["procountor.connection"]._cron_procountor_fetch_bills()
        self.assertEqual(
            sorted(self.bills().mapped("procountor_bill_id")), [third, fourth], "the others go on"
        )
        pending = {row.procountor_id: row.reason for row in self.connection.bill_pending_ids}
        self.assertEqual(set(pending), {first, second})
        self.assertIn("Unexpected answer from Procountor", pending[first])
        self.assertIn("vatPercent", pending[first])
        self.assertIn("'abc'", pending[first])
        self.assertIn("Unexpected answer from Procountor", pending[second])
        self.assertIn("without its id", pending[second])
        error = self.connection.bill_import_error or ""
        self.assertIn("without an id", error)
        self.assertNotIn("KeyError", error)
        self.assertNotIn("failed: 'id'", error)
        # Procountor answers well again: both import, nothing twice.
        entry["vatPercent"] = 25.5
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (2, 0))
        self.assertEqual(len(self.bills()), 4)
        self.assertFalse(self.connection.bill_import_error)

    # ------------------------------------------------------------------ non-deductible VAT

    def half_deductible_tax(self):
        """25.5 % purchase VAT of which half is deductible: the other half is booked on the
        expense (Odoo 18: a tax repartition line without account, out of the tax closing)."""
        tax = self.tax_255.copy({"name": "25.5% osto, 50 % vähennyskelpoinen"})
        vat_account = self.tax_255.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id
        lines = [
            Command.clear(),
            Command.create({"repartition_type": "base", "factor_percent": 100}),
            Command.create(
                {
                    "repartition_type": "tax",
                    "factor_percent": 50,
                    "account_id": vat_account.id,
                    "use_in_tax_closing": True,
                }
            ),
            Command.create(
                {"repartition_type": "tax", "factor_percent": 50, "use_in_tax_closing": False}
            ),
        ]
        tax.write({"invoice_repartition_line_ids": lines, "refund_repartition_line_ids": lines})
        self.assertEqual(tax._procountor_vat_deduction_percent(), 50.0)
        connection = self.connection
        self.env["procountor.tax.mapping"].create(
            {
                "connection_id": connection.id,
                "tax_id": tax.id,
                "vat_percent_id": connection.vat_percent_ids.filtered(
                    lambda vat: vat.percent == 25.5
                ).id,
                "vat_status_id": connection.vat_status_ids.filtered(lambda st: st.code == 2).id,
            }
        )
        return tax, vat_account

    def seed_rows(self, *bookings, index=0, unit_price=100.0):
        """One accepted purchase invoice of ``unit_price`` + 25.5 % VAT per booking (ENTRY)."""
        from procountor_sandbox import purchases

        spec = purchases.generated_purchase_invoice(index)
        row = spec["invoice"]["invoiceRows"][0]
        spec["invoice"]["invoiceRows"] = [
            {
                **row,
                "product": f"Edustus {n}",
                "quantity": 1,
                "unitPrice": unit_price,
                "vatPercent": 25.5,
                "vatStatus": 2,
            }
            for n in range(len(bookings))
        ]
        spec["accounting"] = list(bookings)
        spec["status"] = "APPROVED"
        spec.pop("attachments", None)
        self.sandbox_post(
            "/_sandbox/seed",
            {"businessPartners": [purchases.generated_supplier(index)], "purchaseInvoices": [spec]},
        )
        return max(self.sandbox.state.invoices)

    def test_half_deductible_vat_row_books_the_other_half_on_the_expense(self):
        half, vat_account = self.half_deductible_tax()
        invoice_id = self.seed_rows(
            {"account": "4000", "vatDeductionPercent": 50}, {"account": "6800"}
        )
        summary = self.fetch()
        reasons = "\n".join(self.connection.bill_pending_ids.mapped("reason"))
        self.assertEqual(summary.imported, 1, reasons)
        bill = self.bills()
        invoice = self.sandbox.state.invoices[invoice_id]
        lines = bill.invoice_line_ids.sorted("sequence")
        self.assertEqual(lines[0].tax_ids, half)
        self.assertEqual(lines[1].tax_ids, self.tax_255, "an ordinary row keeps the ordinary tax")
        totals = invoice["invoiceSumInfo"][0]
        self.assertEqual(money(bill.amount_total), money(totals["invoiceSumTotal"]))
        self.assertEqual(money(bill.amount_untaxed), money(totals["excludingVatTotal"]))
        self.assertEqual(money(bill.amount_tax), money(totals["vatSumTotal"]))
        by_account = {}
        for line in bill.line_ids:
            by_account[line.account_id.code] = (
                by_account.get(line.account_id.code, 0) + line.balance
            )
        # 4000: the net 100.00 and the non-deductible 12.75; the VAT receivable only holds
        # the deductible 12.75 of the first row and the 25.50 of the second.
        self.assertEqual(money(by_account["4000"]), money("112.75"))
        self.assertEqual(money(by_account["6800"]), money("100.00"))
        self.assertEqual(money(by_account[vat_account.code]), money("38.25"))
        payable = bill.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertEqual(money(-payable.balance), money("251.00"))

    def test_deductible_vat_a_cent_apart_waits_until_the_tax_rounds_as_procountor(self):
        """100.04 + 25.5 % = VAT 25.51, half deductible: Procountor deducts 12.76 (half up per
        row). With the deductible repartition line first Odoo gives it 12.75: the VAT returns
        would differ by a cent, so the bill waits with the reason; with the non-deductible
        line first Odoo deducts 12.76 too, and the bill is imported."""
        half, vat_account = self.half_deductible_tax()
        self.seed_rows({"account": "4000", "vatDeductionPercent": 50}, unit_price=100.04)
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (0, 1))
        reason = self.connection.bill_pending_ids.reason
        self.assertIn("12.76", reason)
        self.assertIn("non-deductible line first", reason)

        deductible = half.invoice_repartition_line_ids.filtered("use_in_tax_closing")
        for repartition in half.invoice_repartition_line_ids | half.refund_repartition_line_ids:
            if repartition.repartition_type == "tax":
                repartition.sequence = 20 if repartition.use_in_tax_closing else 10
        self.env.invalidate_all()  # the tax reads its repartition lines in the new order
        self.assertTrue(deductible)
        summary = self.fetch()
        reasons = "\n".join(self.connection.bill_pending_ids.mapped("reason"))
        self.assertEqual(summary.imported, 1, reasons)
        closing = self.bills().line_ids.filtered(
            lambda line: line.tax_repartition_line_id.use_in_tax_closing
        )
        self.assertEqual(money(sum(closing.mapped("balance"))), money("12.76"))
        self.assertEqual(closing.account_id, vat_account)

    def test_row_with_a_share_no_tax_has_waits_naming_the_row(self):
        self.half_deductible_tax()
        self.seed_rows({"account": "4000", "vatDeductionPercent": 30})
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (0, 1))
        reason = self.connection.bill_pending_ids.reason
        self.assertIn("Row Edustus 0", reason)
        self.assertIn("30 %", reason)
        self.assertIn("deductible share", reason)

    # ------------------------------------------------------------------ foreign currencies

    def test_foreign_currency_bill_books_procountors_euros(self):
        """1,000.00 SEK + 25.5 % at Procountor's 11.2345 SEK/EUR while Odoo's own SEK rate
        is 11.00: imported (no totals refusal), in SEK as invoiced, and in euros exactly as
        Procountor booked (expense, VAT, payable)."""
        from procountor_sandbox import purchases

        sek = self.setup_other_currency("SEK", rates=[("2020-01-01", 11.0)])
        spec = purchases.generated_purchase_invoice(2)
        spec["invoice"]["paymentInfo"].update(currency="SEK", currencyRate=11.2345)
        spec["invoice"]["invoiceRows"] = [
            {
                **spec["invoice"]["invoiceRows"][0],
                "quantity": 1,
                "unitPrice": 1000.0,
                "vatPercent": 25.5,
                "vatStatus": 2,
            }
        ]
        spec["accounting"] = [{"account": "4000"}]
        spec["status"] = "APPROVED"
        self.sandbox_post(
            "/_sandbox/seed",
            {"businessPartners": [purchases.generated_supplier(2)], "purchaseInvoices": [spec]},
        )
        invoice = self.sandbox.state.invoices[max(self.sandbox.state.invoices)]
        receipt = self.sandbox.state.ledgerReceipts[invoice["ledgerReceiptId"]]
        booked = {t["transactionType"]: t["accountingValue"] for t in receipt["transactions"]}
        euros = next(e for e in invoice["invoiceSumInfo"] if e["currency"] == "EUR")
        summary = self.fetch()
        reasons = "\n".join(self.connection.bill_pending_ids.mapped("reason"))
        self.assertEqual((summary.imported, summary.pending), (1, 0), reasons)
        bill = self.bills()
        self.assertEqual(bill.currency_id, sek)
        self.assertEqual(bill.invoice_currency_rate, 11.2345)
        self.assertEqual(money(bill.amount_untaxed), money("1000.00"))
        self.assertEqual(money(bill.amount_total), money("1255.00"))
        product = bill.invoice_line_ids
        tax = bill.line_ids.filtered("tax_repartition_line_id")
        payable = bill.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertEqual(money(product.balance), money(booked["ENTRY"]))
        self.assertEqual(money(payable.balance), money(booked["REVERSING_ENTRY"]))
        self.assertEqual(money(-payable.balance), money(euros["invoiceSumTotal"]))
        self.assertEqual(money(sum(tax.mapped("balance"))), money(euros["vatSumTotal"]))
        self.assertEqual(money(bill.amount_total_signed), money(-euros["invoiceSumTotal"]))
        bill.action_post()
        self.assertEqual(money(payable.balance), money(booked["REVERSING_ENTRY"]))
        self.assertEqual(money(product.balance), money(booked["ENTRY"]))

    # ------------------------------------------------------------------ changed after import

    def procountor(self, method, path, body=None):
        with self.connection._procountor_client() as client:
            return client.request(method, path, json=body, operation="test")

    def change_in_procountor(self, invoice_id, price):
        """Return to unfinished, change the row's price, approve again (Procountor's UI)."""
        self.procountor("PUT", f"/invoices/{invoice_id}/unfinished", {})
        current = self.procountor("GET", f"/invoices/{invoice_id}")
        body = {
            key: value
            for key, value in current.items()
            if key
            not in (
                "id",
                "invoiceNumber",
                "status",
                "ledgerReceiptId",
                "invoiceSumInfo",
                "creatorId",
                "paymentDate",
                "attachments",
            )
        }
        body["invoiceRows"] = [{**row, "unitPrice": price} for row in body["invoiceRows"][:1]]
        for row in body["invoiceRows"]:
            row.pop("id", None)
        self.procountor("PUT", f"/invoices/{invoice_id}", body)
        self.procountor("PUT", f"/invoices/{invoice_id}/approve", {})

    def test_bills_changed_or_invalidated_in_procountor_are_updated_or_flagged(self):
        invoices = self.seed(2, statuses=["APPROVED"])
        posted_id, draft_id = sorted(invoices)
        self.fetch()
        by_id = {bill.procountor_bill_id: bill for bill in self.bills()}
        posted, draft = by_id[posted_id], by_id[draft_id]
        posted.action_post()
        posted_total = posted.amount_total
        self.change_in_procountor(posted_id, 500.0)
        self.change_in_procountor(draft_id, 300.0)
        summary = self.fetch()
        # The draft follows Procountor (it stayed stale before).
        new = self.sandbox.state.invoices[draft_id]["invoiceSumInfo"][0]
        self.assertEqual(money(draft.amount_total), money(new["invoiceSumTotal"]))
        self.assertEqual(summary.changed, 2)
        # The posted bill is not rewritten: flagged with what changed.
        self.assertEqual(posted.amount_total, posted_total)
        self.assertIn("Total", posted.procountor_bill_change)
        self.assertIn("627.5", posted.procountor_bill_change)
        self.assertFalse(draft.procountor_bill_change)
        self.assertEqual(draft.procountor_bill_status, "APPROVED")
        # Invalidated afterwards: the draft is flagged (it was not even searched before).
        self.procountor("PUT", f"/invoices/{draft_id}/invalidate", {})
        summary = self.fetch()
        self.assertEqual(summary.changed, 1)
        self.assertIn("invalidated", draft.procountor_bill_change)
        self.assertEqual(draft.procountor_bill_status, "INVALIDATED")
        # Re-runs change nothing more; a review clears the flag.
        messages = len(posted.message_ids) + len(draft.message_ids)
        self.connection.bill_import_version = False
        summary = self.fetch()
        self.assertEqual((summary.changed, summary.imported), (0, 0))
        self.assertEqual(len(posted.message_ids) + len(draft.message_ids), messages)
        posted.action_procountor_bill_change_reviewed()
        self.assertFalse(posted.procountor_bill_change)
        self.assertEqual(len(self.bills()), 2)

    # ------------------------------------------------------------------ re-try of waiting rows

    def limited_user(self, *groups):
        return self.env["res.users"].create(
            {
                "name": "Kirjanpitäjä",
                "login": f"kirjanpitaja-{len(groups)}",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "groups_id": [(6, 0, [self.env.ref(group).id for group in groups])],
            }
        )

    def test_retry_needs_the_rights_of_the_fetch_button(self):
        self.seed(2, unmappedAccountEvery=1)
        self.fetch()
        rows = self.connection.bill_pending_ids
        self.assertEqual(len(rows), 2)
        # A Procountor user who may not create journal entries cannot import through it.
        reader = self.limited_user("base.group_user", "procountor_connector.group_procountor_user")
        with self.assertRaises(AccessError):
            rows.with_user(reader).action_retry()
        self.assertEqual(len(rows.exists()), 2)
        # Nothing selected: nothing to do (no StopIteration).
        self.assertFalse(self.env["procountor.bill.pending"].action_retry())

    def test_retry_creates_no_supplier_on_behalf_of_its_user(self):
        self.seed(1, unmappedAccountEvery=1)
        self.fetch()
        row = self.connection.bill_pending_ids
        self.env["account.account"].create(
            {
                "code": "4050",
                "name": "Rakentamispalvelujen ostot",
                "account_type": "expense",
                "company_ids": [self.company.id],
            }
        )
        # An invoicing user who may not create contacts: the supplier is not created.
        clerk = self.limited_user("account.group_account_invoice")
        partners = self.env["res.partner"].search_count([])
        self.assertFalse(clerk.has_group("base.group_partner_manager"))
        row.with_user(clerk).action_retry()
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertTrue(row.exists())
        self.assertIn("may not create contacts", row.reason)
        self.assertFalse(self.bills())
        # Someone who may: imported, with the supplier.
        row.action_retry()
        self.assertFalse(row.exists())
        self.assertEqual(len(self.bills()), 1)

    # ------------------------------------------------------------------ incremental runs

    def test_change_committed_late_is_not_skipped_and_rereading_changes_nothing(self):
        first = self.seed(1)
        self.fetch()
        mark = self.connection.bill_import_version
        self.assertTrue(mark)
        bill = self.bills()
        write_date = bill.write_date
        # Another purchase invoice whose change became visible only after that run, with
        # a version (modification time) one minute before the bookmark.
        late = {k: v for k, v in self.seed(1).items() if k not in first}
        (late_id,) = late
        from datetime import datetime, timedelta

        moment = datetime.strptime(mark[:19], "%Y-%m-%dT%H:%M:%S") - timedelta(minutes=1)
        self.sandbox.state.invoices[late_id]["version"] = moment.strftime("%Y-%m-%dT%H:%M:%S.000")
        summary = self.fetch()
        self.assertEqual(summary.imported, 1)
        self.assertEqual(len(self.bills()), 2)
        # The first bill, read again inside the overlap, is left as it was.
        self.assertEqual(bill.write_date, write_date)
        self.assertEqual(summary.unchanged, 1)
        summary = self.fetch()
        self.assertEqual((summary.imported, summary.pending), (0, 0))
        self.assertEqual(len(self.bills()), 2)

    def test_explicit_null_vat_status_uses_the_receipt_status(self):
        invoices = self.seed(1)
        (invoice,) = invoices.values()
        receipt = self.sandbox.state.ledgerReceipts[invoice["ledgerReceiptId"]]
        for row in receipt["transactions"]:
            if row["transactionType"] == "ENTRY":
                row["vatStatus"] = None
        summary = self.fetch()
        reasons = "\n".join(self.connection.bill_pending_ids.mapped("reason"))
        self.assertEqual(summary.imported, 1, reasons)
