# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ProcountorTestCommon


@tagged("post_install", "-at_install")
class TestMappings(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The invoicing test base adds a group tax with 20 % and 10 % children, which are no Finnish
        # taxes.
        armageddon = cls.tax_armageddon | cls.tax_armageddon.children_tax_ids
        armageddon.active = False

    def _tax(self, template_id):
        return self.env["account.chart.template"].with_company(self.company).ref(template_id)

    def _mapping(self, tax):
        return self.connection.tax_mapping_ids.filtered(lambda mapping: mapping.tax_id == tax)

    def _fetch_and_suggest(self):
        self.fetch_settings()
        return self.connection.action_suggest_mappings()

    def test_suggest_maps_every_finnish_tax(self):
        self._fetch_and_suggest()
        taxes = (
            self.env["account.tax"]
            .with_context(active_test=False)
            .search(
                [("company_id", "=", self.company.id), ("type_tax_use", "in", ("sale", "purchase"))]
            )
        )
        xmlids = taxes.get_external_id()
        finnish = taxes.filtered(lambda tax: xmlids.get(tax.id, "").startswith("account."))
        self.assertGreater(len(finnish), 40)
        for tax in finnish:
            mapping = self._mapping(tax)
            self.assertTrue(
                mapping.vat_percent_id, f"{tax.name} ({tax.type_tax_use}) has no VAT percent"
            )
            self.assertTrue(
                mapping.vat_status_id, f"{tax.name} ({tax.type_tax_use}) has no VAT status"
            )
            self.assertAlmostEqual(mapping.vat_percent, tax.amount)
        self.assertFalse(self.env["procountor.mapping.suggester"]._unmapped_taxes(self.connection))
        self.assertFalse(
            [line for line in self.connection._procountor_unmapped() if line.startswith("Tax ")]
        )

    def test_suggested_vat_statuses(self):
        self._fetch_and_suggest()
        expected = {
            "tax_dom_sales_goods_25_5": (25.5, 1),
            "tax_dom_sales_service_24": (24.0, 1),
            "tax_dom_sales_goods_14": (14.0, 1),
            "tax_dom_sales_goods_10": (10.0, 1),
            "tax_dom_sales_goods_0": (0.0, 1),
            "tax_eu_sales_goods_0": (0.0, 5),
            "tax_eu_sales_service_0": (0.0, 6),
            "vat0export": (0.0, 3),
            "aland_sales_0": (0.0, 3),
            "tax_construct_sales_0": (0.0, 21),
            "tax_dom_purchase_goods_25_5": (25.5, 2),
            "tax_dom_purchase_0": (0.0, 2),
            "tax_eu_purchase_goods_25_5": (25.5, 7),
            "tax_eu_purchase_service_25_5": (25.5, 8),
            "tax_construct_purchase_25_5": (25.5, 21),
            "tax_non_eu_purchase_goods_25_5": (25.5, 9),
            "import_deduct25_5": (25.5, 9),
        }
        for template_id, (percent, status) in expected.items():
            mapping = self._mapping(self._tax(template_id))
            self.assertEqual(
                (mapping.vat_percent, mapping.vat_status_id.code), (percent, status), template_id
            )

    def test_suggest_fiscal_positions(self):
        self._fetch_and_suggest()
        expected = {
            "finland": (1, 2),
            "eu": (5, 7),
            "non_eu": (3, 9),
            "construction": (21, 21),
            "eu_no_vat": (1, 2),
        }
        for template_id, (sale, purchase) in expected.items():
            position = (
                self.env["account.chart.template"].with_company(self.company).ref(template_id)
            )
            self.assertEqual(
                self.connection._procountor_fiscal_position_status(position).code, sale, template_id
            )
            self.assertEqual(
                self.connection._procountor_fiscal_position_status(position, purchase=True).code,
                purchase,
                template_id,
            )
        aland = self.env["account.chart.template"].with_company(self.company).ref("aland")
        self.assertEqual(self.connection._procountor_fiscal_position_status(aland).code, 3)

    def test_suggest_accounts_units_journals(self):
        bank_journal = self.company_data["default_journal_bank"]
        bank_journal.bank_account_id = self.env["res.partner.bank"].create(
            {"acc_number": "FI21 1234 5600 0007 85", "partner_id": self.company.partner_id.id}
        )
        self._fetch_and_suggest()
        connection = self.connection
        sales_account = self.env["account.account"].search(
            [
                *self.env["account.account"]._check_company_domain(self.company),
                ("code", "=", "3000"),
            ]
        )
        if sales_account:
            self.assertEqual(connection._procountor_ledger_account_code(sales_account), "3000")
        for account_mapping in connection.account_mapping_ids:
            self.assertEqual(
                account_mapping.account_id.code, account_mapping.ledger_account_id.code
            )
        self.assertEqual(connection._procountor_unit(self.env.ref("uom.product_uom_unit")), "PIECE")
        self.assertEqual(connection._procountor_unit(self.env.ref("uom.product_uom_hour")), "HOUR")
        self.assertEqual(connection._procountor_unit(self.env.ref("uom.product_uom_day")), "DAY")
        self.assertEqual(
            connection._procountor_unit(self.env.ref("uom.product_uom_kgm")), "KILOGRAM"
        )
        self.assertEqual(
            connection._procountor_unit(self.env.ref("uom.product_uom_dozen")), "DOZEN"
        )
        bank = connection.bank_account_ids.filtered(
            lambda account: account.iban == "FI2112345600000785"
        )
        self.assertEqual(connection._procountor_bank_account_for_journal(bank_journal), bank)
        self.assertEqual(connection._procountor_incoming_payment_journal(bank), bank_journal)
        self.assertEqual(connection._procountor_incoming_payment_journal(), bank_journal)
        unmapped = connection._procountor_unmapped()
        self.assertFalse([line for line in unmapped if "unit" in line.lower()], unmapped)
        self.assertFalse([line for line in unmapped if "incoming" in line], unmapped)

    def _account(self, code, name, account_type):
        """The company's account ``code`` named ``name`` (English) of ``account_type``."""
        Account = self.env["account.account"]
        account = Account.search(
            [*Account._check_company_domain(self.company), ("code", "=", code)]
        )
        values = {"name": name, "account_type": account_type}
        if account:
            account.write(values)
            return account
        return Account.create({"code": code, "company_ids": [self.company.id], **values})

    def _ledger_code(self, account):
        mapping = self.connection.account_mapping_ids.filtered(lambda m: m.account_id == account)
        return mapping.ledger_account_id.code

    def test_suggest_accounts_only_of_the_same_kind_and_name(self):
        # The sandbox's chart: 3000 Myynti, 1911 Pankkitili 2, 2940 Siirtovelat, 3370
        # Palvelumyynti EU, 6800 Toimitilakulut, 8500 Korkotuotot.
        sales = self._account("3000", "Sales", "income")
        # Odoo keeps a chart's Finnish names as translations: any language of the name counts.
        self.env.cr.execute(
            """UPDATE account_account SET name = name || '{"fi_FI": "Myynti"}'::jsonb
               WHERE id = %s""",
            [sales.id],
        )
        sales.invalidate_recordset(["name"])
        bank = self._account("1911", " PANKKITILI  2", "asset_cash")
        accruals = self._account("2940", "Siirtovelat", "liability_current")
        # Same code, same name, another kind (an expense against Procountor's 3xxx sales).
        eu_services = self._account("3370", "Palvelumyynti EU", "expense")
        # Same code and kind, another meaning.
        depreciation = self._account("6800", "Planned depreciation", "expense")
        telephone = self._account("8500", "Telephone costs", "expense")
        self._fetch_and_suggest()
        self.assertEqual(self._ledger_code(sales), "3000")
        self.assertEqual(self._ledger_code(bank), "1911")
        self.assertEqual(self._ledger_code(accruals), "2940")
        for account in (eu_services, depreciation, telephone):
            self.assertFalse(self._ledger_code(account), account.display_name)

    def test_same_code_alone_is_not_mapped(self):
        depreciation = self._account("6800", "Planned depreciation", "expense")
        purchase = self.company_data["default_journal_purchase"]
        purchase.default_account_id = depreciation
        self._fetch_and_suggest()
        self.assertIn(
            f"Account {depreciation.display_name} has no Procountor ledger account",
            self.connection._procountor_unmapped(),
        )

    def test_suggest_analytic(self):
        plan = self.env["account.analytic.plan"].create({"name": "Kustannuspaikka"})
        helsinki = self.env["account.analytic.account"].create(
            {
                "name": "Helsinki office",
                "code": "HKI",
                "plan_id": plan.id,
                "company_id": self.company.id,
            }
        )
        orphan = self.env["account.analytic.account"].create(
            {"name": "Nowhere", "plan_id": plan.id, "company_id": self.company.id}
        )
        self._fetch_and_suggest()
        dimension = self.connection.dimension_ids.filtered(
            lambda dim: dim.name == "Kustannuspaikka"
        )
        self.assertEqual(
            self.connection.analytic_plan_mapping_ids.filtered(
                lambda m: m.plan_id == plan
            ).dimension_id,
            dimension,
        )
        self.assertEqual(self.connection._procountor_dimension_item(helsinki).code_name, "HKI")
        self.assertFalse(self.connection._procountor_dimension_item(orphan))
        self.assertIn(
            "Analytic account 'Nowhere' has no Procountor dimension item",
            self.connection._procountor_unmapped(),
        )

    def test_suggest_keeps_manual_mappings(self):
        self.fetch_settings()
        tax = self._tax("tax_dom_sales_goods_25_5")
        no_vat = self.connection.vat_status_ids.filtered(lambda status: status.code == 12)
        percent = self.connection.vat_percent_ids.filtered(lambda vat: vat.percent == 25.5)
        self.env["procountor.tax.mapping"].create(
            {
                "connection_id": self.connection.id,
                "tax_id": tax.id,
                "vat_percent_id": percent.id,
                "vat_status_id": no_vat.id,
            }
        )
        self.connection.action_suggest_mappings()
        self.connection.action_suggest_mappings()
        self.assertEqual(self._mapping(tax).vat_status_id, no_vat)
        self.assertEqual(len(self._mapping(tax)), 1)

    def test_unmapped_before_fetch_and_check_button(self):
        unmapped = self.connection._procountor_unmapped()
        self.assertIn("Reference data has not been fetched from Procountor yet.", unmapped)
        tax = self.company_data["default_tax_sale"]
        self.assertIn(f"Tax '{tax.name}' (Sales) has no Procountor VAT mapping", unmapped)
        action = self.connection.action_check_mappings()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(tax.name, action["params"]["message"])

    def test_check_button_when_complete(self):
        Suggester = self.registry["procountor.mapping.suggester"]
        self.patch(Suggester, "_unmapped", lambda model, connection: [])
        action = self.connection.action_check_mappings()
        self.assertEqual(action["params"]["type"], "success")

    def test_constraints(self):
        self.fetch_settings()
        tax = self._tax("tax_dom_sales_goods_25_5")
        purchase_only = self.connection.vat_status_ids.filtered(lambda status: status.code == 2)
        percent = self.connection.vat_percent_ids.filtered(lambda vat: vat.percent == 25.5)
        with self.assertRaises(ValidationError):
            self.env["procountor.tax.mapping"].create(
                {
                    "connection_id": self.connection.id,
                    "tax_id": tax.id,
                    "vat_percent_id": percent.id,
                    "vat_status_id": purchase_only.id,
                }
            )
        self.env["procountor.tax.mapping"].create(
            {"connection_id": self.connection.id, "tax_id": tax.id, "vat_percent_id": percent.id}
        )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["procountor.tax.mapping"].create(
                {
                    "connection_id": self.connection.id,
                    "tax_id": tax.id,
                    "vat_percent_id": percent.id,
                }
            )
        other = self.env["procountor.connection"].create(self._connection_vals(name="Other"))
        self.fetch_settings(other)
        foreign_percent = other.vat_percent_ids.filtered(lambda vat: vat.percent == 25.5)
        with self.assertRaises(ValidationError):
            self.env["procountor.tax.mapping"].create(
                {
                    "connection_id": self.connection.id,
                    "tax_id": self._tax("tax_dom_sales_goods_24").id,
                    "vat_percent_id": foreign_percent.id,
                }
            )
