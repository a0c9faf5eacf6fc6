# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import datetime

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ProcountorTestCommon, closed_port_url

REFERENCE_MODELS = (
    "procountor.vat.percent",
    "procountor.vat.status",
    "procountor.ledger.account",
    "procountor.dimension",
    "procountor.dimension.item",
    "procountor.bank.account",
)


@tagged("post_install", "-at_install")
class TestReferenceData(ProcountorTestCommon):
    def _counts(self, connection=None):
        connection = connection or self.connection
        return {
            model: self.env[model]
            .with_context(active_test=False)
            .search_count([("connection_id", "=", connection.id)])
            for model in REFERENCE_MODELS
        }

    def test_fetch_settings(self):
        action = self.fetch_settings()
        self.assertIn("VAT percentages", action["params"]["message"])
        connection = self.connection
        self.assertEqual(connection.state, "connected")
        self.assertTrue(connection.last_fetch_date)
        self.assertEqual(
            sorted(connection.vat_percent_ids.mapped("percent")),
            [0.0, 10.0, 13.5, 14.0, 24.0, 25.5],
        )
        domestic = connection.vat_status_ids.filtered(lambda status: status.code == 1)
        self.assertEqual(domestic.description, "Domestic")
        self.assertTrue(domestic.sales)
        self.assertIn("3000", connection.ledger_account_ids.mapped("code"))
        self.assertEqual(
            set(connection.dimension_ids.mapped("name")), {"Kustannuspaikka", "Projekti"}
        )
        self.assertIn("HKI", connection.dimension_item_ids.mapped("code_name"))
        bank = connection.bank_account_ids.filtered("default_for_invoice")
        self.assertEqual(bank.iban, "FI2112345600000785")
        self.assertEqual(bank.company_id, self.company)
        self.assertEqual(
            self.exchanges().mapped("operation"),
            [
                "fetch_token",
                "get_vat_defaults",
                "get_chart_of_accounts",
                "get_dimensions",
                "get_bank_accounts",
            ],
        )

    def test_vat_validity_from_finnish_history(self):
        self.fetch_settings()
        by_percent = {vat.percent: vat for vat in self.connection.vat_percent_ids}
        self.assertEqual(by_percent[24.0].date_to, datetime.date(2024, 8, 31))
        self.assertEqual(by_percent[25.5].date_from, datetime.date(2024, 9, 1))
        self.assertEqual(by_percent[14.0].date_to, datetime.date(2025, 12, 31))
        self.assertEqual(by_percent[13.5].date_from, datetime.date(2026, 1, 1))
        self.assertFalse(by_percent[10.0].date_from or by_percent[10.0].date_to)
        self.assertTrue(by_percent[13.5]._procountor_is_valid_on(datetime.date(2026, 3, 1)))
        self.assertFalse(by_percent[14.0]._procountor_is_valid_on(datetime.date(2026, 3, 1)))
        # A corrected date survives the next fetch.
        by_percent[10.0].date_to = datetime.date(2030, 1, 1)
        self.fetch_settings()
        self.assertEqual(by_percent[10.0].date_to, datetime.date(2030, 1, 1))

    def test_fetch_twice_no_duplicates(self):
        self.fetch_settings()
        first = self._counts()
        ids_before = self.connection.vat_status_ids.ids
        self.fetch_settings()
        self.assertEqual(self._counts(), first)
        self.assertEqual(self.connection.vat_status_ids.ids, ids_before, "records updated in place")

    def test_refetch_deactivates_what_procountor_removed(self):
        self.fetch_settings()
        Ledger = self.env["procountor.ledger.account"].sudo()
        gone = Ledger.create(
            {"connection_id": self.connection.id, "code": "9999", "name": "Removed"}
        )
        renamed = self.connection.ledger_account_ids.filtered(lambda ledger: ledger.code == "3000")
        renamed.sudo().name = "Old name"
        self.fetch_settings()
        self.assertFalse(gone.active)
        self.assertEqual(renamed.name, "Myynti")
        inactive_item = (
            self.env["procountor.dimension.item"]
            .with_context(active_test=False)
            .search([("connection_id", "=", self.connection.id), ("code_name", "=", "OUL")])
        )
        self.assertFalse(inactive_item.active, "Procountor's status P means inactive")
        inactive_account = Ledger.with_context(active_test=False).search(
            [("connection_id", "=", self.connection.id), ("code", "=", "3500")]
        )
        self.assertFalse(inactive_account.active)

    def test_connections_keep_their_own_data(self):
        other = self.env["procountor.connection"].create(self._connection_vals(name="Other"))
        self.fetch_settings()
        self.assertFalse(other.vat_percent_ids)
        self.fetch_settings(other)
        self.assertEqual(self._counts(other), self._counts())

    def test_fetch_failure_is_stored(self):
        self.add_fault(path="/coa", kind="status", status=500, times=10)
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection",
            "odoo.addons.procountor_connector.models.procountor_connection_reference",
        ):
            action = self.connection.action_fetch_settings()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(self.connection.state, "error")
        self.assertIn("500", self.connection.last_error)
        failed = self.exchanges(operation="get_chart_of_accounts")
        self.assertTrue(failed)
        self.assertFalse(any(failed.mapped("ok")))

    def test_cron_fetches_connected_and_survives_failures(self):
        broken_url = closed_port_url()
        self.allowed_urls.append(broken_url)
        self.addCleanup(self.allowed_urls.remove, broken_url)
        broken = self.env["procountor.connection"].create(self._connection_vals(name="Broken"))
        never_tested = self.env["procountor.connection"].create(self._connection_vals(name="Idle"))
        (self.connection | broken).sudo().write({"state": "connected"})
        broken.sudo().write({"base_url": broken_url, "state": "connected"})
        with mute_logger(
            "odoo.addons.procountor_connector.models.procountor_connection",
            "urllib3.connectionpool",
        ):
            self.env["procountor.connection"]._cron_procountor_fetch_settings()
        self.assertTrue(self.connection.vat_percent_ids)
        self.assertEqual(self.connection.state, "connected")
        self.assertEqual(broken.state, "error")
        self.assertIn("Could not connect", broken.last_error)
        self.assertFalse(never_tested.vat_percent_ids, "only connected connections are refreshed")
