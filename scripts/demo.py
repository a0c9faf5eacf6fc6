#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The demo without Docker: the sandbox and an Odoo 18 from a local source tree.

    scripts/demo [--port-odoo 8069] [--port-sandbox 8899] [--db procountor_demo]
    scripts/demo --check [--loop-picture DIR] [--loop-skip pay]

Starts ``python -m procountor_sandbox`` (with its demo registers) and Odoo on the demo
database through ``docker/odoo-start.sh``, exactly as ``docker compose up`` does: the first
start installs procountor_connector, l10n_fi and procountor_connector_demo, later ones only
serve. The image's ``/entrypoint.sh`` is replaced by ``scripts/demo-entrypoint`` (``odoo
ARGS`` -> ``odoo-bin -c <conf> --db_host ...``). Prints the two URLs; Ctrl-C stops both.

Odoo is looked for as scripts/test does: ``ODOO_BIN`` + ``ODOO_PYTHON``, else
``${ODOO_HOME:-/opt/odoo18}/odoo-bin`` with its ``venv/bin/python``, else ``odoo`` on PATH;
PostgreSQL from ``ODOO_DB_HOST`` (127.0.0.1), ``ODOO_DB_PORT`` (5432), ``ODOO_DB_USER``
(postgres), ``ODOO_DB_PASSWORD`` (empty). Work files (configuration, Odoo data) go to
``.ci/work/demo``.

