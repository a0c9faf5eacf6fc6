# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor ``Product`` bodies from neutral product data (plain Python)."""

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .common import DEFAULT_UNIT, UNITS, _text, json_number, round_cents, to_decimal

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


#: Why a Procountor product price is not written to Odoo (``product_price``).
PRICE_NOT_NUMBER = "not_number"
PRICE_NO_CURRENCY = "no_currency"
PRICE_OTHER_CURRENCY = "other_currency"
PRICE_VAT_UNKNOWN = "vat_unknown"
PRICE_VAT_MISMATCH = "vat_mismatch"


@dataclass(frozen=True)
class PriceDecision:
    """``amount``: what the Odoo price field may receive, or None (left as it is);
    ``problem``: why not (one of ``PRICE_*``), "" when there is nothing to say."""

    amount: Decimal | None
    problem: str = ""


def product_price(remote, currency, remote_includes_vat, odoo_includes_vat):
    """The Odoo price of a Procountor ``Product``, only when its meaning is certain.

    ``currency``: the company currency (Odoo's prices are in it); ``remote_includes_vat``:
    whether Procountor's prices of this product type include VAT (its VAT settings), None
    when unknown; ``odoo_includes_vat``: whether the Odoo field holds a gross price (the
    product's taxes), None when its taxes disagree. No price (absent, null or 0: the field
    is required, so an unpriced product carries 0) leaves Odoo's as it is; a price in
    another or no currency, or a gross price for a net field (and the reverse), is not
    written: no conversion is guessed.
    """
    raw = remote.get("price")
    if raw is None:
        return PriceDecision(None)
    try:
        if isinstance(raw, bool):
            raise InvalidOperation
        amount = to_decimal(raw)
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        return PriceDecision(None, PRICE_NOT_NUMBER)
    if not amount:
        return PriceDecision(None)
    remote_currency = remote.get("currency")
    if not remote_currency:
        return PriceDecision(None, PRICE_NO_CURRENCY)
    if remote_currency != currency:
        return PriceDecision(None, PRICE_OTHER_CURRENCY)
    if remote_includes_vat is None:
        return PriceDecision(None, PRICE_VAT_UNKNOWN)
    vat = remote.get("vat")
    # A VAT of 0 % makes the gross and the net price the same amount.
    remote_gross = bool(remote_includes_vat) and not (
        isinstance(vat, int | float) and not isinstance(vat, bool) and vat == 0
    )
    if odoo_includes_vat is None or remote_gross != odoo_includes_vat:
        return PriceDecision(None, PRICE_VAT_MISMATCH)
    return PriceDecision(amount)
