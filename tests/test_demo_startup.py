"""The demo start-up outside Odoo: docker/odoo-start.sh with a stand-in entrypoint, the demo
addon's settings, scripts/demo's interface and the compose file."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import yaml

from procountor_sandbox import defaults
from procountor_sandbox import demo as sandbox_demo

ROOT = Path(__file__).resolve().parents[1]
START = ROOT / "docker" / "odoo-start.sh"


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The addon's demo.py imports Odoo only inside functions: loadable without Odoo.
addon_demo = load(ROOT / "procountor_connector_demo" / "demo.py", "procountor_demo_addon_demo")
demo_script = load(ROOT / "scripts" / "demo.py", "procountor_demo_script")


# --- the demo addon ------------------------------------------------------------------------
def test_addon_uses_the_sandbox_credentials():
    assert addon_demo.SANDBOX_CREDENTIALS == {
        "client_id": defaults.CLIENT_ID,
        "client_secret": defaults.CLIENT_SECRET,
        "redirect_uri": defaults.REDIRECT_URI,
        "api_key": defaults.API_KEY,
    }
    assert addon_demo.DEFAULT_SANDBOX_URL == f"http://127.0.0.1:{defaults.PORT}"


def test_addon_invoices_use_the_sandbox_demo_registers():
    customers = {row[0] for row in sandbox_demo.CUSTOMERS}
    products = {row[0] for row in sandbox_demo.PRODUCTS}
    assert set(addon_demo.DEMO_CUSTOMER_IDS) == customers
    assert set(addon_demo.DEMO_PRODUCT_IDS) == products
    assert len(addon_demo.DEMO_INVOICES) >= 3


def test_addon_credit_note_reverses_the_first_invoice_within_it():
    customer, credited = addon_demo.DEMO_REFUND
    first_customer, first_lines = addon_demo.DEMO_INVOICES[0]
    assert customer == first_customer
    invoiced = dict(first_lines)
    for product, quantity in credited:
        assert 0 < quantity <= invoiced[product]


def test_addon_payment_term_is_the_sandbox_customers():
    for row in sandbox_demo.CUSTOMERS:
        days = sandbox_demo.demo_customer(row)["paymentInfo"]["paymentTermDays"]
        assert int(days) == addon_demo.PAYMENT_TERM_DAYS


@pytest.mark.parametrize(
    ("environ", "allowed"),
    [({}, False), ({"PROCOUNTOR_DEMO": "0"}, False), ({"PROCOUNTOR_DEMO": "1"}, True)],
)
def test_addon_demo_only_with_the_start_up_variable(environ, allowed):
    assert addon_demo.demo_allowed(environ) is allowed


def test_addon_sandbox_settings_from_the_environment():
    assert addon_demo.sandbox_settings({}) == ("http://127.0.0.1:8899", 60.0)
    environ = {"PROCOUNTOR_SANDBOX_URL": "http://127.0.0.1:9000/", "PROCOUNTOR_SANDBOX_WAIT": "5"}
    assert addon_demo.sandbox_settings(environ) == ("http://127.0.0.1:9000", 5.0)


def test_addon_manifest():
    manifest = eval((ROOT / "procountor_connector_demo" / "__manifest__.py").read_text())  # noqa: S307
    assert manifest["license"] == "LGPL-3"
    assert set(manifest["depends"]) == {"procountor_connector", "l10n_fi"}
    assert manifest["installable"] is True and not manifest.get("auto_install")
    # the demo talks to the sandbox with urllib: no Python package beyond Odoo's
    assert not manifest.get("external_dependencies")


# --- the demo addon's install hook, with a stand-in for Odoo ------------------------------------
class FakeUserError(Exception):
    pass


class FakeModel:
    def __init__(self, count):
        self.count = count

    def with_context(self, **_context):
        return self

    def search_count(self, _domain, limit=None):
        return self.count if limit is None else min(self.count, limit)


class FakeEnv:
    """What the hook reads of an Odoo environment: companies, moves, the admin's company."""

    def __init__(self, companies=1, moves=0, chart=False):
        self.models = {"res.company": FakeModel(companies), "account.move": FakeModel(moves)}
        self.admin = types.SimpleNamespace(company_id=types.SimpleNamespace(chart_template=chart))

    def __call__(self, **_options):
        return self

    def __getitem__(self, name):
        return self.models[name]

    def ref(self, xmlid):
        assert xmlid == "base.user_admin"
        return self.admin

    def _(self, text, **params):
        return text % params


