"""The demo start-up outside Odoo: docker/odoo-start.sh with a stand-in entrypoint, the demo
addon's settings, scripts/demo's interface and the compose file."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
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


# --- docker/odoo-start.sh outside the image ---------------------------------------------------
@pytest.fixture
def start_bin(tmp_path):
    """A PATH with a fake psql (the database exists once tmp/db-exists is there) and a fake
    image entrypoint recording its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    psql = bin_dir / "psql"
    psql.write_text(
        f'#!/bin/bash\ncat >/dev/null\n[ -e "{tmp_path}/db-exists" ] && echo 1\nexit 0\n'
    )
    entry = bin_dir / "entrypoint"
    record = 'echo "$* DEMO=${PROCOUNTOR_DEMO:-} URL=${PROCOUNTOR_SANDBOX_URL:-}"'
    entry.write_text(f'#!/bin/bash\n{record} >> "{tmp_path}/calls"\ntouch "{tmp_path}/db-exists"\n')
    for script in (psql, entry):
        script.chmod(0o755)
    return tmp_path


def run_start(tmp_path, **extra):
    env = {
        "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin",
        "ODOO_IMAGE_ENTRYPOINT": str(tmp_path / "bin" / "entrypoint"),
        "ODOO_DATA_DIR": str(tmp_path),
        "PROCOUNTOR_DB": "demo",
        **extra,
    }
    return subprocess.run(
        ["bash", str(START), "--http-port=8069"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.skipif(not shutil.which("bash"), reason="bash not found")
def test_odoo_start_installs_the_demo_once(start_bin):
    run_start(start_bin, PROCOUNTOR_SANDBOX_URL="http://127.0.0.1:9999")
    first = (start_bin / "calls").read_text().splitlines()
    assert first[0].startswith(
        "odoo --database=demo --init=procountor_connector,l10n_fi,procountor_connector_demo "
    )
    assert first[0].endswith("DEMO=1 URL=http://127.0.0.1:9999")
    # the server itself runs without the demo variable
    assert first[1].startswith("odoo --database=demo --db-filter=^demo$ --http-port=8069 DEMO= ")
    assert (start_bin / ".demo-initialised").exists()
    second = run_start(start_bin)
    calls = (start_bin / "calls").read_text().splitlines()
    assert len(calls) == 3 and "--init" not in calls[2]
    assert "is initialised" in second.stdout


@pytest.mark.skipif(not shutil.which("bash"), reason="bash not found")
def test_odoo_start_default_sandbox_url(start_bin):
    run_start(start_bin)
    first = (start_bin / "calls").read_text().splitlines()[0]
    assert first.endswith("URL=http://127.0.0.1:8899")


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
