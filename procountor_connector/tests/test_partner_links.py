# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Partner links: export and update with version, conflicts, invoices using the links,
creation on send exactly once, constraints and company rules."""

import psycopg2

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_invoice_common import ProcountorInvoiceCase


@tagged("post_install", "-at_install")
class TestPartnerLinks(ProcountorInvoiceCase):
    # A read timeout well below the sandbox's delay after committing a write.
    client_overrides = {"backoff_factor": 0, "timeout": (2, 0.3)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.invoice_attach_pdf = False
        env = cls.env
        cls.term_30 = env["account.payment.term"].create(
            {
                "name": "30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
                ],
            }
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Vientikauppa Oy",
                "is_company": True,
                "street": "Satamakatu 3",
                "zip": "20100",
                "city": "Turku",
                "country_id": env.ref("base.fi").id,
                "company_registry": "0112038-9",
                "email": "info@vienti.example",
                "phone": "+358 2 123 4567",
                "lang": "fi_FI",
                "ref": "V-77",
                "procountor_invoice_channel": "ELECTRONIC_INVOICE",
                "procountor_einvoice_address": "003701120389",
                "procountor_einvoice_operator": "003721291126",
                "property_payment_term_id": cls.term_30.id,
                "child_ids": [
                    Command.create(
                        {
                            "type": "invoice",
                            "name": "Laskutus",
                            "street": "PL 12",
                            "zip": "20101",
                            "city": "Turku",
                            "email": "laskut@vienti.example",
                        }
                    ),
                    Command.create(
                        {
                            "type": "delivery",
                            "name": "Varasto",
                            "street": "Varastotie 9",
                            "zip": "20200",
                            "city": "Turku",
                        }
                    ),
                    Command.create({"type": "contact", "name": "Liisa Laskuttaja"}),
                ],
            }
        )

    def remote_partners(self, name):
        return [p for p in self.sandbox.state.businessPartners.values() if p["name"] == name]

    def test_export_change_export_keeps_one_partner_with_every_field(self):
        self.customer.action_procountor_export()
        link = self.customer._procountor_link(self.connection)
        self.assertEqual(link.state, "linked", link.sync_error)
        [remote] = self.remote_partners("Vientikauppa Oy")
        self.assertEqual(link.procountor_id, remote["id"])
        self.assertEqual(link.version, remote["version"])
        self.assertEqual(link.customer_number, "V-77")
        invoicing = remote["invoicingInfo"]
        self.assertEqual(invoicing["identifier"], "0112038-9")
        self.assertEqual(invoicing["identifierType"], "YHD")
        self.assertEqual(invoicing["customerNumber"], "V-77")
        self.assertEqual(invoicing["email"], "laskut@vienti.example")
        self.assertEqual(invoicing["contactPerson"], "Liisa Laskuttaja")
        self.assertEqual(invoicing["language"], "FINNISH")
        self.assertEqual(invoicing["einvoiceAddress"], "003701120389")
        self.assertEqual(invoicing["einvoiceOperator"], "003721291126")
        self.assertEqual(invoicing["invoiceChannel"], "ELECTRONIC_INVOICE")
        self.assertEqual(remote["paymentInfo"]["paymentTermDays"], "30")
        self.assertEqual(remote["address"]["street"], "Satamakatu 3")
        self.assertEqual(remote["billingAddress"]["street"], "PL 12")
        self.assertEqual(remote["deliveryAddress"]["street"], "Varastotie 9")
        self.assertEqual(remote["registryInfo"]["phone"], "+358 2 123 4567")
        # A Procountor user adds what the connector does not manage.
        with self.connection._procountor_client() as client:
            client.patch_business_partner(
                remote["id"],
                {"paymentInfo": {"bankAccount": "FI4950009420028730"}},
                remote["version"],
            )
        link.version = self.sandbox.state.businessPartners[remote["id"]]["version"]

        self.customer.write({"street": "Satamakatu 5", "phone": "+358 2 765 4321"})
        self.customer.action_procountor_export()
        self.assertEqual(link.state, "linked", link.sync_error)
        [again] = self.remote_partners("Vientikauppa Oy")
        self.assertEqual(again["id"], remote["id"])
        self.assertEqual(again["address"]["street"], "Satamakatu 5")
        self.assertEqual(again["registryInfo"]["phone"], "+358 2 765 4321")
        self.assertEqual(again["paymentInfo"]["bankAccount"], "FI4950009420028730")
        self.assertEqual(again["invoicingInfo"], {**invoicing, **again["invoicingInfo"]})
        self.assertEqual(again["deliveryAddress"]["street"], "Varastotie 9")
        self.assertEqual(link.version, again["version"])
        self.assertEqual(len(self.sandbox.state.businessPartners), 4 + 1)

    def test_version_conflict_is_shown_never_overwritten(self):
        self.customer.action_procountor_export()
        link = self.customer._procountor_link(self.connection)
        remote = self.sandbox.state.businessPartners[link.procountor_id]
        with self.connection._procountor_client() as client:
            client.patch_business_partner(
                link.procountor_id, {"name": "Renamed in Procountor"}, remote["version"]
            )
        self.customer.street = "Uusi katu 1"
        action = self.customer.action_procountor_export()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(link.state, "error")
        self.assertIn("Changed in Procountor", link.sync_error)
        stored = self.sandbox.state.businessPartners[link.procountor_id]
        self.assertEqual(stored["name"], "Renamed in Procountor")
        self.assertEqual(stored["address"]["street"], "Satamakatu 3")

    def test_bad_input_is_refused_before_any_http_call(self):
        self.customer.company_registry = "1234567-8"
        with self.assertRaisesRegex(UserError, "not a valid Finnish business ID"):
            self.customer.action_procountor_export()
        self.assertFalse(self.api_calls())

    def test_invoice_refers_to_linked_partner_and_product(self):
        self.customer.action_procountor_export()
        self.product_desk.action_procountor_export()
        move = self.make_invoice(partner=self.customer)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        [remote] = self.remote_invoices()
        self.assertEqual(
            remote["partnerId"], self.customer._procountor_link(self.connection).procountor_id
        )
        self.assertEqual(
            remote["invoiceRows"][0]["productId"],
            self.product_desk._procountor_link(self.connection).procountor_id,
        )

    def test_send_creates_missing_partner_once_after_lost_answer(self):
        self._send_creates_missing_partner_once(kind="drop_after_commit")

    def test_send_creates_missing_partner_once_after_timeout(self):
        self._send_creates_missing_partner_once(kind="timeout_after_commit", seconds=1)

    def _send_creates_missing_partner_once(self, **fault):
        self.connection.write({"partner_create_on_send": True, "product_create_on_send": True})
        move = self.make_invoice(
            partner=self.customer.child_ids.filtered(lambda c: c.type == "invoice")
        )
        self.add_fault(path="/businesspartners", method="POST", times=1, **fault)
        move._procountor_send_batch()
        link = self.customer._procountor_link(self.connection)
        self.assertEqual(link.state, "pending")
        self.assertTrue(link.create_unknown)
        self.assertFalse(link.procountor_id)
        self.assertEqual(len(self.remote_partners("Vientikauppa Oy")), 1, "Procountor committed it")
        self.assertFalse(self.remote_invoices())

        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        [remote_partner] = self.remote_partners("Vientikauppa Oy")
        self.assertEqual(link.procountor_id, remote_partner["id"])
        self.assertEqual(link.state, "linked")
        self.assertFalse(link.create_unknown)
        [remote] = self.remote_invoices()
        self.assertEqual(remote["partnerId"], remote_partner["id"])
        product_link = self.product_desk._procountor_link(self.connection)
        self.assertEqual(remote["invoiceRows"][0]["productId"], product_link.procountor_id)
        self.assertEqual(len(self.api_calls("POST", "/businesspartners")), 1)
        # A third send changes nothing.
        move._procountor_send_batch()
        self.assertEqual(len(self.remote_partners("Vientikauppa Oy")), 1)

    def test_send_without_option_creates_no_partner(self):
        move = self.make_invoice(partner=self.customer)
        move._procountor_send_batch()
        self.assertEqual(move.procountor_state, "sent", move.procountor_error)
        self.assertFalse(self.customer._procountor_link(self.connection))
        self.assertNotIn("partnerId", self.remote_invoices()[0])

    def test_links_unique_per_connection_and_company_rule(self):
        self.customer.action_procountor_export()
        link = self.customer._procountor_link(self.connection)
        other = self.env["res.partner"].create({"name": "Other"})
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["procountor.partner.link"].create(
                {
                    "connection_id": self.connection.id,
                    "partner_id": other.id,
                    "procountor_id": link.procountor_id,
                }
            )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["procountor.partner.link"].create(
                {
                    "connection_id": self.connection.id,
                    "partner_id": self.customer.id,
                    "procountor_id": 123456,
                }
            )
        company_2 = self.setup_other_company(name="Toinen Oy")["company"]
        user = self.env["res.users"].create(
            {
                "name": "Other accountant",
                "login": "prt_other_accountant",
                "company_id": company_2.id,
                "company_ids": [Command.set(company_2.ids)],
                "groups_id": [
                    Command.link(self.env.ref("account.group_account_invoice").id),
                    Command.link(self.env.ref("procountor_connector.group_procountor_user").id),
                ],
            }
        )
        links = self.env["procountor.partner.link"].with_user(user).search([])
        self.assertFalse(links)
        with self.assertRaises(AccessError):
            link.with_user(user).read(["procountor_id"])

    def test_vendor_exports_as_supplier(self):
        vendor = self.env["res.partner"].create(
            {
                "name": "Toimittaja Oy",
                "is_company": True,
                "supplier_rank": 1,
                "company_registry": "2077474-0",
            }
        )
        vendor.action_procountor_export()
        link = vendor._procountor_link(self.connection, "supplier")
        self.assertEqual(link.state, "linked", link.sync_error)
        self.assertEqual(
            self.sandbox.state.businessPartners[link.procountor_id]["type"], "SUPPLIER"
        )
