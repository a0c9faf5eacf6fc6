# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bills and refunds → Procountor purchase invoices, against the sandbox.

Exactly once (lost answers after Procountor committed, a crash between the claim and the
POST, supplier invoice numbers that repeat across suppliers), the ledger receipt's accounts
and dimensions compared with the Odoo lines, every request body checked against the 26.04
schemas, the checks before any HTTP call, refusals with their remedy, updates while
Procountor allows them, the cron and the list action.
"""

import base64
import datetime
import sys
from decimal import Decimal
from pathlib import Path

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import RedirectWarning, UserError
from odoo.tests import tagged

from ..procountor_api import payloads
from .test_invoice_common import DUE_DATE, INVOICE_DATE, ProcountorInvoiceCase
from .vat_deduction import half_deductible_tax

SUPPLIER_A_IBAN = "FI49 5000 9420 0287 30"
SUPPLIER_B_IBAN = "FI58 1017 1000 0001 22"
PDF = b"%PDF-1.4\n% the vendor's bill\n%%EOF\n"


def _schemas():
    """The shared 26.04 schemas through the pure suite's helper (None when absent)."""
    tests_dir = str(Path(__file__).resolve().parents[2] / "tests")
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    import schema_support  # pylint: disable=import-outside-toplevel

    return schema_support.load()


