"""Tests of procountor_api.client.ProcountorClient against mocked HTTP (``responses``).

A few transport tests (read timeout, dropped connection, real urllib3 retries) use a tiny
HTTP server on 127.0.0.1 instead, because ``responses`` replaces the urllib3 layer whose
behaviour they check. Nothing here sleeps for more than 0.2 s: every client is built with
``backoff_factor=0``.
"""

import datetime
import email.parser
import email.utils
import json
import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers
from urllib3.util.retry import RequestHistory

from procountor_api import exceptions
from procountor_api.client import (
    Exchange,
    MemoryTokenStore,
    ProcountorClient,
    build_retry,
)
from procountor_api.const import (
    ATTACHMENT_MAX_BYTES,
    ENVIRONMENT_URLS,
    EXCHANGE_BODY_CAP,
)

BASE = "https://procountor.example.test"
API = f"{BASE}/api"
TOKEN_URL = f"{API}/oauth/token"
CLIENT_ID = "client-id-123"
CLIENT_SECRET = "client-secret-abcdef"
API_KEY = "api-key-0123456789"
REDIRECT_URI = "https://odoo.example.test/procountor/callback"
TOKEN = "access-token-AAAAAAAA"
TOKEN_2 = "access-token-BBBBBBBB"
SECRETS = (CLIENT_SECRET, API_KEY, TOKEN, TOKEN_2)


def make_client(**kwargs):
    options = {
        "base_url": BASE,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "api_key": API_KEY,
        "redirect_uri": REDIRECT_URI,
        "backoff_factor": 0,
    }
    options.update(kwargs)
    return ProcountorClient(**options)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def exchanges():
    return []


@pytest.fixture
def pc(exchanges):
    with make_client(on_exchange=exchanges.append) as client:
        yield client


def add_token(rsps, token=TOKEN, expires_in=3600, url=TOKEN_URL):
    return rsps.add(
        responses.POST,
        url,
        json={"access_token": token, "expires_in": expires_in, "token_type": "bearer"},
    )


def calls_to(rsps, url_prefix):
    return [call for call in rsps.calls if call.request.url.startswith(url_prefix)]


def query_of(call):
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def error_body(status, *items):
    return {"errors": [{"status": status, **item} for item in items]}


# --- token ---


def test_token_request_is_a_form_with_credentials_in_the_body(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/status", json={"status": "OK"})

    assert pc.get_status() == {"status": "OK"}

    token_call = calls_to(rsps, TOKEN_URL)[0].request
    assert urlsplit(token_call.url).query == ""
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in token_call.headers
    assert {k: v[0] for k, v in parse_qs(token_call.body).items()} == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "api_key": API_KEY,
    }
    api_call = calls_to(rsps, f"{API}/status")[0].request
    assert api_call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert api_call.body is None


def test_one_token_serves_many_calls(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})

    for _ in range(4):
        pc.get_company()

    assert len(calls_to(rsps, TOKEN_URL)) == 1
    assert len(calls_to(rsps, f"{API}/company")) == 4


def test_token_is_stored_with_its_expiry(rsps):
    store = MemoryTokenStore()
    client = make_client(token_store=store)
    client.clock = lambda: 1_000_000.0
    add_token(rsps, expires_in=3600)
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})

    client.get_company()

    assert store.get() == (TOKEN, 1_003_600.0)


def test_expired_token_in_store_is_replaced(rsps):
    store = MemoryTokenStore()
    store.set("stale-token-XXXXXXXX", time.time() + 30)  # inside the safety margin
    client = make_client(token_store=store)
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})

    client.get_company()

    assert len(calls_to(rsps, TOKEN_URL)) == 1
    assert rsps.calls[-1].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_token_is_renewed_when_its_lifetime_runs_out(rsps, pc):
    now = [1_000_000.0]
    pc.clock = lambda: now[0]
    add_token(rsps, expires_in=3600)
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})

    pc.get_company()
    now[0] += 3600 - 61  # still outside the 60 s margin
    pc.get_company()
    assert len(calls_to(rsps, TOKEN_URL)) == 1
    now[0] += 2  # now inside the margin
    pc.get_company()
    assert len(calls_to(rsps, TOKEN_URL)) == 2


