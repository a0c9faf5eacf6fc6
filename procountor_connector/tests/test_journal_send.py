# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Journal entries → Procountor JOURNAL ledger receipts, against the sandbox.

Payroll-like entries (no VAT) and accrual-like entries (purchase VAT 25.5 %, cost centre and
project analytics) of two chosen miscellaneous journals go to the sandbox exactly once, also
when Procountor applies a POST and the answer is lost, with the receipts' accounts, amounts, VAT
and dimensions as in Odoo; every request and response body validates against the 26.04 schemas.
"""

import datetime
import importlib.util
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import RedirectWarning
from odoo.tests import tagged

from ..procountor_api import payloads
from ..procountor_api.client import ProcountorClient
from .test_invoice_common import ProcountorInvoiceCase
from .vat_deduction import half_deductible_tax

MARCH = datetime.date(2026, 3, 31)
APRIL = datetime.date(2026, 4, 1)
#: Accounts of l10n_fi the entries use that the default sandbox chart lacks.
EXTRA_LEDGER_ACCOUNTS = [
    {"ledgerAccountCode": "5010", "name": "Kuukausipalkat"},
    {"ledgerAccountCode": "6130", "name": "TyEL-maksut"},
    {"ledgerAccountCode": "2931", "name": "Eläkevakuutusmaksuvelka"},
    {"ledgerAccountCode": "2966", "name": "Vuokramenot (siirtovelat)"},
    {"ledgerAccountCode": "2969", "name": "Muut siirtovelat"},
    {"ledgerAccountCode": "7230", "name": "Toimitilavuokrat"},
]


def _schemas():
    """The shared 26.04 schemas through the pure suite's ``tests/schema_support.py``, or
    None when the schema files are absent."""
    path = Path(__file__).resolve().parents[2] / "tests" / "schema_support.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("procountor_schema_support", path)
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up in sys.modules.
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(sys.modules[spec.name])
    module = sys.modules[spec.name]
    return module.load()


@tagged("post_install", "-at_install")
class TestJournalSend(ProcountorInvoiceCase):
    # A read timeout well below the sandbox's delay after committing the write.
    client_overrides = {"backoff_factor": 0, "timeout": (2, 0.3)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.sandbox_seed_accounts()
        cls.connection.action_fetch_settings()
        cls.connection.action_suggest_mappings()
        Journal = env["account.journal"]
        cls.payroll_journal = Journal.create(
            {"name": "Palkat", "code": "PAY", "type": "general", "company_id": cls.company.id}
        )
        cls.accrual_journal = Journal.create(
            {"name": "Jaksotukset", "code": "ACR", "type": "general", "company_id": cls.company.id}
        )
        cls.other_journal = Journal.create(
            {"name": "Muut", "code": "OTH", "type": "general", "company_id": cls.company.id}
        )
        cls.connection.write(
            {
                "journal_send_journal_ids": [
                    Command.set((cls.payroll_journal | cls.accrual_journal).ids)
                ],
                "invoice_attach_pdf": False,
            }
        )
        cls.tax_purchase = cls._chart_ref("tax_dom_purchase_goods_25_5")
        account = cls._account
        cls.salaries, cls.pension_cost = account("5010"), account("6130")
        cls.pension_debt, cls.employees, cls.other_accrued = (
            account("2931"),
            account("2940"),
            account("2969"),
        )
        cls.rent, cls.rent_accrued = account("7230"), account("2966")
        # Analytics: cost centres → dimension 1 (Kustannuspaikka), projects → 2 (Projekti).
        Plan = env["account.analytic.plan"]
        Analytic = env["account.analytic.account"]
        cls.plan_cc = Plan.create({"name": "Kustannuspaikat"})
        cls.plan_project = Plan.create({"name": "Projektit"})
        cls.cc_hki = Analytic.create({"name": "Helsinki", "plan_id": cls.plan_cc.id})
        cls.cc_tre = Analytic.create({"name": "Tampere", "plan_id": cls.plan_cc.id})
        cls.project = Analytic.create({"name": "Verkkokauppa", "plan_id": cls.plan_project.id})
        cls.unmapped_analytic = Analytic.create({"name": "Oulu", "plan_id": cls.plan_cc.id})
        dimensions = {d.procountor_id: d for d in cls.connection.dimension_ids}
        items = {
            item.procountor_id: item
            for item in env["procountor.dimension.item"].search(
                [("connection_id", "=", cls.connection.id)]
            )
        }
        for plan, dimension in ((cls.plan_cc, 1), (cls.plan_project, 2)):
            env["procountor.analytic.plan.mapping"].create(
                {
                    "connection_id": cls.connection.id,
                    "plan_id": plan.id,
                    "dimension_id": dimensions[dimension].id,
                }
            )
        for analytic, item in ((cls.cc_hki, 101), (cls.cc_tre, 102), (cls.project, 201)):
            env["procountor.analytic.mapping"].create(
                {
                    "connection_id": cls.connection.id,
                    "analytic_account_id": analytic.id,
                    "dimension_item_id": items[item].id,
                }
            )

    @classmethod
    def sandbox_seed_accounts(cls):
        import requests

        requests.post(
            f"{cls.sandbox.url}/_sandbox/seed",
            json={"ledgerAccounts": EXTRA_LEDGER_ACCOUNTS},
            timeout=10,
        ).raise_for_status()

    @classmethod
    def _account(cls, code):
        return cls.env["account.account"].search(
            [("code", "=", code), ("company_ids", "in", cls.company.id)], limit=1
        )

    def setUp(self):
        super().setUp()
        # The reset gave the sandbox its default chart again.
        self.sandbox_seed_accounts()

    # ------------------------------------------------------------------ helpers

    def make_entry(self, journal, lines, date=MARCH, ref="", post=True):
        """``lines``: (account, debit, credit, label, extra values) tuples."""
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": journal.id,
                "date": date,
                "ref": ref,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": account.id,
                            "debit": debit,
                            "credit": credit,
                            "name": label,
                            **extra,
                        }
                    )
                    for account, debit, credit, label, extra in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def make_payroll(self, index=0, **values):
        gross = 3000.0 + 10 * index
        pension = round(gross * 0.1744, 2)
        withholding = round(gross * 0.2, 2)
        employee_pension = round(gross * 0.0715, 2)
        net = round(gross - withholding - employee_pension, 2)
        return self.make_entry(
            self.payroll_journal,
            [
                (self.salaries, gross, 0, "Kuukausipalkat", {}),
                (self.pension_cost, pension, 0, "TyEL työnantaja", {}),
                (self.pension_debt, 0, round(pension + employee_pension, 2), "TyEL-velka", {}),
                (self.other_accrued, 0, withholding, "Ennakonpidätys", {}),
                (self.employees, 0, net, "Nettopalkat", {}),
            ],
            ref=f"Palkat 03/2026 erä {index + 1}",
            **values,
        )

    def make_accrual(self, amount=1000.0, date=MARCH, ref="Vuokrajaksotus 03/2026", post=True):
        """Rent with purchase VAT 25.5 % on two cost centres and a project; Odoo computes the
        tax line."""
        distribution = {
            f"{self.cc_hki.id},{self.project.id}": 60.0,
            f"{self.cc_tre.id},{self.project.id}": 40.0,
        }
        vat = float(payloads.procountor_vat(Decimal(str(amount)), Decimal("25.5")))
        return self.make_entry(
            self.accrual_journal,
            [
                (
                    self.rent,
                    amount,
                    0,
                    "Toimitilavuokra",
                    {
                        "tax_ids": [Command.set(self.tax_purchase.ids)],
                        "analytic_distribution": distribution,
                    },
                ),
                (self.rent_accrued, 0, round(amount + vat, 2), "Jaksotettu vuokra", {}),
            ],
            date=date,
            ref=ref,
            post=post,
        )

    def receipts(self):
        """The sandbox's JOURNAL receipts (full objects)."""
        state = self.sandbox_get("/_sandbox/state")
        receipts = state["ledgerReceipts"]
        values = receipts.values() if isinstance(receipts, dict) else receipts
        return [receipt for receipt in values if receipt["type"] == "JOURNAL"]

    def receipts_by_number(self, moves):
        found = {}
        for receipt in self.receipts():
            for move in moves:
                if payloads.name_carries_number(receipt["name"], move.name):
                    found.setdefault(move.name, []).append(receipt)
        return found

    def assertReceiptMatches(self, move, receipt):
        """Accounts, amounts (company currency), VAT and dimensions as in Odoo."""
        self.assertEqual(receipt["receiptDate"], str(move.date))
        self.assertTrue(payloads.name_carries_number(receipt["name"], move.name))
        expected = Counter()
        base, _tax_lines = move._procountor_journal_lines()
        for line in base:
            percent = line.tax_ids.amount if line.tax_ids else 0.0
            dims = {}
            for key, share in (line.analytic_distribution or {}).items():
                for analytic_id in key.split(","):
                    item = self.connection._procountor_dimension_item(
                        self.env["account.analytic.account"].browse(int(analytic_id))
                    )
                    pair = (item.dimension_id.procountor_id, item.procountor_id)
                    dims[pair] = dims.get(pair, 0) + abs(line.balance) * share / 100
            expected[
                (
                    line.account_id.code,
                    round(line.balance, 2),
                    round(percent, 2),
                    tuple(sorted((pair, round(value, 2)) for pair, value in dims.items())),
                )
            ] += 1
        found = Counter()
        for transaction in receipt["transactions"]:
            dims = tuple(
                sorted(
                    ((value["dimensionId"], value["itemId"]), round(value["value"], 2))
                    for value in transaction.get("dimensionItemValues") or ()
                )
            )
            found[
                (
                    transaction["account"],
                    round(transaction["accountingValue"], 2),
                    round(transaction["vatPercent"], 2),
                    dims,
                )
            ] += 1
        self.assertEqual(found, expected, move.name)
        # Procountor's VAT of the rows equals Odoo's tax lines.
        vat = sum(
            payloads.procountor_vat(
                Decimal(str(t["accountingValue"])), Decimal(str(t["vatPercent"]))
            )
            for t in receipt["transactions"]
        )
        self.assertEqual(vat, payloads.round_cents(sum(_tax_lines.mapped("balance"))))
        self.assertEqual(payloads.receipt_imbalance(receipt["transactions"]), 0)

    def assertSchemasHold(self):
        schemas = _schemas()
        if schemas is None:
            self.skipTest("../shared/procountor schemas absent: conformance not checked")
        checked = 0
        for entry in self.sandbox_journal():
            if entry["path"] == "/oauth/token":
                continue
            operation = schemas.operation_for(entry["method"], entry["path"])
            self.assertIsNotNone(operation, entry["path"])
            if operation.request_body and entry.get("request_body") is not None:
                self.assertEqual(
                    schemas.errors(operation.request_body, entry["request_body"]),
                    [],
                    entry["path"],
                )
                checked += 1
            response_type = operation.responses.get(str(entry["status"]))
            if response_type and entry.get("response_body") is not None:
                self.assertEqual(
                    schemas.errors(response_type, entry["response_body"]), [], entry["path"]
                )
        return checked

    # ------------------------------------------------------------------ exactly once

    def test_ten_entries_exactly_once_despite_lost_answers(self):
        moves = self.env["account.move"]
        for index in range(5):
            moves |= self.make_payroll(index)
            moves |= self.make_accrual(amount=800.0 + 37.13 * index)
        self.add_fault(
            kind="timeout_after_commit",
            path="/ledgerreceipts",
            method="POST",
            every_nth=3,
            seconds=0.8,
        )
        self.add_fault(kind="drop_after_commit", path="/ledgerreceipts", method="POST", times=1)
        first = moves._procountor_send_batch()
        self.assertTrue(first.failed, "the faults fired")
        for move in first.failed:
            self.assertEqual(move.procountor_state, "sending")
            self.assertTrue(move.procountor_create_unknown)
            self.assertIn("looks it up", move.procountor_error)
        for _round in range(5):
            if set(moves.mapped("procountor_state")) == {"sent"}:
                break
            moves._procountor_send_batch()
        self.assertEqual(set(moves.mapped("procountor_state")), {"sent"})
        by_number = self.receipts_by_number(moves)
        self.assertEqual(len(self.receipts()), 10)
        for move in moves:
            self.assertEqual(len(by_number[move.name]), 1, move.name)
            receipt = by_number[move.name][0]
            self.assertEqual(move.procountor_ledger_receipt_id, receipt["id"])
            self.assertEqual(move.procountor_receipt_number, receipt["receiptNumber"])
            self.assertEqual(move.procountor_status, "UNFINISHED")
            self.assertFalse(move.procountor_invoice_id)
            self.assertReceiptMatches(move, receipt)
        self.assertEqual(len(self.api_calls("POST", "/ledgerreceipts")), 10)
        self.assertEqual(self.assertSchemasHold(), 10, "the ten POST bodies were checked")
        adopted = moves.filtered(
            lambda move: any("adopted" in (m.body or "") for m in move.message_ids)
        )
        self.assertEqual(adopted, first.failed)

    def test_two_workers_interleaved(self):
        """Worker B runs while worker A's first POST is on its way (as in
        test_invoice_exactly_once.py): B skips the entry A claimed, A skips what B sent."""
        moves = self.make_payroll(0) | self.make_accrual() | self.make_payroll(1)
        original = ProcountorClient.create_ledger_receipt
        worker_b = {}

        def create_ledger_receipt(client, data, **kwargs):
            if not worker_b:
                worker_b["started"] = True
                worker_b["summary"] = moves._procountor_send_batch()
            return original(client, data, **kwargs)

        with patch.object(ProcountorClient, "create_ledger_receipt", create_ledger_receipt):
            summary_a = moves._procountor_send_batch()
        summary_b = worker_b["summary"]
        self.assertEqual(len(summary_a.sent), 1)
        self.assertEqual(summary_b.skipped, summary_a.sent, "B skips the entry A claimed")
        self.assertEqual(summary_a.skipped, summary_b.sent, "A skips what B sent")
        self.assertEqual(len(summary_b.sent), 2)
        self.assertEqual(len(self.receipts()), 3)
        self.assertEqual(len(self.api_calls("POST", "/ledgerreceipts")), 3)

    def test_crash_between_claim_and_post_posts_once(self):
        move = self.make_accrual()
        stale = fields.Datetime.now() - datetime.timedelta(hours=1)
        # A worker claimed and died before its POST left: nothing is in Procountor.
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_claimed_at": stale,
                "procountor_connection_id": self.connection.id,
            }
        )
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertEqual(len(self.api_calls("GET", "/ledgerreceipts")), 1, "searched first")
        self.assertEqual(len(self.api_calls("POST", "/ledgerreceipts")), 1)
        self.assertEqual(len(self.receipts()), 1)

    def test_crash_after_post_is_adopted(self):
        move = self.make_payroll()
        data, problems = move._procountor_journal_prepare(self.connection)
        self.assertFalse(problems)
        with self.connection._procountor_client() as client:
            created = client.create_ledger_receipt(payloads.build_journal_receipt(data))
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_connection_id": self.connection.id,
            }
        )
        move._procountor_send_batch()
        self.assertEqual(move.procountor_ledger_receipt_id, created["id"])
        self.assertEqual(len(self.api_calls("POST", "/ledgerreceipts")), 1, "only the dead one")
        self.assertEqual(len(self.receipts()), 1)

    def test_adoption_conflict_is_explained_and_nothing_created(self):
        move = self.make_payroll()
        data, _problems = move._procountor_journal_prepare(self.connection)
        body = payloads.build_journal_receipt(data)
        body["transactions"][0]["accountingValue"] += 100
        body["transactions"][-1]["accountingValue"] -= 100
        with self.connection._procountor_client() as client:
            client.create_ledger_receipt(body)
        move._procountor_write(
            {
                "procountor_state": "sending",
                "procountor_create_unknown": True,
                "procountor_connection_id": self.connection.id,
            }
        )
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "error")
        self.assertIn("accounts or amounts", move.procountor_error)
        self.assertTrue(move.procountor_create_unknown)
        self.assertEqual(len(self.receipts()), 1)

    # ------------------------------------------------------------------ checks before HTTP

    def test_checks_before_http_list_every_problem(self):
        unmapped_tax = self.tax_purchase.copy({"name": "25.5% kopio"})
        unmapped_account = self._account("7650")
        move = self.make_entry(
            self.accrual_journal,
            [
                (
                    self.rent,
                    100.0,
                    0,
                    "Vuokra",
                    {
                        "tax_ids": [Command.set(unmapped_tax.ids)],
                        "analytic_distribution": {str(self.unmapped_analytic.id): 100.0},
                    },
                ),
                (
                    unmapped_account,
                    50.0,
                    0,
                    "Atk",
                    {"analytic_distribution": {str(self.cc_hki.id): 50.0}},
                ),
                (self.rent_accrued, 0, 175.5, "Jaksotus", {}),
            ],
        )
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "error")
        error = move.procountor_error
        for expected in (
            "Account 7650",
            "Tax 25.5% kopio has no Procountor VAT percent",
            "Analytic account Oulu has no Procountor dimension item",
            "puts 50.0 % of its amount on dimension",
        ):
            self.assertIn(expected, error)
        self.assertFalse(self.sandbox_journal(), "no HTTP call at all")

    def test_checks_of_taxes_texts_and_the_no_vat_status(self):
        tax_10 = self.tax_purchase.copy({"name": "10% osto", "amount": 10.0})
        draft = self.make_entry(
            self.accrual_journal,
            [
                (
                    self.rent,
                    100.0,
                    0,
                    "Kaksi veroa",
                    {"tax_ids": [Command.set((self.tax_purchase | tax_10).ids)]},
                ),
                (self.rent_accrued, 0, 100.0, "Jaksotus Ŕ", {}),
            ],
            ref="Vuokra Ŕ",
            post=False,
        )
        status_12 = self.env["procountor.vat.status"].search(
            [("connection_id", "=", self.connection.id), ("code", "=", payloads.NO_VAT_STATUS)]
        )
        status_12.active = False
        data, problems = draft._procountor_journal_prepare(self.connection)
        self.assertIsNone(data)
        text = "\n".join(problems)
        for expected in (
            "The entry has no number yet",
            "Line Kaksi veroa has 2 taxes",
            "Reference contains characters that Procountor cannot store: Ŕ",
            "Line Jaksotus Ŕ label contains characters",
            "Procountor VAT status 12 (No VAT handling)",
        ):
            self.assertIn(expected, text)

    def test_tax_amount_that_procountor_would_compute_otherwise_is_refused(self):
        move = self.make_accrual(post=False)
        tax_line = move.line_ids.filtered("tax_line_id")
        accrued = move.line_ids.filtered(lambda line: line.account_id == self.rent_accrued)
        move.write(
            {
                "line_ids": [
                    Command.update(tax_line.id, {"debit": 254.0}),
                    Command.update(accrued.id, {"credit": 1254.0}),
                ]
            }
        )
        move.action_post()
        self.assertEqual(move.line_ids.filtered("tax_line_id").balance, 254.0)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertIn("tax lines total 254.00", move.procountor_error)
        self.assertIn("Procountor computes 255.00", move.procountor_error)
        self.assertFalse(self.sandbox_journal())

    def make_entertainment(self, tax, amount=1000.0):
        """Entertainment costs (rent account) with a half-deductible purchase tax: Odoo books
        half the VAT on the VAT account and half as a tax line of the non-deductible share."""
        vat = float(payloads.procountor_vat(Decimal(str(amount)), Decimal("25.5")))
        return self.make_entry(
            self.accrual_journal,
            [
                (self.rent, amount, 0, "Edustus", {"tax_ids": [Command.set(tax.ids)]}),
                (self.rent_accrued, 0, round(amount + vat, 2), "Jaksotettu edustus", {}),
            ],
            ref="Edustus 03/2026",
        )

    def test_half_deductible_vat_is_sent_with_its_deduction_percent(self):
        tax = half_deductible_tax(self.connection, self.tax_purchase, "25.5% edustus 50 %")
        move = self.make_entertainment(tax)
        share = move.line_ids.filtered(
            lambda line: line.tax_line_id and not line.tax_repartition_line_id.use_in_tax_closing
        )
        self.assertEqual((share.account_id, share.balance), (self.rent, 127.5))
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (receipt,) = self.receipts()
        self.assertReceiptMatches(move, receipt)
        rent_row = next(t for t in receipt["transactions"] if t["account"] == "7230")
        accrued_row = next(t for t in receipt["transactions"] if t["account"] == "2966")
        self.assertEqual(rent_row["accountingValue"], 1000.0)
        self.assertEqual(rent_row["vatPercent"], 25.5)
        self.assertEqual(rent_row["vatDeductionPercent"], 50)
        self.assertEqual(accrued_row["accountingValue"], -1255.0)
        self.assertNotIn("vatDeductionPercent", accrued_row)
        # Procountor's deductible share is Odoo's VAT line in the tax closing, to the cent.
        deductible = move.line_ids.filtered(
            lambda line: line.tax_line_id and line.tax_repartition_line_id.use_in_tax_closing
        )
        self.assertEqual(
            payloads.procountor_deductible_vat(
                Decimal(str(rent_row["accountingValue"])),
                Decimal(str(rent_row["vatPercent"])),
                Decimal(str(rent_row["vatDeductionPercent"])),
            ),
            payloads.round_cents(deductible.balance),
        )
        self.assertSchemasHold()

    def test_non_deductible_share_on_its_own_account_is_refused_naming_the_line(self):
        tax = half_deductible_tax(
            self.connection,
            self.tax_purchase,
            "25.5% edustus 50 % omalle tilille",
            share_account=self.other_accrued,
        )
        move = self.make_entertainment(tax)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertIn("Line Edustus", move.procountor_error)
        self.assertIn("non-deductible", move.procountor_error)
        self.assertIn(self.other_accrued.code, move.procountor_error)
        self.assertFalse(self.sandbox_journal())

    def test_closed_period_refusal_is_stored_with_remedy(self):
        move = self.make_payroll(date=datetime.date(2024, 6, 30))
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "error")
        self.assertFalse(move.procountor_create_unknown, "a 400 created nothing")
        self.assertIn("CLOSED_FISCAL_PERIOD", move.procountor_error)
        self.assertIn("closed accounting period", move.procountor_error)
        refused = self.exchanges(operation="create_ledger_receipt")
        self.assertEqual(len(refused), 1)
        self.assertFalse(refused.ok)
        self.assertEqual((refused.res_model, refused.res_id), ("account.move", move.id))
        self.assertIn("CLOSED_FISCAL_PERIOD", refused.error_codes)

    def test_foreign_currency_line_is_booked_in_company_currency(self):
        move = self.make_entry(
            self.accrual_journal,
            [
                (
                    self.rent,
                    923.96,
                    0,
                    "Vuokra USD",
                    {"currency_id": self.usd.id, "amount_currency": 1000.0},
                ),
                (self.rent_accrued, 0, 923.96, "Jaksotus", {}),
            ],
        )
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        (receipt,) = self.receipts()
        rent_row = next(t for t in receipt["transactions"] if t["account"] == "7230")
        self.assertEqual(rent_row["accountingValue"], 923.96)
        self.assertIn("USD 1000.00", rent_row["description"])

    def test_entries_of_journals_not_chosen_are_skipped(self):
        move = self.make_entry(
            self.other_journal,
            [(self.salaries, 10.0, 0, "x", {}), (self.employees, 0, 10.0, "y", {})],
        )
        summary = move._procountor_send_batch()
        self.assertEqual(summary.skipped, move)
        self.assertEqual(move.procountor_state, "not_sent")
        self.assertFalse(move.procountor_journal_sendable)
        self.assertFalse(self.sandbox_journal())

    # ------------------------------------------------------------------ approve, update, correct

    def test_approve_option_and_resume_without_second_approve(self):
        self.connection.journal_approve = True
        move = self.make_accrual()
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertEqual(move.procountor_step, "approved")
        self.assertEqual(move.procountor_status, "APPROVED")
        (receipt,) = self.receipts()
        self.assertEqual(receipt["status"], "APPROVED")
        # A second entry: Procountor approves it but the answer is lost.
        other = self.make_payroll()
        self.add_fault(
            kind="timeout_after_commit",
            path="/ledgerreceipts/*/approve",
            method="PUT",
            times=1,
            seconds=0.8,
        )
        other._procountor_send_batch()
        self.assertEqual(other.procountor_state, "error")
        self.assertEqual(other.procountor_step, "created")
        self.assertTrue(other.procountor_error_retryable)
        approve_path = f"/ledgerreceipts/{other.procountor_ledger_receipt_id}/approve"
        self.assertEqual(len(self.api_calls("PUT", approve_path)), 1)
        other._procountor_send_batch()
        self.assertEqual(other.procountor_state, "sent", other.procountor_error)
        self.assertEqual(other.procountor_step, "approved")
        self.assertEqual(other.procountor_status, "APPROVED")
        self.assertEqual(len(self.api_calls("PUT", approve_path)), 1, "read first, not again")
        self.assertEqual(len(self.api_calls("POST", "/ledgerreceipts")), 2)
        self.assertSchemasHold()

    def test_changed_entry_updates_the_unfinished_receipt(self):
        move = self.make_accrual()
        move._procountor_send_batch()
        receipt_id = move.procountor_ledger_receipt_id
        move.button_draft()
        rent = move.line_ids.filtered(lambda line: line.account_id == self.rent)
        accrued = move.line_ids.filtered(lambda line: line.account_id == self.rent_accrued)
        move.write(
            {
                "line_ids": [
                    Command.update(rent.id, {"debit": 1200.0}),
                    Command.update(accrued.id, {"credit": 1506.0}),
                ]
            }
        )
        move.action_post()
        self.assertTrue(move.procountor_outdated)
        self.assertTrue(any("changed after" in (m.body or "") for m in move.message_ids))
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertFalse(move.procountor_outdated)
        self.assertEqual(move.procountor_ledger_receipt_id, receipt_id)
        (receipt,) = self.receipts()
        self.assertEqual(receipt["id"], receipt_id)
        self.assertReceiptMatches(move, receipt)
        path = f"/ledgerreceipts/{receipt_id}"
        self.assertEqual(len([call for call in self.api_calls("PUT") if call["path"] == path]), 1)
        self.assertSchemasHold()

    def test_changed_entry_is_refused_once_approved(self):
        self.connection.journal_approve = True
        move = self.make_accrual()
        move._procountor_send_batch()
        # Procountor takes no more changes: resetting needs the user's confirmation.
        move.with_context(procountor_reset_confirmed=True).button_draft()
        move.ref = "Vuokrajaksotus 03/2026 korjattu"
        move.action_post()
        self.assertTrue(move.procountor_outdated)
        summary = move._procountor_send_batch()
        self.assertEqual(summary.failed, move)
        self.assertEqual(move.procountor_state, "sent")
        self.assertIn("is Approved", move.procountor_error)
        self.assertIn("reverse it in Odoo", move.procountor_error)
        self.assertFalse(move.procountor_error_retryable)
        path = f"/ledgerreceipts/{move.procountor_ledger_receipt_id}"
        self.assertFalse([call for call in self.api_calls("PUT") if call["path"] == path])

    def test_sent_entry_reset_to_draft_or_cancelled(self):
        move = self.make_accrual()
        move._procountor_send_batch()
        receipt_id = move.procountor_ledger_receipt_id
        # Unfinished in Procountor: the reset is allowed and says what happens.
        move.button_draft()
        self.assertTrue(any("still Unfinished" in (m.body or "") for m in move.message_ids))
        move.button_cancel()
        self.assertEqual(move.state, "cancel")
        self.assertTrue(move.procountor_outdated and move.procountor_can_invalidate)
        move.action_procountor_invalidate()
        self.assertEqual(move.procountor_state, "invalidated")
        (receipt,) = self.receipts()
        self.assertEqual((receipt["id"], receipt["status"]), (receipt_id, "INVALIDATED"))
        # Approved in Procountor: resetting needs a confirmation.
        self.connection.journal_approve = True
        approved = self.make_payroll()
        approved._procountor_send_batch()
        self.assertEqual(approved.procountor_status, "APPROVED", approved.procountor_error)
        with self.assertRaises(RedirectWarning) as caught:
            approved.button_draft()
        self.assertIn("is Approved in Procountor", caught.exception.args[0])
        approved.with_context(procountor_reset_confirmed=True).button_draft()
        self.assertEqual(approved.state, "draft")
        self.assertTrue(any("reverse the entry" in (m.body or "") for m in approved.message_ids))
        self.assertSchemasHold()

    def test_reversal_is_sent_as_correction_in_its_own_period(self):
        move = self.make_accrual()
        reversal = move._reverse_moves([{"date": APRIL, "ref": "Peruutus"}])
        reversal.action_post()
        # The original is not in Procountor yet: the correction waits for it.
        reversal._procountor_send_batch()
        self.assertEqual(reversal.procountor_state, "error")
        self.assertIn(f"send {move.name} first", reversal.procountor_error)
        self.assertFalse(self.sandbox_journal())
        move._procountor_send_batch()
        reversal._procountor_send_batch()
        self.assertEqual(reversal.procountor_state, "sent", reversal.procountor_error)
        self.assertNotEqual(
            reversal.procountor_ledger_receipt_id, move.procountor_ledger_receipt_id
        )
        receipts = {receipt["id"]: receipt for receipt in self.receipts()}
        correction = receipts[reversal.procountor_ledger_receipt_id]
        self.assertEqual(correction["receiptDate"], "2026-04-01")
        self.assertEqual(correction["name"], f"{reversal.name} Vuokrajaksotus 03/2026")
        self.assertEqual(correction["transactionDescription"], "Vuokrajaksotus 03/2026")
        self.assertIn(move.name, correction["accountantsNotes"])
        self.assertIn(str(move.procountor_receipt_number), correction["accountantsNotes"])
        self.assertReceiptMatches(reversal, correction)
        self.assertSchemasHold()

    # ------------------------------------------------------------------ cron and UI

    def test_cron_sends_entries_of_chosen_journals_and_invoices(self):
        self.connection.write(
            {"invoice_cron_enabled": True, "invoice_cron_date_from": datetime.date(2026, 1, 1)}
        )
        self.company.procountor_connection_id = self.connection
        entries = self.make_payroll() | self.make_accrual()
        other = self.make_entry(
            self.other_journal,
            [(self.salaries, 10.0, 0, "x", {}), (self.employees, 0, 10.0, "y", {})],
        )
        old = self.make_payroll(date=datetime.date(2025, 12, 31))
        invoice = self.make_invoice()
        self.env["procountor.connection"]._cron_procountor_send_invoices()
        self.assertEqual(set(entries.mapped("procountor_state")), {"sent"})
        self.assertEqual(invoice.procountor_state, "sent", invoice.procountor_error)
        self.assertEqual(other.procountor_state, "not_sent")
        self.assertEqual(old.procountor_state, "not_sent", "dated before the cron's start")
        self.assertEqual(len(self.receipts()), 2)

    def test_entry_screens(self):
        move = self.make_accrual()
        self.assertTrue(move.procountor_journal_sendable)
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("o_procountor_send_journal", arch)
        self.assertIn('name="procountor_journal"', arch)
        search = self.env["account.move"].search(
            [
                ("journal_id.procountor_send_connection_ids", "!=", False),
                ("procountor_state", "in", ("not_sent", "sending")),
                ("state", "=", "posted"),
                ("move_type", "=", "entry"),
            ]
        )
        self.assertIn(move, search)
        move._procountor_send_batch()
        self.assertNotIn(
            move,
            self.env["account.move"].search(
                [
                    ("journal_id.procountor_send_connection_ids", "!=", False),
                    ("procountor_state", "in", ("not_sent", "sending")),
                ]
            ),
        )
        action = move.action_procountor_view_exchanges()
        self.assertTrue(self.env[action["res_model"]].search(action["domain"]))
