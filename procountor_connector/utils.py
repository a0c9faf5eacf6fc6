# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Small pure functions of the addon (no ORM): classification used by "suggest mappings"."""

import re

from .const import (
    L10N_FI_FISCAL_POSITION_KINDS,
    L10N_FI_TAX_KINDS,
    TAX_NAME_KIND_KEYWORDS,
    VAT_KIND_ALAND,
    VAT_KIND_CONSTRUCTION,
    VAT_KIND_DOMESTIC,
    VAT_KIND_EU_GOODS,
    VAT_KIND_EU_SERVICES,
    VAT_KIND_EXPORT,
    VAT_KIND_IMPORT,
    VAT_KIND_NO_VAT,
    VAT_KIND_TRIANGULATION,
    VAT_STATUS_KEYWORDS,
)

#: Order in which a VAT status description is classified: the most specific kinds first, so that
#: "Domestic reverse charge (construction)" is construction, not domestic. "Outside the EU" is an
#: export on the sales side and an import on the purchase side.
_STATUS_KIND_ORDER = {
    True: (
        VAT_KIND_CONSTRUCTION,
        VAT_KIND_TRIANGULATION,
        VAT_KIND_ALAND,
        VAT_KIND_EU_SERVICES,
        VAT_KIND_EU_GOODS,
        VAT_KIND_EXPORT,
        VAT_KIND_NO_VAT,
        VAT_KIND_DOMESTIC,
    ),
    False: (
        VAT_KIND_CONSTRUCTION,
        VAT_KIND_TRIANGULATION,
        VAT_KIND_ALAND,
        VAT_KIND_EU_SERVICES,
        VAT_KIND_EU_GOODS,
        VAT_KIND_IMPORT,
        VAT_KIND_NO_VAT,
        VAT_KIND_DOMESTIC,
    ),
}

_WORD = re.compile(r"[\wåäö]+", re.IGNORECASE)


def template_xmlid(external_id):
    """The chart-template part of a company record's external id.

    Odoo 18 names chart records ``account.<company id>_<template id>``; anything else gives
    ``None``.
    """
    if not external_id or "." not in external_id:
        return None
    name = external_id.split(".", 1)[1]
    prefix, sep, rest = name.partition("_")
    return rest if sep and prefix.isdigit() else None


def _contains_phrase(text, phrase):
    """True when ``phrase`` occurs in ``text`` as whole words (both lower case).

    The last word of a phrase of 4+ letters may also be a word prefix, so that Finnish stems such as
    ``kotimai`` match ``kotimainen``; short words (``eu``, ``ex``) must match whole.
    """
    words = _WORD.findall(text)
    wanted = _WORD.findall(phrase)
    if not wanted:
        return False
    *head, last = wanted
    size = len(wanted)
    for index in range(len(words) - size + 1):
        window = words[index : index + size]
        if window[:-1] != head:
            continue
        if window[-1] == last or (len(last) >= 4 and window[-1].startswith(last)):
            return True
    return False


def tax_kind(external_id, name, description=""):
    """Kind of VAT treatment of a tax (``VAT_KIND_*``): by l10n_fi template id, else by name."""
    kind = L10N_FI_TAX_KINDS.get(template_xmlid(external_id) or "")
    if kind:
        return kind
    text = f"{name or ''} {description or ''}".lower()
    for candidate, keywords in TAX_NAME_KIND_KEYWORDS:
        if any(_contains_phrase(text, keyword) for keyword in keywords):
            return candidate
    return VAT_KIND_DOMESTIC


def fiscal_position_kind(external_id, name, *, is_domestic=False, is_eu=None):
    """Kind of a fiscal position, or None when nothing tells.

    From its l10n_fi template id, else its name, else where it applies: the company's own country is
    domestic, an EU country (group) is EU trade (goods: the invoice-level status; service rows carry
    their own), any other country is export. ``is_eu`` is None when the position names no country at
    all.
    """
    kind = L10N_FI_FISCAL_POSITION_KINDS.get(template_xmlid(external_id) or "")
    if kind:
        return kind
    by_name = tax_kind(None, name)
    if by_name != VAT_KIND_DOMESTIC:
        return by_name
    if is_domestic:
        return VAT_KIND_DOMESTIC
    if is_eu is None:
        return None
    return VAT_KIND_EU_GOODS if is_eu else VAT_KIND_EXPORT


def purchase_kind(kind):
    """The purchase-side kind of a fiscal position kind (selling outside the EU = importing)."""
    return VAT_KIND_IMPORT if kind == VAT_KIND_EXPORT else kind


def status_matches_kind(description, kind):
    """True when a Procountor VAT status description denotes ``kind`` (VAT_STATUS_KEYWORDS)."""
    text = (description or "").lower()
    groups = VAT_STATUS_KEYWORDS.get(kind, ())
    return bool(groups) and all(
        any(_contains_phrase(text, word) for word in group) for group in groups
    )


def status_kind(description, sale):
    """Kind a VAT status description denotes for sales (``sale``) or purchases, or None."""
    for kind in _STATUS_KIND_ORDER[bool(sale)]:
        if status_matches_kind(description, kind):
            return kind
    return None


def normalize_account_number(value):
    """IBAN/BBAN without spaces, upper case (for comparisons)."""
    return "".join((value or "").split()).upper()
