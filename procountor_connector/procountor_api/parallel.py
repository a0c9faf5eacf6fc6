# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""HTTP calls of a batch run in worker threads, on plain data.

The caller (an Odoo cron or button) keeps its database cursor and records to its own thread:
a worker thread gets a function of a client and plain values, and returns plain values or
raises a ``ProcountorError``. Each worker thread has its own client (its own HTTP session);
all of them share one token store and the connection's ``ConnectionThrottle``, which bounds
the requests in flight and per second. What the clients would have logged is kept in an
``ExchangeBuffer`` for the caller's thread to write (``drain``).
"""

import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from .transport import MemoryTokenStore


@dataclass
class Outcome:
    """What one submitted call gave: ``value``, or the ``error`` it raised."""

    key: object
    value: object = None
    error: BaseException | None = None


class ExchangeBuffer:
    """The ``Exchange`` records of worker threads, each with the key of the call that made
    it, until the caller's thread writes them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items = []

    def append(self, key, exchange):
        with self._lock:
            self._items.append((key, exchange))

    def drain(self):
        with self._lock:
            items, self._items = self._items, []
        return items


def shared_token_store(token=None, expires_at=None):
    """A thread-safe store for the clients of the worker threads, holding ``token`` (the
    caller's current one) so that the threads start without asking for another."""
    store = MemoryTokenStore()
    if token:
        store.set(token, expires_at)
    return store


class ParallelCalls:
    """Runs ``fn(client)`` calls in at most ``max_workers`` threads.

    ``make_client()`` makes one client per worker thread (called in that thread); give every
    client the same token store and throttle. Use as a context manager: leaving it waits for
    the calls still running and closes the clients.
    """

    def __init__(self, make_client, max_workers):
        self._make_client = make_client
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, int(max_workers)), thread_name_prefix="procountor-http"
        )
        self._local = threading.local()
        self._clients = []
        self._clients_lock = threading.Lock()
        self._pending = {}
        #: Outcomes that finished while ``wait_for`` waited for another key.
        self._finished = {}
        self.exchanges = ExchangeBuffer()
        #: The token store the caller gave the worker clients, if it wants to seed it.
        self.token_store = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self._executor.shutdown(wait=True, cancel_futures=False)
        with self._clients_lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def _client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._make_client()
            with self._clients_lock:
                self._clients.append(client)
        return client

    def _run(self, key, fn):
        client = self._client()
        client.on_exchange = lambda exchange: self.exchanges.append(key, exchange)
        return fn(client)

    def submit(self, key, fn):
        """Queue ``fn(client)``; its ``Outcome`` comes back from ``done`` under ``key``."""
        future = self._executor.submit(self._run, key, fn)
        self._pending[future] = key

    @property
    def pending(self):
        return len(self._pending)

    def done(self, block=False):
        """The outcomes of the calls finished so far (``block``: wait for at least one
        while any is pending), in the order they finished."""
        if not self._pending:
            return []
        finished, _running = wait(
            list(self._pending), timeout=None if block else 0, return_when=FIRST_COMPLETED
        )
        outcomes = []
        for future in finished:
            key = self._pending.pop(future)
            error = future.exception()
            outcomes.append(
                Outcome(key, error=error) if error is not None else Outcome(key, future.result())
            )
        return outcomes

    def wait_for(self, key):
        """The ``Outcome`` of the call submitted under ``key``, waiting for it: a caller
        that needs the results in its own order (one document after another) takes each
        when it gets to it, while the others keep running. Each outcome is taken once."""
        while key not in self._finished:
            if not self._pending:
                raise KeyError(key)
            for outcome in self.done(block=True):
                self._finished[outcome.key] = outcome
        return self._finished.pop(key)

    def settle(self):
        """Wait for every call still running; returns the outcomes nobody took (by key)."""
        while self._pending:
            for outcome in self.done(block=True):
                self._finished[outcome.key] = outcome
        left, self._finished = self._finished, {}
        return left

    def map(self, items, fn):
        """``fn(client, item)`` for every ``(key, item)`` of ``items``; returns
        ``{key: Outcome}`` once all are done."""
        for key, item in items:
            self.submit(key, lambda client, item=item: fn(client, item))
        outcomes = {}
        while self.pending:
            for outcome in self.done(block=True):
                outcomes[outcome.key] = outcome
        return outcomes
