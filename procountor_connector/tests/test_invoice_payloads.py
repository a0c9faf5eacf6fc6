# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Golden payloads: what a real l10n_fi invoice becomes for Procountor.

Each case compares two committed files under ``tests/data/golden``: ``<case>.input.json``
(the neutral data extracted from the Odoo invoice) and ``<case>.json`` (the Procountor body).
The pure-Python suite rebuilds every body from its input and validates it against the shared
26.04 schema. The invoice is then sent to the sandbox, which must accept it and compute the
same totals as Odoo to the cent.

To regenerate the files after a deliberate change: ``PROCOUNTOR_UPDATE_GOLDEN=1`` (then review
the diff).
"""

import json
import os
from pathlib import Path

from odoo.tests import tagged

from ..procountor_api import payloads
from .test_invoice_common import ProcountorInvoiceCase

GOLDEN_DIR = Path(__file__).resolve().parent / "data" / "golden"
UPDATE_GOLDEN = os.environ.get("PROCOUNTOR_UPDATE_GOLDEN") == "1"


def _dump(path, value):
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@tagged("post_install", "-at_install")
class TestInvoicePayloads(ProcountorInvoiceCase):
    def assertGolden(self, case, move):
        data, problems = move._procountor_prepare(self.connection)
        self.assertFalse(problems)
        body = payloads.build_sales_invoice(data)
        extracted = data.to_dict()
        input_file = GOLDEN_DIR / f"{case}.input.json"
        body_file = GOLDEN_DIR / f"{case}.json"
        if UPDATE_GOLDEN:
            GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
            _dump(input_file, extracted)
            _dump(body_file, body)
        self.assertEqual(extracted, json.loads(input_file.read_text(encoding="utf-8")))
        self.assertEqual(body, json.loads(body_file.read_text(encoding="utf-8")))
        # Procountor's sums of the body, computed the way Odoo rounds, equal Odoo's.
        rounding = move.company_id.tax_calculation_rounding_method
        self.assertEqual(
            payloads.invoice_totals(body, rounding).as_tuple(),
            move._procountor_odoo_totals().as_tuple(),
        )
        # The sandbox accepts the body and computes the same sums.
        summary = move._procountor_send_batch()
        self.assertEqual(summary.sent, move, move.procountor_error)
        (remote,) = self.remote_by_number()[move.name]
        self.assertTotalsMatch(move, remote)
        return body

    def test_domestic_rates_and_discount(self):
        move = self.make_invoice(
            lines=[
                (self.product_desk, 3, 249.90, 10),
                (self.product_coffee, 4, 12.35, 0),
                (self.product_paper, 1, 15.50, 5),
                (self.product_export, 2, 40.00, 0),
                (self.product_work, 2.5, 68.00, 0),
            ],
            ref="PO-2026-17",
        )
        body = self.assertGolden("domestic", move)
        self.assertEqual(
            [row["vatPercent"] for row in body["invoiceRows"]], [25.5, 13.5, 10, 0, 25.5]
        )
        self.assertEqual(body["invoiceRows"][4]["unit"], "HOUR")
        self.assertEqual(body["paymentInfo"]["bankReferenceCode"], move.payment_reference)
        self.assertEqual(body["language"], "FINNISH")

    def test_credit_note(self):
        invoice = self.make_invoice(
            lines=[(self.product_desk, 2, 249.90, 0), (self.product_coffee, 3, 12.35, 0)]
        )
        credit_note = self.make_credit_note(invoice)
        body = self.assertGolden("credit_note", credit_note)
        self.assertTrue(all(row["quantity"] < 0 for row in body["invoiceRows"]))
        self.assertIn(invoice.name, body["notes"])
        self.assertIn(invoice.name, body["additionalInformation"])
        self.assertEqual(body["originalInvoiceNumber"], credit_note.name)

    def test_eu_reverse_charge(self):
        move = self.make_invoice(
            partner=self.customer_de,
            lines=[(self.product_desk, 5, 249.90, 0), (self.product_work, 8, 68.00, 0)],
        )
        self.assertEqual(move.fiscal_position_id, self.fp_eu)
        body = self.assertGolden("eu_reverse_charge", move)
        self.assertEqual(body["vatStatus"], 5)
        self.assertEqual({row["vatPercent"] for row in body["invoiceRows"]}, {0})
        self.assertEqual(body["counterParty"]["taxCode"], "DE123456788")
        self.assertEqual(body["counterParty"]["counterPartyAddress"]["country"], "GERMANY")

    def test_foreign_currency(self):
        move = self.make_invoice(
            partner=self.customer_us,
            lines=[(self.product_desk, 2, 310.00, 0), (self.product_work, 3, 95.00, 0)],
            currency_id=self.usd.id,
        )
        body = self.assertGolden("foreign_currency", move)
        self.assertEqual(body["paymentInfo"]["currency"], "USD")
        self.assertEqual(body["paymentInfo"]["currencyRate"], 1.0823)
        self.assertEqual(body["vatStatus"], 3)