@pytest.fixture
def hooks(monkeypatch):
    """procountor_connector_demo.hooks over a stand-in ``odoo.exceptions``; ``built`` lists
    the calls of ``demo.build``."""
    odoo = types.ModuleType("odoo")
    exceptions = types.ModuleType("odoo.exceptions")
    exceptions.UserError = FakeUserError
    odoo.exceptions = exceptions
    monkeypatch.setitem(sys.modules, "odoo", odoo)
    monkeypatch.setitem(sys.modules, "odoo.exceptions", exceptions)
    spec = importlib.util.spec_from_file_location(
        "fake_demo_addon",
        ROOT / "procountor_connector_demo" / "__init__.py",
        submodule_search_locations=[str(ROOT / "procountor_connector_demo")],
    )
    package = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fake_demo_addon", package)
    spec.loader.exec_module(package)
    module = sys.modules["fake_demo_addon.hooks"]
    module.built = []
    monkeypatch.setattr(module.demo, "build", lambda *args: module.built.append(args))
    monkeypatch.setenv("PROCOUNTOR_DEMO", "1")
    yield module
    for name in ("fake_demo_addon.hooks", "fake_demo_addon.demo"):
        sys.modules.pop(name, None)


def test_hook_builds_the_demo_on_a_new_database(hooks):
    hooks.post_init_hook(FakeEnv())
    assert len(hooks.built) == 1


@pytest.mark.parametrize(
    ("facts", "said"),
    [
        ({"companies": 2}, "2 companies"),
        ({"moves": 3}, "journal entries"),
        ({"chart": "generic_coa"}, "a chart of accounts (generic_coa)"),
    ],
)
def test_hook_refuses_a_database_with_data(hooks, facts, said):
    # even with PROCOUNTOR_DEMO=1: an existing database keeps its company as it is
    with pytest.raises(FakeUserError) as refused:
        hooks.post_init_hook(FakeEnv(**facts))
    assert "installs only into a new database" in str(refused.value)
    assert f"already has {said}." in str(refused.value)
    assert hooks.built == []


def test_not_fresh_reasons_lists_every_one():
    facts = {"companies": 3, "moves": 1, "chart": "fi"}
    assert addon_demo.not_fresh_reasons(facts) == ["companies", "moves", "chart"]
    assert addon_demo.not_fresh_reasons({"companies": 1, "moves": 0, "chart": ""}) == []


# --- docker/odoo-start.sh outside the image ---------------------------------------------------
# A fake psql answers from files in tmp: db-exists (the database is there), db-odoo (it has
# Odoo's tables), db-demo (procountor_connector_demo is installed); it records what it was
# asked in tmp/sql. The fake image entrypoint records its calls in tmp/calls; an --init
# creates the database with the demo unless tmp/init-fails is there.
FAKE_PSQL = """#!/bin/bash
sql="$(cat)"
echo "$sql" >> "{tmp}/sql"
case "$sql" in
    *"DROP DATABASE"*) rm -f "{tmp}/db-exists" "{tmp}/db-odoo" "{tmp}/db-demo" ;;
    *pg_database*) [ -e "{tmp}/db-exists" ] && echo 1 ;;
    *to_regclass*) [ -e "{tmp}/db-odoo" ] && echo t || echo f ;;
    *ir_module_module*) [ -e "{tmp}/db-demo" ] && echo 1 ;;
esac
exit 0
"""
FAKE_ENTRYPOINT = """#!/bin/bash
echo "$* DEMO=${{PROCOUNTOR_DEMO:-}} URL=${{PROCOUNTOR_SANDBOX_URL:-}} \
WAIT=${{PROCOUNTOR_SANDBOX_WAIT:-}}" >> "{tmp}/calls"
case "$*" in
    *--init=*)
        touch "{tmp}/db-exists" "{tmp}/db-odoo"
        [ -e "{tmp}/init-fails" ] && exit 1
        touch "{tmp}/db-demo" ;;
esac
exit 0
"""


