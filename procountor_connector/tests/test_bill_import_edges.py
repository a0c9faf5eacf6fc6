# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Vendor bill import at the edges: bills that went the other way, malformed answers,
non-deductible VAT, foreign currencies at Procountor's rate, invoices that change after
import, the re-try of waiting rows and the overlap of incremental runs."""

import psycopg2

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
