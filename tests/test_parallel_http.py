"""Parallel HTTP of one connection (docs/architecture.md, "Parallel HTTP"), without Odoo.

- ``throttle.ConnectionThrottle`` on a simulated clock (spacing, pauses, the pause a request
  will not wait for) and with real threads (requests in flight bounded);
- the client with a throttle against the sandbox (a 429 pauses every thread, the rate holds);
- ``parallel.ParallelCalls`` (outcomes and exchanges per key, one client per thread, one
  shared token);
- ``invoice_chain.run_chain`` in several threads against the sandbox, with faults: every
  invoice is created, attached, approved and sent exactly once, and the run stops where it
  must.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
import requests
from invoice_samples import sales_invoice_data

from procountor_api import throttle as throttle_module
from procountor_api.client import ProcountorClient
from procountor_api.exceptions import (
    ProcountorAuthError,
    ProcountorRateLimitError,
    ProcountorValidationError,
)
from procountor_api.in_run import InRunRetry
from procountor_api.invoice_chain import CHAIN_STEPS, ChainJob, run_chain
from procountor_api.parallel import ParallelCalls, shared_token_store
from procountor_api.payloads import InvoiceLine, build_sales_invoice
from procountor_api.throttle import ConnectionThrottle, shared_throttle
from procountor_sandbox import defaults
from procountor_sandbox.testing import TIMEOUT, pin_calendar

PDF = b"%PDF-1.4\n% a parallel test\n%%EOF\n"
LINES = (
    InvoiceLine(
        name="Konsultointi",
        quantity=Decimal(2),
        price_unit=Decimal("95.00"),
        vat_percent=Decimal("25.5"),
        vat_status=1,
        unit="HOUR",
    ),
)


# --- helpers ------------------------------------------------------------------------------


class FakeClock:
    """A clock that moves only when the throttle sleeps (or the test says so)."""

    def __init__(self, now=100.0):
        self.now = now
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def _fake_throttle(**kwargs):
    clock = FakeClock()
    throttle = ConnectionThrottle(clock=clock, sleep=clock.sleep, **kwargs)
    return throttle, clock


def _starts(throttle, clock, count):
    """The simulated times at which ``count`` requests, one after the other, start."""
    starts = []
    for _ in range(count):
        with throttle.slot():
            starts.append(clock.now)
    return starts


def _client(url, **kwargs):
    settings = {
        "client_id": defaults.CLIENT_ID,
        "client_secret": defaults.CLIENT_SECRET,
        "api_key": defaults.API_KEY,
        "redirect_uri": defaults.REDIRECT_URI,
        "backoff_factor": 0,
        **kwargs,
    }
    return ProcountorClient(base_url=url, **settings)


def _add_fault(url, **spec):
    response = requests.post(f"{url}/_sandbox/faults", json=spec, timeout=TIMEOUT)
    assert response.status_code == 200, response.text


def _clear_faults(url):
    requests.delete(f"{url}/_sandbox/faults", timeout=TIMEOUT).raise_for_status()


def _journal(url, path=None, method=None):
    entries = requests.get(f"{url}/_sandbox/journal", timeout=TIMEOUT).json()
    return [
        entry
        for entry in entries
        if (path is None or entry["path"] == path) and (method is None or entry["method"] == method)
    ]


def _clear_journal(url):
    requests.delete(f"{url}/_sandbox/journal", timeout=TIMEOUT).raise_for_status()


def _stored_invoices(url):
    return requests.get(f"{url}/_sandbox/invoices", timeout=TIMEOUT).json()


@pytest.fixture
def sandbox_url(sandbox_reset):
    pin_calendar(sandbox_reset.url)
    return sandbox_reset.url


# --- 1. the throttle on a simulated clock -------------------------------------------------


def test_requests_start_one_over_per_second_apart():
    throttle, clock = _fake_throttle(per_second=4)
    assert _starts(throttle, clock, 5) == [100.0, 100.25, 100.5, 100.75, 101.0]
    assert throttle.started == 5
    assert throttle.waited == pytest.approx(1.0)


def test_a_request_after_a_quiet_spell_starts_at_once():
    throttle, clock = _fake_throttle(per_second=2)
    _starts(throttle, clock, 1)
    clock.now += 10
    assert _starts(throttle, clock, 1) == [110.0]
    assert clock.slept == []


def test_a_pause_delays_every_later_start():
    throttle, clock = _fake_throttle(per_second=10, max_pause_wait=10)
    _starts(throttle, clock, 1)
    throttle.pause(5)
    assert throttle.paused_for() == pytest.approx(5)
    assert _starts(throttle, clock, 3) == pytest.approx([105.0, 105.1, 105.2])
    assert throttle.pauses == 1
    assert throttle.paused_for() == 0


def test_a_pause_never_shortens_a_longer_one():
    throttle, clock = _fake_throttle(max_pause_wait=10)
    throttle.pause(8)
    throttle.pause(2)
    assert throttle.paused_for() == pytest.approx(8)
    assert throttle.pauses == 2


def test_a_pause_without_retry_after_lasts_the_default_pause():
    throttle, _clock = _fake_throttle()
    throttle.pause(None)
    assert throttle.paused_for() == pytest.approx(throttle_module.DEFAULT_PAUSE)


def test_a_pause_longer_than_max_pause_wait_raises_without_sending():
    throttle, clock = _fake_throttle(max_in_flight=1, max_pause_wait=10)
    throttle.pause(600)
    sent = []
    with pytest.raises(ProcountorRateLimitError) as raised:
        with throttle.slot():
            sent.append(True)
    assert sent == []
    assert raised.value.retry_after == pytest.approx(600)
    assert clock.slept == []
    # The refused request gave its slot back and counted as nothing in flight.
    assert throttle.in_flight == 0
    assert throttle.started == 0
    throttle.resume()
    assert _starts(throttle, clock, 1) == [100.0]


def test_a_pause_is_waited_for_once_it_is_short_enough():
    throttle, clock = _fake_throttle(max_pause_wait=10)
    throttle.pause(30)
    with pytest.raises(ProcountorRateLimitError):
        _starts(throttle, clock, 1)
    clock.now += 25
    assert throttle.paused_for() == pytest.approx(5)
    assert _starts(throttle, clock, 1) == [130.0]


def test_resume_clears_a_pause():
    throttle, clock = _fake_throttle(max_pause_wait=10)
    throttle.pause(600)
    throttle.resume()
    assert throttle.paused_for() == 0
    assert _starts(throttle, clock, 1) == [100.0]
    assert clock.slept == []


@pytest.mark.parametrize("kwargs", [{"max_in_flight": 0}, {"per_second": 0}])
def test_a_throttle_without_room_is_refused(kwargs):
    with pytest.raises(ValueError):
        ConnectionThrottle(**kwargs)


def test_connections_share_one_throttle_per_key_until_their_settings_change():
    key = ("test_parallel_http", object())
    first = shared_throttle(key, 4, 5)
    assert shared_throttle(key, 4, 5.0) is first
    changed = shared_throttle(key, 2, 5)
    assert changed is not first and changed.settings() == (2, 5.0)
    assert shared_throttle(("test_parallel_http", object()), 2, 5) is not changed


def test_the_test_server_gets_the_lower_rate():
    assert throttle_module.default_per_second("test") == throttle_module.TEST_PER_SECOND
    assert throttle_module.default_per_second("production") == throttle_module.PRODUCTION_PER_SECOND
    assert throttle_module.TEST_PER_SECOND * 60 < 90


# --- 1b. the throttle with real threads ---------------------------------------------------


def _hammer(throttle, calls, threads, hold=0.01):
    """``calls`` slots taken by ``threads`` threads, each held ``hold`` s; the most in flight
    at once as the callers saw it."""
    lock = threading.Lock()
    seen = {"now": 0, "most": 0}
    todo = list(range(calls))
    errors = []

    def work():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            try:
                with throttle.slot():
                    with lock:
                        seen["now"] += 1
                        seen["most"] = max(seen["most"], seen["now"])
                    time.sleep(hold)
                    with lock:
                        seen["now"] -= 1
            except Exception as exc:  # noqa: BLE001 - collected and asserted by the callers
                errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not errors
    return seen["most"]


def test_never_more_than_max_in_flight_at_once():
    throttle = ConnectionThrottle(max_in_flight=3, per_second=1000)
    most = _hammer(throttle, calls=30, threads=8)
    assert most <= 3
    assert throttle.most_in_flight <= 3
    assert throttle.started == 30
    assert throttle.in_flight == 0


def test_enough_work_fills_every_slot():
    throttle = ConnectionThrottle(max_in_flight=3, per_second=1000)
    most = _hammer(throttle, calls=30, threads=8, hold=0.05)
    assert most == throttle.most_in_flight == 3


def test_one_slot_means_one_request_at_a_time():
    throttle = ConnectionThrottle(max_in_flight=1, per_second=1000)
    assert _hammer(throttle, calls=10, threads=4) == 1


# --- 2. the client with a throttle against the sandbox ------------------------------------


def _throttled_clients(url, throttle, count, **kwargs):
    """``count`` clients of one connection: one throttle, one token store (token fetched)."""
    store = shared_token_store()
    clients = [_client(url, throttle=throttle, token_store=store, **kwargs) for _ in range(count)]
    clients[0].ensure_token()
    return clients


def test_a_429_pauses_the_connection_for_every_thread(sandbox_url):
    throttle = ConnectionThrottle(max_in_flight=4, per_second=1000, max_pause_wait=10)
    # backoff_max below Retry-After: the transport hands the 429 back instead of sleeping.
    clients = _throttled_clients(sandbox_url, throttle, 4, backoff_max=0.2)
    _add_fault(sandbox_url, path="/company", kind="status", status=429, retry_after=1, times=1)
    with pytest.raises(ProcountorRateLimitError) as raised:
        clients[0].get_company()
    assert raised.value.retry_after == 1
    hit = time.monotonic()
    assert 0 < throttle.paused_for() <= 1
    assert throttle.pauses == 1

    finished = {}

    def call(index):
        clients[index].get_status()
        finished[index] = time.monotonic() - hit

    threads = [threading.Thread(target=call, args=(index,)) for index in range(1, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(finished) == [1, 2, 3]
    # Every other thread's next request waited for the pause the 429 asked for.
    assert min(finished.values()) >= 0.9
    limited = _journal(sandbox_url, "/company")[-1]
    later = _journal(sandbox_url, "/status")
    assert len(later) == 3
    assert all(entry["time"] - limited["time"] >= 0.9 for entry in later)


def test_a_429_longer_than_the_connection_waits_ends_the_next_request_unsent(sandbox_url):
    throttle = ConnectionThrottle(max_in_flight=2, per_second=1000, max_pause_wait=10)
    clients = _throttled_clients(sandbox_url, throttle, 2)
    _add_fault(sandbox_url, path="/company", kind="status", status=429, retry_after=600, times=1)
    with pytest.raises(ProcountorRateLimitError):
        clients[0].get_company()
    assert throttle.paused_for() > 590
    started = time.monotonic()
    with pytest.raises(ProcountorRateLimitError) as raised:
        clients[1].get_status()
    assert time.monotonic() - started < 1
    assert raised.value.retry_after > 590
    assert _journal(sandbox_url, "/status") == []


def test_requests_of_a_connection_keep_its_rate(sandbox_url):
    calls, per_second = 9, 40.0
    throttle = ConnectionThrottle(max_in_flight=4, per_second=per_second)
    clients = _throttled_clients(sandbox_url, throttle, 3)
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda c=client: [c.get_status() for _ in range(calls // 3)])
        for client in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started
    assert len(_journal(sandbox_url, "/status")) == calls
    # The first request may start at once; each further one 1/per_second after the last.
    assert elapsed >= (calls - 1) / per_second - 0.01
    assert throttle.waited > 0


# --- 3. ParallelCalls ---------------------------------------------------------------------


class FakeClient:
    """Stands for a ProcountorClient: remembers its thread and whether it was closed."""

    def __init__(self):
        self.thread = threading.get_ident()
        self.closed = False
        self.on_exchange = None

    def close(self):
        self.closed = True


def test_outcomes_carry_each_key_s_value_or_error():
    def fn(client, item):
        if item % 3 == 0:
            raise ProcountorValidationError(f"refused {item}")
        return item * 10

    with ParallelCalls(FakeClient, max_workers=3) as calls:
        outcomes = calls.map([(f"k{item}", item) for item in range(9)], fn)
    assert sorted(outcomes) == [f"k{item}" for item in range(9)]
    for item in range(9):
        outcome = outcomes[f"k{item}"]
        assert outcome.key == f"k{item}"
        if item % 3 == 0:
            assert outcome.value is None
            assert isinstance(outcome.error, ProcountorValidationError)
            assert str(item) in outcome.error.message
        else:
            assert (outcome.value, outcome.error) == (item * 10, None)


def test_done_gives_each_outcome_once():
    gate = threading.Event()
    with ParallelCalls(FakeClient, max_workers=2) as calls:
        assert calls.done() == []
        calls.submit("slow", lambda client: gate.wait(10))
        calls.submit("fast", lambda client: "ok")
        first = calls.done(block=True)
        while not any(outcome.key == "fast" for outcome in first):
            first += calls.done(block=True)
        assert calls.pending == 1
        gate.set()
        rest = []
        while calls.pending:
            rest += calls.done(block=True)
    assert sorted(outcome.key for outcome in first + rest) == ["fast", "slow"]


def test_each_worker_thread_has_its_own_client_closed_at_exit():
    made = []
    barrier = threading.Barrier(3)

    def make_client():
        client = FakeClient()
        made.append(client)
        return client

    def fn(client, item):
        # The first three calls meet: three threads (and clients) exist at once.
        if item < 3:
            barrier.wait(timeout=10)
        return (client, threading.get_ident())

    with ParallelCalls(make_client, max_workers=3) as calls:
        outcomes = calls.map([(item, item) for item in range(12)], fn)
        assert not any(client.closed for client in made)
    assert len(made) == 3
    assert len({client.thread for client in made}) == 3
    for outcome in outcomes.values():
        client, thread = outcome.value
        assert client.thread == thread
    assert all(client.closed for client in made)


def test_exchanges_are_kept_with_the_key_of_their_call(sandbox_url):
    store = shared_token_store()
    with ParallelCalls(lambda: _client(sandbox_url, token_store=store), max_workers=3) as calls:
        outcomes = calls.map(
            [(f"call{n}", n) for n in range(6)],
            lambda client, n: client.get_invoice(999000 + n) if n % 2 else client.get_status(),
        )
        exchanges = calls.exchanges.drain()
    assert calls.exchanges.drain() == []
    assert all(outcomes[f"call{n}"].error is None for n in range(0, 6, 2))
    assert all(outcomes[f"call{n}"].error is not None for n in range(1, 6, 2))
    by_key = {}
    for key, exchange in exchanges:
        by_key.setdefault(key, []).append(exchange)
    for n in range(6):
        api_calls = [e for e in by_key[f"call{n}"] if e.operation != "fetch_token"]
        assert len(api_calls) == 1
        if n % 2:
            assert api_calls[0].path == f"/invoices/{999000 + n}"
            assert not api_calls[0].ok and api_calls[0].status == 404
        else:
            assert api_calls[0].path == "/status" and api_calls[0].ok


def _parallel_status_calls(url, store, count, workers, throttle=None):
    def make_client():
        return _client(url, token_store=store, throttle=throttle)

    with ParallelCalls(make_client, max_workers=workers) as calls:
        outcomes = calls.map([(n, n) for n in range(count)], lambda client, n: client.get_status())
    return [outcome.error for outcome in outcomes.values() if outcome.error is not None]


def test_worker_threads_share_one_token(sandbox_url):
    _clear_journal(sandbox_url)
    throttle = ConnectionThrottle(max_in_flight=8, per_second=1000)
    errors = _parallel_status_calls(sandbox_url, shared_token_store(), 24, 8, throttle)
    assert errors == []
    assert len(_journal(sandbox_url, "/oauth/token")) == 1
    assert len(_journal(sandbox_url, "/status")) == 24


def test_worker_threads_start_with_the_caller_s_token(sandbox_url):
    caller = _client(sandbox_url)
    token = caller.ensure_token()
    expires_at = caller.token_store.get()[1]
    _clear_journal(sandbox_url)
    errors = _parallel_status_calls(sandbox_url, shared_token_store(token, expires_at), 12, 4)
    assert errors == []
    assert _journal(sandbox_url, "/oauth/token") == []


def test_an_expired_token_is_renewed_once_among_the_threads(sandbox_url):
    store = shared_token_store()
    assert _parallel_status_calls(sandbox_url, store, 8, 4) == []
    first_token = store.get()[0]
    _clear_journal(sandbox_url)
    _add_fault(sandbox_url, path="/status", kind="expire_tokens", times=1)
    assert _parallel_status_calls(sandbox_url, store, 24, 8) == []
    assert len(_journal(sandbox_url, "/oauth/token")) == 1
    assert store.get()[0] != first_token
    statuses = Counter(entry["status"] for entry in _journal(sandbox_url, "/status"))
    assert statuses[200] == 24


# --- 4. invoice chains in several threads against the sandbox -----------------------------


def _number(index):
    return f"PAR/2026/{index:04d}"


def _job(index, **kwargs):
    body = build_sales_invoice(
        sales_invoice_data(_number(index), LINES, payment_reference="RF18 5390 0754 7034")
    )
    kwargs.setdefault("steps", CHAIN_STEPS)
    kwargs.setdefault("pdf", (f"PAR-2026-{index:04d}.pdf", PDF))
    return ChainJob(body=body, **kwargs)


def _no_wait_retry(**kwargs):
    return InRunRetry(sleep=lambda seconds: None, **kwargs)


def _send_chains(
    url,
    jobs,
    workers=4,
    retry=None,
    stop=None,
    throttle=None,
    client_kwargs=None,
):
    """Run ``jobs`` ({key: ChainJob}) as one batch of ``workers`` threads; {key: ChainResult}."""
    store = shared_token_store()
    retry = retry if retry is not None else _no_wait_retry()
    stop = stop if stop is not None else threading.Event()
    throttle = throttle or ConnectionThrottle(max_in_flight=workers, per_second=1000)

    def make_client():
        return _client(url, token_store=store, throttle=throttle, **(client_kwargs or {}))

    with ParallelCalls(make_client, max_workers=workers) as calls:
        outcomes = calls.map(
            list(jobs.items()), lambda client, job: run_chain(client, job, retry, stop)
        )
    # run_chain never raises a ProcountorError: every outcome is a result.
    assert all(outcome.error is None for outcome in outcomes.values())
    return {key: outcome.value for key, outcome in outcomes.items()}


def _successful_puts(url, action):
    """{invoice id: how many ``PUT /invoices/{id}/<action>`` Procountor accepted}."""
    counts = Counter()
    for entry in _journal(url, method="PUT"):
        parts = entry["path"].strip("/").split("/")
        if len(parts) == 3 and parts[0] == "invoices" and parts[2] == action:
            if entry["status"] == 200:
                counts[int(parts[1])] += 1
    return counts


def _our_invoices(url):
    return [
        invoice
        for invoice in _stored_invoices(url)
        if str(invoice.get("originalInvoiceNumber", "")).startswith("PAR/")
    ]


def _assert_sent_exactly_once(url, count):
    invoices = _our_invoices(url)
    numbers = Counter(invoice["originalInvoiceNumber"] for invoice in invoices)
    assert sorted(numbers) == [_number(index) for index in range(count)]
    assert set(numbers.values()) == {1}, numbers
    approved, sent = _successful_puts(url, "approve"), _successful_puts(url, "send")
    for invoice in invoices:
        assert invoice["status"] == "SENT"
        assert len(invoice["attachments"]) == 1, invoice["attachments"]
        assert approved[invoice["id"]] == 1
        assert sent[invoice["id"]] == 1
    return invoices


def test_parallel_chains_send_every_invoice_once(sandbox_url):
    count = 8
    results = _send_chains(sandbox_url, {n: _job(n) for n in range(count)})
    for result in results.values():
        assert result.error is None and not result.not_started
        assert (result.reached, result.status, result.attempts) == ("sent", "SENT", 1)
        assert not result.adopted and not result.create_unknown
    _assert_sent_exactly_once(sandbox_url, count)
    # Without a fault nobody looked an invoice up: one POST each, no search.
    assert len(_journal(sandbox_url, "/invoices", "POST")) == count
    assert _journal(sandbox_url, "/invoices", "GET") == []


def _about(entry, number):
    """Is this journal entry the POST or the search of invoice ``number``?"""
    if entry["method"] == "POST":
        return (entry["request_body"] or {}).get("originalInvoiceNumber") == number
    return entry["query"].get("originalInvoiceNumber") == [number]


def test_a_5xx_on_create_looks_up_before_posting_again(sandbox_url):
    count = 6
    _add_fault(sandbox_url, path="/invoices", method="POST", kind="status", status=503, times=3)
    retry = _no_wait_retry(attempts=4)
    results = _send_chains(sandbox_url, {n: _job(n) for n in range(count)}, retry=retry)
    assert all(result.error is None for result in results.values()), [
        (result.attempts, result.error) for result in results.values()
    ]
    again = [result for result in results.values() if result.attempts > 1]
    assert again and retry.retries >= len(again)
    _assert_sent_exactly_once(sandbox_url, count)
    # Every POST after a 503 of the same number followed a search for that number.
    entries = _journal(sandbox_url, "/invoices")
    for index in range(count):
        mine = [entry for entry in entries if _about(entry, _number(index))]
        kinds = [(entry["method"], entry["status"]) for entry in mine]
        for position, kind in enumerate(kinds):
            if kind == ("POST", 503):
                assert kinds[position + 1] == ("GET", 200), kinds
        assert kinds.count(("POST", 200)) == 1


def test_a_create_applied_but_unanswered_is_adopted_in_the_same_run(sandbox_url):
    count = 4
    _add_fault(
        sandbox_url,
        path="/invoices",
        method="POST",
        kind="timeout_after_commit",
        seconds=2,
        times=2,
    )
    results = _send_chains(
        sandbox_url,
        {n: _job(n) for n in range(count)},
        client_kwargs={"timeout": (2, 0.5)},
    )
    adopted = [result for result in results.values() if result.adopted]
    assert len(adopted) == 2
    assert all(result.attempts == 2 for result in adopted)
    assert all(result.error is None and result.reached == "sent" for result in results.values())
    _assert_sent_exactly_once(sandbox_url, count)
    assert len(_journal(sandbox_url, "/invoices", "POST")) == count


def test_a_5xx_on_approve_is_tried_again_and_approves_once(sandbox_url):
    count = 5
    _add_fault(
        sandbox_url, path="/invoices/*/approve", method="PUT", kind="status", status=503, times=3
    )
    retry = _no_wait_retry()
    results = _send_chains(sandbox_url, {n: _job(n) for n in range(count)}, retry=retry)
    assert all(result.error is None for result in results.values())
    assert sum(result.attempts - 1 for result in results.values()) == 3
    assert retry.retries == 3
    _assert_sent_exactly_once(sandbox_url, count)


def test_an_approve_applied_but_unanswered_is_not_repeated(sandbox_url):
    count = 3
    _add_fault(
        sandbox_url,
        path="/invoices/*/approve",
        method="PUT",
        kind="timeout_after_commit",
        seconds=2,
        times=1,
    )
    results = _send_chains(
        sandbox_url, {n: _job(n) for n in range(count)}, client_kwargs={"timeout": (2, 0.5)}
    )
    assert all(result.error is None for result in results.values())
    assert sorted(result.attempts for result in results.values()) == [1, 1, 2]
    _assert_sent_exactly_once(sandbox_url, count)
    # The second attempt read the invoice (already approved) and went on to send it.
    approves = [
        entry for entry in _journal(sandbox_url, method="PUT") if "approve" in entry["path"]
    ]
    assert len(approves) == count


def test_a_5xx_on_an_attachment_does_not_attach_twice(sandbox_url):
    count = 4
    _add_fault(sandbox_url, path="/attachments", method="POST", kind="status", status=502, times=2)
    results = _send_chains(sandbox_url, {n: _job(n) for n in range(count)})
    assert all(result.error is None for result in results.values())
    _assert_sent_exactly_once(sandbox_url, count)


def test_a_short_429_is_waited_out_by_the_throttle_not_twice(sandbox_url):
    count = 3
    slept = []
    retry = InRunRetry(sleep=slept.append)
    throttle = ConnectionThrottle(max_in_flight=3, per_second=1000, max_pause_wait=10)
    _add_fault(
        sandbox_url,
        path="/invoices/*/send",
        method="PUT",
        kind="status",
        status=429,
        retry_after=1,
        times=1,
    )
    started = time.monotonic()
    results = _send_chains(
        sandbox_url, {n: _job(n) for n in range(count)}, retry=retry, throttle=throttle
    )
    assert time.monotonic() - started >= 0.9
    assert all(result.error is None for result in results.values())
    assert [result.waits for result in results.values() if result.waits] == [[1]]
    assert slept == []  # the throttle held the next request; the chain did not sleep too
    assert throttle.pauses == 1
    _assert_sent_exactly_once(sandbox_url, count)


def test_a_long_429_stops_the_run_and_nothing_is_duplicated(sandbox_url):
    count, workers = 12, 3
    throttle = ConnectionThrottle(max_in_flight=workers, per_second=1000, max_pause_wait=10)
    stop = threading.Event()
    _add_fault(
        sandbox_url,
        path="/invoices",
        method="POST",
        kind="status",
        status=429,
        retry_after=600,
        times=1,
    )
    jobs = {n: _job(n) for n in range(count)}
    results = _send_chains(sandbox_url, jobs, workers=workers, stop=stop, throttle=throttle)
    assert stop.is_set()
    assert throttle.paused_for() > 590
    started = [result for result in results.values() if not result.not_started]
    # Only the chains already running when the 429 came were started at all.
    assert len(started) <= workers
    assert sum(result.not_started for result in results.values()) >= count - workers
    for result in started:
        # Stopped by the 429 itself or by the paused throttle before its next request
        # (a chain that got past its POST may have attached or approved first).
        assert isinstance(result.error, ProcountorRateLimitError) or result.reached == "sent"
        # A 429 is a definite "no": nothing created, no lookup needed.
        assert result.remote is not None or not result.create_unknown
    # Nothing was sent after the pause but what was already on its way; nothing twice.
    numbers = Counter(invoice["originalInvoiceNumber"] for invoice in _our_invoices(sandbox_url))
    assert set(numbers.values()) <= {1}
    assert len(numbers) < workers

    # The next run (pause over) finishes everything: an invoice whose create is not
    # confirmed is looked up first, so none is created twice.
    throttle.resume()
    _clear_faults(sandbox_url)
    again = {
        n: _job(n, create_unknown=results[n].remote is not None or results[n].create_unknown)
        for n in range(count)
    }
    later = _send_chains(sandbox_url, again, workers=workers, throttle=throttle)
    assert all(result.error is None and result.reached == "sent" for result in later.values())
    assert sum(result.adopted for result in later.values()) == len(numbers)
    _assert_sent_exactly_once(sandbox_url, count)


def test_refused_credentials_stop_the_run(sandbox_url):
    count, workers = 8, 2
    stop = threading.Event()
    results = _send_chains(
        sandbox_url,
        {n: _job(n) for n in range(count)},
        workers=workers,
        stop=stop,
        client_kwargs={"api_key": "wrong"},
    )
    assert stop.is_set()
    started = [result for result in results.values() if not result.not_started]
    assert 1 <= len(started) <= workers
    assert all(isinstance(result.error, ProcountorAuthError) for result in started)
    assert all(result.attempts == 1 for result in started)
    assert _stored_invoices(sandbox_url) == []
    assert _journal(sandbox_url, "/invoices") == []


def test_a_stopped_run_starts_no_chain():
    stop = threading.Event()
    stop.set()

    class NoClient:
        def __getattr__(self, name):
            raise AssertionError(f"a stopped chain called {name}")

    result = run_chain(NoClient(), _job(0), _no_wait_retry(), stop)
    assert result.not_started and result.attempts == 0 and result.error is None


def test_a_chain_past_its_claims_deadline_starts_nothing():
    """A claimed invoice that waited too long for a worker is given back unsent: the claim's
    lease would soon end and another worker could take it."""

    class NoClient:
        def __getattr__(self, name):
            raise AssertionError(f"a late chain called {name}")

    job = _job(0)
    job.deadline = time.monotonic() - 1
    result = run_chain(NoClient(), job, _no_wait_retry())
    assert result.not_started and result.attempts == 0 and result.error is None


def test_random_faults_still_send_every_invoice_once(sandbox_url):
    count = 10
    for path, method in (
        ("/invoices", "POST"),
        ("/invoices/*/approve", "PUT"),
        ("/invoices/*/send", "PUT"),
        ("/attachments", "POST"),
    ):
        _add_fault(
            sandbox_url,
            path=path,
            method=method,
            kind="status",
            status=503,
            probability=0.3,
            seed=5,
        )
    retry = _no_wait_retry(attempts=12, wait_max=10_000)
    results = _send_chains(sandbox_url, {n: _job(n) for n in range(count)}, retry=retry)
    assert all(result.error is None for result in results.values()), [
        result.error for result in results.values()
    ]
    assert retry.retries > 0
    _assert_sent_exactly_once(sandbox_url, count)
