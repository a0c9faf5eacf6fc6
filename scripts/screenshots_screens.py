# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The screens ``scripts/screenshots.py`` opens, what it checks on each and the pictures it
takes there. Each screen is ``screen(browser, demo, out)``: ``browser`` is the runner's
logged-in ``Browser``, ``demo`` the record ids ``scripts/screenshots_demo.py`` printed, ``out``
the folder of the pictures (None with --check)."""

import json
import re

#: Milliseconds one step (a click, a selector) may take.
STEP_TIMEOUT = 30_000
CUSTOM_URL_LABEL = "Custom URL: not Procountor production"
#: What an invoice the demo sent reads: created in Procountor, not sent to the customer there.
UNFINISHED_FORM_BADGE = "In Procountor (unfinished)"
UNFINISHED_LIST_LABEL = "In Procountor (unfinished)"
#: Procountor's raw statuses (API 26.04): a list showing one of them shows a code, not a word.
RAW_STATUSES = (
    "EMPTY",
    "UNFINISHED",
    "NOT_SENT",
    "SENT",
    "RECEIVED",
    "VERIFIED",
    "APPROVED",
    "PAYMENT_QUEUED",
    "PAYMENT_SENT_TO_BANK",
    "PAYMENT_DENIED",
    "PARTLY_PAID",
    "PAID",
    "MARKED_PAID",
    "INVALIDATED",
    "STARTED",
    "INVOICED",
    "OVERRIDDEN",
    "DELETED",
    "UNSAVED",
    "PAYMENT_TRANSACTION_REMOVED",
)
#: The connector's stored state keys: never shown as such either.
STATE_KEYS = ("not_sent", "sending", "sent", "error", "invalidated")


def action_path(xmlid, record_id=None):
    return f"/odoo/action-{xmlid}" + (f"/{record_id}" if record_id else "")


def is_plain_number(text):
    return bool(text) and re.fullmatch(r"\d+", text) is not None


def screen_connection(browser, demo, out):
    checks, page = browser.checks, browser.page
    name = "connection form"
    path = action_path("procountor_connector.procountor_connection_action", demo["connection_id"])
    if not browser.open(name, path, ".o_form_view .o_form_sheet"):
        return
    page.click("button[name=action_test_connection]")
    try:
        page.wait_for_selector(".o_notification", timeout=STEP_TIMEOUT)
        notification = browser.text(".o_notification")
    except Exception:  # playwright's TimeoutError
        notification = None
    checks(f"{name}: Test Connection answers", bool(notification), "no notification")
    badge = browser.text(".o_procountor_custom_url_badge")
    checks(f"{name}: custom-URL badge", badge == CUSTOM_URL_LABEL, repr(badge))
    browser.settle()
    browser.shoot(out, "connection.png")


def screen_invoice_form(browser, demo, out):
    checks, page = browser.checks, browser.page
    name = "invoice form"
    path = action_path("account.action_move_out_invoice_type", demo["invoice_id"])
    if not browser.open(name, path, ".o_form_view .o_procountor_state_badge"):
        return
    badge = page.locator(".o_form_view .o_procountor_state_badge").first
    checks(
        f"{name}: badge '{UNFINISHED_FORM_BADGE}'",
        badge.inner_text().strip() == UNFINISHED_FORM_BADGE,
        repr(badge.inner_text()),
    )
    info = json.loads(badge.get_attribute("data-tooltip-info") or "{}")
    lines = info.get("lines") or []
    number_line = next((line for line in lines if line.startswith("Procountor invoice number")), "")
    checks(
        f"{name}: badge tooltip with status and number",
        "Status in Procountor: Unfinished" in lines
        and is_plain_number(number_line.rpartition(": ")[2]),
        repr(lines),
    )
    note = browser.text(".o_procountor_not_production")
    checks(f"{name}: muted not-production note", note == CUSTOM_URL_LABEL, repr(note))
    page.click(".o_notebook_headers a[name=procountor]")
    page.wait_for_selector("div[name=procountor_invoice_id]", timeout=STEP_TIMEOUT)
    for field in ("procountor_invoice_id", "procountor_invoice_number"):
        value = browser.text(f"div[name={field}]")
        checks(f"{name}: {field} without separators", is_plain_number(value), repr(value))
    badge.hover()
    try:
        page.wait_for_selector(".o-tooltip", timeout=STEP_TIMEOUT)
        shown = True
    except Exception:  # playwright's TimeoutError
        shown = False
    checks(f"{name}: tooltip shows on hover", shown)
    page.wait_for_timeout(300)
    browser.shoot(out, "invoice-form.png")


def raw_codes_shown(text, codes=RAW_STATUSES):
    """Procountor's raw statuses (or other ``codes``) found as words in ``text``."""
    return sorted(set(re.findall(r"[A-Za-z_]+", text or "")) & set(codes))


