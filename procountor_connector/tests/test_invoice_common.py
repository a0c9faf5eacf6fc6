# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared set-up of the invoice tests: a Finnish company whose Procountor reference data is
fetched from the sandbox and mapped, Finnish, German and American customers, and helpers
to create posted invoices with fixed dates and to read what the sandbox stored.

No test lives here; the class is the base of the ``test_invoice_*`` modules.
"""

import datetime

from odoo import Command

from ..procountor_api import payloads
from .common import ProcountorTestCommon

INVOICE_DATE = datetime.date(2026, 3, 2)
DUE_DATE = datetime.date(2026, 3, 16)
COMPANY_IBAN = "FI21 1234 5600 0007 85"


class ProcountorInvoiceCase(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # The invoicing test base adds a group tax of 20 % and 10 %: no Finnish tax.
        (cls.tax_armageddon | cls.tax_armageddon.children_tax_ids).active = False
        env["res.lang"]._activate_lang("fi_FI")
        cls.tax_25_5 = cls._chart_ref("tax_dom_sales_goods_25_5")
        cls.tax_10 = cls._chart_ref("tax_dom_sales_goods_10")
        cls.tax_0 = cls._chart_ref("tax_dom_sales_goods_0")
        # l10n_fi of Odoo 18.0 has no 13.5 % tax yet (the rate of 2026): made like users do.
        cls.tax_13_5 = cls._chart_ref("tax_dom_sales_goods_14").copy(
            {"name": "13.5%", "amount": 13.5, "invoice_label": "13.5%"}
        )
        # l10n_fi ships the reduced rates inactive.
        (cls.tax_10 | cls.tax_13_5 | cls.tax_0).active = True
        cls.company.partner_id.write({"street": "Testikatu 1", "zip": "00100", "city": "Helsinki"})
        cls.bank_account = env["res.partner.bank"].create(
            {"acc_number": COMPANY_IBAN, "partner_id": cls.company.partner_id.id}
        )
        cls.company_data["default_journal_bank"].bank_account_id = cls.bank_account
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.sale_journal.invoice_reference_model = "fi"
        cls.usd = cls.setup_other_currency("USD", rates=[("2026-01-01", 1.0823)])
        cls.fp_eu = cls._chart_ref("eu")
        cls.fp_non_eu = cls._chart_ref("non_eu")
        cls.customer_fi = env["res.partner"].create(
            {
                "name": "Asiakas Oy",
                "is_company": True,
                "street": "Mannerheimintie 1",
                "street2": "3. krs",
                "zip": "00100",
                "city": "Helsinki",
                "country_id": env.ref("base.fi").id,
                "vat": "FI20774740",
                "company_registry": "2077474-0",
                "email": "laskut@asiakas.example",
                "lang": "fi_FI",
                "ref": "C-1001",
                "procountor_invoice_channel": "EMAIL",
            }
        )
        cls.customer_de = env["res.partner"].create(
            {
                "name": "Kunde GmbH",
                "is_company": True,
                "street": "Hauptstraße 5",
                "zip": "10115",
                "city": "Berlin",
                "country_id": env.ref("base.de").id,
                "vat": "DE123456788",
                "email": "rechnung@kunde.example",
                "lang": "en_US",
                "property_account_position_id": cls.fp_eu.id,
            }
        )
        cls.customer_us = env["res.partner"].create(
            {
                "name": "Client Inc.",
                "is_company": True,
                "street": "1 Main Street",
                "zip": "10001",
                "city": "New York",
                "country_id": env.ref("base.us").id,
                "lang": "en_US",
                "property_account_position_id": cls.fp_non_eu.id,
            }
        )
        uom_hour = env.ref("uom.product_uom_hour")
        cls.product_desk = cls._product("Office desk", "DESK", cls.tax_25_5)
        cls.product_coffee = cls._product("Coffee beans 1 kg", "COFFEE", cls.tax_13_5)
        cls.product_paper = cls._product("Newspaper subscription", "NEWS", cls.tax_10)
        cls.product_export = cls._product("Export documents", "DOCS", cls.tax_0)
        cls.product_work = cls._product("Installation work", "WORK", cls.tax_25_5, uom=uom_hour)
        cls.connection.action_fetch_settings()
        cls.connection.action_suggest_mappings()

    @classmethod
    def _chart_ref(cls, template_id):
        return cls.env["account.chart.template"].with_company(cls.company).ref(template_id)

    @classmethod
    def _product(cls, name, code, tax, uom=None):
        values = {
            "name": name,
            "default_code": code,
            "taxes_id": [Command.set(tax.ids)],
            "company_id": False,
        }
        if uom:
            values.update(uom_id=uom.id, uom_po_id=uom.id)
        return cls.env["product.product"].create(values)

    def setUp(self):
        super().setUp()
        # Imported here: .common puts the repository root on sys.path when needed.
        from procountor_sandbox.testing import pin_calendar

        # Fixed dates: 2025-2027 open, 2024 closed in Procountor, whatever today is.
        pin_calendar(self.sandbox.url)
        # The reset forgot every token: drop ours rather than meet a 401 on the first call.
        self.connection.sudo().procountor_access_token = False

    # ------------------------------------------------------------------ helpers

    def make_invoice(self, partner=None, lines=None, post=True, **values):
        """A customer invoice; ``lines`` are (product, quantity, price, discount) tuples."""
        lines = lines or [(self.product_desk, 1, 100.0, 0)]
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.customer_fi).id,
                "invoice_date": INVOICE_DATE,
                "invoice_date_due": DUE_DATE,
                "journal_id": self.sale_journal.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantity,
                            "price_unit": price,
                            "discount": discount,
                        }
                    )
                    for product, quantity, price, discount in lines
                ],
                **values,
            }
        )
        if post:
            move.action_post()
        return move

    def make_credit_note(self, invoice, post=True):
        credit_note = invoice._reverse_moves(
            [{"invoice_date": INVOICE_DATE, "invoice_date_due": DUE_DATE, "ref": "Returned goods"}]
        )
        if post:
            credit_note.action_post()
        return credit_note

    def make_invoices(self, count):
        """``count`` posted invoices of one desk each, every one with its own amount."""
        moves = self.env["account.move"]
        for index in range(count):
            moves |= self.make_invoice(lines=[(self.product_desk, 1, 10.0 + index, 0)])
        return moves

    def map_receivable_to_1700(self):
        """Map the company's receivable account to Procountor's 1700 (the accounting page's
        reversing entry needs it)."""
        self.env["procountor.account.mapping"].create(
            {
                "connection_id": self.connection.id,
                "account_id": self.company_data["default_account_receivable"].id,
                "ledger_account_id": self.connection.ledger_account_ids.filtered(
                    lambda acc: acc.code == "1700"
                ).id,
            }
        )

    def remote_invoices(self):
        """Every invoice the sandbox holds (API view with sums, attachments, receipt)."""
        return self.sandbox_get("/_sandbox/invoices")

    def repost_with_price(self, move, price_unit):
        """Reset a posted invoice to draft, change its price and post it again."""
        move.button_draft()
        move.invoice_line_ids.price_unit = price_unit
        move.action_post()

    def remote_by_number(self):
        """Sandbox invoices grouped by originalInvoiceNumber."""
        grouped = {}
        for invoice in self.remote_invoices():
            grouped.setdefault(invoice.get("originalInvoiceNumber"), []).append(invoice)
        return grouped

    def api_calls(self, method=None, path_prefix=None):
        return [
            entry
            for entry in self.sandbox_journal()
            if (method is None or entry["method"] == method)
            and (path_prefix is None or entry["path"].startswith(path_prefix))
        ]

    def assertTotalsMatch(self, move, remote):
        """Procountor's sums in the invoice currency equal Odoo's to the cent."""
        totals = payloads.remote_totals(remote, move.currency_id.name)
        self.assertIsNotNone(totals, f"no invoiceSumInfo for {move.name}")
        self.assertEqual(totals.as_tuple(), move._procountor_odoo_totals().as_tuple(), move.name)
