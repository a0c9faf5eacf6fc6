# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The demo loop walked in a browser, as a new user walks it in the first five minutes.

    walk_loop(page, base_url, sandbox_url, invoice_id, checks, out=None, skip=())

Log in to Odoo → open the unsent invoice ``invoice_id`` → press "Send to Procountor" → the
invoice reads "In Procountor (unfinished)" → open the sandbox's page and find the invoice there
→ approve it (when it still waits for approval) and pay it in full with the page's buttons →
back in Odoo press "Fetch Procountor Payments" → the invoice is paid: Odoo's payment state and
"Procountor: Paid".

Each step is one named check (``checks(name, ok, detail)``, the ``Checks`` of
``scripts/screenshots.py``); a step that breaks fails its check and the steps after it fail as
"not reached". It needs nothing but a playwright ``page``, the two URLs and the invoice id, so
that it walks any database: the throwaway one of ``scripts/screenshots.py`` (its demo leaves
one invoice unsent) or a demo database made on first start. ``out``: a folder for the pictures
(the sandbox's page next to the invoice it received, ``loop.png``). ``skip``: step keys
(``approve``, ``pay``, ``fetch``) whose click is left out, to see the walk fail where it must.
"""

import base64
import re
from pathlib import Path

#: Milliseconds one step (a click, a page) may take.
STEP_TIMEOUT = 30_000
#: The invoice's badge after each step (English: the browser's locale is en-US).
BADGE_NOT_SENT = "Not in Procountor"
BADGE_CREATED = "In Procountor (unfinished)"
BADGE_PAID = "Procountor: Paid"
#: Odoo's payment ribbon of a paid invoice (upper case on screen).
ODOO_PAID_RIBBONS = ("PAID", "IN PAYMENT")
BADGE = ".o_form_view .o_procountor_state_badge"
ERROR_DIALOG = ".o_error_dialog, .o_dialog .modal-body .alert-danger"


class StepFailed(Exception):
    """A step whose outcome is not what the user must see."""


class LoopWalk:
    """The state shared by the steps of one walk."""

    def __init__(self, page, base_url, sandbox_url, invoice_id, out, skip):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.sandbox_url = sandbox_url.rstrip("/")
        self.invoice_id = invoice_id
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
    walk.open_invoice()
    walk.wait_badge(BADGE_NOT_SENT)
    walk.number = walk.page.locator(".o_form_view .oe_title h1").first.inner_text().strip()


def step_send(walk):
    walk.click_header_button("action_procountor_send")


def step_shows_created(walk):
    walk.wait_badge(BADGE_CREATED)
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
    ("open the unsent invoice", step_open_invoice),
    ("press Send to Procountor", step_send),
    (f"the invoice reads '{BADGE_CREATED}'", step_shows_created),
    ("the sandbox page lists the invoice", step_sandbox_lists_it),
    ("approve it in the sandbox", step_approve),
    ("pay it in full in the sandbox", step_pay),
    ("press Fetch Procountor Payments", step_fetch),
    (f"the invoice is paid ('{BADGE_PAID}', Odoo's ribbon)", step_shows_paid),
)


def walk_loop(page, base_url, sandbox_url, invoice_id, checks, out=None, skip=()):
    """Walk the loop on ``invoice_id`` (an unsent posted customer invoice); one check per
    step. Returns True when every step passed."""
    walk = LoopWalk(page, base_url, sandbox_url, invoice_id, out, skip)
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