def test_401_renews_the_token_once_and_repeats_the_call(rsps, pc):
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": TOKEN, "expires_in": 3600})
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": TOKEN_2, "expires_in": 3600})
    unauthorized = error_body(401, {"message": "Unauthorized"})
    rsps.add(responses.GET, f"{API}/company", json=unauthorized, status=401)
    rsps.add(responses.GET, f"{API}/company", json={"id": 7})

    assert pc.get_company() == {"id": 7}

    api_calls = calls_to(rsps, f"{API}/company")
    assert [c.request.headers["Authorization"] for c in api_calls] == [
        f"Bearer {TOKEN}",
        f"Bearer {TOKEN_2}",
    ]
    assert len(calls_to(rsps, TOKEN_URL)) == 2


def test_401_after_renewal_raises_auth_error(rsps, pc):
    add_token(rsps)
    unauthorized = error_body(401, {"message": "Unauthorized"})
    rsps.add(responses.POST, f"{API}/invoices", json=unauthorized, status=401)

    with pytest.raises(exceptions.ProcountorAuthError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    # A write is repeated too: a 401 means Procountor did not process it.
    assert len(calls_to(rsps, f"{API}/invoices")) == 2
    assert len(calls_to(rsps, TOKEN_URL)) == 2
    assert info.value.status == 401
    assert info.value.ambiguous is False
    assert "revoked" in info.value.message


def test_renewal_prefers_a_fresh_token_another_worker_stored(rsps):
    store = MemoryTokenStore()
    client = make_client(token_store=store)
    add_token(rsps)

    def reject_and_let_another_worker_refresh(request):
        store.set(TOKEN_2, time.time() + 3600)
        return 401, {}, json.dumps(error_body(401, {"message": "Unauthorized"}))

    # Registered answers are used in order: the callback answers the first call only.
    rsps.add_callback(
        responses.GET, f"{API}/company", callback=reject_and_let_another_worker_refresh
    )
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})

    assert client.get_company() == {"id": 1}

    assert len(calls_to(rsps, TOKEN_URL)) == 1
    assert calls_to(rsps, f"{API}/company")[-1].request.headers["Authorization"] == (
        f"Bearer {TOKEN_2}"
    )


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refused_credentials_raise_a_human_auth_error(rsps, pc, status):
    rsps.add(
        responses.POST,
        TOKEN_URL,
        json={"error": "invalid_client", "error_description": "Bad credentials"},
        status=status,
    )

    with pytest.raises(exceptions.ProcountorAuthError) as info:
        pc.get_company()

    assert info.value.message.startswith(
        "Procountor refused the credentials: check client id, client secret, "
        "redirect URI and API key"
    )
    assert info.value.codes == ["invalid_client"]
    assert info.value.operation == "fetch_token"
    assert not calls_to(rsps, f"{API}/company")


def test_token_endpoint_404_points_at_the_version_path(rsps, pc):
    rsps.add(responses.POST, TOKEN_URL, body="Not Found", status=404)

    with pytest.raises(exceptions.ProcountorNotFoundError, match="API version path"):
        pc.get_company()


def test_token_answer_without_access_token_is_an_auth_error(rsps, pc):
    rsps.add(responses.POST, TOKEN_URL, json={"expires_in": 3600})

    with pytest.raises(exceptions.ProcountorAuthError, match="without an access token"):
        pc.get_company()


# --- error mapping ---


@pytest.mark.parametrize(
    ("status", "error_class", "retryable"),
    [
        (400, exceptions.ProcountorValidationError, False),
        (403, exceptions.ProcountorPermissionError, False),
        (404, exceptions.ProcountorNotFoundError, False),
        (409, exceptions.ProcountorValidationError, False),
        (429, exceptions.ProcountorRateLimitError, True),
        (500, exceptions.ProcountorServerError, True),
    ],
)
def test_status_codes_map_to_exception_classes(rsps, status, error_class, retryable):
    client = make_client(max_retries=0)
    add_token(rsps)
    body = error_body(status, {"message": f"CODE_{status}"})
    rsps.add(responses.GET, f"{API}/invoices/5", json=body, status=status)

    with pytest.raises(error_class) as info:
        client.get_invoice(5)

    error = info.value
    assert isinstance(error, exceptions.ProcountorError)
    assert error.status == status
    assert error.codes == [f"CODE_{status}"]
    assert f"HTTP {status}" in error.message and f"CODE_{status}" in error.message
    assert error.retryable is retryable
    assert error.ambiguous is False  # a GET changes nothing
    assert (error.operation, error.method, error.path) == ("get_invoice", "GET", "/invoices/5")


