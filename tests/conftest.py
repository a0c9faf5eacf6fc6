"""Shared fixtures of the pure-Python suite (no Odoo needed).

The Procountor client lives inside the addon (``procountor_connector/procountor_api``) so that
Odoo can import it, but it never imports Odoo: putting the addon folder on ``sys.path`` lets these
tests import it as ``procountor_api`` without importing the addon's Odoo models.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "procountor_connector"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from procountor_sandbox import defaults  # noqa: E402
from procountor_sandbox.server import start_in_thread  # noqa: E402


@pytest.fixture(scope="session")
def sandbox():
    """One sandbox HTTP server on a free loopback port for the whole session."""
    handle = start_in_thread(host="127.0.0.1", port=0)
    yield handle
    handle.stop()


@pytest.fixture
def sandbox_reset(sandbox):
    """Empty the sandbox (default seed, no faults, no journal) before a test."""
    import requests

    response = requests.post(f"{sandbox.url}/_sandbox/reset", json={}, timeout=10)
    response.raise_for_status()
    return sandbox


@pytest.fixture
def client(sandbox_reset):
    """A Procountor client pointed at the freshly reset sandbox, without retry back-off."""
    from procountor_api.client import ProcountorClient

    return ProcountorClient(
        base_url=sandbox_reset.url,
        client_id=defaults.CLIENT_ID,
        client_secret=defaults.CLIENT_SECRET,
        api_key=defaults.API_KEY,
        redirect_uri=defaults.REDIRECT_URI,
        backoff_factor=0,
    )
