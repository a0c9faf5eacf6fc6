"""Helpers shared by the handler modules."""

from __future__ import annotations

import copy


def public(obj: dict) -> dict:
    """A copy without the sandbox's internal keys (those starting with ``_``)."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


def pick(obj: dict, keys) -> dict:
    return {key: copy.deepcopy(obj[key]) for key in keys if obj.get(key) is not None}


def info(message: str) -> tuple[int, dict]:
    """An InfoMessage answer; the texts are the sandbox's own."""
    return 200, {"message": message}
