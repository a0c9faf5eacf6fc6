"""The Procountor client against the sandbox: the whole way over real HTTP.

Covers the invoice lifecycle with bodies from the payload builder, and fault
injection reaching the client as the right exception (retry, no retry, ambiguous
timeout, dropped connection, token renewal).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from invoice_samples import sales_invoice_data

from procountor_api.client import ProcountorClient
from procountor_api.exceptions import (
    ProcountorAuthError,
    ProcountorServerError,
    ProcountorTimeoutError,
)
from procountor_api.payloads import (
    InvoiceLine,
    build_sales_invoice,
    invoice_totals,
    remote_totals,
)
from procountor_sandbox import defaults
from procountor_sandbox.testing import TIMEOUT, pin_calendar


@pytest.fixture
def sandbox_url(sandbox_reset):
    pin_calendar(sandbox_reset.url)
    return sandbox_reset.url


def make_client(url, **kwargs):
    settings = {
        "client_id": defaults.CLIENT_ID,
        "client_secret": defaults.CLIENT_SECRET,
        "api_key": defaults.API_KEY,
        "redirect_uri": defaults.REDIRECT_URI,
        "backoff_factor": 0,
        **kwargs,
    }
    return ProcountorClient(base_url=url, **settings)


def add_fault(url, **spec):
    response = requests.post(f"{url}/_sandbox/faults", json=spec, timeout=TIMEOUT)
    assert response.status_code == 200, response.text


def journal(url, path=None):
    entries = requests.get(f"{url}/_sandbox/journal", timeout=TIMEOUT).json()
    return [e for e in entries if path is None or e["path"] == path]


def stored_invoices(url):
    return requests.get(f"{url}/_sandbox/invoices", timeout=TIMEOUT).json()


E2E_LINES = (
    InvoiceLine(
        name="Konsultointi",
        quantity=Decimal("7.5"),
        price_unit=Decimal("95.00"),
        vat_percent=Decimal("25.5"),
        vat_status=1,
        discount=Decimal(5),
        unit="HOUR",
    ),
    InvoiceLine(
        name="Kirja",
        quantity=Decimal(3),
        price_unit=Decimal("24.90"),
        vat_percent=Decimal("13.5"),
        vat_status=1,
    ),
)


def invoice_body(number="INV/2026/0100", **overrides):
    overrides.setdefault("payment_reference", "RF18 5390 0754 7034")
    return build_sales_invoice(sales_invoice_data(number, E2E_LINES, **overrides))


def test_token_and_reference_data(client):
    assert client.fetch_token()
    assert client.get_company()["name"] == "Sandbox Oy"
    assert len(client.get_bank_accounts()) == 2
    assert [p["id"] for p in client.search_business_partners(identifier="2077474-0")] == [4001]


def test_wrong_credentials_raise_auth_error(sandbox_url):
    client = make_client(sandbox_url, api_key="wrong")
    with pytest.raises(ProcountorAuthError):
        client.get_company()
    assert [e["status"] for e in journal(sandbox_url)] == [401]


def test_create_get_approve_send(client, sandbox_url):
    body = invoice_body()
    created = client.create_invoice(body)
    assert created["status"] == "UNFINISHED"
    assert created["paymentInfo"]["bankReferenceCode"] == "RF18539007547034"
    # The sandbox's sums equal the builder's prediction to the cent.
    assert remote_totals(created) == invoice_totals(body)
    fetched = client.get_invoice(created["id"])
    assert fetched == created
    client.approve_invoice(created["id"])
    client.send_invoice(created["id"])
    assert client.get_invoice(created["id"])["status"] == "SENT"
    found = client.find_invoices_by_original_number("INV/2026/0100")
    assert [row["id"] for row in found] == [created["id"]]


def test_credit_note_and_payments(client, sandbox_url):
    invoice = client.create_invoice(invoice_body())
    credit = client.create_invoice(
        invoice_body(
            "RINV/2026/0001",
            is_credit_note=True,
            credited_invoice_number="INV/2026/0100",
            payment_reference="",
        )
    )
    assert remote_totals(credit).total == -remote_totals(invoice).total
    client.approve_invoice(invoice["id"])
    total = float(remote_totals(invoice).total)
    client.mark_invoice_paid(
        invoice["id"], {"paymentDate": "2026-03-20", "amount": 100, "currency": "EUR"}
    )
    requests.post(
        f"{sandbox_url}/_sandbox/invoices/{invoice['id']}/payments",
        json={"amount": round(total - 100, 2), "paymentDate": "2026-03-21"},
        timeout=TIMEOUT,
    ).raise_for_status()
    assert client.get_invoice(invoice["id"])["status"] == "PAID"
    events = client.get_payment_events([invoice["id"], credit["id"]])
    assert sorted(e["paidAmount"] for e in events) == sorted([100.0, round(total - 100, 2)])


def test_429_with_retry_after_zero_is_retried_on_get(client, sandbox_url):
    add_fault(sandbox_url, path="/company", kind="status", status=429, retry_after=0, times=2)
    assert client.get_company()["name"] == "Sandbox Oy"
    assert [e["status"] for e in journal(sandbox_url, "/company")] == [429, 429, 200]


def test_503_on_post_is_not_retried(client, sandbox_url):
    add_fault(sandbox_url, path="/invoices", method="POST", kind="status", status=503, times=1)
    with pytest.raises(ProcountorServerError) as raised:
        client.create_invoice(invoice_body())
    assert raised.value.status == 503 and raised.value.ambiguous
    posts = [e for e in journal(sandbox_url, "/invoices") if e["method"] == "POST"]
    assert len(posts) == 1
    assert stored_invoices(sandbox_url) == []


def test_timeout_after_commit_is_ambiguous_and_the_invoice_exists_once(sandbox_url):
    client = make_client(sandbox_url, timeout=(2, 0.5))
    add_fault(
        sandbox_url,
        path="/invoices",
        method="POST",
        kind="timeout_after_commit",
        seconds=2,
        times=1,
    )
    with pytest.raises(ProcountorTimeoutError) as raised:
        client.create_invoice(invoice_body("INV/2026/0200"))
    assert raised.value.ambiguous
    # The reconciliation step finds the invoice instead of posting it again.
    found = client.find_invoices_by_original_number("INV/2026/0200")
    assert len(found) == 1
    assert len(stored_invoices(sandbox_url)) == 1


def test_dropped_connection_after_commit_is_ambiguous(client, sandbox_url):
    add_fault(sandbox_url, path="/invoices", method="POST", kind="drop_after_commit", times=1)
    with pytest.raises(ProcountorTimeoutError) as raised:
        client.create_invoice(invoice_body("INV/2026/0300"))
    assert raised.value.ambiguous
    assert len(client.find_invoices_by_original_number("INV/2026/0300")) == 1


def test_expired_token_is_renewed_once(client, sandbox_url):
    client.get_status()
    add_fault(sandbox_url, path="/company", kind="expire_tokens", times=1)
    assert client.get_company()["name"] == "Sandbox Oy"
    assert [e["status"] for e in journal(sandbox_url, "/company")] == [401, 200]
    assert len(journal(sandbox_url, "/oauth/token")) == 2


def test_token_refused_twice_raises_auth_error(client, sandbox_url):
    add_fault(sandbox_url, path="/company", kind="expire_tokens", times=2)
    with pytest.raises(ProcountorAuthError):
        client.get_company()
    assert [e["status"] for e in journal(sandbox_url, "/company")] == [401, 401]