``--check`` is the start-up check of scripts/test (non-interactive): a first start on a fresh
database, checks on it (connection connected, no unmapped tax, linked customers and products,
unsent posted invoices, accepted purchase invoices waiting in the sandbox), a second start
that must change nothing (a fingerprint of the demo's tables), then a sandbox restart and a
third start with a connection test and a partner fetch (the links still find their records).
Last, the README's Quick start walked on that database in Chromium: Odoo started once more
through ``docker/odoo-start.sh``, now serving (as after ``docker compose up``; no cron thread,
so that only the walk's own clicks move the invoice), then ``scripts/screenshots_loop.py``:
log in, open an invoice that is not in Procountor, send it, find it on the sandbox's page,
pay it there, fetch its payment, see it paid; one check per step. The walk needs the Python
of the test virtualenv (playwright), Chromium and the web client's static libraries; without
them it is counted as skipped, with the reason. ``--loop-picture DIR`` writes the walk's
``loop.png`` into DIR (the README's picture); ``--loop-skip pay`` (or ``send``, ``approve``,
``fetch``) leaves that click out, to see the walk fail.
It ends with ``demo check: N passed, M failed, K skipped`` (or ``demo check SKIPPED: <why>``)
and drops its database.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
WORK = REPO / ".ci" / "work" / "demo"
START = REPO / "docker" / "odoo-start.sh"
ENTRYPOINT = REPO / "scripts" / "demo-entrypoint"
FACTS = REPO / "scripts" / "demo_facts.py"
MODULES = "procountor_connector,l10n_fi,procountor_connector_demo"
# The sandbox's public test credentials (procountor_sandbox/defaults.py).
TOKEN_FORM = {
    "grant_type": "client_credentials",
    "client_id": "sandbox-client",
    "client_secret": "sandbox-secret",
    "redirect_uri": "http://localhost/callback",
    "api_key": "sandbox-api-key",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/demo",
        description=__doc__.split("\n\n", 1)[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port-odoo", type=int, default=8069, help="Odoo's HTTP port")
    parser.add_argument("--port-sandbox", type=int, default=8899, help="the sandbox's port")
    parser.add_argument("--db", default="procountor_demo", help="the demo database")
    parser.add_argument(
        "--odoo-home",
        default=os.environ.get("ODOO_HOME", "/opt/odoo18"),
        help="Odoo 18 source tree with odoo-bin and venv/bin/python",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="the start-up check (scripts/test): three starts on a throwaway database, then "
        "the Quick start walked in a browser on it",
    )
    parser.add_argument(
        "--loop-picture",
        metavar="DIR",
        help="with --check: write the walk's loop.png (the README's picture) into DIR",
    )
    parser.add_argument(
        "--loop-skip",
        action="append",
        default=[],
        choices=("send", "approve", "pay", "fetch"),
        help="with --check (development): leave out this click of the walk, to see it fail there",
    )
    return parser.parse_args(argv)


# --- where things are ------------------------------------------------------------------------
def find_odoo(odoo_home):
    """``(odoo-bin, python)`` or ``(None, reason)``."""
    if os.environ.get("ODOO_BIN"):
        return os.environ["ODOO_BIN"], os.environ.get("ODOO_PYTHON", "python3")
    home = Path(odoo_home)
    if (home / "odoo-bin").is_file() and os.access(home / "venv/bin/python", os.X_OK):
        return str(home / "odoo-bin"), str(home / "venv/bin/python")
    if shutil.which("odoo"):
        return shutil.which("odoo"), os.environ.get("ODOO_PYTHON", "python3")
    return None, (
        f"no Odoo 18 found (looked at $ODOO_BIN, {home}/odoo-bin with {home}/venv/bin/python, "
        "and 'odoo' on PATH)"
    )


def db_settings():
    return {
        "host": os.environ.get("ODOO_DB_HOST", "127.0.0.1"),
        "port": os.environ.get("ODOO_DB_PORT", "5432"),
        "user": os.environ.get("ODOO_DB_USER", "postgres"),
        "password": os.environ.get("ODOO_DB_PASSWORD", ""),
    }


def addons_paths(odoo_bin, odoo_python):
    code = (
        "import os, sys\n"
        "sys.path.insert(0, os.path.dirname(os.path.realpath(sys.argv[1])))\n"
        "import odoo\n"
        "print(','.join(p for p in odoo.addons.__path__ "
        "if os.path.isdir(os.path.join(p, 'base'))))\n"
    )
    result = subprocess.run(
        [odoo_python, "-c", code, odoo_bin], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def write_config(odoo_bin, odoo_python, db, http_port):
    WORK.mkdir(parents=True, exist_ok=True)
    conf = WORK / f"{db}.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {addons_paths(odoo_bin, odoo_python)},{REPO}\n"
        f"data_dir = {WORK / 'odoo-data'}\n"
        f"http_port = {http_port}\n"
        "without_demo = all\n"
    )
    return conf


def start_env(odoo_bin, odoo_python, conf, db, sandbox_url):
    """The environment docker/odoo-start.sh gets: the image's variables, pointed here."""
    settings = db_settings()
    return {
        **os.environ,
        "ODOO_IMAGE_ENTRYPOINT": str(ENTRYPOINT),
        "PROCOUNTOR_DB": db,
        "PROCOUNTOR_SANDBOX_URL": sandbox_url,
        "HOST": settings["host"],
        "PORT": settings["port"],
        "USER": settings["user"],
        "PASSWORD": settings["password"],
        "DEMO_ODOO_BIN": odoo_bin,
        "DEMO_ODOO_PYTHON": odoo_python,
        "DEMO_ODOO_CONF": str(conf),
        # the sandbox package for Odoo's Python too (the demo check's probes import nothing
        # else from the repository)
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }


# --- the sandbox -----------------------------------------------------------------------------
def start_sandbox(python, port):
    """``(process, url)`` of ``python -m procountor_sandbox --port PORT`` (0 = any free)."""
    WORK.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [python, "-m", "procountor_sandbox", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        # its request log: in a file, not between the check's lines
        stderr=open(WORK / "sandbox.log", "a"),  # noqa: SIM115 (the process keeps it)
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    line = process.stdout.readline()
    if "serving on " not in line:
        process.wait(10)
        raise SystemExit(f"the sandbox did not start: {line.strip() or 'no output'}")
    url = line.split("serving on ", 1)[1].split(" ", 1)[0]
    # The rest of its output is not read: it goes nowhere so the pipe never fills.
    process.stdout.close()
    return process, url


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sandbox_purchase_invoices(url):
    """Accepted purchase invoices the sandbox holds (GET /invoices with a token)."""
    data = urllib.parse.urlencode(TOKEN_FORM).encode()
    with urllib.request.urlopen(f"{url}/api/oauth/token", data=data, timeout=10) as answer:
        token = json.load(answer)["access_token"]
    request = urllib.request.Request(
        f"{url}/api/invoices?types=PURCHASE_INVOICE&status=APPROVED",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["results"]


# --- interactive -----------------------------------------------------------------------------
def run_interactive(args, odoo_bin, odoo_python):
    sandbox, sandbox_url = start_sandbox(odoo_python, args.port_sandbox)
    odoo = None
    try:
        conf = write_config(odoo_bin, odoo_python, args.db, args.port_odoo)
        env = start_env(odoo_bin, odoo_python, conf, args.db, sandbox_url)
        print(f"sandbox: {sandbox_url}/ (the sandbox page)", flush=True)
        print(f"Odoo:    http://127.0.0.1:{args.port_odoo}/ (login admin / admin)", flush=True)
        print("the first start installs the demo (a few minutes); Ctrl-C stops both", flush=True)
        odoo = subprocess.Popen(
            ["bash", str(START), f"--http-port={args.port_odoo}"], cwd=REPO, env=env
        )
        return odoo.wait()
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
        return 0
    finally:
        if odoo and odoo.poll() is None:
            odoo.send_signal(signal.SIGINT)
            try:
                odoo.wait(30)
            except subprocess.TimeoutExpired:
                odoo.kill()
        stop(sandbox)


# --- the check -------------------------------------------------------------------------------
class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"  FAIL {name}{': ' + str(detail) if detail else ''}", flush=True)
        return ok


def odoo_start(env, log_name):
    """One start through docker/odoo-start.sh that stops once the database is loaded."""
    log = WORK / log_name
    started = time.monotonic()
    with open(log, "w") as out:
        rc = subprocess.run(
            ["bash", str(START), "--stop-after-init", "--http-port=0"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
    text = log.read_text()
    errors = [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]
    return rc, text, errors, time.monotonic() - started


def read_facts(odoo_python, conf, db, env, probe=False):
    command = [odoo_python, str(FACTS), "-c", str(conf), "-d", db]
    if probe:
        command.append("--probe")
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("FACTS "):
            return json.loads(line[len("FACTS ") :])
    return {"error": (result.stderr or result.stdout)[-2000:]}


def drop_database(db):
    settings = db_settings()
    env = {
        **os.environ,
        "PGPASSWORD": settings["password"],
        "PGOPTIONS": "-c client_min_messages=warning",
    }
    subprocess.run(
        ["dropdb", "-h", settings["host"], "-p", settings["port"], "-U", settings["user"]]
        + ["--if-exists", db],
        env=env,
        check=False,
    )
    shutil.rmtree(WORK / "odoo-data" / "filestore" / db, ignore_errors=True)


BRIEF_KEYS = (
    "state",
    "last_error",
    "customers_linked",
    "products_linked",
    "unsent_invoices",
    "unsent_refunds",
    "unsent_fully_linked",
    "error",
)


def first_start_checks(checks, all_facts, sandbox_url):
    facts = {key: all_facts.get(key) for key in BRIEF_KEYS if key in all_facts}
    crons = all_facts.get("crons", {})
    unmapped = all_facts.get("unmapped_taxes")
    checks.check("connection connected", facts.get("state") == "connected", facts)
    checks.check("no unmapped tax in use", unmapped == [], unmapped)
    checks.check("3+ customers linked", (facts.get("customers_linked") or 0) >= 3, facts)
    checks.check("3+ products linked", (facts.get("products_linked") or 0) >= 3, facts)
    checks.check(
        "3+ posted invoices not sent, customer and products linked",
        (facts.get("unsent_invoices") or 0) >= 3 and (facts.get("unsent_fully_linked") or 0) >= 3,
        facts,
    )
    checks.check("a credit note not sent", (facts.get("unsent_refunds") or 0) >= 1, facts)
    checks.check(
        "payments and bills every 5 minutes, invoice send cron off",
        crons.get("ir_cron_procountor_fetch_payments") == [True, 5, "minutes"]
        and crons.get("ir_cron_procountor_fetch_bills") == [True, 5, "minutes"]
        and (crons.get("ir_cron_procountor_send_invoices") or [True])[0] is False,
        crons,
    )
    waiting = sandbox_purchase_invoices(sandbox_url)
    checks.check("2+ purchase invoices waiting in the sandbox", len(waiting) >= 2, len(waiting))


def run_check(args, odoo_bin, odoo_python):
    if not shutil.which("psql"):
        print("demo check SKIPPED: psql not found (docker/odoo-start.sh needs it)")
        return 0
    checks = Checks()
    db = f"procountor_demo_check_{os.getpid()}"
    began = time.monotonic()
    drop_database(db)
    sandbox, sandbox_url = start_sandbox(odoo_python, 0)
    port = urllib.parse.urlsplit(sandbox_url).port
    try:
        conf = write_config(odoo_bin, odoo_python, db, 0)
        env = start_env(odoo_bin, odoo_python, conf, db, sandbox_url)

        print(f"first start on {db} (installs l10n_fi and the demo)", flush=True)
        rc, text, errors, seconds = odoo_start(env, "demo-start-1.log")
        print(f"  ({seconds:.0f} s)", flush=True)
        checks.check("first start exits 0 without ERROR lines", rc == 0 and not errors, errors[:5])
        checks.check("first start installs the demo", "creating database" in text, text[-500:])
        facts = read_facts(odoo_python, conf, db, env)
        first_start_checks(checks, facts, sandbox_url)

        print("second start", flush=True)
        rc, text, errors, seconds = odoo_start(env, "demo-start-2.log")
        print(f"  ({seconds:.0f} s)", flush=True)
        checks.check("second start exits 0, no install", rc == 0 and "is initialised" in text)
        again = read_facts(odoo_python, conf, db, env)
        checks.check(
            "second start changes nothing (fingerprint)",
            again.get("fingerprint") and again.get("fingerprint") == facts.get("fingerprint"),
            changed(facts, again),
        )

        print("sandbox restart, third start", flush=True)
        stop(sandbox)
        sandbox, sandbox_url = start_sandbox(odoo_python, port)
        rc, text, errors, seconds = odoo_start(env, "demo-start-3.log")
        checks.check("third start exits 0", rc == 0 and not errors, errors[:5])
        probed = read_facts(odoo_python, conf, db, env, probe=True)
        checks.check(
            "connection test after the sandbox restart", probed.get("probe_state") == "connected"
        )
        checks.check(
            "every partner link finds its record again on a fetch",
            probed.get("probe_links", 0) >= 3 and probed.get("probe_links_lost") == [],
            {key: probed.get(key) for key in ("probe_links", "probe_links_lost", "error")},
        )
        checks.check(
            "the third start changes nothing either",
            probed.get("fingerprint") == facts.get("fingerprint"),
            changed(facts, probed),
        )

        print("fourth start, serving: the Quick start walked in a browser", flush=True)
        walk_quick_start(args, checks, env, sandbox_url)
    except Exception as exc:  # a broken step is a failed check, never a silent pass
        checks.check("start-up check ran through", False, repr(exc))
    finally:
        stop(sandbox)
        drop_database(db)
    print(
        f"demo check: {checks.passed} passed, {checks.failed} failed, {checks.skipped} skipped "
        f"({time.monotonic() - began:.0f} s; logs in {WORK})",
        flush=True,
    )
    return 1 if checks.failed else 0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, process, seconds=120):
    """True once ``url`` answers (below 500), False when ``process`` ends or time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
                if answer.status < 500:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def walk_quick_start(args, checks, env, sandbox_url):
    """Odoo serving the demo database through docker/odoo-start.sh, and the README's Quick start
    walked on it in Chromium (scripts/screenshots_loop.py); one check per step."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    from screenshots_loop import browser_missing, walk_in_chromium

    chromium, reason = browser_missing(args.odoo_home)
    if not chromium:
        checks.skipped += 1
        print(f"  skip the Quick start walk: {reason}", flush=True)
        return
    if args.loop_picture:
        Path(args.loop_picture).mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = WORK / "demo-start-4-serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            ["bash", str(START), f"--http-port={port}", "--http-interface=127.0.0.1"]
            + ["--max-cron-threads=0"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        answers = wait_http(f"{base_url}/web/login", server)
        checks.check("fourth start serves the demo database", answers, log.read_text()[-1000:])
        if answers:
            walk_in_chromium(
                chromium, base_url, sandbox_url, checks.check, args.loop_picture, args.loop_skip
            )
    finally:
        stop(server)


def changed(before, after):
    """The fingerprint parts that differ (what to look at when a start changed something)."""
    first, second = before.get("fingerprint_parts") or {}, after.get("fingerprint_parts") or {}
    return {
        key: (first.get(key), second.get(key)) for key in first if first[key] != second.get(key)
    }


def main(argv=None):
    args = parse_args(argv)
    odoo_bin, odoo_python = find_odoo(args.odoo_home)
    if odoo_bin is None:
        if args.check:
            print(f"demo check SKIPPED: {odoo_python}")
            return 0
        raise SystemExit(odoo_python)
    if args.check:
        return run_check(args, odoo_bin, odoo_python)
    return run_interactive(args, odoo_bin, odoo_python)


if __name__ == "__main__":
    sys.exit(main())
