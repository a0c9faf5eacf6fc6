# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fetching 500 Procountor business partners: preview, confirm, re-fetch, incremental."""

import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ProcountorTestCommon

PARTNERS = 500


@tagged("post_install", "-at_install")
class TestPartnerFetch(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Toinen Oy")["company"]

    def setUp(self):
        super().setUp()
        from procountor_sandbox import registers as sandbox_registers

        self.registers = sandbox_registers
        # Exactly the generated register: no default partners besides.
        self.sandbox_post("/_sandbox/seed", {"generate": {"businessPartners": PARTNERS}})
        for partner_id in list(self.sandbox.state.businessPartners):
            if partner_id < sandbox_registers.PARTNER_ID_START:
                self.sandbox_state_drop(partner_id)
        self.connection.sudo().procountor_access_token = False
        self._make_odoo_partners()
        self.clear_journal()

    def sandbox_state_drop(self, partner_id):
        """Default-seed partners are out of the picture: exactly the generated 500."""
        self.sandbox.state.businessPartners.pop(partner_id, None)

    def clear_journal(self):
        requests.delete(f"{self.sandbox.url}/_sandbox/journal", timeout=10).raise_for_status()

    def _name(self, index):
        return self.registers.partner_name(index)

    def _make_odoo_partners(self):
        Partner = self.env["res.partner"]
        reg = self.registers
        self.by_business_id = Partner.create(
            [
                {
                    "name": f"Odoo name {i}",
                    "is_company": True,
                    "company_registry": reg.partner_business_id(i),
                }
                for i in range(10)
            ]
        )
        self.by_ref = Partner.create(
            [
                {"name": f"Odoo ref {i}", "is_company": True, "ref": f"A-{i:04d}"}
                for i in range(15, 20)
            ]
        )
        self.by_name = Partner.create(
            [{"name": self._name(i), "is_company": True} for i in range(20, 25)]
        )
        # Conflicts: the same business ID on two Odoo partners (25, 26); a customer number
        # whose Odoo partner is already linked to another Procountor partner (27).
        self.duplicates = Partner.create(
            [
                {
                    "name": f"Dup {i} {n}",
                    "is_company": True,
                    "company_registry": reg.partner_business_id(i),
                }
                for i in (25, 26)
                for n in (1, 2)
            ]
        )
        self.linked_elsewhere = Partner.create(
            {"name": "Linked elsewhere", "ref": "A-0027", "is_company": True}
        )
        self.env["procountor.partner.link"].create(
            {
                "connection_id": self.connection.id,
                "partner_id": self.linked_elsewhere.id,
                "procountor_id": 99999,
            }
        )
        # An existing link (28), its version unknown: shown as linked.
        self.linked = Partner.create({"name": "Already linked", "is_company": True})
        self.env["procountor.partner.link"].create(
            {
                "connection_id": self.connection.id,
                "partner_id": self.linked.id,
                "procountor_id": reg.PARTNER_ID_START + 28,
            }
        )
        # Another company's partner never matches (29 stays new); an archived partner
        # does (30); a child contact does not (31 stays new).
        Partner.create(
            {
                "name": "Other company",
                "company_registry": reg.partner_business_id(29),
                "company_id": self.other_company.id,
            }
        )
        self.archived = Partner.create(
            {
                "name": "Archived",
                "is_company": True,
                "company_registry": reg.partner_business_id(30),
                "active": False,
            }
        )
        parent = Partner.create({"name": "Parent Ab", "is_company": True})
        Partner.create({"name": self._name(31), "parent_id": parent.id, "type": "contact"})

    def _preview(self, **options):
        action = self.connection.action_procountor_fetch_partners()
        wizard = self.env["procountor.register.fetch"].browse(action["res_id"])
        wizard.write(options)
        return wizard

    def _status_by_index(self, wizard):
        start = self.registers.PARTNER_ID_START
        return {line.procountor_id - start: line for line in wizard.line_ids}

    def test_fetch_matches_as_seeded_and_confirm_does_the_preview(self):
        wizard = self._preview()
        lines = self._status_by_index(wizard)
        self.assertEqual(len(lines), PARTNERS)
        expected = {}
        for i in range(10):
            expected[i] = ("matched", "business_id", self.by_business_id[i])
        for n, i in enumerate(range(15, 20)):
            expected[i] = ("matched", "customer_number", self.by_ref[n])
        for n, i in enumerate(range(20, 25)):
            expected[i] = ("matched", "name", self.by_name[n])
        expected[25] = ("conflict", "business_id", None)
        expected[26] = ("conflict", "business_id", None)
        expected[27] = ("conflict", "customer_number", self.linked_elsewhere)
        expected[28] = ("linked", "link", self.linked)
        expected[30] = ("matched", "business_id", self.archived)
        for index, line in lines.items():
            status, key, partner = expected.get(index, ("new", False, None))
            self.assertEqual(line.status, status, f"{index}: {line.note}")
            self.assertEqual(line.match_key or False, key, index)
            if partner is not None:
                self.assertEqual(line.partner_id, partner, index)
        self.assertIn("Dup 25 1", lines[25].note)
        self.assertIn("already linked", lines[27].note)
        counts = (wizard.count_matched, wizard.count_new, wizard.count_conflict)
        self.assertEqual(counts, (22, 475, 3))
        # API calls: 3 search pages + ceil(497 / 200) detail GETs + 1 token.
        calls = self.sandbox_journal()
        self.assertEqual(len(calls), 3 + 3 + 1, [(e["method"], e["path"]) for e in calls])

        planned = {line.procountor_id: (line.action, line.partner_id) for line in wizard.line_ids}
        links_before = self.env["procountor.partner.link"].search_count([])
        wizard.action_confirm()
        self.assertEqual(wizard.state, "done")
        links = self.env["procountor.partner.link"].search(
            [("connection_id", "=", self.connection.id)]
        )
        by_remote = {link.procountor_id: link for link in links}
        created = 0
        for remote_id, (action, partner) in planned.items():
            link = by_remote.get(remote_id)
            if action in ("link", "link_update"):
                self.assertEqual(link.partner_id, partner, remote_id)
            elif action == "create":
                created += 1
                self.assertTrue(link, remote_id)
                self.assertEqual(link.partner_id.company_id, self.company)
                index = remote_id - self.registers.PARTNER_ID_START
                self.assertEqual(link.partner_id.name, self._name(index))
                self.assertEqual(
                    link.partner_id.company_registry, self.registers.partner_business_id(index)
                )
                self.assertEqual(link.partner_id.ref, f"A-{index:04d}")
                self.assertEqual(link.customer_number, f"A-{index:04d}")
                self.assertEqual(link.partner_type, "supplier" if index % 5 == 4 else "customer")
            elif remote_id != 99999 and action == "skip" and remote_id in by_remote:
                # Only the existing link of 28 may exist for a skipped line.
                self.assertEqual(remote_id, self.registers.PARTNER_ID_START + 28)
        self.assertEqual(created, 475)
        self.assertEqual(len(links), links_before + 475 + 21)
        self.assertTrue(self.archived.with_context(active_test=False).procountor_link_ids)
        self.assertFalse(self.archived.active, "linking never unarchives")

        # A second fetch changes nothing.
        partner_count = self.env["res.partner"].with_context(active_test=False).search_count([])
        second = self._preview()
        self.assertEqual(set(second.line_ids.mapped("action")), {"none", "skip"})
        self.assertEqual(second.count_new, 0)
        second.action_confirm()
        self.assertEqual(self.env["procountor.partner.link"].search_count([]), len(links))
        self.assertEqual(
            self.env["res.partner"].with_context(active_test=False).search_count([]), partner_count
        )

        # Five changes in Procountor: an incremental fetch touches exactly those five (its
        # overlap window re-reads the whole seed, fetched seconds ago: the conflicts stay
        # skipped, the rest unchanged, but for the link of 28, changed in Procountor and
        # skipped so far without "Update Matched").
        changed = [self.registers.PARTNER_ID_START + i for i in (40, 41, 100, 200, 499)]
        with self.connection._procountor_client() as client:
            for remote_id in changed:
                remote = client.get_business_partner(remote_id)
                client.patch_business_partner(
                    remote_id, {"name": f"Changed {remote_id}"}, remote["version"]
                )
        self.clear_journal()
        action = self.connection._procountor_open_fetch_wizard("partner", incremental=True)
        third = self.env["procountor.register.fetch"].browse(action["res_id"])
        third.update_matched = True
        touched = third.line_ids.filtered(
            lambda line: line.action != "none" and line.status != "conflict"
        )
        self.assertEqual(
            sorted(touched.mapped("procountor_id")),
            sorted([*changed, self.registers.PARTNER_ID_START + 28]),
        )
        self.assertEqual(set(touched.mapped("action")), {"update"})
        third.action_confirm()
        for link in self.env["procountor.partner.link"].search([("procountor_id", "in", changed)]):
            self.assertEqual(link.partner_id.name, f"Changed {link.procountor_id}")
        searches = [e for e in self.sandbox_journal() if e["path"] == "/businesspartners"]
        self.assertTrue(searches)
        self.assertTrue(all("versionStartDate" in e["query"] for e in searches))

    def test_cron_fetches_changes_and_leaves_conflicts(self):
        self.connection.register_cron_enabled = True
        self.env["procountor.connection"]._cron_procountor_fetch_registers()
        links = self.env["procountor.partner.link"].search(
            [("connection_id", "=", self.connection.id)]
        )
        # 475 created + 21 matched + the two existing links; the 3 conflicts left alone.
        self.assertEqual(len(links), 475 + 21 + 2)
        self.assertTrue(self.connection.partner_fetch_version)
        # Next run: only changes are asked for, nothing to do.
        self.clear_journal()
        self.env["procountor.connection"]._cron_procountor_fetch_registers()
        searches = [e for e in self.sandbox_journal() if e["path"] == "/businesspartners"]
        self.assertTrue(all("versionStartDate" in e["query"] for e in searches))
        self.assertEqual(
            len(
                self.env["procountor.partner.link"].search(
                    [("connection_id", "=", self.connection.id)]
                )
            ),
            len(links),
        )

    def test_cron_keeps_an_unexpected_error_on_its_connection(self):
        """A malformed answer (KeyError) while fetching partners stays with the connection:
        stored, logged, and the cron goes on with the products."""
        self.connection.register_cron_enabled = True
        Connection = self.registry["procountor.connection"]
        original = Connection._procountor_register_preview
        kinds = []

        def preview(connection, kind, incremental=False):
            kinds.append(kind)
            if kind == "partner":
                raise KeyError("id")
            return original(connection, kind, incremental=incremental)

        self.patch(Connection, "_procountor_register_preview", preview)
        with mute_logger("odoo.addons.procountor_connector.models.procountor_cron_guard"):
            self.env["procountor.connection"]._cron_procountor_fetch_registers()
        self.assertEqual(kinds, ["partner", "product"])
        self.assertEqual(self.connection.state, "error")
        self.assertIn("KeyError", self.connection.last_error)

    def test_wizard_form_shows_preview(self):
        from odoo.tests import Form

        action = self.connection.action_procountor_fetch_partners()
        wizard = self.env["procountor.register.fetch"].browse(action["res_id"])
        with Form(wizard) as form:
            form.create_missing = False
            self.assertEqual(form.count_new, 475)
        new_lines = wizard.line_ids.filtered(lambda line: line.status == "new")
        self.assertEqual(set(new_lines.mapped("action")), {"skip"})
        partners = self.env["res.partner"].with_context(active_test=False).search_count([])
        wizard.action_confirm()
        self.assertEqual(
            self.env["res.partner"].with_context(active_test=False).search_count([]), partners
        )
        self.assertIn("Link: 21", wizard.result)
