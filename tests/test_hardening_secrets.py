"""Secrets in the exchange log, base URL checks, capped reads.

Mocked HTTP (``responses``) where the transport does not matter; a loopback server where it does
(the capped read needs a real socket to show that the rest of a body is never read).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import responses

from procountor_api import endpoint, exceptions
from procountor_api.client import MemoryTokenStore, ProcountorClient
from procountor_api.redact import Redactor

BASE = "https://procountor.example.test"
API = f"{BASE}/api"
TOKEN_URL = f"{API}/oauth/token"
TOKEN = "access-token-AAAAAAAA"
REFRESH = "refresh-token-RRRRRRRR"


def make_client(**kwargs):
    options = {
        "base_url": BASE,
        "client_id": "client-id-123",
        "client_secret": "client-secret-abcdef",
        "api_key": "api-key-0123456789",
        "backoff_factor": 0,
    }
    options.update(kwargs)
    return ProcountorClient(**options)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# --- point 1: token answers are secret by operation, whatever their content type ---


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", json.dumps({"access_token": TOKEN, "expires_in": 3600})),
        (None, json.dumps({"access_token": TOKEN, "expires_in": 3600})),
        (
            "application/x-www-form-urlencoded",
            json.dumps({"access_token": TOKEN, "refresh_token": REFRESH, "expires_in": 3600}),
        ),
        ("application/octet-stream", json.dumps({"access_token": TOKEN, "expires_in": 3600})),
        ("text/html", f"<html><body>token: {{'access_token': '{TOKEN}'}}</body></html>"),
    ],
)
def test_token_answer_is_redacted_whatever_its_content_type(rsps, content_type, body):
    exchanges = []
    rsps.add(responses.POST, TOKEN_URL, body=body.encode(), content_type=content_type)
    with make_client(on_exchange=exchanges.append) as client:
        try:
            client.fetch_token()
        except exceptions.ProcountorError:
            pass  # a body that is not JSON is refused; the log must still hide the token
    (exchange,) = exchanges
    assert exchange.response_body
    assert TOKEN not in exchange.response_body
    assert REFRESH not in exchange.response_body


def test_form_encoded_token_answer_is_masked_by_key(rsps):
    exchanges = []
    rsps.add(
        responses.POST,
        TOKEN_URL,
        body=f"access_token={TOKEN}&expires_in=3600&refresh_token={REFRESH}",
        content_type="application/x-www-form-urlencoded",
    )
    with (
        make_client(on_exchange=exchanges.append) as client,
        pytest.raises(exceptions.ProcountorError),
    ):
        client.fetch_token()
    body = exchanges[0].response_body
    assert TOKEN not in body and REFRESH not in body
    assert "expires_in=3600" in body


def test_token_keys_are_masked_at_any_depth_in_any_answer(rsps):
    exchanges = []
    store = MemoryTokenStore()
    store.set(TOKEN, 9e12)
    nested = {"data": [{"auth": {"deeper": [{"refresh_token": REFRESH, "keep": "visible"}]}}]}
    rsps.add(
        responses.GET,
        f"{API}/company",
        body=json.dumps(nested),
        content_type="text/html",  # a JSON body under a wrong content type
    )
    with make_client(on_exchange=exchanges.append, token_store=store) as client:
        client.get_company()
    body = exchanges[0].response_body
    assert REFRESH not in body
    assert json.loads(body)["data"][0]["auth"]["deeper"][0] == {
        "refresh_token": "***",
        "keep": "visible",
    }


# --- point 5: short secrets and URLs with user info ---


def test_short_secrets_are_scrubbed_where_they_stand_alone():
    redactor = Redactor(["k3y", "a"])
    assert redactor.text("invalid api key k3y given") == "invalid api key *** given"
    assert redactor.text('"k3y"') == '"***"'
    # Not inside longer words or numbers: the rest of the text stays readable.
    assert redactor.text("ok3yz and banana") == "ok3yz and banana"


def test_short_api_key_echoed_by_the_server_is_not_shown(rsps):
    exchanges = []
    rsps.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "unknown api_key k3y"},
    )
    with (
        make_client(api_key="k3y", on_exchange=exchanges.append) as client,
        pytest.raises(exceptions.ProcountorAuthError) as info,
    ):
        client.fetch_token()
    assert "k3y" not in str(info.value)
    assert "k3y" not in exchanges[0].response_body
    assert "k3y" not in (exchanges[0].error_message or "")


def test_url_with_user_info_is_never_echoed(caplog):
    with pytest.raises(ValueError) as info:
        make_client(base_url="https://admin:hunter2pw@procountor.example.test")
    assert "hunter2pw" not in str(info.value)
    assert "user name or password" in str(info.value)
    assert Redactor().text("see https://admin:hunter2pw@host.test/x") == (
        "see https://***@host.test/x"
    )


# --- point 3: one base URL check for the client and the model ---


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://api.procountor.com", None),
        ("https://api.procountor.com/", None),
        ("https://pts-api.procountor.com:8443", None),
        ("http://127.0.0.1:8899", None),
        ("http://localhost:8899", None),
        ("http://[::1]:8899", None),
        ("http://127.5.0.1", None),
        ("", endpoint.EMPTY),
        ("api.procountor.com", endpoint.SCHEME),
        ("ftp://api.procountor.com", endpoint.SCHEME),
        ("https://", endpoint.HOST),
        ("https://exa mple.com", endpoint.HOST),
        ("https://api.procountor.com:99999", endpoint.PORT),
        ("https://user:pw@api.procountor.com", endpoint.USERINFO),
        ("https://user@api.procountor.com", endpoint.USERINFO),
        ("https://api.procountor.com?x=1", endpoint.QUERY),
        ("https://api.procountor.com#top", endpoint.QUERY),
        ("https://api.procountor.com/api", endpoint.API_PATH),
        ("https://api.procountor.com/latest/api/", endpoint.API_PATH),
        ("https://api.procountor.com/v2604/api", endpoint.API_PATH),
        ("https://api.procountor.com/proxy", endpoint.PATH),
        ("http://api.procountor.com", endpoint.HTTPS),
        ("http://sandbox:8899", endpoint.HTTPS),
        ("http://10.0.0.5:8899", endpoint.HTTPS),
    ],
)
def test_base_url_rules_are_the_clients(url, problem):
    assert endpoint.base_url_problem(url) == problem
    if problem is None:
        client = make_client(base_url=url)
        assert not client.base_url.endswith("/")
        client.close()
    else:
        with pytest.raises(ValueError):
            make_client(base_url=url)


# --- point 4: an answer is never read past a cap ---


class _HugeAnswer:
    """A loopback server answering every request with ``size`` bytes, in chunks."""

    def __init__(self, size, declare_length):
        self.sent = 0
        self.size = size
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if declare_length:
                    self.send_header("Content-Length", str(owner.size))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b" " * 65536
                try:
                    while owner.sent < owner.size:
                        if declare_length:
                            self.wfile.write(chunk)
                        else:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        owner.sent += len(chunk)
                except OSError:
                    pass  # the client hung up: exactly what is expected
                self.close_connection = True

            def log_message(self, *args):
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc_info):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("declare_length", [True, False])
def test_an_answer_over_the_cap_is_refused_without_reading_it_all(declare_length):
    size = 200_000_000
    exchanges = []
    with _HugeAnswer(size, declare_length) as server:
        store = MemoryTokenStore()
        store.set(TOKEN, 9e12)
        client = make_client(
            base_url=server.url, token_store=store, on_exchange=exchanges.append, max_retries=0
        )
        client.max_response_bytes = 1_000_000
        with pytest.raises(exceptions.ProcountorServerError) as info:
            client.get_company()
        client.close()
    assert "larger than" in info.value.message
    assert info.value.ambiguous is False
    # Far from everything was sent: the client stopped reading and hung up.
    assert len(exchanges[0].response_body or "") <= 20000
    assert server.sent < size // 4


def test_answer_under_the_cap_is_read_whole(rsps):
    store = MemoryTokenStore()
    store.set(TOKEN, 9e12)
    rsps.add(responses.GET, f"{API}/company", json={"name": "x" * 5000})
    with make_client(token_store=store) as client:
        client.max_response_bytes = 10_000
        assert client.get_company() == {"name": "x" * 5000}


def test_reading_errors_mid_body_stay_domain_errors(rsps):
    store = MemoryTokenStore()
    store.set(TOKEN, 9e12)
    rsps.add(responses.POST, f"{API}/invoices", body=requests.exceptions.ChunkedEncodingError())
    with (
        make_client(token_store=store) as client,
        pytest.raises(exceptions.ProcountorTimeoutError) as info,
    ):
        client.create_invoice({"type": "SALES_INVOICE"})
    assert info.value.ambiguous is True


def test_proxy_credentials_in_a_connection_error_are_not_shown(rsps):
    store = MemoryTokenStore()
    store.set(TOKEN, 9e12)
    rsps.add(
        responses.GET,
        f"{API}/company",
        body=requests.exceptions.ProxyError(
            "Unable to connect to proxy http://proxyuser:proxypass99@proxy.example.test:3128"
        ),
    )
    with (
        make_client(token_store=store) as client,
        pytest.raises(exceptions.ProcountorConnectionError) as info,
    ):
        client.get_company()
    assert "proxypass99" not in str(info.value)
    assert "http://***@proxy.example.test:3128" in str(info.value)
