"""The sandbox page (``GET /``, procountor_sandbox/page.py): what it shows, and that each of
its buttons changes the store exactly as the JSON control API does."""

from __future__ import annotations

import re

import pytest
import requests
import schema_support

from procountor_sandbox.testing import TIMEOUT, SandboxApi, pin_calendar, sales_invoice

SALES_UNFINISHED, SALES_SENT, PURCHASE_RECEIVED, PURCHASE_APPROVED = (
    100001,
    100002,
    100003,
    100004,
)
FIRST_EVENT = 700001  # the 100.00 paid on SALES_SENT by the seed
SALES_TOTAL = 251.0  # sales_invoice(): 2 h × 100.00 + 25.5 % VAT
PAGE = "/_sandbox/page/invoices"
VOLATILE = frozenset(("version", "lastVersion", "_created"))


def seed(url: str) -> None:
    """Two sales invoices (unfinished; sent and partly paid) and two purchase invoices
    (received; approved), always with the same ids."""
    requests.post(f"{url}/_sandbox/reset", json={}, timeout=TIMEOUT).raise_for_status()
    pin_calendar(url)
    sent = {
        "invoice": sales_invoice(originalInvoiceNumber="INV/2026/00002"),
        "status": "SENT",
        "payments": [{"amount": 100, "paymentDate": "2026-03-20"}],
    }
    bulk = {"invoices": [{"invoice": sales_invoice()}, sent]}
    response = requests.post(f"{url}/_sandbox/invoices", json=bulk, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    generate = {
        "purchaseInvoices": 2,
        "purchaseInvoiceOptions": {"today": "2026-06-01", "statuses": ["RECEIVED", "APPROVED"]},
    }
    response = requests.post(f"{url}/_sandbox/seed", json={"generate": generate}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    state = raw_state(url)
    assert [state["invoices"][str(i)]["status"] for i in range(100001, 100005)] == [
        "UNFINISHED",
        "PARTLY_PAID",
        "RECEIVED",
        "APPROVED",
    ]
    assert list(state["paymentEvents"]) == [str(FIRST_EVENT)]


def raw_state(url: str) -> dict:
    response = requests.get(f"{url}/_sandbox/state", timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def without_stamps(value):
    """The state less its timestamps (versions), which differ between two runs."""
    if isinstance(value, dict):
        return {k: without_stamps(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_stamps(item) for item in value]
    return value


def press(url: str, path: str, headers=None, **form) -> requests.Response:
    """Press a page button: a form POST, the redirect not followed."""
    return requests.post(
        url + path, data=form, headers=headers, allow_redirects=False, timeout=TIMEOUT
    )


def pressed(url: str, path: str, **form) -> None:
    response = press(url, path, **form)
    assert response.status_code == 303, response.text
    assert response.headers["Location"].startswith("/?done=")


def control(url: str, method: str, path: str, body=None) -> None:
    response = requests.request(method, f"{url}/_sandbox/{path}", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text


@pytest.fixture
def url(sandbox_reset):
    seed(sandbox_reset.url)
    return sandbox_reset.url


# --- what GET / shows -----------------------------------------------------------------------


def test_the_page_lists_what_the_sandbox_holds_newest_first(url):
    response = requests.get(url + "/", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "script-src" not in response.headers["Content-Security-Policy"]  # none at all
    page = response.text
    assert "<script" not in page.lower()
    # Invoices with status labels (English and Finnish), sums and payments.
    for text in (
        "Procountor sandbox: Sandbox Oy",
        "INV/2026/00001",
        "INV/2026/00002",
        "Unfinished",
        "Keskeneräinen",
        "Partly paid",
        "Osittain maksettu",
        "251.00\u00a0EUR",  # the total, two decimals and the currency
        "open 151.00\u00a0EUR",
        "100.00\u00a0EUR",  # the payment
        "2026-03-20",
        "Bank statement",
        "Received",
        "Approved",
        # registers and books
        "Asiakas Oy",
        "Toimittaja Oy",
        "Konsultointi",
        "KONS",
        "Toimistotarvikkeet",
        'id="receipt-200001"',
    ):
        assert text in page, text
    assert "PARTLY_PAID<" not in page  # codes only in tooltips
    order = [int(i) for i in re.findall(r'<tr id="invoice-(\d+)"', page)]
    assert order == [SALES_SENT, SALES_UNFINISHED, PURCHASE_APPROVED, PURCHASE_RECEIVED]
    partners = [int(i) for i in re.findall(r'<tr id="partner-(\d+)"', page)]
    assert partners == sorted(partners, reverse=True) and 4001 in partners
    # The buttons a Procountor user would press, where they apply.
    assert f'action="{PAGE}/{SALES_UNFINISHED}/approve"' in page
    assert f'action="{PAGE}/{PURCHASE_RECEIVED}/approve"' in page
    assert f'action="{PAGE}/{SALES_SENT}/approve"' not in page
    assert f'action="{PAGE}/{SALES_SENT}/pay"' in page
    assert f'action="{PAGE}/{SALES_UNFINISHED}/pay"' not in page  # approve first
    assert f'action="{PAGE}/{SALES_SENT}/payments/{FIRST_EVENT}/remove"' in page
    for kind in ("BANKSTATEMENT", "REFERENCEPAYMENT", "CASH"):
        assert f'<option value="{kind}">' in page


def test_a_limit_shows_the_newest_and_links_to_all(url):
    page = requests.get(url + "/?limit=1", timeout=TIMEOUT).text
    assert re.findall(r'<tr id="invoice-(\d+)"', page) == [str(SALES_SENT), str(PURCHASE_APPROVED)]
    assert 'href="/?limit=0#invoices"' in page
    page = requests.get(url + "/?limit=0", timeout=TIMEOUT).text
    assert len(re.findall(r'<tr id="invoice-', page)) == 4


def test_every_value_is_escaped(url):
    evil = "Evil <script>alert('x')</script> & Co"
    partner = {"name": evil, "type": "CUSTOMER", "invoicingInfo": {"customerNumber": "<u>C-1"}}
    control(url, "POST", "seed", {"businessPartners": [partner]})
    body = sales_invoice(originalInvoiceNumber='"><img src=x onerror=alert(1)>')
    body["counterParty"]["counterPartyAddress"]["name"] = evil
    control(url, "POST", "invoices", {"invoices": [{"invoice": body, "status": "SENT"}]})
    page = requests.get(url + "/", timeout=TIMEOUT).text
    assert "<script" not in page and "<img" not in page and "<u>" not in page
    assert "&lt;u&gt;C-1" in page
    escaped = "Evil &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co"
    assert page.count(escaped) >= 3  # the partner, the invoice and its ledger receipt
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


# --- each button changes the store as the control API would ---------------------------------

BUTTONS = {
    "approve invoice": (
        (f"{PAGE}/{SALES_UNFINISHED}/approve", {}),
        ("POST", f"invoices/{SALES_UNFINISHED}/status", {"status": "NOT_SENT"}),
    ),
    "approve purchase invoice": (
        (f"{PAGE}/{PURCHASE_RECEIVED}/approve", {}),
        ("POST", f"invoices/{PURCHASE_RECEIVED}/status", {"status": "APPROVED"}),
    ),
    "pay in full": (
        (
            f"{PAGE}/{SALES_SENT}/pay",
            {"mode": "full", "type": "BANKSTATEMENT", "paymentDate": "2026-03-25"},
        ),
        (
            "POST",
            f"invoices/{SALES_SENT}/payments",
            {"amount": SALES_TOTAL - 100, "paymentDate": "2026-03-25"},
        ),
    ),
    "pay purchase invoice in full in cash": (
        (
            f"{PAGE}/{PURCHASE_APPROVED}/pay",
            {"mode": "full", "type": "CASH", "paymentDate": "2026-03-26"},
        ),
        None,  # the amount is the generated invoice's total: see the test
    ),
    "pay part by bank": (
        (
            f"{PAGE}/{SALES_SENT}/pay",
            {"mode": "part", "type": "BANKSTATEMENT", "amount": "50,25", "paymentDate": ""},
        ),
        ("POST", f"invoices/{SALES_SENT}/payments", {"amount": 50.25}),
    ),
    "pay part by reference payment": (
        (
            f"{PAGE}/{SALES_SENT}/pay",
            {
                "mode": "part",
                "type": "REFERENCEPAYMENT",
                "amount": "20",
                "paymentDate": "2026-04-01",
            },
        ),
        (
            "POST",
            f"invoices/{SALES_SENT}/payments",
            {"amount": 20, "type": "REFERENCEPAYMENT", "paymentDate": "2026-04-01"},
        ),
    ),
    "pay part in cash": (
        (
            f"{PAGE}/{SALES_SENT}/pay",
            {"mode": "part", "type": "CASH", "amount": " 1 30.5 ", "paymentDate": "2026-04-02"},
        ),
        (
            "POST",
            f"invoices/{SALES_SENT}/payments",
            {"amount": 130.5, "type": "CASH", "paymentDate": "2026-04-02"},
        ),
    ),
    "remove payment": (
        (f"{PAGE}/{SALES_SENT}/payments/{FIRST_EVENT}/remove", {}),
        ("DELETE", f"invoices/{SALES_SENT}/payments/{FIRST_EVENT}", None),
    ),
}


@pytest.mark.parametrize("button", sorted(BUTTONS))
def test_each_button_changes_the_store_as_the_control_api(url, button):
    (path, form), call = BUTTONS[button]
    seeded = without_stamps(raw_state(url))
    if call is None:
        total = seeded["invoices"][str(PURCHASE_APPROVED)]["invoiceSumInfo"][0]["invoiceSumTotal"]
        call = (
            "POST",
            f"invoices/{PURCHASE_APPROVED}/payments",
            {"amount": total, "type": "CASH", "paymentDate": "2026-03-26"},
        )
    pressed(url, path, **form)
    by_page = without_stamps(raw_state(url))
    seed(url)
    control(url, *call)
    by_control = without_stamps(raw_state(url))
    assert by_page != seeded
    assert by_page == by_control


def test_the_status_changes_and_answers_still_validate(url):
    """The loop a demo walks: approve, pay in part, pay the rest, remove a payment; the
    API answers the connector reads stay valid 26.04 documents."""
    api = SandboxApi(url)
    pressed(url, f"{PAGE}/{SALES_UNFINISHED}/approve")
    assert api.ok("GET", f"/invoices/{SALES_UNFINISHED}")["status"] == "NOT_SENT"
    pressed(url, f"{PAGE}/{SALES_UNFINISHED}/pay", mode="part", type="CASH", amount="51")
    assert api.ok("GET", f"/invoices/{SALES_UNFINISHED}")["status"] == "PARTLY_PAID"
    pressed(
        url,
        f"{PAGE}/{SALES_UNFINISHED}/pay",
        mode="full",
        type="REFERENCEPAYMENT",
        paymentDate="2026-04-03",
    )
    paid = api.ok("GET", f"/invoices/{SALES_UNFINISHED}")
    assert paid["status"] == "PAID" and paid["paymentDate"] == "2026-04-03"
    events = api.ok("GET", f"/invoices/{SALES_UNFINISHED}/paymentevents")["results"]
    assert sorted((e["type"], e["paidAmount"]) for e in events) == [
        ("CASH", 51.0),
        ("REFERENCEPAYMENT", 200.0),
    ]
    pressed(url, f"{PAGE}/{SALES_SENT}/payments/{FIRST_EVENT}/remove")
    assert api.ok("GET", f"/invoices/{SALES_SENT}")["status"] == "SENT"
    pressed(url, f"{PAGE}/{PURCHASE_RECEIVED}/approve")
    assert api.ok("GET", f"/invoices/{PURCHASE_RECEIVED}")["status"] == "APPROVED"
    schemas = schema_support.load()
    if schemas is None:
        pytest.skip(schema_support.SKIP_REASON)
    ids = [SALES_UNFINISHED, SALES_SENT, PURCHASE_RECEIVED, PURCHASE_APPROVED]
    joined = ",".join(map(str, ids))
    checks = [("PaymentSearchResult", api.ok("GET", "/payments/paymentevents?invoiceId=" + joined))]
    for invoice in api.ok("GET", f"/invoices/{joined}"):
        checks.append(("Invoice", invoice))
        events = api.ok("GET", f"/invoices/{invoice['id']}/paymentevents")
        checks.append(("PaymentEventSearchResult", events))
    for type_name, body in checks:
        assert not schemas.errors(type_name, body), (type_name, body)


def test_after_a_button_the_page_says_what_happened(url):
    response = requests.post(
        f"{url}{PAGE}/{SALES_UNFINISHED}/approve", data={}, timeout=TIMEOUT
    )  # redirects followed: Post/Redirect/Get
    assert response.status_code == 200 and response.url.endswith(f"#invoice-{SALES_UNFINISHED}")
    assert [r.status_code for r in response.history] == [303]
    assert "Invoice 1001 (id 100001) approved: it is now not sent." in response.text


# --- refusals: an HTML message, nothing changed ------------------------------------------

REFUSED = [
    (f"{PAGE}/{SALES_SENT}/pay", {"mode": "part", "amount": "abc"}, 400, "Bad amount"),
    (f"{PAGE}/{SALES_SENT}/pay", {"mode": "part", "amount": "1.234"}, 400, "Bad amount"),
    (f"{PAGE}/{SALES_SENT}/pay", {"mode": "part", "amount": ""}, 400, "Bad amount"),
    (f"{PAGE}/{SALES_SENT}/pay", {"mode": "part", "amount": "0"}, 400, "Bad amount"),
    (f"{PAGE}/{SALES_SENT}/pay", {"mode": "part", "amount": "NaN"}, 400, "Bad amount"),
    (f"{PAGE}/{SALES_SENT}/pay", {"mode": "part", "amount": "1e99"}, 400, "Bad amount"),
    (f"{PAGE}/{SALES_SENT}/pay", {"mode": "x", "amount": "1"}, 400, "Unknown button"),
    (
        f"{PAGE}/{SALES_SENT}/pay",
        {"mode": "part", "amount": "1", "type": "CREDITLOSS"},
        400,
        "Unknown payment type",
    ),
    (
        f"{PAGE}/{SALES_SENT}/pay",
        {"mode": "part", "amount": "1", "paymentDate": "2026-13-45"},
        400,
        "paymentDate: INVALID_DATE",
    ),
    (f"{PAGE}/999999/pay", {"mode": "full"}, 404, "no invoice with id 999999"),
    (f"{PAGE}/999999/approve", {}, 404, "No such invoice"),
    (f"{PAGE}/{SALES_SENT}/payments/799999/remove", {}, 404, "has no payment 799999"),
    (f"{PAGE}/{SALES_UNFINISHED}/payments/{FIRST_EVENT}/remove", {}, 404, "No such payment"),
    (f"{PAGE}/{SALES_SENT}/approve", {}, 409, "is partly paid: nothing to approve"),
    (f"{PAGE}/{SALES_UNFINISHED}/pay", {"mode": "full"}, 409, "Approve the invoice first"),
    (f"{PAGE}/{SALES_UNFINISHED}/pay", {"mode": "part", "amount": "5"}, 409, "INVALID_INVOICE"),
]


@pytest.mark.parametrize(("path", "form", "status", "message"), REFUSED)
def test_a_refused_button_explains_and_changes_nothing(url, path, form, status, message):
    before = raw_state(url)
    response = press(url, path, **form)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert message in response.text and "Nothing was changed." in response.text
    assert 'href="/"' in response.text
    assert raw_state(url) == before  # versions included


def test_nothing_left_to_pay_is_refused(url):
    pressed(url, f"{PAGE}/{SALES_SENT}/pay", mode="full")
    before = raw_state(url)
    response = press(url, f"{PAGE}/{SALES_SENT}/pay", mode="full")
    assert response.status_code == 409 and "nothing left to pay" in response.text
    assert raw_state(url) == before


def test_a_form_from_another_site_is_refused(url):
    before = raw_state(url)
    path = f"{PAGE}/{SALES_UNFINISHED}/approve"
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}):
        assert press(url, path, headers=headers).status_code == 403
    assert press(url, path, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert raw_state(url) == before
    same_site = {"Origin": url, "Sec-Fetch-Site": "same-origin"}
    assert press(url, path, headers=same_site).status_code == 303


def test_the_pages_own_buttons_work_in_a_browser(url):
    """What Chromium sends for a button of the page itself: ``Sec-Fetch-Site: same-origin``,
    and ``Origin: null`` when the page's referrer policy is "no-referrer" (the Fetch standard
    serialises a POST's origin as null under that policy, same origin or not)."""
    path = f"{PAGE}/{SALES_UNFINISHED}/approve"
    page = requests.get(f"{url}/", timeout=TIMEOUT)
    # A same-origin form POST carries its real origin under this policy.
    assert page.headers["Referrer-Policy"] == "same-origin"
    chromium = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert press(url, path, headers=chromium).status_code == 303


def test_wrong_method_and_unknown_page_paths_answer_html(url):
    response = requests.get(f"{url}{PAGE}/{SALES_UNFINISHED}/approve", timeout=TIMEOUT)
    assert response.status_code == 405 and response.headers["Content-Type"].startswith("text/")
    response = requests.post(f"{url}/", timeout=TIMEOUT)
    assert response.status_code == 405
    response = requests.post(f"{url}/_sandbox/page/nothing", timeout=TIMEOUT)
    assert response.status_code == 404 and "text/html" in response.headers["Content-Type"]
    # The control API and the API root are as before.
    assert requests.get(f"{url}/_sandbox/nothing", timeout=TIMEOUT).json()["errors"]
    assert requests.get(f"{url}/nothing", timeout=TIMEOUT).status_code == 404


def test_the_page_never_enters_the_journal(url):
    api = SandboxApi(url)
    control(url, "DELETE", "journal")
    requests.get(url + "/", timeout=TIMEOUT).raise_for_status()
    pressed(url, f"{PAGE}/{SALES_UNFINISHED}/approve")
    pressed(url, f"{PAGE}/{SALES_SENT}/pay", mode="part", amount="1")
    press(url, f"{PAGE}/{SALES_SENT}/pay", mode="part", amount="abc")
    requests.get(url + "/?done=paid&invoice=100002", timeout=TIMEOUT).raise_for_status()
    assert requests.get(f"{url}/_sandbox/journal", timeout=TIMEOUT).json() == []
    api.ok("GET", "/company")
    journal = requests.get(f"{url}/_sandbox/journal", timeout=TIMEOUT).json()
    assert [entry["path"] for entry in journal] == ["/company"]
