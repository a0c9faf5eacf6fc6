"""Fault injection for the API: error statuses, latency, lost answers, lost tokens.

A rule matches requests by a glob on the path after the API root (``/invoices*``,
``/oauth/token``) and an optional method. ``every_nth`` fires it on every n-th match,
``times`` limits how often it fires (unlimited by default). ``probability`` (0 < p <= 1)
fires it on that share of the matches, drawn from its own random generator seeded with
``seed`` (default 0): the same requests in the same order meet the same faults (a soak).

Kinds:
- ``status``: answer ``status`` (with ``body`` or an ErrorMessages body, and a
  ``Retry-After`` header when ``retry_after`` is given) without touching the state;
- ``latency``: sleep ``seconds`` before handling the request normally;
- ``timeout_after_commit``: handle the request (a write is applied), then sleep
  ``seconds`` before answering, longer than the client waits;
- ``drop_after_commit``: handle the request, then close the connection unanswered;
- ``expire_tokens``: forget all access tokens before the request is authenticated.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field

KINDS = ("status", "latency", "timeout_after_commit", "drop_after_commit", "expire_tokens")


class FaultSpecError(ValueError):
    """A POST /_sandbox/faults body that cannot become a rule."""


@dataclass
class FaultRule:
    id: int
    path: str
    kind: str
    method: str | None = None
    status: int | None = None
    body: object = None
    retry_after: float | int | str | None = None
    seconds: float = 0.0
    every_nth: int = 1
    times: int | None = None
    probability: float | None = None
    seed: int = 0
    matched: int = 0
    fired: int = 0
    _random: random.Random = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        self._random = random.Random(self.seed)

    def matches(self, path: str, method: str) -> bool:
        if self.method and self.method != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def draw(self) -> bool:
        """Does this match fire, as far as ``probability`` goes?"""
        return self.probability is None or self._random.random() < self.probability

    def as_json(self) -> dict:
        rule = asdict(self)
        del rule["_random"]
        return rule


def _positive_int(spec: dict, key: str, default):
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FaultSpecError(f"{key} must be a positive integer")
    return value


def _seconds(spec: dict, required: bool) -> float:
    value = spec.get("seconds")
    if value is None:
        if required:
            raise FaultSpecError("seconds is required for this kind")
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultSpecError("seconds must be a non-negative number")
    return float(value)


def _probability(spec: dict):
    value = spec.get("probability")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise FaultSpecError("probability must be a number in (0, 1]")
    return float(value)


def _seed(spec: dict) -> int:
    value = spec.get("seed", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultSpecError("seed must be an integer")
    return value


def rule_from_spec(rule_id: int, spec) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault is a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise FaultSpecError("path must be a glob starting with '/', e.g. '/invoices*'")
    status = spec.get("status")
    if kind == "status" and (not isinstance(status, int) or not 100 <= status <= 599):
        raise FaultSpecError("status must be an HTTP status code for kind 'status'")
    method = spec.get("method")
    return FaultRule(
        id=rule_id,
        path=path,
        kind=kind,
        method=method.upper() if isinstance(method, str) else None,
        status=status if kind == "status" else None,
        body=spec.get("body"),
        retry_after=spec.get("retry_after"),
        seconds=_seconds(spec, kind in ("latency", "timeout_after_commit")),
        every_nth=_positive_int(spec, "every_nth", 1),
        times=_positive_int(spec, "times", None),
        probability=_probability(spec),
        seed=_seed(spec),
    )


class FaultRegistry:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, spec) -> FaultRule:
        with self._lock:
            rule = rule_from_spec(self._next_id, spec)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def list(self) -> list[dict]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def fire(self, path: str, method: str) -> list[FaultRule]:
        """Rules that apply to this request (their counters are updated)."""
        fired = []
        with self._lock:
            for rule in self._rules:
                if rule.exhausted() or not rule.matches(path, method):
                    continue
                rule.matched += 1
                if rule.matched % rule.every_nth or not rule.draw():
                    continue
                rule.fired += 1
                fired.append(rule)
        return fired
