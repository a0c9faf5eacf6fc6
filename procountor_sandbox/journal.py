"""The journal: one entry per API call, for assertions in tests.

Secrets never enter it: form fields and JSON keys that carry credentials are masked,
and headers (where the bearer token travels) are not recorded.
"""

from __future__ import annotations

import collections
import copy
import threading
import time

from . import defaults

MASK = "***"
SECRET_KEYS = frozenset(("client_secret", "api_key", "access_token", "refresh_token", "password"))


def mask_secrets(value):
    """A copy of ``value`` with the values of secret keys replaced by ``***``."""
    if isinstance(value, dict):
        return {
            key: MASK if key.lower() in SECRET_KEYS else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


class Journal:
    def __init__(self, limit: int = defaults.JOURNAL_LIMIT):
        self._lock = threading.Lock()
        self._entries: collections.deque = collections.deque(maxlen=limit)
        self._next_id = 1

    def record(self, **entry) -> dict:
        entry["request_body"] = mask_secrets(entry.get("request_body"))
        entry["response_body"] = mask_secrets(copy.deepcopy(entry.get("response_body")))
        with self._lock:
            entry = {"id": self._next_id, "time": time.time(), **entry}
            self._next_id += 1
            self._entries.append(entry)
        return entry

    def entries(self, since: int = 0) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(entry) for entry in self._entries if entry["id"] > since]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