@pytest.fixture
def start_bin(tmp_path):
    """A PATH with the fake psql and the fake image entrypoint."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("psql", FAKE_PSQL), ("entrypoint", FAKE_ENTRYPOINT)):
        script = bin_dir / name
        script.write_text(text.format(tmp=tmp_path))
        script.chmod(0o755)
    return tmp_path


@pytest.fixture
def sandbox_url():
    """A URL that answers (the sandbox page of an in-thread sandbox)."""
    from procountor_sandbox.server import start_in_thread

    handle = start_in_thread()
    yield handle.url
    handle.stop()


def run_start(tmp_path, check=True, **extra):
    env = {
        "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin",
        "ODOO_IMAGE_ENTRYPOINT": str(tmp_path / "bin" / "entrypoint"),
        "PROCOUNTOR_DB": "demo",
        **extra,
    }
    return subprocess.run(
        ["bash", str(START), "--http-port=8069"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def calls(tmp_path):
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []


needs_bash = pytest.mark.skipif(not shutil.which("bash"), reason="bash not found")


@needs_bash
def test_odoo_start_installs_the_demo_on_a_fresh_database_only(start_bin, sandbox_url):
    run_start(start_bin, PROCOUNTOR_SANDBOX_URL=sandbox_url)
    first = calls(start_bin)
    assert first[0].startswith(
        "odoo --database=demo --init=procountor_connector,l10n_fi,procountor_connector_demo "
    )
    assert first[0].endswith(f"DEMO=1 URL={sandbox_url} WAIT=120")
    # the server itself runs without the demo variable
    assert first[1].startswith("odoo --database=demo --db-filter=^demo$ --http-port=8069 DEMO= ")
    second = run_start(start_bin, PROCOUNTOR_SANDBOX_URL=sandbox_url)
    after = calls(start_bin)
    assert len(after) == 3 and "--init" not in after[2]
    assert "is initialised" in second.stdout


@needs_bash
def test_odoo_start_keeps_a_demo_database_without_any_marker(start_bin):
    # the database says the demo is there: nothing else is asked (no marker file, no --init)
    for name in ("db-exists", "db-odoo", "db-demo"):
        (start_bin / name).touch()
    result = run_start(start_bin)
    assert [line.split(" DEMO=")[0] for line in calls(start_bin)] == [
        "odoo --database=demo --db-filter=^demo$ --http-port=8069"
    ]
    assert "is initialised" in result.stdout


@needs_bash
@pytest.mark.parametrize("odoo_tables", [True, False])
def test_odoo_start_serves_another_database_as_it_is(start_bin, odoo_tables):
    # an existing database without the demo (a real one, say) never gets it installed
    (start_bin / "db-exists").touch()
    if odoo_tables:
        (start_bin / "db-odoo").touch()
    result = run_start(start_bin)
    assert [line.split(" DEMO=")[0] for line in calls(start_bin)] == [
        "odoo --database=demo --db-filter=^demo$ --http-port=8069"
    ]
    assert "exists without procountor_connector_demo: serving it as it is" in result.stdout
    assert "DROP" not in (start_bin / "sql").read_text()


@needs_bash
def test_odoo_start_drops_the_database_of_a_failed_install(start_bin, sandbox_url):
    (start_bin / "init-fails").touch()
    result = run_start(start_bin, check=False, PROCOUNTOR_SANDBOX_URL=sandbox_url)
    assert result.returncode != 0
    assert len(calls(start_bin)) == 1  # the install, no server
    assert "dropping database demo" in result.stderr
    assert not (start_bin / "db-exists").exists()
    # the next start is a first start again
    (start_bin / "init-fails").unlink()
    run_start(start_bin, PROCOUNTOR_SANDBOX_URL=sandbox_url)
    assert "--init=" in calls(start_bin)[1]


@needs_bash
def test_odoo_start_waits_for_the_sandbox_a_bounded_time(start_bin):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    began = time.monotonic()
    result = run_start(
        start_bin, PROCOUNTOR_SANDBOX_URL=f"http://127.0.0.1:{port}", PROCOUNTOR_SANDBOX_WAIT="2"
    )
    assert time.monotonic() - began >= 2
    assert "did not answer in 2 s" in result.stderr
    # the install goes on, and the demo's hook does not wait a second time
    assert calls(start_bin)[0].endswith("WAIT=0")


@needs_bash
def test_odoo_start_default_sandbox_url(start_bin):
    run_start(start_bin, PROCOUNTOR_SANDBOX_WAIT="0")
    first = calls(start_bin)[0]
    assert "URL=http://127.0.0.1:8899 " in first


def test_demo_entrypoint_maps_odoo_to_odoo_bin(tmp_path):
    recorder = tmp_path / "python"
    recorder.write_text(f'#!/bin/bash\necho "$*" > "{tmp_path}/args"\n')
    recorder.chmod(0o755)
    env = {
        **os.environ,
        "DEMO_ODOO_PYTHON": str(recorder),
        "DEMO_ODOO_BIN": "/opt/odoo/odoo-bin",
        "DEMO_ODOO_CONF": "/tmp/demo.conf",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "USER": "postgres",
        "PASSWORD": "",
    }
    subprocess.run(
        [str(ROOT / "scripts" / "demo-entrypoint"), "odoo", "--database=x"],
        env=env,
        check=True,
        timeout=30,
    )
    assert (tmp_path / "args").read_text().split() == [
        "/opt/odoo/odoo-bin",
        "-c",
        "/tmp/demo.conf",
        "--db_host=127.0.0.1",
        "--db_port=5432",
        "--db_user=postgres",
        "--database=x",
    ]


# --- scripts/demo ------------------------------------------------------------------------------
def test_demo_script_interface():
    args = demo_script.parse_args(["--port-odoo", "8070", "--port-sandbox", "8900"])
    assert (args.port_odoo, args.port_sandbox, args.check) == (8070, 8900, False)
    assert demo_script.parse_args(["--check"]).check


def test_demo_check_skips_plainly_without_odoo(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("ODOO_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert demo_script.main(["--check", "--odoo-home", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("demo check SKIPPED: no Odoo 18 found")


# --- docker-compose.yml ------------------------------------------------------------------------
def test_compose_mounts_the_demo_addon_and_passes_the_sandbox_url():
    odoo = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["odoo"]
    assert (
        "./procountor_connector_demo:/mnt/extra-addons/procountor_connector_demo:ro"
        in odoo["volumes"]
    )
    assert odoo["environment"]["PROCOUNTOR_SANDBOX_URL"] == "http://127.0.0.1:8899"
    # the guard variable is the start script's business, never the service's
    assert "PROCOUNTOR_DEMO" not in odoo["environment"]


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed")
def test_compose_file_is_valid():
    subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT,
        check=True,
        timeout=60,
    )


# --- the Quick start walked in a browser (the end of scripts/demo --check) ---------------------
loop = load(ROOT / "scripts" / "screenshots_loop.py", "screenshots_loop")


def test_demo_check_walk_options():
    args = demo_script.parse_args(
        ["--check", "--loop-skip", "pay", "--loop-skip", "fetch", "--loop-picture", "pics"]
    )
    assert (args.loop_skip, args.loop_picture) == (["pay", "fetch"], "pics")
    with pytest.raises(SystemExit):
        demo_script.parse_args(["--check", "--loop-skip", "everything"])


def test_walk_without_a_browser_is_one_skipped_check_and_starts_no_server(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setitem(__import__("sys").modules, "screenshots_loop", loop)
    monkeypatch.setattr(loop, "browser_missing", lambda home: (None, "no Chromium found"))

    def no_server(*args, **kwargs):
        raise AssertionError("no Odoo server without a browser to walk it")

    monkeypatch.setattr(demo_script.subprocess, "Popen", no_server)
    checks = demo_script.Checks()
    args = demo_script.parse_args(["--check", "--odoo-home", str(tmp_path)])
    demo_script.walk_quick_start(args, checks, {}, "http://127.0.0.1:1")
    assert (checks.passed, checks.failed, checks.skipped) == (0, 0, 1)
    assert "skip the Quick start walk: no Chromium found" in capsys.readouterr().out


def test_browser_missing_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert loop.browser_missing(tmp_path) == (None, "no Chromium found (apt-get install chromium)")


def test_the_walk_stops_at_the_first_broken_step(monkeypatch):
    def broken(walk):
        raise loop.StepFailed("badge 'Not in Procountor', expected 'Procountor: Paid'")

    monkeypatch.setattr(
        loop, "STEPS", (("first", lambda walk: None), ("second", broken), ("third", lambda w: None))
    )
    seen = []
    walked = loop.walk_loop(None, "http://odoo", "http://sandbox", lambda *a: seen.append(a))
    assert walked is False
    assert seen == [
        ("loop: first", True),
        ("loop: second", False, "badge 'Not in Procountor', expected 'Procountor: Paid'"),
        ("loop: third", False, "not reached: 'second' failed"),
    ]


class FakeSandboxRow:
    """The sandbox page as step_approve sees it: a status, and an Approve button that makes it
    NOT_SENT."""

    def __init__(self, status, skip=()):
        self.status = status
        self.skip = set(skip)
        self.pressed = []

    def sandbox_row(self):
        return self

    def sandbox_status(self, row):
        return self.status

    def press_in_sandbox(self, row, selector, what):
        self.pressed.append(what)
        self.status = "NOT_SENT"
        return self


@pytest.mark.parametrize(
    ("status", "pressed"), [("SENT", []), ("NOT_SENT", []), ("UNFINISHED", ["Approve"])]
)
def test_the_walk_approves_only_an_invoice_still_unfinished(status, pressed):
    walk = FakeSandboxRow(status)
    loop.step_approve(walk)
    assert walk.pressed == pressed


def test_the_walk_fails_when_approval_is_needed_and_skipped():
    with pytest.raises(loop.StepFailed, match="still waits for approval"):
        loop.step_approve(FakeSandboxRow("UNFINISHED", skip=("approve",)))


def quick_start():
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def test_readme_quick_start_says_what_the_walk_sees():
    """The words the walk waits for are the ones the Quick start promises, step by step."""
    steps = quick_start()
    assert "**Invoicing** → **Customers** → **Invoices**" in steps
    assert f"column reads\n   *{loop.BADGE_NOT_SENT}*" in steps
    assert f"The invoice now reads *{loop.BADGE_SENT}*" in steps
    assert f"under Odoo's number, status *{loop.SANDBOX_SENT}*" in steps
    assert "Press **Pay in full**" in steps
    assert f"ribbon and *{loop.BADGE_PAID}*" in steps


def test_compose_odoo_waits_for_a_healthy_sandbox():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["sandbox"]["healthcheck"]["test"]
    assert services["odoo"]["depends_on"]["sandbox"] == {"condition": "service_healthy"}
    assert services["odoo"]["depends_on"]["db"] == {"condition": "service_healthy"}
