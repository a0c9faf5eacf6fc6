# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the screens show: the Procountor column of the invoice lists, the labelled badge, ids
without thousands separators and the "not production" marks of custom-URL connections.

The browser itself is checked by ``scripts/screenshots.py --check``; here the arches as the web
client receives them (every inheritance applied) and the Finnish labels."""

from pathlib import Path

import polib
from lxml import etree

from odoo.tests import tagged

from .common import ProcountorTestCommon

MODULE_DIR = Path(__file__).resolve().parents[1]
CUSTOM_URL_LABEL = "Custom URL: not Procountor production"
#: The labels of the badge's widget (JavaScript).
JS_LABELS = (
    "Procountor: %s",
    "Status in Procountor: %s",
    "Procountor invoice number: %s",
    "Procountor invoice ID: %s",
    "Not in Procountor yet",
    CUSTOM_URL_LABEL,
)
FINNISH = {
    "Procountor: %s": "Procountor: %s",
    "Status in Procountor: %s": "Tila Procountorissa: %s",
    "Procountor invoice number: %s": "Procountorin laskunumero: %s",
    "Procountor invoice ID: %s": "Procountorin laskun tunniste: %s",
    "Not in Procountor yet": "Ei vielä Procountorissa",
    CUSTOM_URL_LABEL: "Oma URL: ei Procountorin tuotantoympäristö",
    "Procountor Number": "Procountor-numero",
    "Sent Through a Custom URL": "Lähetetty oman URL:n kautta",
}

#: Integer fields holding identifiers or numbers from Procountor (or record ids): never shown
#: with thousands separators ("Procountor Invoice ID 10,026" reads as an amount).
IDENTIFIER_FIELDS = {
    "procountor_id",
    "procountor_invoice_id",
    "procountor_invoice_number",
    "procountor_ledger_receipt_id",
    "res_id",
}


@tagged("post_install", "-at_install")
class TestUiViews(ProcountorTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fi_FI")
        cls.env["ir.module.module"]._load_module_terms(
            ["procountor_connector"], ["fi_FI"], overwrite=True
        )

    def _arch(self, model, xmlid, lang=None):
        view = self.env.ref(xmlid)
        env = self.env(context=dict(self.env.context, lang=lang)) if lang else self.env
        return etree.fromstring(env[model].get_view(view.id, view.type)["arch"])

    def _one(self, arch, xpath):
        nodes = arch.xpath(xpath)
        self.assertEqual(len(nodes), 1, f"expected one node for {xpath}")
        return nodes[0]

    def test_invoice_and_credit_note_lists(self):
        for xmlid in ("account.view_invoice_tree", "account.view_out_credit_note_tree"):
            arch = self._arch("account.move", xmlid)
            state = self._one(arch, "//field[@name='procountor_state']")
            self.assertEqual(state.get("widget"), "procountor_state_badge", xmlid)
            self.assertEqual(state.get("optional"), "show", xmlid)
            self.assertIn("in_invoice", state.get("column_invisible"), xmlid)
            for decoration in ("success", "info", "danger", "muted"):
                self.assertTrue(state.get(f"decoration-{decoration}"), (xmlid, decoration))
            number = self._one(arch, "//field[@name='procountor_invoice_number']")
            self.assertEqual(number.get("optional"), "hide", xmlid)
            self.assertIn("'enable_formatting': false", number.get("options"), xmlid)

    def test_invoice_form_badge_and_note(self):
        arch = self._arch("account.move", "account.view_move_form")
        badge = self._one(arch, "//div[@name='procountor_badge']/field[@name='procountor_state']")
        self.assertEqual(badge.get("widget"), "procountor_state_badge")
        note = self._one(arch, "//div[@name='procountor_not_production']")
        self.assertEqual(note.text.strip(), CUSTOM_URL_LABEL)
        self.assertIn("text-muted", note.get("class"))
        self.assertEqual(note.get("invisible"), "not procountor_not_production")

    def test_connection_form_custom_url_badge(self):
        xmlid = "procountor_connector.procountor_connection_view_form"
        badge = self._one(
            self._arch("procountor.connection", xmlid),
            "//div[@name='procountor_custom_url_badge']",
        )
        self.assertEqual(badge.get("invisible"), "environment != 'custom'")
        self.assertEqual("".join(badge.itertext()).strip(), CUSTOM_URL_LABEL)
        self._require_in_pot(CUSTOM_URL_LABEL)
        finnish = self._one(
            self._arch("procountor.connection", xmlid, lang="fi_FI"),
            "//div[@name='procountor_custom_url_badge']",
        )
        self.assertEqual("".join(finnish.itertext()).strip(), FINNISH[CUSTOM_URL_LABEL])

    def test_identifiers_without_thousands_separators(self):
        """Every id or number from Procountor in every view of the addon (and the views it
        extends) opts out of number formatting."""
        views = self.env["ir.ui.view"].search(
            [
                (
                    "model",
                    "in",
                    (
                        "account.move",
                        "procountor.connection",
                        "procountor.exchange",
                        "procountor.dimension",
                        "procountor.dimension.item",
                        "procountor.bank.account",
                    ),
                ),
                ("type", "in", ("form", "list")),
                ("mode", "=", "primary"),
            ]
        )
        checked = 0
        for view in views:
            arch = etree.fromstring(self.env[view.model].get_view(view.id, view.type)["arch"])
            for node in arch.iter("field"):
                if node.get("name") not in IDENTIFIER_FIELDS:
                    continue
                checked += 1
                self.assertIn(
                    "'enable_formatting': false",
                    node.get("options") or "",
                    f"{view.xml_id or view.name}: {node.get('name')} shown with separators",
                )
        # The invoice form (id and number), the invoice lists, the exchange log, dimensions.
        self.assertGreaterEqual(checked, 8)

    def test_not_production_follows_the_connection(self):
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.partner_a.id}
        )
        self.assertFalse(invoice.procountor_not_production)
        invoice.procountor_connection_id = self.connection
        self.assertTrue(invoice.procountor_not_production)
        self.connection.write({"environment": "test", "base_url": False})
        self.assertFalse(invoice.procountor_not_production)

    def test_new_labels_have_finnish(self):
        """Every label of the screens' changes has its Finnish text in fi.po."""
        catalog = {
            entry.msgid: entry.msgstr
            for entry in polib.pofile(str(MODULE_DIR / "i18n" / "fi.po"))
            if not entry.obsolete
        }
        for source, finnish in FINNISH.items():
            self.assertEqual(catalog.get(source), finnish, source)

    def test_badge_labels_translated_for_the_web_client(self):
        """The badge's labels come from JavaScript: Odoo serves their Finnish text to it."""
        for source in JS_LABELS:
            self._require_in_pot(source)
        translations, _lang = self.env["ir.http"].get_translations_for_webclient(
            ["procountor_connector"], "fi_FI"
        )
        messages = {
            message["id"]: message["string"]
            for message in translations["procountor_connector"]["messages"]
        }
        for source in JS_LABELS:
            self.assertEqual(messages.get(source), FINNISH[source], source)

    def _require_in_pot(self, msgid):
        # Odoo reads fi.po merged with the .pot, which only the lead regenerates (after merging
        # branches): until then a new term has no translation in Odoo, only in fi.po.
        pot = polib.pofile(str(MODULE_DIR / "i18n" / "procountor_connector.pot"))
        if not any(entry.msgid == msgid for entry in pot):
            self.skipTest(f"{msgid!r} is not in procountor_connector.pot yet (regenerate it)")
