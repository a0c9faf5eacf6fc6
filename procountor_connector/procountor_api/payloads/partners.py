# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor ``BusinessPartner`` bodies from neutral partner data, and the keys the
fetch wizard matches on (docs/architecture.md, "Partners and products").

Plain Python: the addon extracts a :class:`PartnerData` from ``res.partner``; the
pure-Python suite feeds the same builder directly.
"""

import copy
from dataclasses import dataclass, field

from .common import (
    INVOICE_CHANNELS,
    PAYMENT_METHOD,
    _text,
    compact_vat,
    finnish_business_id,
    procountor_language,
)
from .sales_invoice import Address, _address

PARTNER_TYPES = ("CUSTOMER", "SUPPLIER")
#: ``invoicingInfo.identifierType`` of a Finnish business ID (as Procountor shows it).
IDENTIFIER_TYPE_FI = "YHD"


@dataclass(frozen=True)
class PartnerData:
    """What the builder needs from an Odoo partner (the commercial entity).

    ``invoice_address``/``delivery_address`` are the company's child contacts of those
    types, when it has any; ``is_company`` false is a private person (no business ID)."""

    name: str
    partner_type: str = "CUSTOMER"
    is_company: bool = True
    address: Address = field(default_factory=Address)
    invoice_address: Address | None = None
    delivery_address: Address | None = None
    business_id: str = ""
    vat: str = ""
    customer_number: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    contact_person: str = ""
    lang: str = ""
    einvoice_address: str = ""
    einvoice_operator: str = ""
    invoice_channel: str = ""
    payment_term_days: int | None = None
    currency: str = ""
    active: bool = True


def partner_identifier(business_id="", vat="", is_company=True):
    """``(identifier, identifierType)`` of ``invoicingInfo``: the formatted Y-tunnus with
    type YHD; a foreign company's VAT number (no type); nothing for a private person
    (Procountor's personal identity code is never taken from Odoo)."""
    if not is_company:
        return "", ""
    finnish = finnish_business_id(business_id, vat)
    if finnish:
        return finnish, IDENTIFIER_TYPE_FI
    return (business_id or "").strip() or compact_vat(vat), ""


def build_business_partner(data):
    """A ``BusinessPartner`` body (POST, or the managed part of a PUT)."""
    identifier, identifier_type = partner_identifier(data.business_id, data.vat, data.is_company)
    invoicing = {
        "customerNumber": _text(data.customer_number),
        "identifier": identifier,
        "identifierType": identifier_type,
        "email": (data.email or "").strip(),
        "contactPerson": _text(data.contact_person),
        "language": procountor_language(data.lang),
        "einvoiceAddress": (data.einvoice_address or "").strip(),
        "einvoiceOperator": (data.einvoice_operator or "").strip(),
        "invoiceChannel": data.invoice_channel if data.invoice_channel in INVOICE_CHANNELS else "",
    }
    if data.einvoice_address:
        invoicing["ovt"] = data.einvoice_address.strip()
    payment = {"paymentMethod": PAYMENT_METHOD}
    if data.payment_term_days is not None:
        payment["paymentTermDays"] = str(int(data.payment_term_days))
    if data.currency:
        payment["currency"] = data.currency
    registry = {
        "active": bool(data.active),
        "phone": _text(data.phone)[:40],
        "mobilePhone": _text(data.mobile)[:40],
    }
    body = {
        "name": _text(data.name, "address.name"),
        "type": data.partner_type,
        # Procountor requires ``address`` for customers; the invoicing address is the
        # company's own unless it has an invoice contact.
        "address": _address(data.address),
        "billingAddress": _address(data.invoice_address or data.address),
        "invoicingInfo": {key: value for key, value in invoicing.items() if value},
        "paymentInfo": payment,
        "registryInfo": {key: value for key, value in registry.items() if value != ""},
    }
    if data.delivery_address:
        body["deliveryAddress"] = _address(data.delivery_address)
    return {key: value for key, value in body.items() if value != {} or key == "paymentInfo"}


def merge_business_partner(remote, body):
    """The PUT body of an update: Procountor's copy with the managed fields replaced.

    PUT replaces every detail, so what the connector does not manage (groups, comments,
    bank account, contact persons...) is taken from ``remote``; nested objects are
    merged key by key. ``version`` is the one read from Procountor."""
    merged = {
        key: copy.deepcopy(value)
        for key, value in remote.items()
        if key not in ("id", "attachments") and value is not None
    }
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **copy.deepcopy(value)}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def partner_keys(remote):
    """Matching keys of a Procountor business partner (basic info or full object):
    ``{"business_id", "vat", "customer_number", "name"}``, empty strings when absent."""
    invoicing = remote.get("invoicingInfo") or {}
    identifier = (invoicing.get("identifier") or "").strip()
    business_id = finnish_business_id(identifier, identifier)
    return {
        "business_id": business_id,
        "vat": "" if business_id else compact_vat(identifier),
        "customer_number": (invoicing.get("customerNumber") or "").strip(),
        "name": (remote.get("name") or "").strip(),
    }
