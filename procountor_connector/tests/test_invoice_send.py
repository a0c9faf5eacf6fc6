# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sending invoices to the sandbox: the pipeline, the checks, errors and where users do it."""

import datetime

from odoo import Command
from odoo.exceptions import RedirectWarning
from odoo.tests import Form, tagged

from .test_invoice_common import ProcountorInvoiceCase

DUE = datetime.date(2026, 1, 19)


@tagged("post_install", "-at_install")
class TestInvoiceSend(ProcountorInvoiceCase):
    def _twenty_invoices(self):
        products = [
            self.product_desk,
            self.product_coffee,
            self.product_paper,
            self.product_export,
            self.product_work,
        ]
        moves = self.env["account.move"]
        for index in range(20):
            lines = [
                (products[(index + offset) % 5], 1 + (index + offset) % 4, 9.95 + 7.3 * index, 0)
                for offset in range(1 + index % 3)
            ]
            if index % 4 == 0:
                lines.append((self.product_desk, 3, 33.33, 12.5))
            partner = (self.customer_fi, self.customer_de, self.customer_us)[index % 3]
            currency = {"currency_id": self.usd.id} if index % 5 == 4 else {}
            moves |= self.make_invoice(partner=partner, lines=lines, **currency)
        return moves

    def test_twenty_invoices_with_totals_and_pdf(self):
        moves = self._twenty_invoices()
        action = moves.action_procountor_send()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertIn("20 now in Procountor", action["params"]["message"])
        remote = self.remote_by_number()
        self.assertEqual(len(self.remote_invoices()), 20)
        for move in moves:
            self.assertEqual(move.procountor_state, "sent", move.procountor_error)
            self.assertEqual(move.procountor_step, "attached")
            (invoice,) = remote[move.name]
            self.assertEqual(move.procountor_invoice_id, invoice["id"])
            self.assertEqual(move.procountor_invoice_number, invoice["invoiceNumber"])
            self.assertEqual(move.procountor_status, "UNFINISHED")
            self.assertTotalsMatch(move, invoice)
            (attachment,) = invoice["attachments"]
            self.assertEqual(attachment["name"], move._get_invoice_report_filename())
            self.assertTrue(attachment["sendWithInvoice"])
            self.assertGreaterEqual(move.procountor_exchange_count, 2)
        # One create and one upload per invoice; nothing searched, nothing repeated.
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 20)
        self.assertEqual(len(self.api_calls("POST", "/attachments")), 20)
        self.assertFalse(self.api_calls("GET", "/invoices"))

    def test_checks_are_listed_at_once_before_any_call(self):
        partner = self.env["res.partner"].create(
            {"name": "Puutteellinen Oy", "is_company": True, "procountor_invoice_channel": "EMAIL"}
        )
        move = self.make_invoice(partner=partner, post=False)
        line = move.invoice_line_ids
        line.tax_ids = [Command.set((self.tax_25_5 | self.tax_10).ids)]
        self.connection.tax_mapping_ids.filtered(lambda m: m.tax_id == self.tax_13_5).unlink()
        move.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.product_coffee.id, "quantity": 1, "price_unit": 5.0}
                    )
                ]
            }
        )
        move.action_post()
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "error")
        self.assertTrue(move.procountor_error_retryable)
        error = move.procountor_error
        for expected in (
            "has no country",
            "has no street",
            "has no ZIP code",
            "has no city",
            "no e-mail address",
            "exactly one VAT tax",
            "13.5% has no Procountor VAT percent",
        ):
            self.assertIn(expected, error)
        self.assertFalse(self.sandbox_journal(), "no HTTP call may precede the checks")

    def test_unmapped_fiscal_position_and_bank_journal(self):
        self.connection.fiscal_position_mapping_ids.filtered(
            lambda m: m.fiscal_position_id == self.fp_eu
        ).unlink()
        self.connection.journal_mapping_ids.unlink()
        move = self.make_invoice(partner=self.customer_de, partner_bank_id=self.bank_account.id)
        move._procountor_send_batch()
        self.assertIn("Fiscal position", move.procountor_error)
        self.assertIn("is not mapped to a Procountor bank account", move.procountor_error)
        self.assertFalse(self.sandbox_journal())

    def test_vat_percent_not_valid_on_invoice_date(self):
        move = self.make_invoice(
            lines=[(self.product_coffee, 1, 10.0, 0)],
            invoice_date=datetime.date(2025, 11, 3),
            invoice_date_due=datetime.date(2025, 11, 17),
        )
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertIn("13.5 % is not valid in Procountor on 2025-11-03", move.procountor_error)

    def test_currency_without_rate(self):
        sek = self.setup_other_currency("SEK", rates=[])
        move = self.make_invoice(partner=self.customer_us, currency_id=sek.id)
        move._procountor_send_batch()
        self.assertIn("SEK has no exchange rate", move.procountor_error)

    def test_einvoice_channel(self):
        self.customer_fi.procountor_invoice_channel = "ELECTRONIC_INVOICE"
        move = self.make_invoice()
        move._procountor_send_batch()
        self.assertIn("e-invoice address or operator", move.procountor_error)
        self.customer_fi.write(
            {
                "procountor_einvoice_address": "003720774740",
                "procountor_einvoice_operator": "003721291126",
            }
        )
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual(remote["invoiceChannel"], "ELECTRONIC_INVOICE")
        self.assertEqual(remote["counterParty"]["einvoiceAddress"]["operator"], "003721291126")

    def test_remote_error_is_explained(self):
        # 2024 is a closed fiscal year in the sandbox.
        move = self.make_invoice(
            invoice_date=datetime.date(2024, 10, 1), invoice_date_due=datetime.date(2024, 10, 15)
        )
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "error")
        self.assertFalse(move.procountor_invoice_id)
        self.assertFalse(move.procountor_create_unknown, "a 400 means nothing was created")
        self.assertFalse(move.procountor_error_retryable)
        self.assertIn("CLOSED_FISCAL_PERIOD", move.procountor_error)
        self.assertIn("closed accounting period", move.procountor_error)
        self.assertIn("Fix:", move.procountor_error)

    def test_approve_and_send_steps(self):
        self.connection.write({"invoice_approve": True, "invoice_send": True})
        move = self.make_invoice()
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertEqual(move.procountor_step, "sent")
        self.assertEqual(move.procountor_status, "SENT")
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual(remote["status"], "SENT")

    def test_failed_step_resumes_without_repeating(self):
        self.connection.write({"invoice_approve": True})
        self.add_fault(kind="status", path="/invoices/*/approve", status=503, times=1)
        move = self.make_invoice()
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertEqual(move.procountor_step, "attached")
        self.assertTrue(move.procountor_error_retryable)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertEqual(move.procountor_step, "approved")
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 1)
        self.assertEqual(len(self.api_calls("POST", "/attachments")), 1)
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual(remote["status"], "NOT_SENT")

    def test_accounting_rows_and_dimensions(self):
        receivable = self.company_data["default_account_receivable"]
        ledger_1700 = self.connection.ledger_account_ids.filtered(lambda acc: acc.code == "1700")
        self.env["procountor.account.mapping"].create(
            {
                "connection_id": self.connection.id,
                "account_id": receivable.id,
                "ledger_account_id": ledger_1700.id,
            }
        )
        plan = self.env["account.analytic.plan"].create({"name": "Kustannuspaikka"})
        helsinki = self.env["account.analytic.account"].create(
            {"name": "Helsinki", "plan_id": plan.id}
        )
        tampere = self.env["account.analytic.account"].create(
            {"name": "Tampere", "plan_id": plan.id}
        )
        items = self.connection.dimension_item_ids
        for analytic, code in ((helsinki, "HKI"), (tampere, "TRE")):
            self.env["procountor.analytic.mapping"].create(
                {
                    "connection_id": self.connection.id,
                    "analytic_account_id": analytic.id,
                    "dimension_item_id": items.filtered(
                        lambda item, c=code: item.code_name == c
                    ).id,
                }
            )
        self.connection.invoice_accounting_rows = True
        move = self.make_invoice(
            post=False, lines=[(self.product_desk, 3, 100.0, 0), (self.product_work, 1, 50.0, 0)]
        )
        move.invoice_line_ids[0].analytic_distribution = {str(helsinki.id): 70, str(tampere.id): 30}
        move.action_post()
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertEqual(move.procountor_step, "attached")
        (remote,) = self.remote_by_number()[move.name]
        transactions = remote["ledgerReceipt"]["transactions"]
        entries = [t for t in transactions if t["transactionType"] == "ENTRY"]
        revenue_code = move.invoice_line_ids[0].account_id.code
        self.assertEqual([entry["account"] for entry in entries], [revenue_code, revenue_code])
        self.assertEqual(
            sorted((v["itemId"], v["value"]) for v in entries[0]["dimensionItemValues"]),
            [(101, 210.0), (102, 90.0)],
        )
        (reversing,) = [t for t in transactions if t["transactionType"] == "REVERSING_ENTRY"]
        self.assertEqual(reversing["account"], "1700")

    def test_accounting_rows_when_sent_from_another_company(self):
        """An account's code is per company in Odoo 18: a cron runs in its user's company,
        which need not be the invoice's; the accounting rows still carry the invoice's
        company's codes."""
        self.map_receivable_to_1700()
        self.connection.invoice_accounting_rows = True
        other = self.env["res.company"].create({"name": "Toinen Oy"})
        self.env.user.company_ids |= other
        move = self.make_invoice(lines=[(self.product_desk, 2, 100.0, 0)])
        revenue_code = move.invoice_line_ids.account_id.code
        elsewhere = move.with_company(other).with_context(
            allowed_company_ids=[other.id, self.company.id]
        )
        elsewhere._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        entries = [
            t for t in remote["ledgerReceipt"]["transactions"] if t["transactionType"] == "ENTRY"
        ]
        self.assertEqual([entry["account"] for entry in entries], [revenue_code])

    def test_changed_after_sending_is_updated_or_refused(self):
        move = self.make_invoice()
        move._procountor_send_batch()
        first_id = move.procountor_invoice_id
        self.repost_with_price(move, 120.0)
        self.assertTrue(move.procountor_outdated)
        # Still UNFINISHED in Procountor: updated in place (PUT with version).
        move._procountor_send_batch()
        self.assertFalse(move.procountor_outdated, move.procountor_error)
        self.assertEqual(move.procountor_invoice_id, first_id)
        self.assertEqual(len(self.api_calls("PUT", f"/invoices/{first_id}")), 1)
        (remote,) = self.remote_by_number()[move.name]
        self.assertTotalsMatch(move, remote)
        # Approved in Procountor meanwhile: refused, with what to do.
        with self.connection._procountor_client() as client:
            client.approve_invoice(first_id)
        self.repost_with_price(move, 130.0)
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "sent")
        self.assertTrue(move.procountor_outdated)
        self.assertIn("invalidate it in Procountor", move.procountor_error)
        # Invalidated in Procountor as advised: a new Procountor invoice replaces it.
        with self.connection._procountor_client() as client:
            client.request(
                "PUT", f"/invoices/{first_id}/invalidate", operation="invalidate_invoice"
            )
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertNotEqual(move.procountor_invoice_id, first_id)
        statuses = sorted(invoice["status"] for invoice in self.remote_by_number()[move.name])
        self.assertEqual(statuses, ["INVALIDATED", "UNFINISHED"])

    def test_sent_invoice_reset_to_draft_or_cancelled(self):
        editable = self.make_invoice()
        editable._procountor_send_batch()
        # Still unfinished in Procountor: the reset is allowed and says what happens.
        editable.button_draft()
        self.assertEqual(editable.state, "draft")
        self.assertTrue(any("still Unfinished" in (m.body or "") for m in editable.message_ids))
        editable.action_post()
        self.assertFalse(editable.procountor_outdated)
        # Approved and sent by Procountor: the reset needs a confirmation.
        self.connection.write({"invoice_approve": True, "invoice_send": True})
        sent = self.make_invoice()
        sent._procountor_send_batch()
        self.assertEqual(sent.procountor_status, "SENT", sent.procountor_error)
        with self.assertRaises(RedirectWarning) as caught:
            sent.button_draft()
        message, action_id, _button, context = caught.exception.args
        self.assertIn("is Sent in Procountor", message)
        self.assertEqual(sent.state, "posted")
        self.env["ir.actions.server"].browse(action_id).with_context(**context).run()
        self.assertEqual(sent.state, "draft")
        self.assertTrue(any("after confirmation" in (m.body or "") for m in sent.message_ids))
        # Cancelled: never plainly "Sent"; invalidated in Procountor on request only.
        sent.button_cancel()
        self.assertTrue(sent.procountor_outdated)
        self.assertTrue(sent.procountor_can_invalidate)
        remote_id = sent.procountor_invoice_id
        self.assertFalse(self.api_calls("PUT", f"/invoices/{remote_id}/invalidate"))
        sent.action_procountor_invalidate()
        self.assertEqual(sent.procountor_state, "invalidated")
        self.assertEqual(sent.procountor_status, "INVALIDATED")
        self.assertFalse(sent.procountor_outdated or sent.procountor_can_invalidate)
        self.assertEqual(len(self.api_calls("PUT", f"/invoices/{remote_id}/invalidate")), 1)
        (remote,) = [i for i in self.remote_invoices() if i["id"] == remote_id]
        self.assertEqual(remote["status"], "INVALIDATED")
        # Posted again: the next send creates a new Procountor invoice.
        sent.button_draft()
        sent.action_post()
        self.assertTrue(sent.procountor_outdated)
        sent._procountor_send_batch()
        self.assertEqual(sent.procountor_state, "sent", sent.procountor_error)
        self.assertNotEqual(sent.procountor_invoice_id, remote_id)

    def test_unchanged_repost_is_not_flagged(self):
        move = self.make_invoice()
        move._procountor_send_batch()
        move.button_draft()
        move.action_post()
        self.assertFalse(move.procountor_outdated)
        self.assertEqual(move._procountor_send_batch().skipped, move)

    def test_list_action_summary(self):
        good = self.make_invoice()
        bad = self.make_invoice(partner=self.env["res.partner"].create({"name": "Nobody"}))
        draft = self.make_invoice(post=False)
        action = (good | bad | draft).action_procountor_send()
        params = action["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("1 now in Procountor, 1 skipped, 1 failed", params["message"])
        self.assertIn(bad.name, params["message"])
        self.assertEqual(good.procountor_state, "sent")
        self.assertEqual(draft.procountor_state, "not_sent")

    def test_cron_sends_per_connection_option(self):
        old = self.make_invoice(invoice_date=datetime.date(2026, 1, 5), invoice_date_due=DUE)
        recent = self.make_invoice() | self.make_invoice(partner=self.customer_de)
        refused = self.make_invoice(
            invoice_date=datetime.date(2026, 2, 1), invoice_date_due=datetime.date(2026, 1, 20)
        )
        Connection = self.env["procountor.connection"]
        Connection._cron_procountor_send_invoices()
        self.assertFalse(self.sandbox_journal(), "the cron sends nothing until enabled")
        self.connection.write(
            {"invoice_cron_enabled": True, "invoice_cron_date_from": datetime.date(2026, 2, 1)}
        )
        Connection._cron_procountor_send_invoices()
        self.assertEqual(set(recent.mapped("procountor_state")), {"sent"})
        self.assertEqual(old.procountor_state, "not_sent")
        self.assertEqual(refused.procountor_state, "error")
        self.assertIn("DUE_DATE_BEFORE_BILL_DATE", refused.procountor_error)
        calls = len(self.sandbox_journal())
        Connection._cron_procountor_send_invoices()
        self.assertEqual(len(self.sandbox_journal()), calls, "an error of the data is not retried")

    def test_send_wizard_option(self):
        move = self.make_invoice()
        self.assertIn("procountor_send", self.env["account.move.send"]._get_all_extra_edis())
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({})
        )
        self.assertTrue(wizard.extra_edi_checkboxes["procountor_send"]["checked"])
        wizard.action_send_and_print()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual(remote["attachments"][0]["name"], move.invoice_pdf_report_id.name)
        # Once sent, the option is no longer offered.
        self.assertFalse(self.env["account.move.send"]._procountor_is_applicable(move))

    def test_send_wizard_alert_lists_problems(self):
        move = self.make_invoice(partner=self.env["res.partner"].create({"name": "Nobody"}))
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({})
        )
        alert = wizard.alerts["procountor_connector_problems"]
        self.assertEqual(alert["level"], "warning")
        self.assertIn("has no country", alert["message"])

    def test_invoice_form_shows_button_and_state(self):
        move = self.make_invoice()
        form = Form(move)
        self.assertEqual(form.procountor_state, "not_sent")
        move.action_procountor_send()
        self.assertEqual(Form(move).procountor_state, "sent")
        self.env["account.move"].get_views([(False, "list"), (False, "search"), (False, "form")])
