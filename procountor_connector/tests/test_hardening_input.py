# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Bad input: adoption only of our own invoice, Procountor's character set, the PDF
size limit, field lengths, negative lines and zero totals (docs/bad-inputs.md)."""

import dataclasses
import datetime

from odoo import fields
from odoo.tests import tagged

from ..procountor_api import payloads
from .test_invoice_common import ProcountorInvoiceCase


@tagged("post_install", "-at_install")
class TestHardeningInput(ProcountorInvoiceCase):
    def _partner(self, **values):
        return self.customer_fi.copy({"procountor_invoice_channel": "NO_SENDING", **values})

    # ------------------------------------------------------------------ point 9

    def test_adoption_refused_for_another_customers_invoice(self):
        """Another database numbering alike created "our" number in the same Procountor
        company; our own POST got no answer. That invoice is not adopted."""
        self.connection.invoice_attach_pdf = False
        move = self.make_invoice()
        data, _problems = move._procountor_prepare(self.connection)
        theirs = dataclasses.replace(
            data,
            business_id="0737546-2",
            vat="",
            customer=dataclasses.replace(data.customer, name="Toinen Oy"),
        )
        with self.connection._procountor_client() as client:
            foreign = client.create_invoice(payloads.build_sales_invoice(theirs))
        stale = fields.Datetime.now() - datetime.timedelta(hours=1)
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": stale,
                "procountor_connection_id": self.connection.id,
            }
        )
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "error")
        self.assertFalse(move.procountor_invoice_id, "not adopted")
        self.assertTrue(move.procountor_create_unknown, "the next attempt checks again")
        self.assertFalse(move.procountor_error_retryable)
        self.assertIn("already has an invoice numbered", move.procountor_error)
        self.assertIn(str(foreign["id"]), move.procountor_error)
        self.assertIn("What to do", move.procountor_error)
        self.assertEqual(len(self.api_calls("POST", "/invoices")), 1, "nothing created either")

    def test_adoption_refused_for_another_total(self):
        self.connection.invoice_attach_pdf = False
        move = self.make_invoice()
        data, _problems = move._procountor_prepare(self.connection)
        line = dataclasses.replace(data.lines[0], quantity=data.lines[0].quantity + 1)
        with self.connection._procountor_client() as client:
            client.create_invoice(
                payloads.build_sales_invoice(dataclasses.replace(data, lines=(line,)))
            )
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_connection_id": self.connection.id,
            }
        )
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertIn("with another total", move.procountor_error)

    # ------------------------------------------------------------------ point 10

    def test_text_outside_procountor_character_set_is_refused_by_field(self):
        partner = self._partner(name="ООО Ромашка", city="Łódź")
        move = self.make_invoice(partner=partner)
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "error")
        error = move.procountor_error
        self.assertIn("Customer name contains characters that Procountor cannot store", error)
        self.assertIn("О Р о м а ш к", error)
        self.assertIn("Customer city contains characters", error)
        self.assertIn("Ł ź", error)
        self.assertNotIn("?", error.split("\n", 1)[1])
        self.assertFalse(self.sandbox_journal(), "refused before any HTTP call")
        # The notification names the invoice and its first problem, by field.
        message = move.action_procountor_send()["params"]["message"]
        self.assertIn(f"{move.name}: Customer name contains characters", message)

    def test_lookalike_characters_are_mapped_never_question_marks(self):
        self.connection.invoice_attach_pdf = False
        move = self.make_invoice(post=False)
        move.invoice_line_ids.name = "Asennus 10\u2009h \u2212 alennus"
        move.action_post()
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual(remote["invoiceRows"][0]["product"], "Asennus 10 h - alennus")

    # ------------------------------------------------------------------ point 11

    def test_pdf_over_procountor_limit_is_refused_before_the_invoice_is_created(self):
        move = self.make_invoice()
        big = ("big.pdf", b"%PDF-1.4\n" + b"0" * 10_000_000)
        summary = move._procountor_send_batch(pdf_by_move={move: big})
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "error")
        self.assertFalse(move.procountor_invoice_id)
        self.assertIn("at most 10,000,000 bytes", move.procountor_error)
        self.assertFalse(self.sandbox_journal(), "nothing created in Procountor")

    # ------------------------------------------------------------------ point 12

    def test_texts_over_procountor_lengths(self):
        # A name or an address cut would mislead: refused with the field named.
        partner = self._partner(name="Pitkä Nimi " + "x" * 80)
        move = self.make_invoice(partner=partner)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertIn(
            "Customer name is 91 characters long; Procountor takes at most 80",
            move.procountor_error,
        )
        self.assertFalse(self.sandbox_journal())
        # A long line description is cut to the row comment's 512 characters, with a note.
        self.connection.invoice_attach_pdf = False
        move = self.make_invoice(post=False)
        move.invoice_line_ids.name = "Asennus\n" + "x" * 600
        move.action_post()
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual(len(remote["invoiceRows"][0]["comment"]), 512)
        notes = move.message_ids.mapped("body")
        self.assertTrue(any("shortened" in str(body) for body in notes), notes)

    def test_negative_line_and_zero_total_are_sent_as_they_are(self):
        self.connection.invoice_attach_pdf = False
        move = self.make_invoice(
            lines=[(self.product_desk, 2, 50.0, 0), (self.product_desk, -1, 100.0, 0)]
        )
        self.assertEqual(move.amount_total, 0)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        self.assertEqual([row["quantity"] for row in remote["invoiceRows"]], [2, -1])
        self.assertTotalsMatch(move, remote)

    # ------------------------------------------- point 13: rows of docs/bad-inputs.md

    def test_group_and_fixed_taxes_are_refused(self):
        Tax = self.env["account.tax"].with_company(self.company)
        fixed = Tax.create({"name": "Eco fee", "amount_type": "fixed", "amount": 2.0})
        group = Tax.create(
            {
                "name": "Group VAT",
                "amount_type": "group",
                "children_tax_ids": [(6, 0, self.tax_25_5.copy({"name": "Child"}).ids)],
            }
        )
        for tax in (fixed, group):
            with self.subTest(tax.amount_type):
                move = self.make_invoice(post=False)
                move.invoice_line_ids.tax_ids = tax
                move.action_post()
                move._procountor_send_batch()
                self.assertEqual(move.procountor_state, "error")
                self.assertIn(f"Tax {tax.name} is not a percentage", move.procountor_error)
        self.assertFalse(self.sandbox_journal())

    def test_currency_unknown_to_procountor(self):
        zzz = self.env["res.currency"].create({"name": "ZZZ", "symbol": "Z"})
        self.env["res.currency.rate"].create(
            {
                "currency_id": zzz.id,
                "name": "2026-01-01",
                "rate": 2.0,
                "company_id": self.company.id,
            }
        )
        move = self.make_invoice(partner=self.customer_us, currency_id=zzz.id)
        move._procountor_send_batch()
        self.assertIn("Procountor does not know the currency ZZZ", move.procountor_error)
        self.assertFalse(self.sandbox_journal())

    def test_invoice_number_over_40_characters(self):
        move = self.make_invoice()
        self.env.cr.execute(
            "UPDATE account_move SET name = %s WHERE id = %s", ["INV/" + "9" * 40, move.id]
        )
        move.invalidate_recordset(["name"])
        move._procountor_send_batch()
        self.assertIn("The invoice number is longer than 40 characters", move.procountor_error)
        self.assertFalse(self.sandbox_journal())

    def test_invalid_finnish_business_id(self):
        partner = self._partner(company_registry="1234567-8", vat=False)
        move = self.make_invoice(partner=partner)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertIn("invalid Finnish business ID 1234567-8", move.procountor_error)
        self.assertFalse(self.sandbox_journal())
