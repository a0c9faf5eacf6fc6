#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pictures of the main screens for the README, and a browser check of those screens.

    python scripts/screenshots.py [--check] [--out docs/screenshots] [--keep-db]

Run with a Python that has playwright (``scripts/screenshots`` picks the test virtualenv). It
starts the Procountor sandbox and an Odoo 18 server on a throwaway database (``l10n_fi``, this
addon, a company with a connection to the sandbox through a custom URL and a few invoices sent:
``scripts/screenshots_demo.py``), drives Debian's Chromium with playwright and:

- without ``--check``: writes the README's pictures (``connection.png``, ``invoice-form.png``,
  ``invoice-list.png``, ``exchange-log.png``, ``vendor-bill-list.png``, ``journal-entry-form.png``,
  ``bills-not-imported.png``, ``differences.png``) into ``--out``;
- with ``--check``: the same screens, no pictures; fails (exit status 1) when a screen does not
  load, when the browser console shows an error coming from this addon, or when an element the
  screens must show is missing (Procountor columns and filters of the invoice, bill and entry
  lists, labelled badges, ids without thousands separators, the custom-URL marks).

The screens and what is checked on each are in ``scripts/screenshots_screens.py``. The demo
loop of the README's Quick start is walked on the demo database itself, by ``scripts/demo
--check`` (``scripts/screenshots_loop.py``), which also makes ``loop.png``.

Both print one line per verified element and end with ``browser check: N passed, M failed``.
Without Chromium, playwright, an Odoo 18 or its web client's static libraries it prints
``browser check SKIPPED: <why>`` and exits 0. Ports are free ones chosen at start; every server
it started is stopped and the database dropped (unless ``--keep-db``), whatever happens.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import closing, contextmanager
from pathlib import Path

from screenshots_loop import VIEWPORT, browser_missing
from screenshots_screens import SCREENS, STEP_TIMEOUT

REPO = Path(__file__).resolve().parents[1]
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo18"))
#: Odoo's data folder (filestore per database: one kept with --keep-db stays usable).
DATA_DIR = Path(tempfile.gettempdir()) / "procountor-screens-data"
#: Seconds: installing the addon with l10n_fi, filling the demo, a server to answer; then
#: milliseconds: the first page (login: compiles the web client's assets), one screen or step.
INSTALL_TIMEOUT = 600
DEMO_TIMEOUT = 300
SERVER_TIMEOUT = 120
SCREEN_TIMEOUT = 120_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="verify the screens, no pictures")
    parser.add_argument(
        "--out", default=str(REPO / "docs" / "screenshots"), help="folder of the pictures"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse-db",
        metavar="DB",
        help="(development) use DB kept by an earlier --keep-db run: no install, demo added again",
    )
    parser.add_argument("--db-host", default=os.environ.get("ODOO_DB_HOST", "127.0.0.1"))
    parser.add_argument("--db-port", default=os.environ.get("ODOO_DB_PORT", "5432"))
    parser.add_argument("--db-user", default=os.environ.get("ODOO_DB_USER", "postgres"))
    return parser.parse_args()


def skip(reason):
    print(f"browser check SKIPPED: {reason}", flush=True)
    sys.exit(0)


def find_prerequisites():
    """(chromium path, odoo python, odoo-bin) or a skip with the reason."""
    odoo_bin = ODOO_HOME / "odoo-bin"
    odoo_python = ODOO_HOME / "venv" / "bin" / "python"
    if not odoo_bin.is_file() or not os.access(odoo_python, os.X_OK):
        skip(f"no Odoo 18 at {ODOO_HOME} (odoo-bin and venv/bin/python)")
    chromium, reason = browser_missing(ODOO_HOME)
    if not chromium:
        skip(reason)
    return chromium, str(odoo_python), str(odoo_bin)