def check_no_raw_codes(browser, name, selector=".o_list_table"):
    text = browser.text(selector) or ""
    raw = raw_codes_shown(text)
    browser.checks(f"{name}: no raw Procountor status shown", not raw, repr(raw))


def check_list_column(browser, name, minimum):
    checks, page = browser.checks, browser.page
    header = page.locator("th[data-name=procountor_state]")
    checks(f"{name}: Procountor column shown", header.count() == 1)
    labels = [text.strip() for text in page.locator(".o_procountor_state_badge").all_inner_texts()]
    # The column says "Procountor": its badges say what happened, in words, briefly.
    checks(
        f"{name}: Procountor badges labelled",
        len(labels) >= minimum
        and all(label and len(label) <= 30 for label in labels)
        and not raw_codes_shown(" ".join(labels))
        and not set(labels) & set(STATE_KEYS),
        repr(labels),
    )
    check_no_raw_codes(browser, name)
    return labels


def screen_invoice_list(browser, demo, out):
    checks, page = browser.checks, browser.page
    name = "invoice list"
    if not browser.open(name, action_path("account.action_move_out_invoice_type"), ".o_list_table"):
        return
    labels = check_list_column(browser, name, 5)
    for label in (UNFINISHED_LIST_LABEL, "Procountor error", "Not in Procountor"):
        checks(f"{name}: a '{label}' badge", label in labels, repr(labels))
    page.click(".o_searchview_dropdown_toggler")
    page.wait_for_selector(".o_search_bar_menu", timeout=STEP_TIMEOUT)
    menu = page.locator(".o_search_bar_menu")
    for label in (*PROCOUNTOR_FILTERS, "Unfinished in Procountor", "Paid in Procountor"):
        item = menu.get_by_text(label, exact=True)
        checks(f"{name}: filter '{label}'", item.count() == 1)
    # The Procountor filters sit at the bottom of a scrolling menu: bring them into the picture.
    menu.get_by_text("Paid in Procountor", exact=True).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    browser.shoot(out, "invoice-list.png")
    page.keyboard.press("Escape")


def screen_credit_note_list(browser, demo, out):
    name = "credit note list"
    if browser.open(name, action_path("account.action_move_out_refund_type"), ".o_list_table"):
        check_list_column(browser, name, 1)


def screen_exchange_log(browser, demo, out):
    checks, page = browser.checks, browser.page
    name = "exchange log"
    path = action_path("procountor_connector.procountor_exchange_action")
    if not browser.open(name, path, ".o_list_table .o_data_row"):
        return
    rows = page.locator(".o_list_table .o_data_row").count()
    checks(f"{name}: calls listed", rows >= 5, f"{rows} rows")
    errors = page.locator(".o_list_table .o_data_row.text-danger").count()
    checks(f"{name}: the refused call shown as an error", errors >= 1, f"{errors} error rows")
    browser.shoot(out, "exchange-log.png")


PROCOUNTOR_FILTERS = ("Not in Procountor", "Procountor Error", "In Procountor")


def check_badge_sent(browser, name):
    badge = browser.page.locator(".o_form_view .o_procountor_state_badge").first
    text = badge.inner_text().strip() if badge.count() else ""
    browser.checks(
        f"{name}: badge '{UNFINISHED_FORM_BADGE}'", text == UNFINISHED_FORM_BADGE, repr(text)
    )


def check_filters(browser, name, labels):
    page = browser.page
    page.click(".o_searchview_dropdown_toggler")
    page.wait_for_selector(".o_search_bar_menu", timeout=STEP_TIMEOUT)
    menu = page.locator(".o_search_bar_menu")
    for label in labels:
        item = menu.get_by_text(label, exact=True)
        browser.checks(f"{name}: filter '{label}'", item.count() == 1)
    page.keyboard.press("Escape")


def screen_connection_purchases(browser, demo, out):
    checks, page = browser.checks, browser.page
    name = "connection purchases page"
    path = action_path("procountor_connector.procountor_connection_action", demo["connection_id"])
    if not browser.open(name, path, ".o_form_view .o_form_sheet"):
        return
    page.click(".o_notebook_headers a[name=purchases]")
    for field in ("bill_import_enabled", "purchase_send_enabled", "journal_send_journal_ids"):
        shown = page.locator(f"div[name={field}]").count() == 1
        checks(f"{name}: {field} shown", shown)


def screen_vendor_bill_form(browser, demo, out):
    name = "vendor bill form"
    path = action_path("account.action_move_in_invoice_type", demo["bill_id"])
    if browser.open(name, path, ".o_form_view .o_procountor_state_badge"):
        check_badge_sent(browser, name)


