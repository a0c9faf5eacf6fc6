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