def free_port():
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout, process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status < 500:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@contextmanager
def running(args, log_path, env=None):
    """A background process (own process group), always stopped on exit."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def run_logged(args, log_path, timeout, env=None):
    with open(log_path, "wb") as log:
        try:
            completed = subprocess.run(  # noqa: S603
                args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"{args[1]} took longer than {timeout}s (log: {log_path})") from exc
    if completed.returncode != 0:
        raise RuntimeError(f"{args[1]} failed with {completed.returncode}: {tail(log_path)}")
    return Path(log_path).read_text(errors="replace")


def tail(path, lines=30):
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


class Checks:
    """Named checks: each prints one line; a failed one does not stop the others."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def __call__(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok    {name}", flush=True)
        else:
            self.failed.append(name)
            print(f"  FAIL  {name}{': ' + detail if detail else ''}", flush=True)
        return ok

    def summary(self):
        return f"browser check: {self.passed} passed, {len(self.failed)} failed"


class Browser:
    """One logged-in page; collects console errors and uncaught exceptions."""

    def __init__(self, page, base_url, checks):
        self.page = page
        self.base_url = base_url
        self.checks = checks
        self.errors = []
        self.noted = set()
        page.on("console", self._on_console)
        page.on(
            "pageerror", lambda exc: self.errors.append(f"{exc.name}: {exc.message}\n{exc.stack}")
        )

    def _on_console(self, message):
        if message.type == "error":
            location = message.location or {}
            self.errors.append(f"{message.text} ({location.get('url', '')})")

    def login(self):
        page = self.page
        page.goto(f"{self.base_url}/web/login", timeout=SCREEN_TIMEOUT)
        page.fill("input[name=login]", "admin")
        page.fill("input[name=password]", "admin")
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar", timeout=SCREEN_TIMEOUT)

    def open(self, name, path, ready_selector):
        """Open a screen; a check that it loaded (its view, no error dialog)."""
        before = len(self.errors)
        self.page.goto(f"{self.base_url}{path}", timeout=SCREEN_TIMEOUT)
        try:
            # An error dialog ends the wait at once (reported below).
            self.page.wait_for_selector(f"{ready_selector}, .o_error_dialog", timeout=STEP_TIMEOUT)
            loaded = True
        except Exception as exc:  # playwright's TimeoutError: reported as a failed check
            loaded = False
            detail = str(exc).splitlines()[0]
        dialog = self.page.locator(".o_error_dialog, .o_dialog .modal-body .alert-danger")
        if loaded and not self.page.locator(ready_selector).count():
            loaded, detail = False, "an error dialog instead of the screen"
        if loaded and dialog.count():
            loaded, detail = False, dialog.first.inner_text()[:500]
        self.checks(f"{name}: loads", loaded, "" if loaded else detail)
        self.settle()
        self.check_console(name, before)
        return loaded

    def settle(self):
        # Not "networkidle": the bus keeps a connection open. Odoo blocks the UI while an RPC
        # is pending; then fonts and the last Owl render before a picture.
        self.page.wait_for_selector(".o_blockUI", state="detached", timeout=STEP_TIMEOUT)
        self.page.wait_for_timeout(500)

    def check_console(self, name, since):
        ours = [error for error in self.errors[since:] if "procountor" in error.lower()]
        others = [error for error in self.errors[since:] if error not in ours]
        for error in others:
            # Every screen reloads the web client: say each foreign error once.
            if error not in self.noted:
                self.noted.add(error)
                print(f"  note  {name}: console error not from this addon: {error[:300]}")
        self.checks(
            f"{name}: no console error from procountor_connector", not ours, "\n".join(ours)
        )

    def text(self, selector):
        locator = self.page.locator(selector)
        return locator.first.inner_text().strip() if locator.count() else None

    def shoot(self, out, filename):
        if out:
            self.page.screenshot(path=str(Path(out) / filename))
            print(f"  wrote {Path(out) / filename}")


def browse(chromium, base_url, demo, out, checks):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-US")
            context.set_default_timeout(STEP_TIMEOUT)
            page = context.new_page()
            session = Browser(page, base_url, checks)
            session.login()
            for screen in SCREENS:
                try:
                    screen(session, demo, out)
                except Exception as exc:  # one broken screen must not hide the others
                    checks(f"{screen.__name__}: ran", False, f"{type(exc).__name__}: {exc}")
        finally:
            browser.close()