def screen_vendor_bill_list(browser, demo, out):
    name = "vendor bill list"
    if not browser.open(name, action_path("account.action_move_in_invoice_type"), ".o_list_table"):
        return
    labels = check_list_column(browser, name, 1)
    browser.checks(f"{name}: the sent bill's badge", UNFINISHED_LIST_LABEL in labels, repr(labels))
    check_filters(
        browser,
        name,
        (*PROCOUNTOR_FILTERS, "Imported from Procountor"),
    )
    browser.settle()
    browser.shoot(out, "vendor-bill-list.png")


def screen_imported_bill_form(browser, demo, out):
    checks, page = browser.checks, browser.page
    name = "imported bill form"
    imported = demo.get("imported_bill_ids") or []
    checks(f"{name}: bills imported by the demo", bool(imported), repr(imported))
    if not imported:
        return
    path = action_path("account.action_move_in_invoice_type", imported[0])
    if not browser.open(name, path, ".o_form_view .o_form_sheet"):
        return
    page.click(".o_notebook_headers a[name=procountor_bill]")
    page.wait_for_selector("div[name=procountor_bill_id]", timeout=STEP_TIMEOUT)
    value = browser.text("div[name=procountor_bill_id]")
    checks(f"{name}: procountor_bill_id without separators", is_plain_number(value), repr(value))


def screen_bills_not_imported(browser, demo, out):
    name = "purchase invoices not imported"
    path = action_path("procountor_connector.procountor_bill_pending_action")
    if not browser.open(name, path, ".o_list_table"):
        return
    rows = browser.page.locator(".o_list_table .o_data_row").count()
    expected = demo.get("pending_bills", 0)
    listed = expected >= 1 and rows == expected
    browser.checks(f"{name}: rows listed", listed, f"{rows} of {expected}")
    check_no_raw_codes(browser, name)
    browser.shoot(out, "bills-not-imported.png")


def screen_journal_entry_form(browser, demo, out):
    checks, page = browser.checks, browser.page
    name = "journal entry form"
    path = action_path("account.action_move_journal_line", demo["entry_id"])
    if not browser.open(name, path, ".o_form_view .o_procountor_state_badge"):
        return
    check_badge_sent(browser, name)
    page.click(".o_notebook_headers a[name=procountor_journal]")
    page.wait_for_selector("div[name=procountor_ledger_receipt_id]", timeout=STEP_TIMEOUT)
    value = browser.text("div[name=procountor_ledger_receipt_id]")
    checks(f"{name}: receipt id without separators", is_plain_number(value), repr(value))
    browser.shoot(out, "journal-entry-form.png")


def screen_journal_entry_list(browser, demo, out):
    name = "journal entry list"
    if not browser.open(name, action_path("account.action_move_journal_line"), ".o_list_table"):
        return
    labels = check_list_column(browser, name, 1)
    browser.checks(f"{name}: the sent entry's badge", UNFINISHED_LIST_LABEL in labels, repr(labels))
    check_filters(browser, name, PROCOUNTOR_FILTERS)


def screen_differences(browser, demo, out):
    """The reconciliation's differences, grouped by kind (the action's default)."""
    checks, page = browser.checks, browser.page
    name = "differences with Procountor"
    path = action_path("procountor_connector.procountor_difference_action")
    if not browser.open(name, path, ".o_list_table .o_group_header"):
        return
    groups = [t.strip() for t in page.locator(".o_group_header .o_group_name").all_inner_texts()]
    expected = demo.get("differences") or {}
    checks(f"{name}: grouped by kind", len(groups) == len(expected) >= 2, repr(groups))
    checks(
        f"{name}: an edited invoice's total",
        any(g.startswith("Total differs") for g in groups),
        repr(groups),
    )
    for header in page.locator(".o_group_header").all():
        header.click()
    page.wait_for_selector(".o_list_table .o_data_row", timeout=STEP_TIMEOUT)
    explained = page.locator(".o_data_row .badge", has_text="Explained").count()
    checks(f"{name}: the explained one stays listed", explained == 1, f"{explained}")
    check_no_raw_codes(browser, name)
    browser.settle()
    browser.shoot(out, "differences.png")


SCREENS = (
    screen_connection,
    screen_invoice_form,
    screen_invoice_list,
    screen_credit_note_list,
    screen_exchange_log,
    screen_connection_purchases,
    screen_vendor_bill_form,
    screen_vendor_bill_list,
    screen_imported_bill_form,
    screen_bills_not_imported,
    screen_journal_entry_form,
    screen_journal_entry_list,
    screen_differences,
)
