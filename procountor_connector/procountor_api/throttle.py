# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""How many requests one Procountor connection has in flight and starts per second.

Procountor limits requests per API client (api-notes "Rate limits": 20 per second in the
older text, 60 on production in the newer one, about 90 per minute on the test server) and
may suspend a client that goes past it. A batch that sends from several threads shares one
``ConnectionThrottle`` per connection: every request waits for a free slot (at most
``max_in_flight`` at once) and for its turn (requests start at least ``1 / per_second``
apart), and a 429 pauses the whole connection, not only the thread that met it.

Plain Python (no Odoo); the client calls ``slot()`` around each HTTP call when it was given
a throttle.
"""

import threading
import time
from contextlib import contextmanager

from .exceptions import ProcountorRateLimitError

#: Requests of one connection in flight at once.
DEFAULT_MAX_IN_FLIGHT = 8
#: Requests started per second on production: Procountor's older, lower documented limit
#: (the newer text allows 60), so a connection never comes near a suspension.
PRODUCTION_PER_SECOND = 20.0
#: The test server is said to allow about 90 requests a minute; 1.4 per second stays below.
TEST_PER_SECOND = 1.4
#: Longest pause (seconds) a request waits for when a 429 paused the connection; a longer
#: pause ends the waiting request with a ``ProcountorRateLimitError`` (its caller stops the
#: run, as Procountor asked). Equal to ``in_run.SHORT_RETRY_AFTER``.
MAX_PAUSE_WAIT = 10.0
#: A 429 without ``Retry-After`` pauses the connection's requests this long: every thread
#: slows down at once; how long a run then waits is its caller's decision (sending pauses
#: the connection for a minute, ``RATE_LIMIT_DEFAULT_PAUSE``).
DEFAULT_PAUSE = 2.0


class ConnectionPaused(ProcountorRateLimitError):
    """The connection is paused (a 429) for longer than a request waits: this request was
    not sent at all."""


def default_per_second(environment):
    """Requests per second of a connection that sets no limit of its own."""
    return TEST_PER_SECOND if environment == "test" else PRODUCTION_PER_SECOND


class ConnectionThrottle:
    """Requests in flight and per second of one connection, shared by the threads of a
    process (thread-safe).

    ``clock`` and ``sleep`` are attributes so that tests can run it on a simulated clock.
    """

    def __init__(
        self,
        max_in_flight=DEFAULT_MAX_IN_FLIGHT,
        per_second=PRODUCTION_PER_SECOND,
        max_pause_wait=MAX_PAUSE_WAIT,
        clock=time.monotonic,
        sleep=time.sleep,
    ):
        if max_in_flight < 1 or per_second <= 0:
            raise ValueError("max_in_flight must be at least 1 and per_second positive")
        self.max_in_flight = int(max_in_flight)
        self.per_second = float(per_second)
        self.max_pause_wait = max_pause_wait
        self.clock = clock
        self.sleep = sleep
        self._slots = threading.BoundedSemaphore(self.max_in_flight)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._paused_until = 0.0
        #: Figures for a run's log line and the benchmarks.
        self.started = 0
        self.waited = 0.0
        self.pauses = 0
        self.in_flight = 0
        self.most_in_flight = 0

    def settings(self):
        return (self.max_in_flight, self.per_second)

    @contextmanager
    def slot(self):
        """Hold one of the connection's request slots for one HTTP call, started in turn.

        Raises ``ProcountorRateLimitError`` (nothing sent) when a 429 paused the connection
        for longer than ``max_pause_wait``.
        """
        self._slots.acquire()
        try:
            self._wait_turn()
            with self._lock:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                yield
            finally:
                with self._lock:
                    self.in_flight -= 1
        finally:
            self._slots.release()

    def _wait_turn(self):
        with self._lock:
            now = self.clock()
            paused_for = self._paused_until - now
            if paused_for > self.max_pause_wait:
                raise ConnectionPaused(
                    "Procountor asked to slow down (HTTP 429): this connection is paused "
                    f"for {paused_for:.0f} s more",
                    retry_after=paused_for,
                )
            start = max(now, self._next_start, self._paused_until)
            self._next_start = start + 1.0 / self.per_second
            self.started += 1
            delay = start - now
            self.waited += max(0.0, delay)
        if delay > 0:
            self.sleep(delay)

    def pause(self, seconds):
        """Procountor answered 429: no request of this connection starts for ``seconds``."""
        seconds = DEFAULT_PAUSE if seconds is None else max(0.0, float(seconds))
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)
            self.pauses += 1

    def resume(self):
        """Forget a pause (the caller knows it is over: a new batch after the one it ended)."""
        with self._lock:
            self._paused_until = 0.0

    def paused_for(self):
        """Seconds the connection is still paused (0 when it is not)."""
        with self._lock:
            return max(0.0, self._paused_until - self.clock())


_registry = {}
_registry_lock = threading.Lock()


def shared_throttle(key, max_in_flight, per_second):
    """The process's throttle of a connection (``key``: e.g. database and connection id),
    made on first use and made again when its settings changed: every batch of one process
    that calls through the same connection shares it."""
    with _registry_lock:
        throttle = _registry.get(key)
        if throttle is None or throttle.settings() != (int(max_in_flight), float(per_second)):
            throttle = ConnectionThrottle(max_in_flight=max_in_flight, per_second=per_second)
            _registry[key] = throttle
        return throttle