@tagged("post_install", "-at_install")
class TestPurchaseSend(ProcountorInvoiceCase):
    # A read timeout well below the sandbox's delay after committing the write.
    client_overrides = {"backoff_factor": 0, "timeout": (2, 0.3)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.connection.write(
            {
                "invoice_attach_pdf": False,
                "purchase_send_enabled": True,
            }
        )
        cls.ptax_25_5 = cls._chart_ref("tax_dom_purchase_goods_25_5")
        cls.ptax_10 = cls._chart_ref("tax_dom_purchase_goods_10")
        cls.ptax_10.active = True
        cls.connection.action_suggest_mappings()
        cls.purchase_journal = cls.company_data["default_journal_purchase"]
        cls.expense = cls.company_data["default_account_expense"]
        cls.premises = env["account.account"].create(
            {"name": "Toimitilakulut", "code": "6801", "account_type": "expense"}
        )
        cls.payable = cls.company_data["default_account_payable"]
        ledger = {account.code: account for account in cls.connection.ledger_account_ids}
        for account, code in ((cls.expense, "4000"), (cls.premises, "6800"), (cls.payable, "2871")):
            mapping = cls.connection.account_mapping_ids.filtered(
                lambda line, a=account: line.account_id == a
            )
            mapping.unlink()
            env["procountor.account.mapping"].create(
                {
                    "connection_id": cls.connection.id,
                    "account_id": account.id,
                    "ledger_account_id": ledger[code].id,
                }
            )
        plan = env["account.analytic.plan"].create({"name": "Kustannuspaikka"})
        cls.helsinki = env["account.analytic.account"].create(
            {"name": "Helsinki", "plan_id": plan.id}
        )
        cls.tampere = env["account.analytic.account"].create(
            {"name": "Tampere", "plan_id": plan.id}
        )
        items = cls.connection.dimension_item_ids
        for analytic, code in ((cls.helsinki, "HKI"), (cls.tampere, "TRE")):
            env["procountor.analytic.mapping"].create(
                {
                    "connection_id": cls.connection.id,
                    "analytic_account_id": analytic.id,
                    "dimension_item_id": items.filtered(
                        lambda item, c=code: item.code_name == c
                    ).id,
                }
            )
        cls.supplier_a = cls._supplier("Toimittaja Oy", "1572860-0", SUPPLIER_A_IBAN)
        cls.supplier_b = cls._supplier("Tukku Ab", "0112038-9", SUPPLIER_B_IBAN)

    @classmethod
    def _supplier(cls, name, business_id, iban):
        partner = cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "street": "Teollisuuskatu 5",
                "zip": "00510",
                "city": "Helsinki",
                "country_id": cls.env.ref("base.fi").id,
                "company_registry": business_id,
                "supplier_rank": 1,
            }
        )
        cls.env["res.partner.bank"].create({"acc_number": iban, "partner_id": partner.id})
        return partner

    # ------------------------------------------------------------------ helpers

    def make_bill(self, partner=None, lines=None, ref="INV-1", post=True, **values):
        """A vendor bill; ``lines`` are (price, quantity, tax, account, analytic) tuples."""
        partner = partner or self.supplier_a
        lines = lines or [(100.0, 1, self.ptax_25_5, self.expense, None)]
        move = self.env["account.move"].create(
            {
                "move_type": values.pop("move_type", "in_invoice"),
                "partner_id": partner.id,
                "ref": ref,
                "invoice_date": INVOICE_DATE,
                "invoice_date_due": DUE_DATE,
                "journal_id": self.purchase_journal.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": f"Purchase {index}",
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.set(tax.ids)],
                            "account_id": account.id,
                            "analytic_distribution": analytic or False,
                        }
                    )
                    for index, (price, quantity, tax, account, analytic) in enumerate(lines)
                ],
                **values,
            }
        )
        if not move.partner_bank_id and move.move_type == "in_invoice":
            move.partner_bank_id = partner.bank_ids[:1]
        if post:
            move.action_post()
        return move

    def make_refund(self, bill, ref):
        refund = bill._reverse_moves(
            [{"invoice_date": INVOICE_DATE, "invoice_date_due": DUE_DATE, "ref": ref}]
        )
        refund.action_post()
        return refund

    def puts(self, remote_id):
        """PUTs of the invoice itself (not of its /approve or other actions)."""
        return len([e for e in self.api_calls("PUT") if e["path"] == f"/invoices/{remote_id}"])

    def remote_purchases(self):
        return [
            invoice
            for invoice in self.remote_invoices()
            if invoice.get("type") == "PURCHASE_INVOICE"
        ]

    def assertRequestsMatchSchemas(self):
        schemas = _schemas()
        if schemas is None:
            self.skipTest("../shared/procountor schemas absent")
        checked, problems = set(), []
        for entry in self.sandbox_journal():
            if entry["path"] == "/oauth/token" or entry.get("request_body") is None:
                continue
            operation = schemas.operation_for(entry["method"], entry["path"])
            self.assertTrue(operation, (entry["method"], entry["path"]))
            body = entry["request_body"]
            type_name = operation.request_body
            if operation.name == "saveAttachment":
                type_name, body = "Attachment", body["meta"]
            if type_name is None:
                continue
            partial = entry["method"] == "PATCH"
            problems += [
                f"{operation.name}: {error}"
                for error in schemas.errors(type_name, body, partial=partial)
            ]
            checked.add(operation.name)
        self.assertFalse(problems, "\n".join(problems))
        return checked

    def assertReceiptAsInOdoo(self, move, remote):
        """The purchase invoice's ledger receipt has Odoo's accounts and analytic split."""
        transactions = remote["ledgerReceipt"]["transactions"]
        entries = [t for t in transactions if t["transactionType"] == "ENTRY"]
        lines = move._procountor_product_lines()
        self.assertEqual(
            [entry["account"] for entry in entries],
            [self.connection._procountor_ledger_account_code(line.account_id) for line in lines],
            move.name,
        )
        for entry, line in zip(entries, lines, strict=True):
            expected = []
            for key, percent in (line.analytic_distribution or {}).items():
                analytic = self.env["account.analytic.account"].browse(int(key))
                item = self.connection._procountor_dimension_item(analytic)
                expected.append((item.procountor_id, round(abs(line.balance) * percent / 100, 2)))
            found = [(v["itemId"], v["value"]) for v in entry.get("dimensionItemValues") or ()]
            self.assertEqual(sorted(found), sorted(expected), move.name)
        (reversing,) = [t for t in transactions if t["transactionType"] == "REVERSING_ENTRY"]
        self.assertEqual(reversing["account"], "2871", move.name)

    # ------------------------------------------------------------------ exactly once

    def test_twenty_bills_exactly_once_with_ledger_accounts(self):
        self.connection.write({"invoice_accounting_rows": True, "partner_create_on_send": True})
        split = {str(self.helsinki.id): 70, str(self.tampere.id): 30}
        bills = self.env["account.move"]
        for index in range(16):
            supplier = self.supplier_a if index % 2 else self.supplier_b
            lines = [
                (100.0 + index, 1 + index % 3, self.ptax_25_5, self.expense, split),
                (40.0, 1, self.ptax_10, self.premises, {str(self.tampere.id): 100}),
            ]
            bills |= self.make_bill(supplier, lines, ref=f"S-{1000 + index}")
        for index, bill in enumerate(bills[:4]):
            bills |= self.make_refund(bill, f"CN-{index}")
        self.assertEqual(len(bills), 20)
        # A worker claimed one bill and died before its POST left: nothing in Procountor.
        claimed_only = bills[4]
        # Another died after its POST (Procountor created the invoice) and before storing it.
        posted_only = bills[5]
        stale = fields.Datetime.now() - datetime.timedelta(hours=1)
        data, problems = posted_only._procountor_prepare(self.connection)
        self.assertFalse(problems)
        with self.connection._procountor_client() as client:
            created = client.create_invoice(payloads.build_purchase_invoice(data))
        for move in claimed_only | posted_only:
            move._procountor_write(
                {
                    "procountor_state": "sending",
                    "procountor_create_unknown": True,
                    "procountor_claimed_at": stale,
                    "procountor_connection_id": self.connection.id,
                }
            )
        self.add_fault(
            kind="timeout_after_commit", path="/invoices", method="POST", every_nth=3, seconds=0.8
        )
        first = bills._procountor_send_batch()
        self.assertTrue(first.failed, "the lost answers leave bills unconfirmed")
        for move in first.failed:
            self.assertEqual(move.procountor_state, "sending", move.procountor_error)
            self.assertTrue(move.procountor_create_unknown)
        for _round in range(5):
            pending = bills.filtered(lambda move: move.procountor_state != "sent")
            if not pending:
                break
            pending._procountor_send_batch()
        remote = self.remote_purchases()
        self.assertEqual(len(remote), 20, "one purchase invoice per bill")
        by_id = {invoice["id"]: invoice for invoice in remote}
        for move in bills:
            self.assertEqual(move.procountor_state, "sent", move.procountor_error)
            invoice = by_id[move.procountor_invoice_id]
            self.assertEqual(invoice["originalInvoiceNumber"], move.ref)
            if move != posted_only:  # POSTed by the test before the supplier was linked
                self.assertEqual(
                    invoice["partnerId"],
                    move.partner_id._procountor_link(self.connection, "supplier").procountor_id,
                )
            self.assertTotalsMatch(move, invoice)
            self.assertReceiptAsInOdoo(move, invoice)
        self.assertEqual(posted_only.procountor_invoice_id, created["id"], "adopted")
        refunds = bills.filtered(lambda move: move.move_type == "in_refund")
        for move in refunds:
            rows = by_id[move.procountor_invoice_id]["invoiceRows"]
            self.assertTrue(all(row["quantity"] < 0 for row in rows))
        # Each supplier was created once in Procountor's register, as a supplier.
        partners = [entry["request_body"] for entry in self.api_calls("POST", "/businesspartners")]
        self.assertEqual(len(partners), 2)
        self.assertEqual({body["type"] for body in partners}, {"SUPPLIER"})
        checked = self.assertRequestsMatchSchemas()
        self.assertLessEqual({"saveInvoice", "updateLedgerReceipt"}, checked)

    def test_half_deductible_vat_reaches_the_accounting_rows(self):
        self.connection.invoice_accounting_rows = True
        tax = half_deductible_tax(self.connection, self.ptax_25_5, "25.5% edustus 50 %")
        bill = self.make_bill(
            lines=[
                (1000.0, 1, tax, self.expense, None),
                (200.0, 1, self.ptax_25_5, self.premises, None),
            ],
            ref="EDU-1",
        )
        share = bill.line_ids.filtered(
            lambda line: line.tax_line_id and not line.tax_repartition_line_id.use_in_tax_closing
        )
        self.assertEqual((share.account_id, share.balance), (self.expense, 127.5))
        bill._procountor_send_batch()
        self.assertEqual(bill.procountor_state, "sent", bill.procountor_error)
        (invoice,) = self.remote_purchases()
        self.assertTotalsMatch(bill, invoice)
        self.assertReceiptAsInOdoo(bill, invoice)
        entries = [
            t for t in invoice["ledgerReceipt"]["transactions"] if t["transactionType"] == "ENTRY"
        ]
        self.assertEqual(
            [(t["accountingValue"], t["vatPercent"]) for t in entries],
            [(1000.0, 25.5), (200.0, 25.5)],
        )
        self.assertEqual(entries[0]["vatDeductionPercent"], 50)
        self.assertNotIn("vatDeductionPercent", entries[1])
        deductible = bill.line_ids.filtered(
            lambda line: line.tax_line_id == tax and line.tax_repartition_line_id.use_in_tax_closing
        )
        self.assertEqual(
            payloads.procountor_deductible_vat(Decimal("1000.00"), Decimal("25.5"), Decimal(50)),
            payloads.round_cents(deductible.balance),
        )
        self.assertIn("updateLedgerReceipt", self.assertRequestsMatchSchemas())

    def test_bill_changed_only_in_its_deductible_share_is_sent_again(self):
        self.connection.invoice_accounting_rows = True
        bill = self.make_bill(lines=[(1000.0, 1, self.ptax_25_5, self.expense, None)], ref="EDU-4")
        bill._procountor_send_batch()
        self.assertEqual(bill.procountor_state, "sent", bill.procountor_error)
        tax = half_deductible_tax(self.connection, self.ptax_25_5, "25.5% edustus 50 %")
        bill.button_draft()
        bill.invoice_line_ids.tax_ids = tax
        bill.action_post()
        # Same rate, same purchase invoice body: only the accounting rows differ.
        self.assertTrue(bill.procountor_outdated)
        bill._procountor_send_batch()
        self.assertEqual(bill.procountor_state, "sent", bill.procountor_error)
        self.assertFalse(bill.procountor_outdated)
        (invoice,) = self.remote_purchases()
        (entry,) = [
            t for t in invoice["ledgerReceipt"]["transactions"] if t["transactionType"] == "ENTRY"
        ]
        self.assertEqual(entry["vatDeductionPercent"], 50)

    def test_non_deductible_share_that_cannot_reach_procountor_is_refused(self):
        tax = half_deductible_tax(self.connection, self.ptax_25_5, "25.5% edustus 50 %")
        bill = self.make_bill(lines=[(1000.0, 1, tax, self.expense, None)], ref="EDU-2")
        # Without the accounting step the share has no row to go on.
        self.connection.invoice_accounting_rows = False
        bill._procountor_send_batch()
        self.assertEqual(bill.procountor_state, "error")
        self.assertIn(
            "Line Purchase 0: tax 25.5% edustus 50 % is 50.0 % deductible", bill.procountor_error
        )
        self.assertIn("Set Accounts and Dimensions", bill.procountor_error)
        # A share booked on an account of its own: Procountor books it on the row's account.
        own = half_deductible_tax(
            self.connection, self.ptax_25_5, "25.5% edustus omalle tilille", self.premises
        )
        other = self.make_bill(lines=[(1000.0, 1, own, self.expense, None)], ref="EDU-3")
        self.connection.invoice_accounting_rows = True
        other._procountor_send_batch()
        self.assertEqual(other.procountor_state, "error")
        self.assertIn(
            "Line Purchase 0: tax 25.5% edustus omalle tilille books its", other.procountor_error
        )
        self.assertIn(self.premises.code, other.procountor_error)
        self.assertFalse(self.sandbox_journal())

    def test_sent_bill_cancelled_is_invalidated_or_refused_with_remedy(self):
        self.connection.purchase_approve = True
        bill = self.make_bill(ref="CAN-1")
        bill._procountor_send_batch()
        self.assertEqual(bill.procountor_status, "APPROVED", bill.procountor_error)
        with self.assertRaises(RedirectWarning):
            bill.button_draft()
        self.assertEqual(bill.state, "posted")
        # Cancelling is its own decision: Odoo's reset on the way asks nothing more.
        bill.button_cancel()
        self.assertEqual(bill.state, "cancel")
        self.assertTrue(bill.procountor_outdated and bill.procountor_can_invalidate)
        self.assertTrue(any("Invalidate in Procountor" in (m.body or "") for m in bill.message_ids))
        bill.action_procountor_invalidate()
        self.assertEqual(bill.procountor_state, "invalidated")
        (remote,) = self.remote_purchases()
        self.assertEqual(remote["status"], "INVALIDATED")
        # Paid in Procountor meanwhile: it refuses; the refusal and the remedy are stored.
        paid = self.make_bill(ref="CAN-2")
        paid._procountor_send_batch()
        self.sandbox_post(
            f"/_sandbox/invoices/{paid.procountor_invoice_id}/status",
            {"status": "PAID", "paymentDate": "2026-03-20"},
        )
        paid.button_cancel()
        result = paid.action_procountor_invalidate()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertEqual(paid.procountor_state, "sent")
        self.assertTrue(paid.procountor_outdated and paid.procountor_can_invalidate)
        self.assertIn("did not invalidate", paid.procountor_error)
        self.assertIn("vendor refund", paid.procountor_error)
        refused = self.exchanges(operation="invalidate_invoice").filtered(lambda e: not e.ok)
        self.assertEqual((refused.res_model, refused.res_id), ("account.move", paid.id))
        # Only cancelled moves: a posted bill's document is corrected, not invalidated.
        posted = self.make_bill(ref="CAN-3")
        posted._procountor_send_batch()
        with self.assertRaises(UserError):
            posted.action_procountor_invalidate()

    def test_same_number_from_two_suppliers(self):
        """Supplier numbers repeat across suppliers: another supplier's purchase invoice
        with the same number is never adopted, nor taken for a conflict."""
        bill_b = self.make_bill(self.supplier_b, ref="1001")
        bill_b._procountor_send_batch()
        self.assertEqual(bill_b.procountor_state, "sent", bill_b.procountor_error)
        bill_a = self.make_bill(self.supplier_a, ref="1001")
        # A's POST fails without an answer that proves anything (nothing was created).
        self.add_fault(kind="status", path="/invoices", method="POST", status=503, times=1)
        bill_a._procountor_send_batch()
        self.assertEqual(bill_a.procountor_state, "sending")
        self.assertTrue(bill_a.procountor_create_unknown)
        bill_a._procountor_send_batch()
        self.assertEqual(bill_a.procountor_state, "sent", bill_a.procountor_error)
        self.assertNotEqual(bill_a.procountor_invoice_id, bill_b.procountor_invoice_id)
        numbers = [invoice["originalInvoiceNumber"] for invoice in self.remote_purchases()]
        self.assertEqual(numbers, ["1001", "1001"])
        self.assertFalse(any("adopted" in (m.body or "") for m in bill_a.message_ids))
        # The search after the unconfirmed POST looked at purchase invoices only.
        searches = [
            entry
            for entry in self.api_calls("GET", "/invoices")
            if "originalInvoiceNumber" in (entry.get("query") or {})
        ]
        self.assertEqual(len(searches), 1)
        self.assertEqual(searches[0]["query"]["types"], ["PURCHASE_INVOICE"])
        # And a lost answer after Procountor committed A's invoice adopts A's own.
        bill_a2 = self.make_bill(self.supplier_a, ref="1002")
        self.make_bill(self.supplier_b, ref="1002")._procountor_send_batch()
        self.add_fault(
            kind="timeout_after_commit", path="/invoices", method="POST", times=1, seconds=0.8
        )
        bill_a2._procountor_send_batch()
        self.assertEqual(bill_a2.procountor_state, "sending")
        bill_a2._procountor_send_batch()
        self.assertEqual(bill_a2.procountor_state, "sent", bill_a2.procountor_error)
        mine = [
            invoice
            for invoice in self.remote_purchases()
            if invoice["originalInvoiceNumber"] == "1002"
        ]
        self.assertEqual(len(mine), 2)
        own = next(i for i in mine if i["counterParty"]["identifier"] == "1572860-0")
        self.assertEqual(bill_a2.procountor_invoice_id, own["id"])

    # ------------------------------------------------------------------ checks and refusals

    def test_same_supplier_same_number_other_total_is_a_conflict(self):
        """After a lost answer, this supplier's invoice with the number but another total is
        not adopted (it is not this bill) and nothing is created: a person decides."""
        first = self.make_bill(self.supplier_a, ref="DUP-1")
        first._procountor_send_batch()
        self.assertEqual(first.procountor_state, "sent", first.procountor_error)
        second = self.make_bill(
            self.supplier_a, ref="DUP-1", lines=[(999.0, 1, self.ptax_25_5, self.expense, None)]
        )
        second._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": fields.Datetime.now() - datetime.timedelta(hours=1),
                "procountor_connection_id": self.connection.id,
            }
        )
        posts = len(self.api_calls("POST", "/invoices"))
        summary = second._procountor_send_batch()
        self.assertEqual(summary.failed, second)
        self.assertEqual(second.procountor_state, "error")
        self.assertFalse(second.procountor_error_retryable)
        self.assertIn("purchase invoice of this supplier numbered DUP-1", second.procountor_error)
        self.assertIn(str(first.procountor_invoice_id), second.procountor_error)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), posts, "nothing created")
        self.assertFalse(second.procountor_invoice_id)

    def test_checks_listed_at_once_before_any_call(self):
        unmapped = self.ptax_25_5.copy({"name": "Unmapped purchase 25.5%"})
        no_ref = self.make_bill(
            ref=False, lines=[(10.0, 1, unmapped, self.expense, None)], payment_reference="123"
        )
        no_ref.partner_bank_id = False
        problems = no_ref._procountor_prepare(self.connection)[1]
        text = "\n".join(problems)
        self.assertIn("no bill reference", text)
        self.assertIn("no recipient bank account", text)
        self.assertIn("Unmapped purchase 25.5%", text)
        self.assertIn("not a valid Finnish or RF reference", text)
        bad_iban = self.env["res.partner"].create(
            {"name": "Väärä Tili Oy", "country_id": self.env.ref("base.fi").id}
        )
        self.env["res.partner.bank"].create(
            {"acc_number": "FI49 5000 9420 0287 31", "partner_id": bad_iban.id}
        )
        sales_tax = self.make_bill(
            bad_iban, ref="X-1", lines=[(10.0, 1, self.tax_25_5, self.expense, None)]
        )
        wrong_bank = self.make_bill(self.supplier_a, ref="W-1", post=False)
        wrong_bank.partner_bank_id = self.supplier_b.bank_ids
        wrong_bank.action_post()
        self.assertIn(
            "is not an account of supplier Toimittaja Oy",
            "\n".join(wrong_bank._procountor_prepare(self.connection)[1]),
        )
        summary = (no_ref | sales_tax)._procountor_send_batch()
        self.assertEqual(summary.failed, no_ref | sales_tax)
        self.assertFalse(self.sandbox_journal(), "no HTTP call at all")
        self.assertEqual(no_ref.procountor_state, "error")
        self.assertIn("no bill reference", no_ref.procountor_error)
        self.assertIn("no recipient bank account", no_ref.procountor_error)
        self.assertIn("not a valid IBAN", sales_tax.procountor_error)
        self.assertIn("is not a purchase tax", sales_tax.procountor_error)

    def test_oversized_attachment_refused_and_attachment_uploaded(self):
        bill = self.make_bill(ref="PDF-1")
        attachment = self.env["ir.attachment"].create(
            {
                "name": "bill-PDF-1.pdf",
                "raw": PDF,
                "res_model": "account.move",
                "res_id": bill.id,
                "mimetype": "application/pdf",
            }
        )
        bill.message_main_attachment_id = attachment
        bill._procountor_send_batch()
        self.assertEqual(bill.procountor_state, "sent", bill.procountor_error)
        self.assertEqual(bill.procountor_step, "attached")
        (upload,) = self.api_calls("POST", "/attachments")
        meta = upload["request_body"]["meta"]
        self.assertEqual(meta["referenceType"], "INVOICE")
        self.assertEqual(meta["referenceId"], bill.procountor_invoice_id)
        self.assertFalse(meta["sendWithInvoice"])
        # Without an attachment a bill goes without one.
        plain = self.make_bill(ref="PDF-2")
        plain._procountor_send_batch()
        self.assertEqual(plain.procountor_state, "sent", plain.procountor_error)
        self.assertEqual(len(self.api_calls("POST", "/attachments")), 1)
        # Over Procountor's limit: refused before the purchase invoice is created.
        big = self.make_bill(ref="PDF-3")
        big.message_main_attachment_id = self.env["ir.attachment"].create(
            {
                "name": "scan.pdf",
                "datas": base64.b64encode(b"0" * 10_000_001),
                "res_model": "account.move",
                "res_id": big.id,
            }
        )
        calls = len(self.sandbox_journal())
        big._procountor_send_batch()
        self.assertEqual(big.procountor_state, "error")
        self.assertIn("10,000,001 bytes", big.procountor_error)
        self.assertEqual(len(self.sandbox_journal()), calls)
        self.assertIn("saveAttachment", self.assertRequestsMatchSchemas())

    def test_refusal_is_stored_with_remedy(self):
        # 2024 is a closed fiscal year in the sandbox: Procountor answers 400.
        bill = self.make_bill(
            ref="OLD-1",
            lines=[(100.0, 1, self.ptax_10, self.expense, None)],
            invoice_date=datetime.date(2024, 6, 3),
            invoice_date_due=datetime.date(2024, 6, 30),
            date=datetime.date(2024, 6, 3),
        )
        summary = bill.action_procountor_send()
        self.assertEqual(summary["params"]["type"], "danger")
        self.assertEqual(bill.procountor_state, "error")
        self.assertFalse(bill.procountor_create_unknown)
        self.assertIn("CLOSED_FISCAL_PERIOD", bill.procountor_error)
        self.assertIn("Fix:", bill.procountor_error)
        logged = self.exchanges(res_model="account.move", res_id=bill.id)
        refused = logged.filtered(lambda exchange: exchange.status == 400)
        self.assertEqual(refused.operation, "create_invoice")
        self.assertIn("CLOSED_FISCAL_PERIOD", refused.error_codes)

    # ------------------------------------------------------------------ updates and approval

    def test_changed_bill_updated_while_unfinished_refused_after_approval(self):
        bill = self.make_bill(ref="CH-1")
        bill._procountor_send_batch()
        first_id = bill.procountor_invoice_id
        self.assertEqual(bill.procountor_status, "UNFINISHED")
        self.repost_with_price(bill, 120.0)
        self.assertTrue(bill.procountor_outdated)
        bill._procountor_send_batch()
        self.assertFalse(bill.procountor_outdated, bill.procountor_error)
        self.assertEqual(bill.procountor_invoice_id, first_id)
        self.assertEqual(self.puts(first_id), 1)
        (remote,) = [i for i in self.remote_purchases() if i["id"] == first_id]
        self.assertTotalsMatch(bill, remote)
        # Approved in Procountor: a change is refused with what to do.
        with self.connection._procountor_client() as client:
            client.approve_invoice(first_id)
        self.repost_with_price(bill, 130.0)
        summary = bill._procountor_send_batch()
        self.assertEqual(summary.failed, bill)
        self.assertEqual(bill.procountor_state, "sent")
        self.assertTrue(bill.procountor_outdated)
        self.assertIn("Approved", bill.procountor_error)
        self.assertIn("return it to unfinished", bill.procountor_error)
        self.assertEqual(self.puts(first_id), 1, "no PUT once approved")
        self.assertRequestsMatchSchemas()

    def test_changed_bill_updated_while_received(self):
        """RECEIVED (sent to circulation in Procountor) still takes a PUT for purchase
        invoices (api-notes 4.1), unlike sales invoices."""
        bill = self.make_bill(ref="CH-2")
        bill._procountor_send_batch()
        remote_id = bill.procountor_invoice_id
        self.sandbox_post(f"/_sandbox/invoices/{remote_id}/status", {"status": "RECEIVED"})
        self.repost_with_price(bill, 140.0)
        self.assertTrue(bill.procountor_outdated)
        bill._procountor_send_batch()
        self.assertFalse(bill.procountor_outdated, bill.procountor_error)
        self.assertFalse(bill.procountor_error)
        self.assertEqual(bill.procountor_invoice_id, remote_id)
        self.assertEqual(self.puts(remote_id), 1)
        (remote,) = [i for i in self.remote_purchases() if i["id"] == remote_id]
        self.assertEqual(remote["status"], "RECEIVED")
        self.assertTotalsMatch(bill, remote)
        self.assertRequestsMatchSchemas()

    def test_approve_option(self):
        self.connection.purchase_approve = True
        bill = self.make_bill(ref="AP-1")
        bill._procountor_send_batch()
        self.assertEqual(bill.procountor_state, "sent", bill.procountor_error)
        self.assertEqual(bill.procountor_step, "approved")
        self.assertEqual(bill.procountor_status, "APPROVED")
        (remote,) = self.remote_purchases()
        self.assertEqual(remote["status"], "APPROVED")
        self.assertFalse(self.api_calls("PUT", f"/invoices/{bill.procountor_invoice_id}/send"))
        self.assertIn("approveInvoice1", self.assertRequestsMatchSchemas())

    # ------------------------------------------------------------------ cron, list, views

    def test_cron_sends_bills_when_enabled(self):
        self.connection.purchase_send_enabled = False
        bill = self.make_bill(ref="CR-1")
        invoice = self.make_invoice()
        self.connection.write(
            {"invoice_cron_enabled": True, "invoice_cron_date_from": datetime.date(2026, 2, 1)}
        )
        Connection = self.env["procountor.connection"]
        Connection._cron_procountor_send_invoices()
        self.assertEqual(invoice.procountor_state, "sent", invoice.procountor_error)
        self.assertEqual(bill.procountor_state, "not_sent", "bills wait until enabled")
        self.connection.purchase_send_enabled = True
        imported = self.make_bill(ref="CR-2")
        imported.procountor_bill_id = 4242  # came from Procountor: never sent back
        Connection._cron_procountor_send_invoices()
        self.assertEqual(bill.procountor_state, "sent", bill.procountor_error)
        self.assertEqual(imported.procountor_state, "not_sent")
        self.assertEqual(len(self.remote_purchases()), 1)

    def test_list_action_summary_and_views(self):
        good = self.make_bill(ref="L-1")
        bad = self.make_bill(ref="L-2")
        bad.partner_bank_id = False
        draft = self.make_bill(ref="L-3", post=False)
        action = (good | bad | draft).action_procountor_send()
        params = action["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("1 now in Procountor, 1 skipped, 1 failed", params["message"])
        self.assertIn(bad.name, params["message"])
        # The list action is offered on vendor bill lists (bound to account.move).
        bindings = self.env["ir.actions.actions"].get_bindings("account.move")["action"]
        send = self.env.ref("procountor_connector.account_move_action_procountor_send")
        self.assertIn(send.id, [binding["id"] for binding in bindings])
        bill_list = self.env.ref("account.view_in_invoice_bill_tree")
        arch = self.env["account.move"].get_view(bill_list.id, "list")["arch"]
        self.assertIn("procountor_bill_send_visible", arch)
        self.assertIn("context.get('default_move_type') == 'in_receipt'", arch)
        form = etree.fromstring(
            self.env["account.move"].get_view(self.env.ref("account.view_move_form").id)["arch"]
        )
        buttons = form.xpath("//header/button[@name='action_procountor_send']")
        self.assertTrue(any("procountor_bill_send_visible" in b.get("invisible") for b in buttons))
        page = form.xpath("//page[@name='procountor']")[0]
        self.assertIn("procountor_bill_send_visible", page.get("invisible"))
        self.assertTrue(form.xpath("//page[@name='procountor']//field[@name='procountor_error']"))
        self.assertTrue(
            form.xpath(
                "//page[@name='procountor']//button[@name='action_procountor_view_exchanges']"
            )
        )
        search = self.env.ref("account.view_account_bill_filter")
        search_arch = self.env["account.move"].get_view(search.id, "search")["arch"]
        self.assertIn("procountor_not_sent", search_arch)
        self.assertIn("in_invoice", search_arch)
        not_sent = self.env["account.move"].search(
            [("procountor_bill_send_visible", "=", True), ("procountor_state", "=", "error")]
        )
        self.assertEqual(not_sent, bad)
        self.assertTrue(good.procountor_bill_send_visible)
        self.connection.purchase_send_enabled = False
        (good | draft).invalidate_recordset(["procountor_bill_send_visible"])
        self.assertTrue(good.procountor_bill_send_visible, "it has a Procountor state")
        self.assertFalse(draft.procountor_bill_send_visible)
