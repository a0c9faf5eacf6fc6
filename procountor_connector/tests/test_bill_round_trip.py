# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Both purchase directions on one connection: bills sent from Odoo and approved in
Procountor never come back as imported bills; the others are imported once each."""

from odoo import Command
from odoo.tests import tagged

from .test_invoice_common import DUE_DATE, INVOICE_DATE, ProcountorInvoiceCase


@tagged("post_install", "-at_install")
class TestBillRoundTrip(ProcountorInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ptax = cls._chart_ref("tax_dom_purchase_goods_25_5")
        cls.connection.action_suggest_mappings()
        cls.purchase_journal = cls.company_data["default_journal_purchase"]
        cls.connection.write(
            {
                "invoice_attach_pdf": False,
                "purchase_send_enabled": True,
                "purchase_approve": True,
                "bill_import_enabled": True,
                "bill_import_journal_id": cls.purchase_journal.id,
            }
        )
        cls.supplier = cls.env["res.partner"].create(
            {
                "name": "Toimittaja Oy",
                "is_company": True,
                "street": "Teollisuuskatu 5",
                "zip": "00510",
                "city": "Helsinki",
                "country_id": cls.env.ref("base.fi").id,
                "company_registry": "1572860-0",
                "supplier_rank": 1,
            }
        )
        cls.env["res.partner.bank"].create(
            {"acc_number": "FI49 5000 9420 0287 30", "partner_id": cls.supplier.id}
        )

    def make_bill(self, ref):
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.supplier.id,
                "ref": ref,
                "invoice_date": INVOICE_DATE,
                "invoice_date_due": DUE_DATE,
                "journal_id": self.purchase_journal.id,
                "partner_bank_id": self.supplier.bank_ids[:1].id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Tarvikkeet",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.set(self.ptax.ids)],
                            "account_id": self.company_data["default_account_expense"].id,
                        }
                    )
                ],
            }
        )
        bill.action_post()
        return bill

    def seed_foreign_bills(self, count):
        """Accepted purchase invoices entered in Procountor (not sent from Odoo)."""
        from procountor_sandbox import purchases

        specs = []
        for index in range(count):
            spec = purchases.generated_purchase_invoice(index, today=INVOICE_DATE)
            spec["invoice"]["invoiceRows"] = [
                {
                    **spec["invoice"]["invoiceRows"][0],
                    "vatPercent": 25.5,
                    "vatStatus": 2,
                    "quantity": 1,
                    "unitPrice": 50.0 + index,
                }
            ]
            spec["accounting"] = [{"account": "4000"}]
            spec["status"] = "APPROVED"
            specs.append(spec)
        suppliers = [purchases.generated_supplier(index) for index in range(count)]
        self.sandbox_post(
            "/_sandbox/seed", {"businessPartners": suppliers, "purchaseInvoices": specs}
        )

    def test_sent_bills_never_come_back_over_button_and_cron_runs(self):
        sent = self.env["account.move"]
        for index in range(5):
            sent |= self.make_bill(f"OUT-{index}")
        sent._procountor_send_batch()
        for bill in sent:
            self.assertEqual(bill.procountor_state, "sent", bill.procountor_error)
            self.assertEqual(bill.procountor_status, "APPROVED")
        sent_ids = set(sent.mapped("procountor_invoice_id"))
        self.seed_foreign_bills(3)
        Connection = self.env["procountor.connection"]
        self.connection.action_procountor_fetch_bills()
        Connection._cron_procountor_fetch_bills()
        Connection._cron_procountor_fetch_bills()
        imported = self.env["account.move"].search(
            [("procountor_bill_connection_id", "=", self.connection.id)]
        )
        reasons = "\n".join(self.connection.bill_pending_ids.mapped("reason"))
        self.assertFalse(self.connection.bill_import_error)
        self.assertFalse(self.connection.bill_pending_ids, reasons)
        self.assertEqual(len(imported), 3, reasons)
        self.assertFalse(sent_ids & set(imported.mapped("procountor_bill_id")))
        self.assertEqual(len(set(imported.mapped("procountor_bill_id"))), 3)
        self.assertFalse(any(sent.mapped("procountor_bill_id")))
        self.assertEqual(
            self.env["account.move"].search_count(
                [("move_type", "=", "in_invoice"), ("company_id", "=", self.company.id)]
            ),
            8,
        )
