"""Small field checkers shared by the sandbox's validators.

Each checker reads ``parent[key]``, records an error at ``path`` in a FieldErrors
collector when the value is missing or wrong, and returns the value (or None) so the
caller can go on checking: all errors of a request are answered together.
"""

from __future__ import annotations

from datetime import date

from . import errors as E
from .enums import COUNTRIES
from .money import dec, decimals_of


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_integer(value) -> bool:
    return is_number(value) and float(value).is_integer()


def parse_date(value) -> date | None:
    """A strict ``YYYY-MM-DD`` date, or None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_cp1252(text: str) -> bool:
    """Procountor accepts only characters of Windows-1252 (api-notes 3)."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class Checker:
    def __init__(self, errors: E.FieldErrors):
        self.errors = errors

    def _value(self, parent, key, path, required):
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None and required:
            self.errors.add(path, E.MAY_NOT_BE_NULL)
        return value

    def unknown(self, obj, allowed, prefix: str) -> None:
        """Procountor's objects are closed (additionalProperties false)."""
        if not isinstance(obj, dict):
            return
        for key in obj:
            if key not in allowed:
                self.errors.add(join(prefix, key), E.UNKNOWN_FIELD)

    def obj(self, parent, key, path, required=False) -> dict | None:
        value = self._value(parent, key, path, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.errors.add(path, E.INVALID_TYPE)
            return None
        return value

    def closed_obj(self, parent, key, path, allowed, required=False) -> dict | None:
        """``obj()`` whose fields outside ``allowed`` are UNKNOWN_FIELD errors too."""
        value = self.obj(parent, key, path, required)
        if value is not None:
            self.unknown(value, allowed, path)
        return value

    def objects(self, items, path: str, allowed):
        """``(item_path, item)`` of each object in an array checked by ``array()``, its
        unknown fields reported; an item that is no object is an INVALID_TYPE error."""
        for index, item in enumerate(items or []):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.errors.add(item_path, E.INVALID_TYPE)
                continue
            self.unknown(item, allowed, item_path)
            yield item_path, item

    def array(self, parent, key, path, required=False, non_empty=False) -> list | None:
        value = self._value(parent, key, path, required)
        if value is None:
            return None
        if not isinstance(value, list):
            self.errors.add(path, E.INVALID_TYPE)
            return None
        if non_empty and not value:
            self.errors.add(path, E.MAY_NOT_BE_EMPTY)
        return value

    def string(
        self, parent, key, path, required=False, max_len=None, enum=None, non_empty=False
    ) -> str | None:
        value = self._value(parent, key, path, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.errors.add(path, E.INVALID_TYPE)
            return None
        if non_empty and not value.strip():
            self.errors.add(path, E.MAY_NOT_BE_EMPTY)
        elif enum is not None and value not in enum:
            self.errors.add(path, E.INVALID_ENUM_VALUE)
            return None
        elif max_len is not None and len(value) > max_len:
            self.errors.add(path, E.VALUE_TOO_LONG)
        elif not is_cp1252(value):
            self.errors.add(path, E.INVALID_CHARACTERS)
        return value

    def number(
        self,
        parent,
        key,
        path,
        required=False,
        minimum=None,
        maximum=None,
        integer=False,
        scale=None,
    ):
        value = self._value(parent, key, path, required)
        if value is None:
            return None
        if not is_number(value) or (integer and not is_integer(value)):
            self.errors.add(path, E.INVALID_TYPE)
            return None
        if (minimum is not None and dec(value) < dec(minimum)) or (
            maximum is not None and dec(value) > dec(maximum)
        ):
            self.errors.add(path, E.VALUE_OUT_OF_RANGE)
        elif scale is not None and decimals_of(value) > scale:
            self.errors.add(path, E.TOO_MANY_DECIMALS)
        return int(value) if integer else value

    def boolean(self, parent, key, path, required=False) -> bool | None:
        value = self._value(parent, key, path, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.errors.add(path, E.INVALID_TYPE)
            return None
        return value

    def date(self, parent, key, path, required=False) -> date | None:
        value = self._value(parent, key, path, required)
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.errors.add(path, E.INVALID_DATE)
        return parsed

    def address(self, parent, key, path, allowed, name_required=False) -> dict | None:
        """The address objects share one shape (name, specifier, street, zip, ...)."""
        value = self.obj(parent, key, path, required=name_required)
        if value is None:
            return None
        self.unknown(value, allowed, path)
        self.string(value, "name", join(path, "name"), name_required, 80, non_empty=name_required)
        self.string(value, "specifier", join(path, "specifier"), max_len=80)
        self.string(value, "street", join(path, "street"), max_len=80)
        self.string(value, "zip", join(path, "zip"), max_len=20)
        self.string(value, "city", join(path, "city"), max_len=40)
        self.string(value, "subdivision", join(path, "subdivision"), max_len=35)
        self.string(value, "country", join(path, "country"), enum=COUNTRIES)
        return value


ADDRESS_FIELDS = frozenset(("name", "specifier", "street", "zip", "city", "country", "subdivision"))