def test_validation_error_lists_fields_and_codes(rsps, pc):
    add_token(rsps)
    body = error_body(
        400,
        {"field": "invoiceRows[0].vatPercent", "message": "ERROR_VATSTATUS_VATPERC"},
        {"field": "dueDate", "message": "DUE_DATE_BEFORE_BILL_DATE"},
    )
    rsps.add(responses.POST, f"{API}/invoices", json=body, status=400)

    with pytest.raises(exceptions.ProcountorValidationError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    error = info.value
    assert error.codes == ["ERROR_VATSTATUS_VATPERC", "DUE_DATE_BEFORE_BILL_DATE"]
    assert error.errors[0] == exceptions.ProcountorErrorItem(
        400, "invoiceRows[0].vatPercent", "ERROR_VATSTATUS_VATPERC"
    )
    assert "invoiceRows[0].vatPercent: ERROR_VATSTATUS_VATPERC" in error.message
    assert error.ambiguous is False  # a 400 was not applied
    assert error.as_dict()["errors"][1]["field"] == "dueDate"


def test_html_500_gives_a_short_text(rsps):
    client = make_client(max_retries=0)
    add_token(rsps)
    page = (
        "<html><head><title>500 Internal Server Error</title></head><body>"
        "<center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center>"
        "</body></html>" + " " * 5000
    )
    rsps.add(responses.GET, f"{API}/company", body=page, status=500, content_type="text/html")

    with pytest.raises(exceptions.ProcountorServerError) as info:
        client.get_company()

    assert info.value.message == ("Procountor server error (HTTP 500): 500 Internal Server Error")
    assert info.value.errors == []


def test_server_error_is_ambiguous_for_writes_only(rsps, pc):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/invoices", json={}, status=500)

    with pytest.raises(exceptions.ProcountorServerError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    assert info.value.ambiguous is True
    assert "may or may not have been applied" in info.value.message


def test_unreadable_success_of_a_write_is_ambiguous(rsps, pc):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/invoices", body="<html>ok</html>", status=200)

    with pytest.raises(exceptions.ProcountorServerError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    assert info.value.ambiguous is True


# --- retries ---


def test_429_on_get_is_retried_honouring_retry_after(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/company", status=429, headers={"Retry-After": "0"})
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})

    assert pc.get_company() == {"id": 1}
    assert len(calls_to(rsps, f"{API}/company")) == 2


def test_429_with_a_long_retry_after_returns_at_once(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/company", status=429, headers={"Retry-After": "120"})

    with pytest.raises(exceptions.ProcountorRateLimitError) as info:
        pc.get_company()

    assert info.value.retry_after == 120
    assert "retry after 120 s" in info.value.message
    assert len(calls_to(rsps, f"{API}/company")) == 1


def test_429_on_post_is_not_retried(rsps, pc):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/invoices", status=429, headers={"Retry-After": "0"})

    with pytest.raises(exceptions.ProcountorRateLimitError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    assert info.value.retry_after == 0
    assert len(calls_to(rsps, f"{API}/invoices")) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_get_retries_on_gateway_errors_are_bounded(rsps, status):
    client = make_client(max_retries=2)
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/company", status=status, body="busy")

    with pytest.raises(exceptions.ProcountorServerError) as info:
        client.get_company()

    assert len(calls_to(rsps, f"{API}/company")) == 3
    assert info.value.status == status
    assert info.value.ambiguous is False


def test_get_succeeds_after_a_gateway_error(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/company", status=503)
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})

    assert pc.get_company() == {"id": 1}


@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("POST", "/invoices", lambda c: c.create_invoice({"type": "SALES_INVOICE"})),
        ("PUT", "/invoices/9/notes", lambda c: c.update_invoice_notes(9, "hello")),
        ("PUT", "/invoices/9/send", lambda c: c.send_invoice(9)),
    ],
)
def test_writes_are_never_retried_on_503(rsps, pc, method, path, call):
    add_token(rsps)
    rsps.add(method, f"{API}{path}", status=503)

    with pytest.raises(exceptions.ProcountorServerError) as info:
        call(pc)

    assert info.value.ambiguous is True
    assert len(calls_to(rsps, f"{API}{path}")) == 1


def test_backoff_is_capped_per_client():
    retry = build_retry(max_retries=10, backoff_factor=100, backoff_max=2)
    failures = tuple(RequestHistory("GET", "/x", None, 503, None) for _ in range(5))

    assert retry.new(history=failures).get_backoff_time() == 2
    assert retry.new(total=1).backoff_cap == 2  # the cap survives urllib3's copies


def test_retry_after_as_an_http_date_is_parsed(rsps):
    client = make_client(max_retries=0)
    add_token(rsps)
    when = email.utils.format_datetime(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=90)
    )
    rsps.add(responses.GET, f"{API}/company", status=429, headers={"Retry-After": when})

    with pytest.raises(exceptions.ProcountorRateLimitError) as info:
        client.get_company()

    assert 80 < info.value.retry_after <= 90


