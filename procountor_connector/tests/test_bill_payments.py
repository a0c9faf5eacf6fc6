# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Payments of vendor bills (imported from Procountor and sent to it) from Procountor's
payment events: bank payments in two parts, a cash discount, a set-off against a credit
note, "paid elsewhere"; and the per-type decisions on the sales side."""

from odoo import Command
from odoo.tests import tagged

from ..models.account_move_payment import ProcountorPaymentSummary
from .common import ProcountorTestCommon

# common.py put the repository root (the sandbox) on the path.
from procountor_sandbox import purchases  # noqa: E402  isort: skip

PAID = ("paid", "in_payment")


def payable(move):
    return move.line_ids.filtered(lambda line: line.display_type == "payment_term").account_id


@tagged("post_install", "-at_install")
class TestBillPayments(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.purchase_journal = cls.company_data["default_journal_purchase"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.misc_journal = cls.company_data["default_journal_misc"]
        cls.received_discounts = env["account.account"].create(
            {"name": "Saadut käteisalennukset", "code": "41901", "account_type": "expense"}
        )
        cls.connection.write(
            {
                "bill_import_enabled": True,
                "bill_import_journal_id": cls.purchase_journal.id,
                "bill_import_post": True,
                "bill_import_payment_state": True,
                "payment_bank_journal_id": cls.bank_journal.id,
                "payment_cash_journal_id": cls.company_data["default_journal_cash"].id,
                "payment_discount_purchase_account_id": cls.received_discounts.id,
                "payment_discount_journal_id": cls.misc_journal.id,
            }
        )
        chart = env["account.chart.template"].with_company(cls.company)
        cls.tax_255 = chart.ref("tax_dom_purchase_goods_25_5")
        cls.expense = cls.company_data["default_account_expense"]

    def setUp(self):
        super().setUp()
        self.fetch_settings()
        connection = self.connection
        percents = {vat.percent: vat for vat in connection.vat_percent_ids}
        statuses = {status.code: status for status in connection.vat_status_ids}
        Mapping = self.env["procountor.tax.mapping"]
        Mapping.search([("connection_id", "=", connection.id)]).unlink()
        Mapping.create(
            {
                "connection_id": connection.id,
                "tax_id": self.tax_255.id,
                "vat_percent_id": percents[25.5].id,
                "vat_status_id": statuses[2].id,
            }
        )

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def spec(index, price, quantity=1, number=None):
        """An approved purchase invoice of generated supplier ``index % 20``: one row of
        ``quantity`` × ``price`` + 25.5 % VAT on account 4000."""
        spec = purchases.generated_purchase_invoice(index)
        row = spec["invoice"]["invoiceRows"][0]
        row.update(unitPrice=price, quantity=quantity, vatPercent=25.5, vatStatus=2)
        spec["invoice"]["invoiceRows"] = [row]
        spec["invoice"]["originalInvoiceNumber"] = number or f"B-{index}"
        spec["accounting"] = [{"account": "4000"}]
        spec["status"] = "APPROVED"
        for key in ("paymentDate", "attachments", "image"):
            spec.pop(key, None)
        return spec

    def seed(self, specs):
        suppliers = {index % 20: purchases.generated_supplier(index % 20) for index in specs}
        self.sandbox_post(
            "/_sandbox/seed",
            {
                "businessPartners": list(suppliers.values()),
                "purchaseInvoices": list(specs.values()),
            },
        )
        invoices = self.sandbox.state.invoices
        by_number = {inv.get("originalInvoiceNumber"): inv["id"] for inv in invoices.values()}
        return {
            index: by_number[spec["invoice"]["originalInvoiceNumber"]]
            for index, spec in specs.items()
        }

    def test_cash_discount_on_reverse_charge_vat_is_all_net(self):
        """Construction reverse charge (the VAT is not in the payable): a cash discount of
        20.00 is a 20.00 net correction, and Odoo adds both VAT lines (5.10 / -5.10) with
        their tags, as its own early-payment discount does; never a net of 15.96 and 4.04
        without VAT."""
        chart = self.env["account.chart.template"].with_company(self.company)
        reverse = chart.ref("tax_construct_purchase_25_5_finland")
        reverse.active = True
        received = self.env["account.account"].create(
            {"name": "Saadut käteisalennukset", "code": "41902", "account_type": "expense"}
        )
        self.connection.write(
            {
                "payment_discount_purchase_account_id": received.id,
                "payment_discount_journal_id": self.company_data["default_journal_misc"].id,
            }
        )
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.partner_a.id,
                "invoice_date": "2026-03-01",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Work",
                            "price_unit": 1000.0,
                            "tax_ids": [Command.set(reverse.ids)],
                        }
                    )
                ],
            }
        )
        bill.action_post()
        bill.sudo().write(
            {"procountor_invoice_id": 9310, "procountor_connection_id": self.connection.id}
        )
        self.assertAlmostEqual(bill.amount_total, 1000.0)
        events = [
            {"id": 88311, "type": "BANKSTATEMENT", "paidAmount": 980.0},
            {"id": 88312, "type": "CASHDISCOUNT", "paidAmount": 20.0},
        ]
        for event in events:
            event.update(paymentDate="2026-03-10", paidCurrency="EUR")
        summary = ProcountorPaymentSummary(self.env)
        journals = self.connection._procountor_payment_journals()
        outcome = bill._procountor_apply_payment_events(
            self.connection, events, "s", journals, summary
        )
        self.assertEqual(outcome, "registered", bill.procountor_payment_message)
        self.assertEqual(bill.payment_state, "paid")
        entry = (
            self.env["procountor.payment.link"].sudo().search([("move_id", "=", bill.id)]).entry_id
        )
        net = entry.line_ids.filtered(lambda line: line.account_id == received)
        self.assertAlmostEqual(sum(net.mapped("balance")), -20.0)
        self.assertEqual(net.tax_ids, reverse)
        vat = entry.line_ids.filtered("tax_repartition_line_id")
        self.assertEqual(sorted(vat.mapped("balance")), [-5.1, 5.1])
        payable = entry.line_ids.filtered(
            lambda line: line.account_id.account_type == "liability_payable"
        )
        self.assertAlmostEqual(payable.balance, 20.0)

    def specs(self):
        return {
            0: self.spec(0, 100.0),  # A: bank in two parts
            1: self.spec(1, 100.0),  # B: bank less a cash discount
            2: self.spec(2, 200.0),  # C: set off against C', the rest by bank
            22: self.spec(22, 100.0, quantity=-1, number="HYV-22"),  # C': credit note of C
            3: self.spec(3, 100.0),  # D: marked paid elsewhere
        }

    def pay(self, remote_id, amount, event_type="BANKSTATEMENT", day="2026-03-10"):
        return self.sandbox_post(
            f"/_sandbox/invoices/{remote_id}/payments",
            {"amount": amount, "paymentDate": day, "type": event_type},
        )

    def pay_in_procountor(self, remote):
        """What happened in Procountor: ``remote`` is {key: Procountor invoice id}."""
        self.pay(remote["A"], 50.0, day="2026-03-10")
        self.pay(remote["A"], 75.5, "REFERENCEPAYMENT", day="2026-03-12")
        self.pay(remote["B"], 105.5, day="2026-03-11")
        self.pay(remote["B"], 20.0, "CASHDISCOUNT", day="2026-03-11")
        self.sandbox_post(
            f"/_sandbox/invoices/{remote['C']}/setoff",
            {"creditNoteId": remote["C'"], "amount": 125.5, "paymentDate": "2026-03-13"},
        )
        self.pay(remote["C"], 125.5, day="2026-03-14")
        self.pay(remote["D"], 125.5, "ELSEWHERE", day="2026-03-15")

    def state(self, bills):
        """What a re-run must not change."""
        moves = self.env["account.move"].browse([m.id for m in bills.values()])
        links = self.env["procountor.payment.link"].sudo().search([("move_id", "in", moves.ids)])
        return (
            sorted(moves.matched_payment_ids.ids),
            sorted(links.ids),
            sorted(links.entry_id.ids),
            {key: (m.payment_state, m.amount_residual) for key, m in bills.items()},
            self.env["account.move.line"].search_count([]),
        )

    def assert_booked_as_procountor(self, bills):
        A, B, C, C2, D = (bills[key] for key in ("A", "B", "C", "C'", "D"))
        # A: two bank payments, partial then paid.
        self.assertIn(A.payment_state, PAID)
        self.assertEqual(sorted(A.matched_payment_ids.mapped("amount")), [50.0, 75.5])
        self.assertEqual(set(A.matched_payment_ids.mapped("payment_type")), {"outbound"})
        # B: a bank payment of what was paid, the discount written off with its VAT.
        self.assertIn(B.payment_state, PAID)
        self.assertEqual(B.matched_payment_ids.mapped("amount"), [105.5])
        link = self.env["procountor.payment.link"].sudo().search([("move_id", "=", B.id)])
        self.assertEqual(link.kind, "discount")
        entry = link.entry_id
        self.assertEqual(entry.journal_id, self.misc_journal)
        self.assertEqual(entry.state, "posted")
        by_account = {}
        for line in entry.line_ids:
            by_account[line.account_id] = by_account.get(line.account_id, 0.0) + line.balance
        self.assertAlmostEqual(by_account[payable(B)], 20.0)
        self.assertAlmostEqual(by_account[self.received_discounts], -15.94)
        vat = entry.line_ids.filtered("tax_repartition_line_id")
        self.assertAlmostEqual(sum(vat.mapped("balance")), -4.06)
        # C and its credit note: reconciled by the set-off, the rest by bank.
        self.assertIn(C.payment_state, PAID)
        self.assertEqual(C.matched_payment_ids.mapped("amount"), [125.5])
        self.assertIn(C2.payment_state, PAID)
        self.assertFalse(C2.matched_payment_ids)
        self.assertIn(C2, C.line_ids.matched_debit_ids.debit_move_id.move_id)
        # D: paid elsewhere: flagged, nothing booked.
        self.assertEqual(D.payment_state, "not_paid")
        self.assertTrue(D.procountor_payment_attention)
        self.assertIn("ELSEWHERE", D.procountor_payment_message)
        # The bank journal holds bank money only.
        payments = self.env["account.payment"].search(
            [("journal_id", "=", self.bank_journal.id), ("partner_type", "=", "supplier")]
        )
        self.assertEqual(sorted(payments.mapped("amount")), [50.0, 75.5, 105.5, 125.5])

    # ------------------------------------------------------------------ tests

    def test_imported_bills_paid_as_procountor_booked(self):
        remote_ids = self.seed(self.specs())
        summary = self.connection._procountor_fetch_bills()
        self.assertEqual(summary.imported, 5)
        Move = self.env["account.move"]
        bills = {
            key: Move.search([("procountor_bill_id", "=", remote_ids[index])])
            for key, index in (("A", 0), ("B", 1), ("C", 2), ("C'", 22), ("D", 3))
        }
        self.assertEqual(bills["C'"].move_type, "in_refund")
        self.assertFalse(any(m.matched_payment_ids for m in bills.values()))
        self.pay_in_procountor({key: m.procountor_bill_id for key, m in bills.items()})
        # The import run (button) reads the payment events of the bills it saw.
        self.connection.action_procountor_fetch_bills()
        self.env["procountor.connection"]._cron_procountor_fetch_payments()
        self.assert_booked_as_procountor(bills)
        before = self.state(bills)
        self.connection.action_procountor_fetch_bills()
        self.env["procountor.connection"]._cron_procountor_fetch_payments()
        Move.browse([m.id for m in bills.values()]).action_procountor_fetch_payments()
        self.assertEqual(self.state(bills), before)

    def test_sent_bills_paid_as_procountor_booked(self):
        self.connection.write({"bill_import_enabled": False, "purchase_send_enabled": True})
        remote_ids = self.seed(self.specs())
        bills = {}
        for key, index, quantity, price in (
            ("A", 0, 1, 100.0),
            ("B", 1, 1, 100.0),
            ("C", 2, 1, 200.0),
            ("C'", 22, 1, 100.0),
            ("D", 3, 1, 100.0),
        ):
            supplier = self.env["res.partner"].search(
                [("name", "=", purchases.generated_supplier(index % 20)["name"])], limit=1
            ) or self.env["res.partner"].create(
                {"name": purchases.generated_supplier(index % 20)["name"], "is_company": True}
            )
            move = self.env["account.move"].create(
                {
                    "move_type": "in_refund" if key == "C'" else "in_invoice",
                    "partner_id": supplier.id,
                    "ref": f"S-{index}",
                    "invoice_date": "2026-03-01",
                    "journal_id": self.purchase_journal.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Purchase",
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [Command.set(self.tax_255.ids)],
                                "account_id": self.expense.id,
                            }
                        )
                    ],
                }
            )
            move.action_post()
            # As the send pipeline leaves a bill it created in Procountor.
            move.sudo().write(
                {
                    "procountor_invoice_id": remote_ids[index],
                    "procountor_connection_id": self.connection.id,
                }
            )
            bills[key] = move
        self.pay_in_procountor({key: m.procountor_invoice_id for key, m in bills.items()})
        self.env["procountor.connection"]._cron_procountor_fetch_payments()
        self.assert_booked_as_procountor(bills)
        before = self.state(bills)
        self.env["procountor.connection"]._cron_procountor_fetch_payments()
        self.env["account.move"].browse(
            [m.id for m in bills.values()]
        ).action_procountor_fetch_payments()
        self.assertEqual(self.state(bills), before)

    def test_cash_discount_without_account_and_ambiguous_setoff_are_flagged(self):
        self.connection.payment_discount_purchase_account_id = False
        specs = {
            1: self.spec(1, 100.0),
            2: self.spec(2, 200.0),
            22: self.spec(22, 100.0, quantity=-1, number="HYV-22"),
            42: self.spec(42, 100.0, quantity=-1, number="HYV-42"),
            62: self.spec(62, 200.0),
        }
        remote_ids = self.seed(specs)
        self.connection._procountor_fetch_bills()
        Move = self.env["account.move"]
        bill_b = Move.search([("procountor_bill_id", "=", remote_ids[1])])
        bill_c = Move.search([("procountor_bill_id", "=", remote_ids[2])])
        self.pay(remote_ids[1], 105.5)
        self.pay(remote_ids[1], 20.0, "CASHDISCOUNT")
        # Two credit notes of 125.50 and two bills of 251.00 of the same supplier: which were
        # set off against each other is not known from either side.
        self.sandbox_post(
            f"/_sandbox/invoices/{remote_ids[2]}/setoff",
            {"creditNoteId": remote_ids[22], "amount": 125.5, "paymentDate": "2026-03-13"},
        )
        self.env["procountor.connection"]._cron_procountor_fetch_payments()
        self.assertEqual(bill_b.payment_state, "partial")
        self.assertAlmostEqual(bill_b.amount_residual, 20.0)
        self.assertIn("cash discount account", bill_b.procountor_payment_message)
        self.assertEqual(bill_c.payment_state, "not_paid")
        self.assertIn("2 open documents", bill_c.procountor_payment_message)
        self.assertTrue(bill_c.procountor_payment_attention)
        self.assertFalse(self.env["procountor.payment.link"].sudo().search([]))


@tagged("post_install", "-at_install")
class TestPaymentTypeDecisions(ProcountorTestCommon):
    """The sales side follows the same table: ELSEWHERE and the like are flagged, never bank
    money; a type the user mapped goes to the journal chosen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.connection.write(
            {
                "payment_bank_journal_id": cls.bank_journal.id,
                "payment_cash_journal_id": cls.company_data["default_journal_cash"].id,
            }
        )

    def invoice(self, remote_id):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "invoice_date": "2026-03-01",
                "invoice_line_ids": [
                    Command.create({"name": "Service", "price_unit": 100.0, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        move.sudo().write(
            {"procountor_invoice_id": remote_id, "procountor_connection_id": self.connection.id}
        )
        return move

    def apply(self, move, event_type, event_id):
        events = [
            {
                "id": event_id,
                "type": event_type,
                "paymentDate": "2026-03-10",
                "paidAmount": 100.0,
                "paidCurrency": move.currency_id.name,
            }
        ]
        summary = ProcountorPaymentSummary(self.env)
        journals = self.connection._procountor_payment_journals()
        return move._procountor_apply_payment_events(
            self.connection, events, f"s{event_id}", journals, summary
        )

    def test_elsewhere_is_flagged_unless_mapped_to_a_journal(self):
        for offset, event_type in enumerate(("ELSEWHERE", "OTHERPAYMENTMETHOD", "CHARGECARD")):
            move = self.invoice(9100 + offset)
            self.assertEqual(self.apply(move, event_type, 88100 + offset), "flagged")
            self.assertFalse(move.matched_payment_ids)
            self.assertIn(event_type, move.procountor_payment_message)
        card = self.env["account.journal"].create(
            {"name": "Korttimaksut", "code": "KORT", "type": "bank"}
        )
        self.connection.payment_type_journal_ids = [
            Command.create({"event_type": "CHARGECARD", "journal_id": card.id})
        ]
        move = self.invoice(9200)
        self.assertEqual(self.apply(move, "CHARGECARD", 88200), "registered")
        self.assertEqual(move.matched_payment_ids.journal_id, card)
        self.assertEqual(move.payment_state, "paid")

    def test_cash_discount_setup_is_checked_before_any_call(self):
        misc = self.company_data["default_journal_misc"]
        discounts = self.env["account.account"].create(
            {"name": "Myönnetyt käteisalennukset", "code": "30901", "account_type": "income"}
        )
        self.connection.payment_discount_sale_account_id = discounts
        missing = "\n".join(self.connection._procountor_payment_missing())
        self.assertIn("no journal for cash discounts", missing)
        self.connection.write(
            {
                "payment_discount_journal_id": misc.id,
                "journal_send_journal_ids": [Command.set(misc.ids)],
            }
        )
        missing = "\n".join(self.connection._procountor_payment_missing())
        self.assertIn("would be booked twice", missing)
        self.connection.journal_send_journal_ids = [Command.clear()]
        self.assertFalse(self.connection._procountor_payment_missing())

    def test_cash_discount_on_two_vat_rates_is_split_to_the_cent(self):
        chart = self.env["account.chart.template"].with_company(self.company)
        tax_255 = chart.ref("tax_dom_sales_goods_25_5")
        tax_14 = chart.ref("tax_dom_sales_goods_14")
        tax_14.active = True
        granted = self.env["account.account"].create(
            {"name": "Myönnetyt käteisalennukset", "code": "30902", "account_type": "income"}
        )
        self.connection.write(
            {
                "payment_discount_sale_account_id": granted.id,
                "payment_discount_journal_id": self.company_data["default_journal_misc"].id,
            }
        )
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "invoice_date": "2026-03-01",
                "invoice_line_ids": [
                    Command.create(
                        {"name": "A", "price_unit": 100.0, "tax_ids": [Command.set(tax_255.ids)]}
                    ),
                    Command.create(
                        {"name": "B", "price_unit": 100.0, "tax_ids": [Command.set(tax_14.ids)]}
                    ),
                ],
            }
        )
        move.action_post()
        move.sudo().write(
            {"procountor_invoice_id": 9300, "procountor_connection_id": self.connection.id}
        )
        self.assertAlmostEqual(move.amount_total, 239.5)
        events = [
            {"id": 88301, "type": "BANKSTATEMENT", "paidAmount": 229.5},
            {"id": 88302, "type": "CASHDISCOUNT", "paidAmount": 10.0},
        ]
        for event in events:
            event.update(paymentDate="2026-03-10", paidCurrency="EUR")
        summary = ProcountorPaymentSummary(self.env)
        journals = self.connection._procountor_payment_journals()
        outcome = move._procountor_apply_payment_events(
            self.connection, events, "s", journals, summary
        )
        self.assertEqual(outcome, "registered", move.procountor_payment_message)
        self.assertEqual(move.payment_state, "paid")
        link = self.env["procountor.payment.link"].sudo().search([("move_id", "=", move.id)])
        entry = link.entry_id
        receivable = entry.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertAlmostEqual(receivable.balance, -10.0)
        vat = entry.line_ids.filtered("tax_repartition_line_id")
        self.assertEqual(vat.tax_line_id, tax_255 | tax_14)
        net = entry.line_ids.filtered(lambda line: line.account_id == granted)
        self.assertAlmostEqual(sum(net.mapped("balance")) + sum(vat.mapped("balance")), 10.0)
        # The VAT corrected is the VAT share of each rate's part of the discount, to the cent.
        by_tax = {line.tax_line_id: line.balance for line in vat}
        # 5.24 of the discount is at 25.5 %: VAT 5.24 × 25.5 / 125.5 = 1.06; 4.76 at 14 %: 0.58.
        self.assertAlmostEqual(by_tax[tax_255], 1.06)
        self.assertAlmostEqual(by_tax[tax_14], 0.58)
