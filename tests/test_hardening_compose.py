"""Published ports stay on this machine; the sandbox says where it listens."""

import re
import socket
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _published_ports():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            yield name, str(port)


def test_compose_publishes_ports_on_loopback_by_default():
    ports = list(_published_ports())
    assert ports, "the compose file publishes Odoo and the sandbox"
    for service, port in ports:
        # "${VAR:-127.0.0.1}:host:container": the default bind address is loopback.
        match = re.match(r"^\$\{([A-Z_]+):-([^}]+)\}:", port)
        assert match, f"{service}: {port} has no bind address (published on every interface)"
        assert match.group(2) == "127.0.0.1", f"{service}: {port}"
        assert match.group(1) in (ROOT / "README.md").read_text(), (
            f"README says how to open {match.group(1)}"
        )


def test_sandbox_startup_line_shows_the_real_listening_address():
    command = [sys.executable, "-m", "procountor_sandbox", "--host", "0.0.0.0", "--port", "0"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on 0\.0\.0\.0:(\d+) \(every interface\)", line)
        assert match, line
        port = int(match.group(1))
        assert port != 0
        assert f"serving on http://127.0.0.1:{port} " in line, line
        socket.create_connection(("127.0.0.1", port), 5).close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
