# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The demo loop walked in a browser, as a new user walks it in the first five minutes.

    walk_loop(page, base_url, sandbox_url, checks, out=None, skip=())
    walk_in_chromium(chromium, base_url, sandbox_url, checks, out=None, skip=())

The steps of the README's Quick start, in its words: log in as admin / admin → Invoicing →
Customers → Invoices, open an invoice whose *Procountor* column reads "Not in Procountor" →
press "Send to Procountor" → the invoice reads "Procountor: Sent to customer" (the demo's
connection approves and sends in Procountor) → open the sandbox's page and find the invoice
there under Odoo's number, status "Sent" → approve it there if it still waits for approval (a
connection that does not approve on send) and pay it in full with the page's buttons → back in
Odoo press "Fetch Procountor Payments" → the invoice is paid: Odoo's payment ribbon and
"Procountor: Paid".

Each step is one named check (``checks(name, ok, detail)``); a step that breaks fails its check
and the steps after it fail as "not reached". It needs nothing but a playwright ``page`` and
the two URLs: ``scripts/demo --check`` walks it on the demo database the start-up built.
``out``: a folder for ``loop.png`` (the sandbox's page next to the invoice it paid). ``skip``:
step keys (``send``, ``approve``, ``pay``, ``fetch``) whose click is left out, to see the walk
fail where it must. ``walk_in_chromium`` launches Debian's Chromium headless around the walk
and adds a check that the browser console showed no error from this addon;
``browser_missing`` says why no browser walk can run here (or None).
"""

import base64
import re
import shutil
from pathlib import Path

#: Milliseconds one step (a click, a page) may take.
STEP_TIMEOUT = 30_000
#: The invoice's words after each step (English: the browser's locale is en-US): the list's
#: Procountor column, then the form's badge (forms put "Procountor: " before a label that does
#: not name Procountor).
BADGE_NOT_SENT = "Not in Procountor"
BADGE_SENT = "Procountor: Sent to customer"
BADGE_PAID = "Procountor: Paid"
#: The status the sandbox's page shows (in English, Finnish under it) for an invoice sent there.
SANDBOX_SENT = "Sent"
#: The menus of README's step 2: Invoicing → Customers → Invoices.
MENU_APP = "account.menu_finance"
MENU_SECTION = "account.menu_finance_receivables"
MENU_INVOICES = "account.menu_action_move_out_invoice_type"
#: The browser's size: the one of the README's pictures.
VIEWPORT = {"width": 1280, "height": 760}
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
#: Files of the web client's static libraries that a bare Odoo source tree lacks.
WEB_ASSET_PROBES = (
    "odoo/addons/web/static/lib/owl/owl.js",
    "odoo/addons/web/static/lib/bootstrap/scss/_variables.scss",
    "odoo/addons/web/static/lib/luxon/luxon.js",
)
#: Odoo's payment ribbon of a paid invoice (upper case on screen).
ODOO_PAID_RIBBONS = ("PAID", "IN PAYMENT")
BADGE = ".o_form_view .o_procountor_state_badge"
ERROR_DIALOG = ".o_error_dialog, .o_dialog .modal-body .alert-danger"


class StepFailed(Exception):
    """A step whose outcome is not what the user must see."""


class LoopWalk:
    """The state shared by the steps of one walk."""

    def __init__(self, page, base_url, sandbox_url, out, skip):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.sandbox_url = sandbox_url.rstrip("/")
        self.invoice_id = None  # the one opened from the list
        self.out = Path(out) if out else None
        self.skip = set(skip)
        self.number = ""  # the invoice's number in Odoo
        self.procountor_id = ""  # its id in Procountor (the sandbox)
        self.pictures = {}

    # ------------------------------------------------------------------ Odoo

    def invoice_path(self):
        return f"/odoo/action-account.action_move_out_invoice_type/{self.invoice_id}"

    def open_invoice(self):
        page = self.page
        page.goto(self.base_url + self.invoice_path(), timeout=STEP_TIMEOUT * 4)
        page.wait_for_selector(f".o_form_view .o_form_sheet, {ERROR_DIALOG}")
        self.no_error_dialog()
        page.wait_for_selector(".o_blockUI", state="detached")

    def no_error_dialog(self):
        dialog = self.page.locator(ERROR_DIALOG)
        if dialog.count():
            raise StepFailed(f"error dialog: {dialog.first.inner_text()[:400]}")

    def badge(self):
        locator = self.page.locator(BADGE)
        return locator.first.inner_text().strip() if locator.count() else ""

    def wait_badge(self, expected):
        """The badge reads ``expected`` (Odoo reloads the record after a button)."""
        try:
            self.page.locator(BADGE, has_text=re.compile(f"^{re.escape(expected)}$")).wait_for()
        except Exception as exc:  # playwright's TimeoutError: the badge says something else
            raise StepFailed(f"badge {self.badge()!r}, expected {expected!r}") from exc

    def click_header_button(self, name):
        button = self.page.locator(f".o_form_view .o_form_statusbar button[name={name}]:visible")
        if not button.count():
            raise StepFailed(f"no button {name} in the invoice's header")
        button.first.click()
        self.page.wait_for_timeout(300)
        self.page.wait_for_selector(".o_blockUI", state="detached")
        self.no_error_dialog()

    # ------------------------------------------------------------------ the sandbox page

    def open_sandbox(self):
        self.page.goto(f"{self.sandbox_url}/", timeout=STEP_TIMEOUT)
        return self.sandbox_row()

    def sandbox_row(self):
        row = self.page.locator(f"tr#invoice-{self.procountor_id}")
        if not row.count():
            raise StepFailed(f"no row for Procountor invoice {self.procountor_id} on the page")
        return row

    def sandbox_status(self, row):
        """Procountor's status of the row (the page shows it in words, the code as title)."""
        return row.locator(".st").first.get_attribute("title") or ""

    def press_in_sandbox(self, row, selector, what):
        button = row.locator(selector)
        if not button.count():
            raise StepFailed(f"no {what} button in the invoice's row ({self.sandbox_status(row)})")
        with self.page.expect_navigation():
            button.first.click()
        if self.page.locator("tr#invoice-" + str(self.procountor_id)).count() == 0:
            raise StepFailed(f"{what} refused: {self.page.inner_text('body')[:400]}")
        return self.sandbox_row()

    def shoot(self, key):
        """Keep a picture of the page for ``loop.png`` (pictures only when ``out`` is set)."""
        if self.out:
            self.pictures[key] = self.page.screenshot()


# ---------------------------------------------------------------------- the steps


def step_log_in(walk):
    page = walk.page
    page.goto(f"{walk.base_url}/web/login", timeout=STEP_TIMEOUT * 4)
    if page.locator("input[name=login]").count():
        page.fill("input[name=login]", "admin")
        page.fill("input[name=password]", "admin")
        page.click("button[type=submit]")
    page.wait_for_selector(".o_main_navbar", timeout=STEP_TIMEOUT * 4)


def step_open_invoice(walk):
    """Invoicing → Customers → Invoices, then the first row reading "Not in Procountor"."""
    page = walk.page
    page.click(".o_navbar_apps_menu button")
    page.click(f".o_app[data-menu-xmlid='{MENU_APP}']")
    page.click(f".o_menu_sections button[data-menu-xmlid='{MENU_SECTION}']")
    page.click(f".dropdown-item[data-menu-xmlid='{MENU_INVOICES}']")
    page.wait_for_selector(f".o_list_view .o_data_row, {ERROR_DIALOG}")
    walk.no_error_dialog()
    not_sent = page.locator(
        ".o_list_view .o_data_row",
        has=page.locator(
            ".o_procountor_state_badge", has_text=re.compile(f"^{re.escape(BADGE_NOT_SENT)}$")
        ),
    )
    if not not_sent.count():
        column = page.locator(".o_list_view .o_data_row .o_procountor_state_badge")
        raise StepFailed(
            f"no invoice reads {BADGE_NOT_SENT!r} in the list: {column.all_inner_texts()[:10]}"
        )
    not_sent.first.locator("td.o_data_cell").first.click()
    page.wait_for_selector(f".o_form_view .o_form_sheet, {ERROR_DIALOG}")
    walk.no_error_dialog()
    page.wait_for_selector(".o_blockUI", state="detached")
    found = re.search(r"/(\d+)(?:[/?#]|$)", page.url)
    if not found:
        raise StepFailed(f"no record id in the form's address {page.url}")
    walk.invoice_id = int(found.group(1))
    walk.wait_badge(BADGE_NOT_SENT)
    walk.number = page.locator(".o_form_view .oe_title h1").first.inner_text().strip()


def step_send(walk):
    if "send" not in walk.skip:
        walk.click_header_button("action_procountor_send")


def step_shows_sent(walk):
    walk.wait_badge(BADGE_SENT)
    page = walk.page
    page.click(".o_notebook_headers a[name=procountor]")
    page.wait_for_selector("div[name=procountor_invoice_id]")
    walk.procountor_id = page.locator("div[name=procountor_invoice_id]").inner_text().strip()
    if not walk.procountor_id.isdigit():
        raise StepFailed(f"Procountor invoice id {walk.procountor_id!r}")


def step_sandbox_lists_it(walk):
    row = walk.open_sandbox()
    text = row.inner_text()
    if walk.number and walk.number not in text:
        raise StepFailed(f"{walk.number} not in the row: {text[:200]!r}")
    shown = (row.locator(".st").first.inner_text().strip().splitlines() or [""])[0]
    if shown != SANDBOX_SENT:
        raise StepFailed(f"status on the page {shown!r}, expected {SANDBOX_SENT!r}")


def step_approve(walk):
    row = walk.sandbox_row()
    if walk.sandbox_status(row) == "UNFINISHED" and "approve" not in walk.skip:
        row = walk.press_in_sandbox(row, "button:text-is('Approve')", "Approve")
    status = walk.sandbox_status(walk.sandbox_row())
    if status == "UNFINISHED":
        raise StepFailed("the invoice still waits for approval in the sandbox")


def step_pay(walk):
    row = walk.sandbox_row()
    if "pay" not in walk.skip:
        row = walk.press_in_sandbox(row, "button[name=mode][value=full]", "Pay in full")
    status = walk.sandbox_status(row)
    if status != "PAID":
        raise StepFailed(f"status in the sandbox {status!r}, expected 'PAID'")
    # The row mid-screen, with the rows around it (the page opens at the row's anchor).
    row.evaluate("row => row.scrollIntoView({block: 'center'})")
    walk.shoot("sandbox")


def step_fetch(walk):
    walk.open_invoice()
    if "fetch" not in walk.skip:
        walk.click_header_button("action_procountor_fetch_payments")


def step_shows_paid(walk):
    walk.open_invoice()  # from the server: what a user coming back sees
    walk.wait_badge(BADGE_PAID)
    ribbon = walk.page.locator(".o_form_view .ribbon, .o_form_view .o_widget_web_ribbon")
    text = ribbon.first.inner_text().strip().upper() if ribbon.count() else ""
    if text not in ODOO_PAID_RIBBONS:
        raise StepFailed(f"Odoo's payment ribbon {text!r}, expected one of {ODOO_PAID_RIBBONS}")
    walk.shoot("odoo")


STEPS = (
    ("log in", step_log_in),
    (f"Invoicing > Customers > Invoices: open one reading '{BADGE_NOT_SENT}'", step_open_invoice),
    ("press Send to Procountor", step_send),
    (f"the invoice reads '{BADGE_SENT}'", step_shows_sent),
    (f"the sandbox page lists the invoice, status '{SANDBOX_SENT}'", step_sandbox_lists_it),
    ("approve it in the sandbox if it is not yet approved", step_approve),
    ("pay it in full in the sandbox", step_pay),
    ("press Fetch Procountor Payments", step_fetch),
    (f"the invoice is paid ('{BADGE_PAID}', Odoo's ribbon)", step_shows_paid),
)


def walk_loop(page, base_url, sandbox_url, checks, out=None, skip=()):
    """Walk the loop on the first invoice the Invoices list shows as not in Procountor; one
    check per step. Returns True when every step passed."""
    walk = LoopWalk(page, base_url, sandbox_url, out, skip)
    failed = None
    for label, step in STEPS:
        name = f"loop: {label}"
        if failed:
            checks(name, False, f"not reached: '{failed}' failed")
            continue
        try:
            step(walk)
        except Exception as exc:  # a broken step is a failed check, its reason printed
            failed = label
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            checks(name, False, detail)
            continue
        checks(name, True)
    if out and not failed:
        compose(page, walk.pictures, Path(out) / "loop.png")
    return failed is None


def compose(page, pictures, path):
    """``loop.png``: the sandbox's page (left) next to the Odoo invoice it paid (right),
    laid out by the browser itself (no image library needed)."""
    images = "".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(pictures[key]).decode()}">'
        f"<figcaption>{caption}</figcaption></figure>"
        for key, caption in (
            ("sandbox", "The local Procountor (http://localhost:8899/): paid in full"),
            ("odoo", "The invoice in Odoo after Fetch Procountor Payments"),
        )
    )
    page.set_viewport_size({"width": 1800, "height": 600})
    page.set_content(
        "<html><body style='margin:0;padding:16px;background:#e9ecef;font:15px sans-serif'>"
        "<style>body{display:flex;gap:16px}figure{margin:0;flex:1}"
        "img{width:100%;border:1px solid #adb5bd}figcaption{padding:6px 2px;color:#343a40}"
        f"</style>{images}</body></html>"
    )
    page.screenshot(path=str(path), full_page=True)
    print(f"  wrote {path}")