def main():
    args = parse_args()
    chromium, odoo_python, odoo_bin = find_prerequisites()
    out = None if args.check else Path(args.out)
    if out:
        out.mkdir(parents=True, exist_ok=True)
    database = args.reuse_db or f"procountor_screens_{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="procountor-screens-"))
    conf = work / "odoo.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {ODOO_HOME / 'odoo' / 'addons'},{REPO}\n"
        f"db_host = {args.db_host}\ndb_port = {args.db_port}\ndb_user = {args.db_user}\n"
        f"without_demo = all\ndata_dir = {DATA_DIR}\n"
        "list_db = False\n"
    )
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    checks = Checks()
    print(f"browser check: database {database}, logs (kept on failure) in {work}", flush=True)
    try:
        sandbox_port = free_port()
        http_port = free_port()
        while http_port == sandbox_port:
            http_port = free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        # --empty: the pictures show what screenshots_demo.py makes, not the demo registers
        sandbox_args = [odoo_python, "-m", "procountor_sandbox", "--port", str(sandbox_port)]
        sandbox_args.append("--empty")
        with running(sandbox_args, work / "sandbox.log", env) as sandbox:
            wait_http(f"{sandbox_url}/_sandbox/state", SERVER_TIMEOUT, sandbox)
            if not args.reuse_db:
                print("  installing l10n_fi and procountor_connector...", flush=True)
                run_logged(
                    [
                        odoo_python,
                        odoo_bin,
                        "-c",
                        str(conf),
                        "-d",
                        database,
                        "-i",
                        "l10n_fi,procountor_connector",
                        "--stop-after-init",
                        "--http-port=0",
                        "--log-level=warn",
                    ],
                    work / "install.log",
                    INSTALL_TIMEOUT,
                    env,
                )
            output = run_logged(
                [
                    odoo_python,
                    str(REPO / "scripts" / "screenshots_demo.py"),
                    "-c",
                    str(conf),
                    "-d",
                    database,
                    "--sandbox-url",
                    sandbox_url,
                    "--odoo-home",
                    str(ODOO_HOME),
                ],
                work / "demo.log",
                DEMO_TIMEOUT,
                env,
            )
            demo = json.loads(
                next(line[5:] for line in output.splitlines() if line.startswith("DEMO "))
            )
            print(f"  demo: {demo['states']}", flush=True)
            server_args = [
                odoo_python,
                odoo_bin,
                "-c",
                str(conf),
                "-d",
                database,
                "--db-filter",
                f"^{database}$",
                "--http-interface",
                "127.0.0.1",
                "--http-port",
                str(http_port),
                "--workers",
                "0",
                "--max-cron-threads",
                "0",
                "--log-level",
                "warn",
            ]
            base_url = f"http://127.0.0.1:{http_port}"
            with running(server_args, work / "odoo.log", env) as server:
                wait_http(f"{base_url}/web/login", SERVER_TIMEOUT, server)
                browse(chromium, base_url, demo, out, checks)
    except Exception as exc:  # any setup failure is a failed check, with its log
        checks("setup (sandbox, database, demo, server)", False, f"{type(exc).__name__}: {exc}")
    finally:
        if not (args.keep_db or args.reuse_db):
            subprocess.run(  # noqa: S603
                [
                    "dropdb",
                    "-h",
                    args.db_host,
                    "-p",
                    str(args.db_port),
                    "-U",
                    args.db_user,
                    "--if-exists",
                    database,
                ],
                check=False,
                timeout=120,
            )
            shutil.rmtree(DATA_DIR / "filestore" / database, ignore_errors=True)
        if not checks.failed:
            shutil.rmtree(work, ignore_errors=True)  # the logs are kept only when a check failed
    print(checks.summary(), flush=True)
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
