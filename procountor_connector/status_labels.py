# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The words the screens use for Procountor's statuses and for where a move stands there.

Procountor's raw statuses (``UNFINISHED``, ``PARTLY_PAID``...) are facts of its API, not words
for an accountant: every screen shows them through ``status_label``; a status this table does
not know is shown as it is. ``state_label`` says what happened to a move, from the connector's
own state and Procountor's status together: an invoice created in Procountor but not sent to
the customer is "In Procountor (unfinished)", never "Sent". The Finnish words of Procountor's
own user interface are in ``procountor_sandbox/labels.py`` (for the translators).
"""

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

#: Procountor's invoice and receipt statuses (API 26.04 ``Invoice.status``), in words.
STATUS_LABELS = {
    "EMPTY": _lt("Empty"),
    "UNFINISHED": _lt("Unfinished"),
    "NOT_SENT": _lt("Approved, not sent"),
    "SENT": _lt("Sent"),
    "RECEIVED": _lt("Received"),
    "VERIFIED": _lt("Verified"),
    "APPROVED": _lt("Approved"),
    "PAYMENT_QUEUED": _lt("In payment queue"),
    "PAYMENT_SENT_TO_BANK": _lt("Payment sent to bank"),
    "PAYMENT_DENIED": _lt("Payment denied"),
    "PARTLY_PAID": _lt("Partly paid"),
    "PAID": _lt("Paid"),
    "MARKED_PAID": _lt("Marked paid"),
    "INVALIDATED": _lt("Invalidated"),
    "STARTED": _lt("Started"),
    "INVOICED": _lt("Invoiced"),
    "OVERRIDDEN": _lt("Overridden"),
    "DELETED": _lt("Deleted"),
    "UNSAVED": _lt("Unsaved"),
    "PAYMENT_TRANSACTION_REMOVED": _lt("Payment removed"),
}

#: Where a move stands when Procountor has it, by Procountor's status: what happened, said
#: without Procountor's jargon. Statuses not listed read "In Procountor (<status label>)".
SENT_LABELS = {
    "EMPTY": _lt("Empty in Procountor"),
    "UNSAVED": _lt("Unsaved in Procountor"),
    "DELETED": _lt("Deleted in Procountor"),
    "UNFINISHED": _lt("In Procountor (unfinished)"),
    "NOT_SENT": _lt("Approved, not sent"),
    "SENT": _lt("Sent to customer"),
    "RECEIVED": _lt("In Procountor (received)"),
    "VERIFIED": _lt("Verified"),
    "APPROVED": _lt("Approved"),
    "PAYMENT_QUEUED": _lt("In payment queue"),
    "PAYMENT_SENT_TO_BANK": _lt("Payment sent to bank"),
    "PAYMENT_DENIED": _lt("Payment denied"),
    "PARTLY_PAID": _lt("Partly paid"),
    "PAID": _lt("Paid"),
    "MARKED_PAID": _lt("Marked paid"),
    "INVALIDATED": _lt("Invalidated in Procountor"),
}

#: The connector's own states before (or instead of) Procountor's status.
STATE_LABELS = {
    "not_sent": _lt("Not in Procountor"),
    "sending": _lt("Sending to Procountor"),
    "error": _lt("Procountor error"),
    "invalidated": _lt("Invalidated in Procountor"),
}


#: Procountor's statuses saying money came in (or the invoice was marked paid there). Odoo
#: books the payment only at the payment fetch, and not at all when the fetch flags it: until
#: then the words say so, never a plain "Paid" next to Odoo's own "Not Paid".
PAID_STATUSES = ("PAID", "MARKED_PAID")
PAYMENT_STATUSES = (*PAID_STATUSES, "PARTLY_PAID")
#: Odoo's ``payment_state`` values that agree with Procountor's paid statuses.
ODOO_PAID = ("paid", "in_payment", "reversed")
ODOO_PARTLY_PAID = ("partial", *ODOO_PAID)

UNBOOKED_LABELS = {
    "PAID": _lt("Paid in Procountor, not booked in Odoo"),
    "MARKED_PAID": _lt("Marked paid in Procountor, not booked in Odoo"),
    "PARTLY_PAID": _lt("Partly paid in Procountor, not booked in Odoo"),
}
PARTLY_BOOKED_LABELS = {
    "PAID": _lt("Paid in Procountor, partly booked in Odoo"),
    "MARKED_PAID": _lt("Marked paid in Procountor, partly booked in Odoo"),
}

#: Procountor's statuses of a document that went wrong there or is gone: red, never "done".
DANGER_STATUSES = ("INVALIDATED", "DELETED", "PAYMENT_DENIED", "PAYMENT_TRANSACTION_REMOVED")
#: Procountor's statuses of a document not finished there: blue, "on its way".
UNFINISHED_STATUSES = ("UNFINISHED", "EMPTY", "UNSAVED")


def unbooked_label(env, status, payment_state, attention=False):
    """The words for Procountor saying paid (``status``) while Odoo has not booked it
    (``payment_state``, Odoo's; ``attention``: the payment fetch flagged the payment), in
    ``env``'s language; "" when they agree or ``status`` says nothing of payments."""
    if status not in PAYMENT_STATUSES:
        return ""
    if status in PAID_STATUSES:
        if payment_state in ODOO_PAID and not attention:
            return ""
        if payment_state == "partial":
            return env._(PARTLY_BOOKED_LABELS[status])
        return env._(UNBOOKED_LABELS[status])
    if payment_state in ODOO_PARTLY_PAID and not attention:
        return ""
    return env._(UNBOOKED_LABELS[status])


def state_tone(state, status, outdated=False, unbooked=False):
    """The badge colour of where a move stands (``success``, ``info``, ``warning``,
    ``danger``, ``muted``): green only for a document Procountor has that went well and agrees
    with Odoo; ``unbooked``: Procountor's payment is not (fully) booked in Odoo."""
    if state == "not_sent":
        return "muted"
    if state == "sending":
        return "info"
    if state in ("error", "invalidated") or (state == "sent" and status in DANGER_STATUSES):
        return "danger"
    if state != "sent":
        return "muted"
    if unbooked or outdated:
        return "warning"
    if not status or status in UNFINISHED_STATUSES:
        return "info"
    return "success"


def status_label(env, status):
    """Procountor's ``status`` in words, in ``env``'s language; an unknown one as it is; ""
    for none."""
    if not status:
        return ""
    label = STATUS_LABELS.get(status)
    return env._(label) if label else status


def state_label(env, state, status, outdated=False, unbooked=""):
    """Where a move stands, in ``env``'s language: the connector's ``state`` (``not_sent``,
    ``sending``, ``sent``, ``error``, ``invalidated``) read with Procountor's last known
    ``status``. ``outdated``: the move changed in Odoo since Procountor got it. ``unbooked``:
    ``unbooked_label``'s words when Procountor's payment is not booked in Odoo."""
    if state == "sent":
        if unbooked:
            label = unbooked
        elif status in SENT_LABELS:
            label = env._(SENT_LABELS[status])
        elif status:
            label = env._("In Procountor (%s)", status_label(env, status))
        else:
            label = env._("In Procountor")
    elif state in STATE_LABELS:
        label = env._(STATE_LABELS[state])
    else:
        label = state or ""
    if outdated and state in ("sent", "invalidated"):
        return env._("%s, out of date", label)
    return label
