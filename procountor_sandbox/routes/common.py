"""Helpers shared by the handler modules."""

from __future__ import annotations

import copy

from .. import errors as E
from ..httputil import read_json


def public(obj: dict) -> dict:
    """A copy without the sandbox's internal keys (those starting with ``_``)."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


def pick(obj: dict, keys) -> dict:
    return {key: copy.deepcopy(obj[key]) for key in keys if obj.get(key) is not None}


def info(message: str) -> tuple[int, dict]:
    """An InfoMessage answer; the texts are the sandbox's own."""
    return 200, {"message": message}


def find_or_404(table: dict, record_id: int) -> dict:
    """The stored record, or the API's 404 answer when there is none."""
    record = table.get(record_id)
    if record is None:
        raise E.not_found()
    return record


def check_version(given, current: dict) -> None:
    """A write must name the version it read: missing is 400 MAY_NOT_BE_NULL, stale is
    400 INVALID_VERSION (optimistic locking as Procountor does it)."""
    if not given:
        raise E.ApiError.single(400, E.MAY_NOT_BE_NULL, "version")
    if given != current["version"]:
        raise E.ApiError.single(400, E.INVALID_VERSION, "version")


def save(store, table: dict, record_id: int, record: dict) -> tuple[int, dict]:
    """Store a validated record under its id with a fresh version; the 200 answer."""
    record["id"] = record_id
    record["version"] = store.new_version()
    table[record_id] = record
    return 200, public(record)


def read_object(request) -> dict:
    """The JSON body, which must be an object: 400 INVALID_JSON for any other value."""
    body = read_json(request)
    if not isinstance(body, dict):
        raise E.ApiError.single(400, E.INVALID_JSON)
    return body
