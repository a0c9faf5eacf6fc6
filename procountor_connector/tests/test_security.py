# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ProcountorTestCommon, sandbox_defaults

MAPPING_MODELS = (
    "procountor.tax.mapping",
    "procountor.fiscal.position.mapping",
    "procountor.account.mapping",
    "procountor.analytic.plan.mapping",
    "procountor.analytic.mapping",
    "procountor.uom.mapping",
    "procountor.journal.mapping",
)


@tagged("post_install", "-at_install")
class TestSecurity(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.connection_b = cls.env["procountor.connection"].create(
            cls._connection_vals(name="B", company_id=cls.company_b.id)
        )
        cls.manager_a = new_test_user(
            cls.env,
            login="procountor_manager_a",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.user_a = new_test_user(
            cls.env,
            login="procountor_user_a",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def test_groups(self):
        self.assertTrue(self.manager_a.has_group("procountor_connector.group_procountor_manager"))
        self.assertTrue(self.user_a.has_group("procountor_connector.group_procountor_user"))
        self.assertFalse(self.user_a.has_group("procountor_connector.group_procountor_manager"))

    def test_multi_company_isolation(self):
        self.connection.action_test_connection()
        self.connection_b.action_test_connection()
        self.connection.action_fetch_settings()
        self.connection_b.action_fetch_settings()
        self.connection.action_suggest_mappings()
        self.connection_b.action_suggest_mappings()
        for user in (self.manager_a, self.user_a):
            env = self.env(user=user)
            self.assertEqual(env["procountor.connection"].search([]), self.connection)
            with self.assertRaises(AccessError):
                self.connection_b.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                self.connection_b.with_user(user).action_test_connection()
            with self.assertRaises(AccessError):
                self.connection_b.with_user(user).action_fetch_settings()
            exchanges = env["procountor.exchange"].search([])
            self.assertTrue(exchanges)
            self.assertEqual(exchanges.connection_id, self.connection)
            for model in MAPPING_MODELS + (
                "procountor.vat.percent",
                "procountor.vat.status",
                "procountor.bank.account",
            ):
                records = env[model].search([])
                self.assertFalse(
                    records.filtered(lambda record: record.connection_id == self.connection_b),
                    model,
                )
            tax_mappings_b = self.connection_b.tax_mapping_ids
            self.assertTrue(tax_mappings_b)
            with self.assertRaises(AccessError):
                tax_mappings_b.with_user(user).read(["tax_id"])

    def test_user_may_fetch_but_not_configure(self):
        connection = self.connection.with_user(self.user_a)
        self.assertEqual(connection.action_fetch_settings()["params"]["type"], "success")
        self.assertTrue(self.connection.vat_percent_ids)
        with self.assertRaises(AccessError):
            connection.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["procountor.tax.mapping"].with_user(self.user_a).create(
                {
                    "connection_id": self.connection.id,
                    "tax_id": self.company_data["default_tax_sale"].id,
                }
            )
        manager_connection = self.connection.with_user(self.manager_a)
        manager_connection.write({"name": "Renamed"})
        self.assertEqual(
            manager_connection.action_suggest_mappings()["tag"], "display_notification"
        )

    def test_non_admin_cannot_read_secrets(self):
        for user in (self.manager_a, self.user_a):
            connection = self.connection.with_user(user)
            for field in ("client_secret", "api_key", "procountor_access_token"):
                with self.assertRaises(AccessError):
                    connection.read([field])
            # Everything else stays readable, and the connection still works for them.
            connection.read(["name", "client_id", "state"])
        with self.assertRaises(AccessError):
            self.connection.with_user(self.manager_a).write({"api_key": "stolen"})
        self.assertEqual(
            self.connection.with_user(self.manager_a).action_test_connection()["params"]["type"],
            "success",
        )

    def test_secrets_never_logged(self):
        connection = self.connection.with_context(tracking_disable=False, mail_notrack=False)
        # mail.thread does not track records created in the current transaction, and the test
        # connection was created in this one (a real connection comes from an earlier transaction):
        # forget that marker.
        self.env.cr.precommit.data.pop("mail.tracking.procountor.connection", None)
        with self.assertLogs("odoo.addons.procountor_connector", level=logging.DEBUG) as logs:
            connection.action_test_connection()
            connection.action_fetch_settings()
            connection.api_key = "wrong-api-key-123"
            connection.action_test_connection()
            connection.api_key = sandbox_defaults.API_KEY
            connection.action_test_connection()
            self.sandbox_post("/_sandbox/tokens/expire", {})
            connection.action_fetch_settings()
        self.env.cr.precommit.run()  # tracking messages are written at commit time
        token = self.connection.sudo().procountor_access_token
        self.assertTrue(token)
        secrets = [
            sandbox_defaults.CLIENT_SECRET,
            sandbox_defaults.API_KEY,
            "wrong-api-key-123",
            token,
        ]
        texts = list(logs.output)
        for exchange in self.exchanges():
            texts += [
                exchange.request_body or "",
                exchange.response_body or "",
                exchange.error_message or "",
                exchange.path or "",
            ]
        messages = (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", "procountor.connection"), ("res_id", "=", self.connection.id)])
        )
        self.assertTrue(messages, "state changes are tracked in the chatter")
        texts += [str(message.body) for message in messages]
        texts += [str(value) for value in messages.tracking_value_ids.mapped("old_value_char")]
        texts += [str(value) for value in messages.tracking_value_ids.mapped("new_value_char")]
        texts.append(self.connection.last_error or "")
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, text)
        token_request = self.exchanges(operation="fetch_token")[0]
        self.assertIn("client_id=" + sandbox_defaults.CLIENT_ID, token_request.request_body)
        self.assertNotIn(sandbox_defaults.CLIENT_SECRET, token_request.request_body)
