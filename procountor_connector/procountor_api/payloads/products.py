# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor ``Product`` bodies from neutral product data (plain Python)."""

import copy
from dataclasses import dataclass
from decimal import Decimal

from .common import DEFAULT_UNIT, UNITS, _text, json_number, round_cents

PRODUCT_TYPES = ("SALES", "PURCHASE")


@dataclass(frozen=True)
class ProductData:
    """What the builder needs from an Odoo product variant.

    ``unit`` is already Procountor's (through the unit mapping) and ``vat_percent`` the
    Procountor VAT percentage of the product's tax (through the tax mapping), or None."""

    name: str
    code: str = ""
    product_type: str = "SALES"
    unit: str = DEFAULT_UNIT
    price: Decimal = Decimal(0)
    vat_percent: Decimal | None = None
    currency: str = "EUR"
    active: bool = True


def build_product(data):
    """A ``Product`` body for POST (and, with ``version``, for PUT)."""
    body = {
        "type": data.product_type,
        "name": _text(data.name)[:100],
        "code": _text(data.code)[:40],
        "unit": data.unit if data.unit in UNITS else DEFAULT_UNIT,
        "price": json_number(round_cents(data.price)),
        "discount": 0,
        "currency": data.currency,
        "active": bool(data.active),
    }
    if data.vat_percent is not None:
        body["vat"] = json_number(data.vat_percent)
    if not body["code"]:
        del body["code"]
    return body


def merge_product(remote, body):
    """The PUT body of an update: Procountor's copy with the managed fields replaced, so
    that accounts, groups and localizations a Procountor user set are kept."""
    merged = {key: copy.deepcopy(value) for key, value in remote.items() if value is not None}
    merged.pop("id", None)
    merged.update(copy.deepcopy(body))
    if "discount" in remote:
        merged["discount"] = remote["discount"]
    return merged


def product_keys(remote):
    """Matching keys of a Procountor product: its ``code`` (compared with the internal
    reference, then the barcode) and its name."""
    code = (remote.get("code") or "").strip()
    return {
        "default_code": code,
        "barcode": code,
        "name": (remote.get("name") or "").strip(),
    }
