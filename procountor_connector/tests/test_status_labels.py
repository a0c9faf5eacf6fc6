# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The words the screens use: where an invoice stands in Procountor (the connector's state
read with Procountor's status), Procountor's statuses in words, and no raw status code in the
lists. The browser shows the same words (``scripts/screenshots.py --check``)."""

from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from ..status_labels import STATUS_LABELS
from .test_payment_fetch import TOTAL, ProcountorPaymentCase

#: Procountor's invoice statuses (API 26.04 ``Invoice.status``, api-notes section 5).
API_STATUSES = (
    "EMPTY",
    "UNFINISHED",
    "NOT_SENT",
    "SENT",
    "RECEIVED",
    "PAID",
    "PAYMENT_DENIED",
    "VERIFIED",
    "APPROVED",
    "INVALIDATED",
    "PAYMENT_QUEUED",
    "PARTLY_PAID",
    "PAYMENT_SENT_TO_BANK",
    "MARKED_PAID",
    "STARTED",
    "INVOICED",
    "OVERRIDDEN",
    "DELETED",
    "UNSAVED",
    "PAYMENT_TRANSACTION_REMOVED",
)
#: Fields holding Procountor's raw status: never a visible column or field of a screen.
RAW_STATUS_FIELDS = ("procountor_status", "procountor_bill_status")
LISTS = (
    ("account.move", "account.view_invoice_tree"),
    ("account.move", "account.view_out_credit_note_tree"),
    ("account.move", "account.view_in_invoice_tree"),
    ("account.move", "account.view_move_tree"),
    ("procountor.bill.pending", "procountor_connector.procountor_bill_pending_view_list"),
    ("procountor.difference", "procountor_connector.procountor_difference_view_list"),
)
FORMS = (
    ("account.move", "account.view_move_form"),
    ("procountor.bill.pending", "procountor_connector.procountor_bill_pending_view_form"),
    ("procountor.difference", "procountor_connector.procountor_difference_view_form"),
)


@tagged("post_install", "-at_install")
class TestStatusLabels(ProcountorPaymentCase):
    def _labels(self, move, state, status, outdated=False):
        move.write(
            {
                "procountor_state": state,
                "procountor_status": status,
                "procountor_outdated": outdated,
            }
        )
        return move.procountor_state_label, move.procountor_status_label

    def test_state_read_with_procountor_status(self):
        move = self.make_invoice()
        self.assertEqual(move.procountor_state_label, "Not in Procountor")
        cases = {
            # (state, Procountor status): (where it stands, Procountor's status in words)
            ("sent", "UNFINISHED"): ("In Procountor (unfinished)", "Unfinished"),
            ("sent", "NOT_SENT"): ("Approved, not sent", "Approved, not sent"),
            ("sent", "SENT"): ("Sent to customer", "Sent"),
            # Not booked in Odoo (this invoice is not paid there): said so.
            ("sent", "PARTLY_PAID"): (
                "Partly paid in Procountor, not booked in Odoo",
                "Partly paid",
            ),
            ("sent", "PAID"): ("Paid in Procountor, not booked in Odoo", "Paid"),
            ("sent", "MARKED_PAID"): (
                "Marked paid in Procountor, not booked in Odoo",
                "Marked paid",
            ),
            ("sent", "PAYMENT_DENIED"): ("Payment denied", "Payment denied"),
            ("sent", "APPROVED"): ("Approved", "Approved"),
            ("sent", "RECEIVED"): ("In Procountor (received)", "Received"),
            ("sent", "STARTED"): ("In Procountor (Started)", "Started"),
            ("sent", False): ("In Procountor", False),
            ("sending", False): ("Sending to Procountor", False),
            ("error", False): ("Procountor error", False),
            ("invalidated", "INVALIDATED"): ("Invalidated in Procountor", "Invalidated"),
            # A status this addon does not know is shown as Procountor wrote it.
            ("sent", "SOMETHING_NEW"): ("In Procountor (SOMETHING_NEW)", "SOMETHING_NEW"),
        }
        for (state, status), expected in cases.items():
            with self.subTest(state=state, status=status):
                label, status_label = self._labels(move, state, status)
                self.assertEqual((label, status_label or False), expected)

    def test_changed_since_sent_says_so(self):
        move = self.make_invoice()
        label, _status = self._labels(move, "sent", "UNFINISHED", outdated=True)
        self.assertEqual(label, "In Procountor (unfinished), out of date")

    def test_every_procountor_status_has_words(self):
        self.assertEqual(set(STATUS_LABELS), set(API_STATUSES))
        move = self.make_invoice()
        for status in API_STATUSES:
            with self.subTest(status=status):
                label, status_label = self._labels(move, "sent", status)
                self.assertNotIn(status, (label, status_label))
                self.assertNotIn("_", label + status_label)

    def test_created_only_reads_unfinished(self):
        """An invoice only created in Procountor (not approved, not sent to the customer)
        never reads as sent."""
        self.connection.write({"invoice_approve": False, "invoice_send": False})
        move = self.sent_invoice()
        self.assertEqual(move.procountor_status, "UNFINISHED")
        self.assertEqual(move.procountor_state_label, "In Procountor (unfinished)")

    def test_send_summary_says_where_they_stand(self):
        self.connection.write({"invoice_approve": False, "invoice_send": False})
        moves = self.make_invoice() | self.make_invoice()
        notification = moves.action_procountor_send()
        message = notification["params"]["message"]
        self.assertIn("2 now in Procountor, 0 skipped, 0 failed.", message)
        self.assertIn("In Procountor (unfinished): 2", message)
        self.assertNotIn(" sent,", message)

    def test_payment_fetch_brings_the_words_to_paid(self):
        move = self.sent_invoice()
        self.assertEqual(move.procountor_state_label, "Approved, not sent")
        self.pay(move, 50.0)
        self.fetch(move, entry="button")
        self.assertEqual(move.procountor_status, "PARTLY_PAID")
        self.assertEqual(move.procountor_state_label, "Partly paid")
        self.pay(move, TOTAL - 50.0, "2026-03-12")
        self.fetch(move, entry="button")
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.procountor_status, "PAID")
        self.assertEqual(move.procountor_state_label, "Paid")

    def test_payment_fetch_leaves_a_move_being_sent(self):
        move = self.sent_invoice()
        move.write({"procountor_state": "sending"})
        self.assertFalse(
            move._procountor_note_remote_status(
                {"id": move.procountor_invoice_id, "status": "PAID"}
            )
        )
        self.assertEqual(move.procountor_status, "NOT_SENT")

    def test_reset_note_uses_words(self):
        move = self.make_invoice()
        self._labels(move, "sent", "UNFINISHED")
        move.write({"procountor_connection_id": self.connection.id, "procountor_invoice_id": 999})
        self.assertIn("still Unfinished there", move._procountor_reset_note(False))

    def test_difference_and_pending_bill_words(self):
        Difference = self.env["procountor.difference"]
        gone = Difference.new({"procountor_value": "INVALIDATED"})
        self.assertEqual(gone.procountor_value_label, "Invalidated")
        amount = Difference.new({"procountor_value": "125.50 EUR"})
        self.assertEqual(amount.procountor_value_label, "125.50 EUR")
        pending = self.env["procountor.bill.pending"].new({"procountor_status": "PARTLY_PAID"})
        self.assertEqual(pending.procountor_status_label, "Partly paid")

    def _arch(self, model, xmlid, view_type):
        view = self.env.ref(xmlid)
        return etree.fromstring(self.env[model].get_view(view.id, view_type)["arch"])

    def test_screens_show_no_raw_status(self):
        """No list or form shows a field holding Procountor's raw status or the
        reconciliation's raw value: their words (``*_label``) instead."""
        for (model, xmlid), view_type in [(v, "list") for v in LISTS] + [
            (v, "form") for v in FORMS
        ]:
            arch = self._arch(model, xmlid, view_type)
            for node in arch.iter("field"):
                name = node.get("name")
                raw = name in RAW_STATUS_FIELDS or (
                    model == "procountor.difference" and name == "procountor_value"
                )
                if raw:
                    hidden = node.get("column_invisible") in ("1", "True") or node.get(
                        "invisible"
                    ) in ("1", "True")
                    self.assertTrue(hidden, f"{xmlid}: {name} shown raw")

    def test_state_badges_read_the_words(self):
        """The badge widget of every list and form shows ``procountor_state_label``; the
        group-by labels of the stored state say "In Procountor", not "Sent"."""
        selection = dict(self.env["account.move"]._fields["procountor_state"].selection)
        self.assertEqual(selection["sent"], "In Procountor")
        self.assertEqual(selection["not_sent"], "Not in Procountor")
        for (model, xmlid), view_type in [(v, "list") for v in LISTS[:4]] + [(FORMS[0], "form")]:
            arch = self._arch(model, xmlid, view_type)
            for node in arch.xpath("//field[@name='procountor_state']"):
                if node.get("invisible") == "1" or node.get("column_invisible") == "1":
                    continue
                self.assertEqual(node.get("widget"), "procountor_state_badge", xmlid)
                # The colours come from the server's tone (status_labels.state_tone).
                for tone in ("success", "info", "warning", "danger", "muted"):
                    self.assertEqual(
                        node.get(f"decoration-{tone}"),
                        f"procountor_state_tone == '{tone}'",
                        xmlid,
                    )

    # ------------------------------------------------------------------ paid, not booked

    def test_paid_in_procountor_not_booked_in_odoo(self):
        """Procountor saying paid never reads as a plain green "Paid" while Odoo has not
        booked the payment (the status is stored before the payment is booked, and a flagged
        payment is never booked)."""
        move = self.make_invoice()
        self.assertEqual(move.payment_state, "not_paid")
        cases = {
            "PAID": "Paid in Procountor, not booked in Odoo",
            "MARKED_PAID": "Marked paid in Procountor, not booked in Odoo",
            "PARTLY_PAID": "Partly paid in Procountor, not booked in Odoo",
        }
        for status, expected in cases.items():
            with self.subTest(status=status):
                label, _status = self._labels(move, "sent", status)
                self.assertEqual(label, expected)
                self.assertEqual(move.procountor_state_tone, "warning")

    def test_overpayment_flagged_reads_not_booked(self):
        """The reviewer's case: Procountor paid, the payment fetch flags the payment (larger
        than what is open): the badge says so in a warning colour, next to Odoo's Not Paid."""
        move = self.sent_invoice()
        self.pay(move, TOTAL + 100.0)
        self.fetch(move, entry="button")
        self.assertTrue(move.procountor_payment_attention)
        self.assertEqual(move.payment_state, "not_paid")
        self.assertEqual(move.procountor_status, "PAID")
        self.assertEqual(move.procountor_state_label, "Paid in Procountor, not booked in Odoo")
        self.assertEqual(move.procountor_state_tone, "warning")

    def test_paid_and_booked_reads_paid_in_green(self):
        move = self.sent_invoice()
        self.pay(move, TOTAL)
        self.fetch(move, entry="button")
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.procountor_state_label, "Paid")
        self.assertEqual(move.procountor_state_tone, "success")
        # Booked in Odoo, but the fetch flagged something about it since: not plain "Paid".
        move.write({"procountor_payment_attention": True})
        self.assertEqual(move.procountor_state_label, "Paid in Procountor, not booked in Odoo")

    def test_vendor_bill_paid_in_procountor_not_booked(self):
        """A vendor bill imported from Procountor (payments fetched only with the option on)
        says the same of Procountor's purchase invoice status."""
        bill = self.init_invoice("in_invoice", partner=self.partner_a, amounts=[100.0], post=True)
        bill.write({"procountor_bill_status": "PAID"})
        self.assertEqual(bill.payment_state, "not_paid")
        self.assertEqual(
            bill.procountor_bill_status_label, "Paid in Procountor, not booked in Odoo"
        )
        bill.write({"procountor_bill_status": "APPROVED"})
        self.assertEqual(bill.procountor_bill_status_label, "Approved")

    # ------------------------------------------------------------------ filters

    def _filter_domain(self, name):
        view = self.env.ref("account.view_account_invoice_filter")
        arch = etree.fromstring(self.env["account.move"].get_view(view.id, "search")["arch"])
        (node,) = arch.xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"))

    def test_paid_and_partly_paid_filters_are_apart(self):
        paid, partly, unbooked = self.make_invoice(), self.make_invoice(), self.make_invoice()
        for move, status in ((paid, "PAID"), (partly, "PARTLY_PAID"), (unbooked, "PAID")):
            move.write({"procountor_state": "sent", "procountor_status": status})
        # Booked in Odoo as paid (what the payment fetch does), seen as Odoo's payment state.
        paid.write({"payment_state": "paid"})
        partly.write({"payment_state": "partial"})
        moves = paid | partly | unbooked
        Move = self.env["account.move"]

        def found(name):
            return Move.search(self._filter_domain(name) + [("id", "in", moves.ids)])

        self.assertEqual(found("procountor_paid"), paid | unbooked)
        self.assertEqual(found("procountor_partly_paid"), partly)
        self.assertEqual(found("procountor_paid_not_booked"), unbooked)

    # ------------------------------------------------------------------ colours and words

    def test_badge_colours(self):
        move = self.make_invoice()
        cases = {
            ("not_sent", False): "muted",
            ("sending", False): "info",
            ("error", False): "danger",
            ("sent", "UNFINISHED"): "info",
            ("sent", "EMPTY"): "info",
            ("sent", "SENT"): "success",
            ("sent", "APPROVED"): "success",
            ("sent", "INVALIDATED"): "danger",
            ("sent", "DELETED"): "danger",
            ("sent", "PAYMENT_DENIED"): "danger",
            ("invalidated", "INVALIDATED"): "danger",
        }
        for (state, status), tone in cases.items():
            with self.subTest(state=state, status=status):
                self._labels(move, state, status)
                self.assertEqual(move.procountor_state_tone, tone)
        self._labels(move, "sent", "SENT", outdated=True)
        self.assertEqual(move.procountor_state_tone, "warning", "out of date: not plain green")

    def test_deleted_empty_unsaved_in_words(self):
        move = self.make_invoice()
        for status, expected in (
            ("DELETED", "Deleted in Procountor"),
            ("EMPTY", "Empty in Procountor"),
            ("UNSAVED", "Unsaved in Procountor"),
        ):
            with self.subTest(status=status):
                self.assertEqual(self._labels(move, "sent", status)[0], expected)

    def test_field_labels_are_distinct(self):
        """No two fields of a model share a label (Odoo warns at every start, and the user
        cannot tell them apart in filters and exports)."""
        for model in ("account.move", "procountor.difference", "procountor.connection"):
            by_label = {}
            for name, field in self.env[model]._fields.items():
                by_label.setdefault(field.string, []).append(name)
            for label, names in by_label.items():
                ours = [name for name in names if "procountor" in name or model != "account.move"]
                if len(names) > 1 and ours:
                    self.fail(f"{model}: {names} share the label {label!r}")
