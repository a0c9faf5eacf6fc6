# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the request funnel records and reuses between calls: the ``Exchange`` record of one
HTTP call, an in-memory token store, and the urllib3 retry policy of GETs."""

import threading
from dataclasses import dataclass, field

from urllib3.exceptions import (
    MaxRetryError,
    ResponseError,
)
from urllib3.util.retry import Retry

from . import const
from .client_support import SAFE_METHODS


@dataclass
class Exchange:
    """One HTTP call as seen by ``on_exchange``; bodies redacted and capped
    (EXCHANGE_BODY_CAP).
    """

    operation: str
    method: str
    url: str
    path: str
    status: int | None
    duration_ms: int
    request_body: str | None = None
    response_body: str | None = None
    error_codes: list[str] = field(default_factory=list)
    error_message: str | None = None
    ok: bool = False


class MemoryTokenStore:
    """Default token store: the token lives as long as the client (one process, no
    sharing).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._refresh = threading.Lock()
        self._value = None

    def get(self):
        with self._lock:
            return self._value

    def set(self, token, expires_at):
        with self._lock:
            self._value = (token, expires_at)

    def refresh_lock(self):
        """Threads sharing this client refresh one at a time (see ``_refreshed_token``)."""
        return self._refresh


class _ProcountorRetry(Retry):
    """urllib3 ``Retry`` with a back-off cap that works on urllib3 1.26 and 2.x alike.

    urllib3 1.26 caps the back-off with a class attribute (``BACKOFF_MAX``, later
    ``DEFAULT_BACKOFF_MAX``) and 2.x with a ``backoff_max`` argument; overriding
    ``get_backoff_time`` caps it per client on both, without changing a class attribute
    shared by every Retry in the process (Odoo's own HTTP calls included). A
    ``Retry-After`` longer than the cap is not slept through: the 429/503 goes back to
    the caller at once (``ProcountorRateLimitError.retry_after`` says how long to wait)
    instead of blocking an Odoo worker.
    """

    def __init__(self, *args, backoff_cap=10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.backoff_cap = backoff_cap

    def new(self, **kw):
        # urllib3 copies a Retry through new() after each attempt; carry the cap along.
        kw.setdefault("backoff_cap", self.backoff_cap)
        return super().new(**kw)

    def get_backoff_time(self):
        return min(self.backoff_cap, super().get_backoff_time())

    def increment(
        self,
        method=None,
        url=None,
        response=None,
        error=None,
        _pool=None,
        _stacktrace=None,
    ):
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.backoff_cap:
                # raise_on_status=False makes urllib3 hand this response back instead of
                # raising.
                raise MaxRetryError(
                    _pool, url, ResponseError("Retry-After exceeds the back-off cap")
                )
        return super().increment(method, url, response, error, _pool, _stacktrace)


def build_retry(max_retries, backoff_factor, backoff_max):
    """The transport retry policy: GETs only, bounded, with capped exponential back-off.

    - ``allowed_methods={"GET"}``: urllib3 retries a status (429/502/503/504) and a read
      error (read timeout, connection dropped after sending) only for allowed methods,
      so a POST/PUT/PATCH/DELETE that may have reached Procountor is never sent twice.
    - ``connect``: a connection that could not be opened carried no request, so opening
      it again is safe for any method (nothing can be applied twice).
    - ``other=0``: errors urllib3 cannot classify (e.g. TLS trouble mid-request) are not
      retried for any method.
    """
    return _ProcountorRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=SAFE_METHODS,
        status_forcelist=const.RETRY_STATUSES,
        backoff_factor=backoff_factor,
        respect_retry_after_header=True,
        raise_on_status=False,
        backoff_cap=backoff_max,
    )