# --- transport errors ---


def test_read_timeout_on_a_write_is_an_ambiguous_timeout(rsps, pc, exchanges):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/invoices", body=requests.ReadTimeout("slow"))

    with pytest.raises(exceptions.ProcountorTimeoutError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    assert isinstance(info.value, exceptions.ProcountorConnectionError)
    assert info.value.ambiguous is True and info.value.retryable is True
    assert len(calls_to(rsps, f"{API}/invoices")) == 1
    assert exchanges[-1].status is None and exchanges[-1].ok is False


def test_read_timeout_on_a_read_is_not_ambiguous(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/invoices/3", body=requests.ReadTimeout("slow"))

    with pytest.raises(exceptions.ProcountorTimeoutError) as info:
        pc.get_invoice(3)

    assert info.value.ambiguous is False


def test_connect_timeout_is_a_connection_error_never_ambiguous(rsps, pc):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/invoices", body=requests.ConnectTimeout("no route"))

    with pytest.raises(exceptions.ProcountorConnectionError) as info:
        pc.create_invoice({"type": "SALES_INVOICE"})

    assert not isinstance(info.value, exceptions.ProcountorTimeoutError)
    assert info.value.ambiguous is False


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_not_ambiguous_even_for_a_write():
    store = MemoryTokenStore()
    store.set(TOKEN, time.time() + 3600)
    client = make_client(
        base_url=f"http://127.0.0.1:{_closed_port()}", token_store=store, max_retries=1
    )

    with pytest.raises(exceptions.ProcountorConnectionError) as info:
        client.create_invoice({"type": "SALES_INVOICE"})

    assert not isinstance(info.value, exceptions.ProcountorTimeoutError)
    assert info.value.ambiguous is False
    assert "Could not connect" in info.value.message


class _Server:
    """A loopback HTTP server whose answer per request is chosen by the test."""

    def __init__(self, behaviour):
        self.behaviour = behaviour  # callable(handler, index) -> None
        self.requests = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests.append(self.command)
                server.behaviour(self, len(server.requests) - 1)

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args):
                """Keep the test output quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _answer(handler, status, body=b"{}"):
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _client_for(server, **kwargs):
    store = MemoryTokenStore()
    store.set(TOKEN, time.time() + 3600)
    return make_client(base_url=server.url, token_store=store, **kwargs)


@pytest.mark.parametrize(("method", "attempts"), [("GET", 3), ("POST", 1)])
def test_real_read_timeouts_are_retried_for_get_only(method, attempts):
    def hang(handler, index):
        server.release.wait(1.0)  # answer nothing until the test is over
        handler.close_connection = True

    with _Server(hang) as server:
        client = _client_for(server, timeout=(1, 0.1), max_retries=2)
        with pytest.raises(exceptions.ProcountorTimeoutError) as info:
            client.request(
                method,
                "/invoices",
                json={} if method == "POST" else None,
                operation="probe",
            )

    assert server.requests == [method] * attempts
    assert info.value.ambiguous is (method == "POST")


def test_real_connection_dropped_after_a_post_is_ambiguous():
    def drop(handler, index):
        handler.close_connection = True  # no status line at all

    with _Server(drop) as server:
        client = _client_for(server, max_retries=3)
        with pytest.raises(exceptions.ProcountorTimeoutError) as info:
            client.create_invoice({"type": "SALES_INVOICE"})

    assert server.requests == ["POST"]
    assert info.value.ambiguous is True
    assert "connection to Procountor was lost" in info.value.message


def test_real_urllib3_retry_of_a_get_after_503():
    def flaky(handler, index):
        if index == 0:
            _answer(handler, 503, b'{"errors": []}')
        else:
            _answer(handler, 200, b'{"id": 4}')

    with _Server(flaky) as server:
        client = _client_for(server)
        assert client.get_company() == {"id": 4}

    assert server.requests == ["GET", "GET"]


# --- pagination ---


def _page(rows, page, size, total=None):
    meta = {"pageNumber": page, "pageSize": size, "resultCount": len(rows)}
    if total is not None:
        meta["totalCount"] = total
    return {"results": rows, "meta": meta}


def test_paginate_walks_pages_until_a_short_page(rsps, pc):
    add_token(rsps)
    url = f"{API}/invoices"
    rsps.add(
        responses.GET,
        url,
        json=_page([{"id": 1}, {"id": 2}], 0, 2),
        match=[matchers.query_param_matcher({"page": "0", "size": "2"})],
    )
    rsps.add(
        responses.GET,
        url,
        json=_page([{"id": 3}], 1, 2),
        match=[matchers.query_param_matcher({"page": "1", "size": "2"})],
    )

    rows = list(pc.search_invoices(size=2))

    assert [row["id"] for row in rows] == [1, 2, 3]
    assert len(calls_to(rsps, url)) == 2


def test_paginate_follows_the_page_size_the_server_reports(rsps, pc):
    add_token(rsps)
    url = f"{API}/bankaccounts"
    rsps.add(responses.GET, url, json=_page([{"id": 1}, {"id": 2}], 0, 2))
    rsps.add(responses.GET, url, json=_page([{"id": 3}], 1, 2))

    accounts = pc.get_bank_accounts()  # asks for 200 per page, gets 2

    assert [a["id"] for a in accounts] == [1, 2, 3]
    assert [query_of(c)["page"] for c in calls_to(rsps, url)] == ["0", "1"]


def test_paginate_stops_at_total_count(rsps, pc):
    add_token(rsps)
    url = f"{API}/invoices"
    rsps.add(responses.GET, url, json=_page([{"id": 1}, {"id": 2}], 0, 2, total=2))

    assert len(list(pc.search_invoices(size=2))) == 2
    assert len(calls_to(rsps, url)) == 1


def test_paginate_refuses_sizes_above_200(pc):
    with pytest.raises(ValueError):
        list(pc.paginate("/invoices", size=201))


def test_products_use_keyset_paging(rsps, pc):
    add_token(rsps)
    url = f"{API}/products"
    rsps.add(responses.GET, url, json=_page([{"id": 10}, {"id": 11}], 0, 2))
    rsps.add(responses.GET, url, json=_page([{"id": 12}], 0, 2))

    rows = list(pc.search_products(type="SALES", size=2))

    assert [row["id"] for row in rows] == [10, 11, 12]
    first, second = (query_of(c) for c in calls_to(rsps, url))
    assert first == {"type": "SALES", "size": "2", "orderById": "ASC"}
    assert second == {"type": "SALES", "size": "2", "orderById": "ASC", "previousId": "11"}


def test_keyset_paging_does_not_stop_on_a_total_count_of_the_remaining_rows(rsps, pc):
    # Whether totalCount counts every match or only those after previousId is not
    # documented; read as "every match" the walk would stop after 4 of 5 rows here.
    add_token(rsps)
    url = f"{API}/products"
    rsps.add(responses.GET, url, json=_page([{"id": 10}, {"id": 11}], 0, 2, total=5))
    rsps.add(responses.GET, url, json=_page([{"id": 12}, {"id": 13}], 0, 2, total=3))
    rsps.add(responses.GET, url, json=_page([{"id": 14}], 0, 2, total=1))

    rows = list(pc.search_products(size=2))

    assert [row["id"] for row in rows] == [10, 11, 12, 13, 14]
    assert len(calls_to(rsps, url)) == 3


def test_keyset_paging_that_does_not_advance_stops_with_an_error(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/products", json=_page([{"id": 5}, {"id": 6}], 0, 2))

    with pytest.raises(exceptions.ProcountorServerError, match="did not advance"):
        list(pc.search_products(size=2))
    assert len(calls_to(rsps, f"{API}/products")) == 2


# --- multi-id GET ---


def _echo_ids(request):
    ids = [int(part) for part in urlsplit(request.url).path.rsplit("/", 1)[1].split(",")]
    body = [{"id": i} for i in ids] if len(ids) > 1 else {"id": ids[0]}
    return 200, {}, json.dumps(body)


def test_get_invoices_chunks_ids_by_200(rsps, pc):
    add_token(rsps)
    rsps.add_callback(
        responses.GET,
        re.compile(rf"{re.escape(API)}/invoices/[0-9,]+$"),
        callback=_echo_ids,
    )
    ids = list(range(1, 451)) + [5, 5]  # duplicates are asked for once

    invoices = pc.get_invoices(ids)

    assert [inv["id"] for inv in invoices] == list(range(1, 451))
    sizes = [
        len(urlsplit(c.request.url).path.rsplit("/", 1)[1].split(","))
        for c in calls_to(rsps, f"{API}/invoices/")
    ]
    assert sizes == [200, 200, 50]


def test_single_id_object_becomes_a_list_and_404_chunks_are_skipped(rsps, pc):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/products/7", json={"id": 7})
    assert pc.get_products([7]) == [{"id": 7}]

    rsps.add(
        responses.GET,
        f"{API}/businesspartners/8,9",
        json=error_body(404, {"message": "NOT_FOUND"}),
        status=404,
    )
    assert pc.get_business_partners([8, 9]) == []


def test_get_many_without_ids_makes_no_call(rsps, pc):
    assert pc.get_invoices([]) == []
    assert len(rsps.calls) == 0


def test_ids_are_checked_before_they_reach_a_url(rsps, pc):
    for bad in ("1/../../company", "12?x=1", -3, True, 1.5):
        with pytest.raises(ValueError):
            pc.get_invoice(bad)
    assert len(rsps.calls) == 0


# --- search parameters ---


def test_partner_name_and_identifier_travel_as_headers(rsps, pc):
    add_token(rsps)
    url = f"{API}/businesspartners"
    rsps.add(responses.GET, url, json=_page([{"id": 1}], 0, 200))

    rows = list(
        pc.search_business_partners(
            name="Yritys Öy", identifier="1234567-8", type="CUSTOMER", active=True
        )
    )

    assert rows == [{"id": 1}]
    request = calls_to(rsps, url)[0].request
    assert request.headers["name"] == "Yritys Öy"
    assert request.headers["identifier"] == "1234567-8"
    assert query_of(calls_to(rsps, url)[0]) == {
        "type": "CUSTOMER",
        "active": "true",
        "page": "0",
        "size": "200",
    }


def test_partner_name_outside_latin1_is_refused_before_http(rsps, pc):
    with pytest.raises(exceptions.ProcountorValidationError):
        list(pc.search_business_partners(name="Ŕajatieto"))
    assert len(rsps.calls) == 0


def test_array_parameters_are_comma_joined(rsps, pc):
    add_token(rsps)
    url = f"{API}/invoices"
    rsps.add(responses.GET, url, json=_page([], 0, 200))

    list(pc.search_invoices(status=["PAID", "MARKED_PAID"], types=("SALES_INVOICE",)))

    query = query_of(calls_to(rsps, url)[0])
    assert query["status"] == "PAID,MARKED_PAID"
    assert query["types"] == "SALES_INVOICE"


def test_find_invoices_by_original_number_keeps_exact_matches(rsps, pc):
    add_token(rsps)
    url = f"{API}/invoices"
    rows = [
        {"id": 1, "originalInvoiceNumber": "INV/2026/0001"},
        {"id": 2, "originalInvoiceNumber": "INV/2026/00011"},
        {"id": 3, "originalInvoiceNumber": "inv/2026/0001"},
    ]
    rsps.add(responses.GET, url, json=_page(rows, 0, 200))

    found = pc.find_invoices_by_original_number("INV/2026/0001")

    assert [row["id"] for row in found] == [1]
    query = query_of(calls_to(rsps, url)[0])
    assert query["originalInvoiceNumber"] == "INV/2026/0001"
    assert query["types"] == "SALES_INVOICE"


def test_get_never_carries_a_body(pc):
    with pytest.raises(ValueError):
        pc.request("GET", "/invoices", json={"x": 1}, operation="probe")


def test_write_endpoints_send_the_documented_shapes(rsps, pc):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/invoices", json={"id": 1})
    rsps.add(responses.PUT, f"{API}/invoices/1/approve", json={"message": "ok"})
    rsps.add(responses.PUT, f"{API}/invoices/1/send", json={"message": "ok"})
    rsps.add(responses.PATCH, f"{API}/businesspartners/4", json={})
    rsps.add(responses.POST, f"{API}/ledgerreceipts", json={"id": 2})

    pc.create_invoice({"type": "SALES_INVOICE"}, add_collection_penal_costs=True)
    pc.approve_invoice(1, comment="ok by Odoo")
    pc.send_invoice(1)
    pc.patch_business_partner(4, {"name": "X"}, version="2026-01-01T10:00:00")
    pc.create_ledger_receipt({"type": "JOURNAL"}, create_reconciliation=True)

    create, approve, send, patch, receipt = rsps.calls[1:]
    assert query_of(create) == {"addCollectionPenalCosts": "true"}
    assert json.loads(approve.request.body) == {"comment": "ok by Odoo"}
    assert send.request.body is None
    assert json.loads(patch.request.body) == {
        "name": "X",
        "version": "2026-01-01T10:00:00",
    }
    assert query_of(receipt) == {"createReconciliation": "true"}


# --- attachments ---


def _multipart_parts(request):
    raw = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode() + request.body
    message = email.parser.BytesParser().parsebytes(raw)
    return {
        part.get_param("name", header="content-disposition"): part for part in message.get_payload()
    }


def test_attachment_is_multipart_with_meta_and_file(rsps, pc):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/attachments", json={"id": 99})
    meta = {"referenceType": "INVOICE", "referenceId": 12, "sendWithInvoice": False}
    content = b"%PDF-1.4 fake"

    assert pc.upload_attachment(meta, "INV_0001.pdf", content) == {"id": 99}

    request = calls_to(rsps, f"{API}/attachments")[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    parts = _multipart_parts(request)
    assert set(parts) == {"meta", "file"}
    assert parts["meta"].get_content_type() == "application/json"
    assert json.loads(parts["meta"].get_payload(decode=True)) == {
        "name": "INV_0001.pdf",
        "referenceType": "INVOICE",
        "referenceId": 12,
        "sendWithInvoice": False,
    }
    assert parts["file"].get_filename() == "INV_0001.pdf"
    assert parts["file"].get_content_type() == "application/pdf"
    assert parts["file"].get_payload(decode=True) == content


def test_oversized_attachment_is_refused_before_any_http_call(rsps, pc):
    with pytest.raises(exceptions.ProcountorValidationError, match="at most 10,000,000"):
        pc.upload_attachment(
            {"referenceType": "INVOICE", "referenceId": 1, "sendWithInvoice": False},
            "big.pdf",
            b"x" * (ATTACHMENT_MAX_BYTES + 1),
        )
    assert len(rsps.calls) == 0


# --- exchanges, redaction and logging ---


def test_on_exchange_is_called_once_per_http_call(rsps, pc, exchanges):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/company", json={"id": 1})
    body = error_body(400, {"field": "name", "message": "MAY_NOT_BE_EMPTY"})
    rsps.add(responses.POST, f"{API}/products", json=body, status=400)

    pc.get_company()
    with pytest.raises(exceptions.ProcountorValidationError):
        pc.create_product({"name": ""})

    assert [(e.operation, e.status, e.ok) for e in exchanges] == [
        ("fetch_token", 200, True),
        ("get_company", 200, True),
        ("create_product", 400, False),
    ]
    failed = exchanges[-1]
    assert isinstance(failed, Exchange)
    assert failed.error_codes == ["MAY_NOT_BE_EMPTY"]
    assert "name: MAY_NOT_BE_EMPTY" in failed.error_message
    assert (failed.method, failed.path, failed.url) == ("POST", "/products", f"{API}/products")
    assert json.loads(failed.request_body) == {"name": ""}
    assert failed.duration_ms >= 0


def test_exchange_bodies_are_redacted(rsps, pc, exchanges):
    add_token(rsps)
    echo = {"errors": [{"status": 400, "message": f"bad key {API_KEY}"}]}
    rsps.add(responses.POST, f"{API}/businesspartners", json=echo, status=400)

    with pytest.raises(exceptions.ProcountorValidationError) as info:
        pc.create_business_partner({"name": "X", "nested": [{"client_secret": "hidden"}]})

    token_exchange, partner_exchange = exchanges
    form = parse_qs(token_exchange.request_body)
    assert form["client_secret"] == ["***"] and form["api_key"] == ["***"]
    assert form["client_id"] == [CLIENT_ID]
    assert json.loads(token_exchange.response_body)["access_token"] == "***"
    assert json.loads(partner_exchange.request_body)["nested"] == [{"client_secret": "***"}]
    for exchange in exchanges:
        text = repr(exchange)
        assert "Authorization" not in text and "Bearer" not in text
        assert not any(secret in text for secret in SECRETS)
    assert API_KEY not in info.value.message


def test_exchange_bodies_are_capped(rsps, pc, exchanges):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/coa", json={"ledgerAccounts": ["x" * 100] * 500})

    pc.get_chart_of_accounts()

    assert len(exchanges[-1].response_body) <= EXCHANGE_BODY_CAP
    assert exchanges[-1].response_body.endswith("characters]")


def test_failing_on_exchange_does_not_hide_the_result(rsps, caplog):
    def broken(exchange):
        raise RuntimeError("log table locked")

    client = make_client(on_exchange=broken)
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/invoices", json={"id": 42})

    with caplog.at_level(logging.ERROR, logger="procountor_api.client"):
        assert client.create_invoice({"type": "SALES_INVOICE"}) == {"id": 42}

    assert "on_exchange callback failed" in caplog.text
    assert "log table locked" in caplog.text


def test_one_info_line_per_call_without_secrets(rsps, pc, caplog):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/invoices", json=_page([], 0, 200))
    rsps.add(responses.GET, f"{API}/invoices/1", status=404, json={})
    rsps.add(responses.POST, f"{API}/ledgerreceipts", body=requests.ReadTimeout())

    with caplog.at_level(logging.INFO, logger="procountor_api.client"):
        list(pc.search_invoices(types=["SALES_INVOICE"]))
        with pytest.raises(exceptions.ProcountorNotFoundError):
            pc.get_invoice(1)
        with pytest.raises(exceptions.ProcountorTimeoutError):
            pc.create_ledger_receipt({"type": "JOURNAL"})

    lines = [r.getMessage() for r in caplog.records if r.name == "procountor_api.client"]
    assert len(lines) == 4
    assert lines[0].startswith("Procountor POST /oauth/token -> 200 in ")
    assert lines[1].startswith(
        "Procountor GET /invoices?types=SALES_INVOICE&page=0&size=200 -> 200 in "
    )
    assert lines[2].startswith("Procountor GET /invoices/1 -> 404 in ")
    assert lines[3].startswith("Procountor POST /ledgerreceipts -> ProcountorTimeoutError in ")
    assert all(line.endswith(" ms") for line in lines)
    assert not any(secret in caplog.text for secret in SECRETS)


# --- construction ---


@pytest.mark.parametrize("version_path", ["api", "latest/api", "supported/api", "v2604/api"])
def test_api_version_path_sets_the_api_root(rsps, version_path):
    root = f"{BASE}/{version_path}"
    add_token(rsps, url=f"{root}/oauth/token")
    rsps.add(responses.GET, f"{root}/sessioninfo", json={"companyId": 1})

    client = make_client(api_version_path=version_path)

    assert client.get_session_info() == {"companyId": 1}
    assert client.api_root == root


@pytest.mark.parametrize("version_path", ["v26/api", "v2613/api", "beta/api", "api/v2"])
def test_unknown_api_version_paths_are_refused(version_path):
    with pytest.raises(ValueError):
        make_client(api_version_path=version_path)


def test_for_environment_picks_the_host():
    kwargs = {"client_id": "c", "client_secret": "s", "api_key": "k"}
    production = ProcountorClient.for_environment("production", **kwargs)
    test = ProcountorClient.for_environment("test", base_url="", **kwargs)
    custom = ProcountorClient.for_environment("custom", base_url="http://127.0.0.1:8899/", **kwargs)

    assert production.api_root == f"{ENVIRONMENT_URLS['production']}/api"
    assert test.api_root == "https://pts-api.procountor.com/api"
    assert custom.api_root == "http://127.0.0.1:8899/api"
    with pytest.raises(ValueError):
        ProcountorClient.for_environment("custom", **kwargs)
    with pytest.raises(ValueError):
        ProcountorClient.for_environment("staging", **kwargs)


def test_procountor_api_never_imports_odoo():
    package = Path(__file__).resolve().parents[1] / "procountor_connector" / "procountor_api"
    for source in package.glob("*.py"):
        for line in source.read_text().splitlines():
            stripped = line.strip()
            assert not stripped.startswith(("import odoo", "from odoo")), source.name


def test_threads_sharing_a_client_refresh_the_token_once(client, sandbox):
    """Eight threads start without a token: the store's refresh lock lets only one fetch it."""
    import threading

    import requests

    requests.delete(f"{sandbox.url}/_sandbox/journal", timeout=10).raise_for_status()
    barrier = threading.Barrier(8)
    errors = []

    def call():
        barrier.wait()
        try:
            client.get_company()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    journal = requests.get(f"{sandbox.url}/_sandbox/journal", timeout=10).json()
    entries = journal if isinstance(journal, list) else journal.get("entries", journal)
    token_posts = [e for e in entries if e["path"].endswith("/oauth/token")]
    company_gets = [e for e in entries if e["path"].endswith("/company")]
    assert len(token_posts) == 1
    assert len(company_gets) == 8


def test_refresh_lock_of_the_store_is_taken_before_fetching(client, sandbox):
    """A store with ``refresh_lock`` sees the fetch happen inside its lock, then looks again."""
    events = []

    class RecordingStore:
        value = None

        def get(self):
            events.append("get")
            return self.value

        def set(self, token, expires_at):
            events.append("set")
            self.value = (token, expires_at)

        def refresh_lock(self):
            class Lock:
                def __enter__(self):
                    events.append("lock")

                def __exit__(self, *exc):
                    events.append("unlock")
                    return False

            return Lock()

    client.token_store = RecordingStore()
    client.get_company()
    client.get_company()
    assert events == ["get", "lock", "get", "set", "unlock", "get"]
