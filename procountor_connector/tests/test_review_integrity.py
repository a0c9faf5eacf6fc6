# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Money and integrity: fetched products get the tax of Procountor's VAT (never the
company default), one Procountor invoice id is linked to one move per connection, and the
payment fetch books nothing from a Procountor invoice that is not the one the move sent."""

from unittest.mock import patch

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..procountor_api.client import ProcountorClient
from .test_payment_fetch import TOTAL, ProcountorPaymentCase


@tagged("post_install", "-at_install")
class TestReviewIntegrity(ProcountorPaymentCase):
    # ------------------------------------------------------------------ product taxes

    def _remote_product(self, name, vat, **values):
        with self.connection._procountor_client() as client:
            return client.create_product(
                {
                    "type": "SALES",
                    "name": name,
                    "code": f"VAT-{name}",
                    "unit": "PIECE",
                    "price": 10,
                    "vat": vat,
                    "discount": 0,
                    "currency": "EUR",
                    "active": True,
                    **values,
                }
            )

    def _fetch_products(self):
        action = self.connection._procountor_open_fetch_wizard("product")
        wizard = self.env["procountor.register.fetch"].browse(action["res_id"])
        wizard.update_matched = True
        wizard.action_confirm()
        return wizard

    def _fetched(self, remote):
        return (
            self.env["procountor.product.link"]
            .search(
                [("connection_id", "=", self.connection.id), ("procountor_id", "=", remote["id"])]
            )
            .product_id
        )

    def test_fetched_products_get_the_tax_of_their_procountor_vat(self):
        self.assertEqual(self.company.account_sale_tax_id, self.tax_25_5)
        book = self._remote_product("Kirja", 13.5)
        paper = self._remote_product("Lehti", 10.0)
        chair = self._remote_product("Tuoli", 25.5)
        # l10n_fi's 24 % goods and services taxes are both mapped to 24 %: no single one.
        old = self._remote_product("Vanha", 24.0)
        odd = self._remote_product("Outo", 25.5)
        self.sandbox.state.products[odd["id"]]["vat"] = 12.0  # no tax mapped to 12 %
        # A purchase product's VAT is its purchase VAT; l10n_fi's 10 % purchase taxes are
        # inactive: none.
        bought = self._remote_product("Ostettu", 10.0, type="PURCHASE")
        wizard = self._fetch_products()
        self.assertEqual(self._fetched(book).taxes_id, self.tax_13_5)
        self.assertEqual(self._fetched(paper).taxes_id, self.tax_10)
        self.assertEqual(self._fetched(chair).taxes_id, self.tax_25_5)
        self.assertFalse(self._fetched(old).taxes_id, "never a guess: no tax")
        self.assertFalse(self._fetched(odd).taxes_id, "never the company default")
        self.assertFalse(self._fetched(bought).supplier_taxes_id)
        notes = {line.procountor_id: line.note or "" for line in wizard.line_ids}
        self.assertIn("has 12 % VAT in Procountor", notes[odd["id"]])
        self.assertIn("Map one tax to 12 %", notes[odd["id"]])
        self.assertIn("24 %", notes[old["id"]])
        self.assertIn("purchase tax", notes[bought["id"]])
        self.assertFalse(notes[book["id"]])
        self.assertIn("12 %", wizard.result)
        self.assertIn("12 %", self._fetched(odd).procountor_link_ids.sync_error)

    def test_update_never_overwrites_a_tax_of_another_rate(self):
        book = self._remote_product("Kirja 2", 13.5)
        self._remote_product("Paljas", 13.5)
        product = self.env["product.product"].create(
            {
                "name": "Kirja 2",
                "default_code": "VAT-Kirja 2",
                "taxes_id": [(6, 0, self.tax_25_5.ids)],
            }
        )
        without = self.env["product.product"].create(
            {"name": "Paljas", "default_code": "VAT-Paljas", "taxes_id": [(5,)]}
        )
        wizard = self._fetch_products()
        self.assertEqual(self._fetched(book), product)
        self.assertEqual(product.taxes_id, self.tax_25_5, "not overwritten silently")
        note = wizard.line_ids.filtered(lambda line: line.procountor_id == book["id"]).note
        self.assertIn("13.5 % VAT in Procountor but 25.5%", note)
        self.assertIn("13.5 %", product.procountor_link_ids.sync_error)
        self.assertEqual(without.taxes_id, self.tax_13_5, "an empty tax is filled")
        self.assertFalse(without.procountor_link_ids.sync_error)
        # The scheduled fetch says it too, on the connection.
        self.sandbox.state.products[book["id"]]["name"] = "Kirja 3"
        self.sandbox.state.products[book["id"]]["version"] = "2099-01-01T00:00:00.000"
        self.connection.register_cron_enabled = True
        self.env["procountor.connection"]._cron_procountor_fetch_registers()
        self.assertEqual(product.name, "Kirja 3")
        self.assertEqual(product.taxes_id, self.tax_25_5)
        # Kept with the other records to check, not as an error of the connection.
        self.assertIn("13.5 % VAT in Procountor", self.connection.register_problems)
        self.assertFalse(self.connection.last_error)

    # ------------------------------------------------------------------ one id, one move

    def test_one_procountor_invoice_id_per_connection_in_the_database(self):
        first, second = self.make_invoice(), self.make_invoice()
        vals = {"procountor_connection_id": self.connection.id, "procountor_invoice_id": 4242}
        first._procountor_write(vals)
        self.env.flush_all()
        # Odoo's assertRaises runs the block in a savepoint and rolls it back.
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"):
            second._procountor_write(vals)
            self.env.flush_all()

    def test_an_id_already_linked_is_stored_as_the_error(self):
        invoice = self.sent_invoice()
        reused = invoice.procountor_invoice_id
        create = ProcountorClient.create_invoice

        def create_reusing(client, body, *args, **kwargs):
            remote = create(client, body, *args, **kwargs)
            return {**remote, "id": reused}

        credit_note = self.make_invoice(move_type="out_refund")
        with patch.object(ProcountorClient, "create_invoice", create_reusing):
            credit_note.action_procountor_send()
        self.assertFalse(credit_note.procountor_invoice_id)
        self.assertEqual(credit_note.procountor_state, "error")
        self.assertIn(str(reused), credit_note.procountor_error)
        self.assertIn(invoice.name, credit_note.procountor_error)
        self.assertTrue(credit_note.procountor_create_unknown, "never POSTed blindly again")
        self.assertEqual(invoice.procountor_invoice_id, reused)

    # ------------------------------------------------------------------ the remote is ours

    def test_remote_of_another_document_is_flagged_not_booked(self):
        invoice = self.sent_invoice()
        credit_note = self.sent_invoice(move_type="out_refund")
        self.pay(credit_note, -TOTAL, "2026-03-11")
        # A Procountor that reused ids: the invoice's id now answers the credit note.
        store = self.sandbox.state
        mine, theirs = invoice.procountor_invoice_id, credit_note.procountor_invoice_id
        store.invoices[mine] = {**store.invoices[theirs], "id": mine}
        for event in store.paymentEvents.values():
            if event["invoiceId"] == theirs:
                event["invoiceId"] = mine
        status = invoice.procountor_status
        self.fetch(invoice)
        self.assertTrue(invoice.procountor_payment_attention)
        self.assertIn(credit_note.name, invoice.procountor_payment_message)
        self.assertFalse(self.procountor_payments(invoice))
        self.assertEqual(invoice.procountor_status, status)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_update_of_another_document_under_the_id_is_refused(self):
        self.connection.invoice_approve = False  # the invoice stays editable (UNFINISHED)
        invoice = self.sent_invoice()
        credit_note = self.sent_invoice(move_type="out_refund")
        store = self.sandbox.state
        mine, theirs = invoice.procountor_invoice_id, credit_note.procountor_invoice_id
        store.invoices[mine] = {**store.invoices[theirs], "id": mine}
        before = dict(store.invoices[mine])
        invoice._procountor_write({"procountor_outdated": True})
        invoice.action_procountor_send()
        self.assertIn("is not the document this move sent", invoice.procountor_error)
        self.assertIn(credit_note.name, invoice.procountor_error)
        self.assertEqual(store.invoices[mine], before, "nothing PUT over the other document")
        self.assertEqual(invoice.procountor_invoice_id, mine)
