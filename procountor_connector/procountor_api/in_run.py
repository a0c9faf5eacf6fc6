# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Transient faults slow a run down instead of ending it (docs/architecture.md, "Faults
inside a run").

The transport already retries GETs (``transport.build_retry``). A write that failed is
never sent again blindly: what is tried again inside the run is the whole attempt of one
record, which re-reads its state first (an unconfirmed create is looked up before any new
POST, a step already done in Procountor is skipped). ``InRunRetry`` only decides *whether*
and *how long to wait* before that new attempt; it is plain Python so its rules are tested
without Odoo.
"""

import threading
import time

from .exceptions import ProcountorAuthError, ProcountorRateLimitError

#: Longest ``Retry-After`` (seconds) waited out inside a run. A longer one (or a 429 that
#: gives none) pauses the connection and ends the run, as Procountor asked.
SHORT_RETRY_AFTER = 10.0
#: Attempts of one record in one run, the first included.
ATTEMPTS = 3
#: Wait before the second attempt after a 5xx, a timeout or a lost connection; doubled for
#: each further attempt, never longer than ``SHORT_RETRY_AFTER``.
BACKOFF = 1.0
#: Longest total wait of one run (a cron batch); past it a fault fails the record as
#: before and the cron tries it again after its retry delay.
RUN_WAIT_MAX = 60.0
#: The same for a send a person started (the Send wizard, the invoice's button): they wait
#: for the answer.
INTERACTIVE_WAIT_MAX = 10.0


def _sleep(seconds):
    # A module function, looked up when a budget is made: tests count the waits instead.
    time.sleep(seconds)


class InRunRetry:
    """The waiting budget of one run: ``delay`` says how long to wait before another
    attempt of what failed (None: give up, the error stands), ``wait`` waits and counts."""

    def __init__(
        self,
        wait_max=RUN_WAIT_MAX,
        attempts=ATTEMPTS,
        short_retry_after=SHORT_RETRY_AFTER,
        backoff=BACKOFF,
        sleep=None,
    ):
        self.wait_max = wait_max
        self.attempts = attempts
        self.short_retry_after = short_retry_after
        self.backoff = backoff
        self.sleep = sleep or _sleep
        #: Seconds waited so far in this run, and how many attempts followed a wait.
        self.waited = 0.0
        self.retries = 0
        # Worker threads of one run share the budget (``reserve``).
        self._lock = threading.Lock()

    def delay(self, error, attempt):
        """Seconds to wait before attempt ``attempt + 1`` after ``error`` ended attempt
        ``attempt`` (1 for the first), or None.

        Only errors that say the same request may succeed later (``retryable``) are tried
        again; refused credentials never (the connection is what is broken). A 429 is
        waited out only when its ``Retry-After`` is short.
        """
        if attempt >= self.attempts or not getattr(error, "retryable", False):
            return None
        if isinstance(error, ProcountorAuthError):
            return None
        if isinstance(error, ProcountorRateLimitError):
            seconds = error.retry_after
            if seconds is None or seconds > self.short_retry_after:
                return None
            seconds = max(0.0, float(seconds))
        else:
            seconds = min(self.backoff * 2 ** (attempt - 1), self.short_retry_after)
        if self.waited + seconds > self.wait_max:
            return None
        return seconds

    def reserve(self, error, attempt):
        """``delay`` and the wait counted in one step, safe for threads sharing the budget;
        the caller waits (or lets the connection's throttle hold its next request)."""
        with self._lock:
            seconds = self.delay(error, attempt)
            if seconds is not None:
                self.waited += seconds
                self.retries += 1
            return seconds

    def wait(self, seconds):
        self.waited += seconds
        self.retries += 1
        if seconds > 0:
            self.sleep(seconds)

    def as_text(self):
        """For the run's log line: "" when nothing was waited for."""
        if not self.retries:
            return ""
        return f"{self.retries} attempts again after a fault, {self.waited:g} s waited"