# ---------------------------------------------------------------------- the browser


def browser_missing(odoo_home):
    """``(chromium, None)`` when a browser walk can run here, else ``(None, why not)``."""
    chromium = next(filter(None, map(shutil.which, CHROMIUM_CANDIDATES)), None)
    if not chromium:
        return None, "no Chromium found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None, "playwright is not installed for this Python (pip install playwright)"
    missing = [probe for probe in WEB_ASSET_PROBES if not (Path(odoo_home) / probe).is_file()]
    if missing:
        return None, f"the web client's static libraries are absent ({missing[0]} missing)"
    return chromium, None


def walk_in_chromium(chromium, base_url, sandbox_url, checks, out=None, skip=()):
    """The walk in a fresh headless Chromium, plus one check: no console error that names
    this addon (others are printed once as notes: the web assets tree lacks hoot-dom, so
    web_tour's modules always log errors)."""
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-US")
            context.set_default_timeout(STEP_TIMEOUT)
            page = context.new_page()
            page.on(
                "console",
                lambda message: (
                    message.type == "error"
                    and errors.append(f"{message.text} ({(message.location or {}).get('url', '')})")
                ),
            )
            page.on(
                "pageerror", lambda exc: errors.append(f"{exc.name}: {exc.message}\n{exc.stack}")
            )
            walked = walk_loop(page, base_url, sandbox_url, checks, out, skip)
        finally:
            browser.close()
    ours = [error for error in errors if "procountor" in error.lower()]
    for error in dict.fromkeys(error for error in errors if error not in ours):
        print(f"  note  loop: console error not from this addon: {error[:300]}", flush=True)
    checks("loop: no console error from procountor_connector", not ours, "\n".join(ours))
    return walked and not ours
