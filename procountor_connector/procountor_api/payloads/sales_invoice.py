# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor ``Invoice`` bodies for Odoo sales invoices and credit notes, and their
totals.

Plain Python, no Odoo: the addon extracts a :class:`SalesInvoiceData` from a posted
``account.move`` and hands it to :func:`build_sales_invoice`; the pure-Python suite
feeds the same builder from JSON fixtures (``SalesInvoiceData.from_dict``). Every
mapping decision (country enum, language, business ID, reference number, net unit
prices, credit-note signs) lives here so that it is tested without a database.

:func:`invoice_totals` predicts the sums Procountor computes from a body, with Odoo's
two VAT rounding methods, so the addon can compare them with
``amount_untaxed``/``amount_tax``/``amount_total`` to the cent.
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .common import (
    CREDIT_NOTE_TEXT,
    CURRENCIES,
    DEFAULT_INVOICE_CHANNEL,
    DEFAULT_LANGUAGE,
    DEFAULT_UNIT,
    INVOICE_CHANNELS,
    INVOICE_TYPE_SALES,
    MAX_LENGTHS,
    PAYMENT_METHOD,
    UNITS,
    PayloadError,
    _jsonable,
    _text,
    bank_reference_code,
    compact_vat,
    counterparty_identifier,
    json_number,
    procountor_country,
    procountor_language,
    round_cents,
    to_decimal,
    unsupported_characters,
    windows_1252,
)

# --- neutral input --------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """A postal address with an ISO 3166-1 alpha-2 ``country_code`` (Odoo's
    ``country_id.code``)."""

    name: str = ""
    specifier: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    country_code: str = ""
    subdivision: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    """One product line of the Odoo invoice, amounts in the invoice currency and always
    positive-signed the way Odoo shows them (a credit note's lines are positive too; the
    builder turns them negative).

    ``price_unit`` is as entered in Odoo: gross when ``price_include`` (the line's VAT
    tax is price included), then ``price_subtotal`` (Odoo's net amount of the line) is
    required to derive the net unit price Procountor gets."""

    name: str
    quantity: Decimal
    price_unit: Decimal
    vat_percent: Decimal
    vat_status: int | None = None
    discount: Decimal = Decimal(0)
    price_include: bool = False
    price_subtotal: Decimal | None = None
    product_code: str = ""
    unit: str = DEFAULT_UNIT
    product_id: int | None = None


@dataclass(frozen=True)
class SalesInvoiceData:
    """What the builder needs from a posted customer invoice or credit note, in Odoo's
    terms.

    ``currency_rate`` is Odoo's rate of the invoice: units of the invoice currency per
    one unit of the company currency, which is exactly Procountor's ``currencyRate``.
    ``lang`` is Odoo's language code (``fi_FI``); ``business_id`` and ``vat`` are taken
    as typed in Odoo and normalised here."""

    number: str
    invoice_date: datetime.date
    due_date: datetime.date
    currency: str
    customer: Address
    lines: tuple = ()
    currency_rate: Decimal = Decimal(1)
    is_credit_note: bool = False
    credited_invoice_number: str = ""
    billing_address: Address | None = None
    delivery_address: Address | None = None
    business_id: str = ""
    vat: str = ""
    email: str = ""
    contact_person: str = ""
    customer_number: str = ""
    einvoice_address: str = ""
    einvoice_operator: str = ""
    invoice_channel: str = DEFAULT_INVOICE_CHANNEL
    lang: str = ""
    vat_status: int | None = None
    bank_account_iban: str = ""
    payment_reference: str = ""
    order_reference: str = ""
    additional_information: str = ""
    delivery_date: datetime.date | None = None
    accounting_by_row: bool = False
    partner_id: int | None = None

    def to_dict(self):
        """A JSON-serialisable dict (dates as ISO strings, decimals as strings) for
        fixtures."""
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`to_dict`."""
        values = dict(values)
        for key in ("invoice_date", "due_date", "delivery_date"):
            if values.get(key):
                values[key] = datetime.date.fromisoformat(values[key])
        for key in ("customer", "billing_address", "delivery_address"):
            if values.get(key) is not None:
                values[key] = Address(**values[key])
        values["currency_rate"] = to_decimal(values.get("currency_rate", 1))
        values["lines"] = tuple(_line_from_dict(line) for line in values.get("lines", ()))
        return cls(**values)


def _line_from_dict(values):
    values = dict(values)
    for key in ("quantity", "price_unit", "vat_percent", "discount", "price_subtotal"):
        if values.get(key) is not None:
            values[key] = to_decimal(values[key])
    return InvoiceLine(**values)


def net_unit_price(line):
    """The VAT-exclusive unit price Procountor gets for a line.

    Price-excluded lines keep Odoo's unit price, so Procountor's row sum is Odoo's own
    computation. For a price-included line Odoo's net amount (``price_subtotal``) is the
    truth: the shortest unit price (2 to 10 decimals) whose row sum ``quantity × price ×
    (1 − discount)`` rounds back to that amount to the cent is used, so the net totals
    agree exactly. Used only on invoices that mix price-included and price-excluded
    lines: there the VAT Procountor adds to such a net may still differ from Odoo's by a
    cent (Odoo takes it out of the gross); invoices with only price-included lines are
    sent gross (``prices_include_vat``) and agree exactly."""
    if not line.price_include:
        return to_decimal(line.price_unit)
    factor = to_decimal(line.quantity) * (1 - to_decimal(line.discount) / 100)
    if line.price_subtotal is None:
        raise PayloadError([f"line {line.name!r}: price-included tax without the net amount"])
    target = round_cents(line.price_subtotal)
    if factor == 0:
        # A zero-quantity or fully discounted line sums to 0 whatever the price: strip
        # the VAT.
        vat_factor = 1 + to_decimal(line.vat_percent) / 100
        return (to_decimal(line.price_unit) / vat_factor).quantize(Decimal("0.000001"))
    exact = target / factor
    for places in range(2, 11):
        candidate = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if round_cents(candidate * factor) == target:
            return candidate
    return exact.quantize(Decimal(1).scaleb(-10), rounding=ROUND_HALF_UP)


# --- text fields: character set and lengths ----------------------------------------------


@dataclass(frozen=True)
class FieldProblem:
    """A text of the invoice that Procountor cannot take as it is.

    ``field``: the ``SalesInvoiceData`` field (``customer.name``, ``billing_address.city``,
    ``line.name``, ``order_reference`` ...); ``line``: the 1-based invoice line for
    ``line.*`` fields; ``kind``: ``charset`` (``detail``: the characters, as a string),
    ``length`` (refused; ``detail``: (length, maximum)) or ``cut`` (sent shortened;
    ``detail``: (length, maximum))."""

    field: str
    kind: str
    detail: object
    line: int | None = None

    def __str__(self):
        where = f"line {self.line} {self.field}" if self.line else self.field
        if self.kind == "charset":
            return f"{where}: characters {self.detail!r} are outside Procountor's character set"
        length, maximum = self.detail
        verb = "was cut" if self.kind == "cut" else "is too long"
        return f"{where} {verb} ({length} characters, Procountor takes {maximum})"


#: ``SalesInvoiceData`` address fields -> the ``MAX_LENGTHS`` key. A longer value is
#: refused, not cut: a shortened name or street may deliver the invoice to the wrong place.
_ADDRESS_LIMITS = {
    "name": "address.name",
    "specifier": "address.specifier",
    "street": "address.street",
    "zip": "address.zip",
    "city": "address.city",
    "subdivision": "address.subdivision",
}
#: Other refused-when-too-long fields: a cut reference no longer finds its order.
_FIELD_LIMITS = {
    "contact_person": "contactPersonName",
    "order_reference": "orderReference",
}
#: Free texts checked for characters only (their lengths are cut, see ``text_cuts``, or
#: have no Procountor limit).
_FREE_TEXTS = (
    "customer_number",
    "email",
    "einvoice_address",
    "einvoice_operator",
    "payment_reference",
    "additional_information",
    "credited_invoice_number",
)


def _address_texts(data):
    for prefix in ("customer", "billing_address", "delivery_address"):
        address = getattr(data, prefix)
        if address is None:
            continue
        for name, limit in _ADDRESS_LIMITS.items():
            yield f"{prefix}.{name}", getattr(address, name), limit


def field_problems(data):
    """Every ``FieldProblem`` that makes the invoice unsendable: characters outside
    Windows-1252 (after ``windows_1252``'s documented mapping) and texts longer than
    Procountor takes where cutting would change their meaning. Empty when all is well."""
    problems = []
    texts = [(field, value, limit) for field, value, limit in _address_texts(data)]
    texts += [(field, getattr(data, field), limit) for field, limit in _FIELD_LIMITS.items()]
    texts += [(field, getattr(data, field), None) for field in _FREE_TEXTS]
    for field, value, limit in texts:
        problems += _text_problems(field, value, limit)
    for index, line in enumerate(data.lines, start=1):
        for field, value in (("line.name", line.name), ("line.product_code", line.product_code)):
            problems += _text_problems(field, value, None, line=index)
    return problems


def _text_problems(field, value, limit, line=None):
    problems = []
    chars = unsupported_characters(value)
    if chars:
        problems.append(FieldProblem(field, "charset", "".join(chars), line))
    length = len((value or "").strip())
    if limit and length > MAX_LENGTHS[limit]:
        problems.append(FieldProblem(field, "length", (length, MAX_LENGTHS[limit]), line))
    return problems


def text_cuts(data):
    """The free texts sent shortened to Procountor's length (``FieldProblem`` of kind
    ``cut``): line comments (the lines of a description after its first, 512 characters)
    and the printed additional information (10,000). The caller notes them on the
    invoice; nothing else is ever cut."""
    cuts = []
    for index, line in enumerate(data.lines, start=1):
        length = len(_row_comment(line.name))
        if length > MAX_LENGTHS["comment"]:
            cuts.append(
                FieldProblem("line.comment", "cut", (length, MAX_LENGTHS["comment"]), index)
            )
    information, _notes = _full_texts(data, procountor_language(data.lang))
    if len(information) > MAX_LENGTHS["additionalInformation"]:
        limit = MAX_LENGTHS["additionalInformation"]
        cuts.append(FieldProblem("additional_information", "cut", (len(information), limit)))
    return cuts


# --- the body -------------------------------------------------------------------------


def build_sales_invoice(data):
    """The ``POST /invoices`` body (type SALES_INVOICE) for an Odoo customer invoice or
    credit note.

    A credit note becomes a sales invoice with negative quantities (Procountor has no
    credit-note type); the credited invoice's number is in ``notes`` and in the printed
    ``additionalInformation``. ``originalInvoiceNumber`` is the Odoo number: the key
    that finds the invoice again after a timeout. Raises :class:`PayloadError` listing
    every problem when the data cannot make a valid body."""
    _raise_problems(data)
    language = procountor_language(data.lang)
    # Only gross prices make Procountor take the VAT out of the gross sum the way Odoo
    # does for price-included taxes; a net price would have it add VAT to the net,
    # which differs by a cent on about one line in seven. One flag covers the whole
    # invoice, so an invoice mixing both kinds keeps net prices (see net_unit_price).
    gross = prices_include_vat(data.lines)
    rows = [_row(line, data.is_credit_note, gross) for line in data.lines]
    body = {
        "type": INVOICE_TYPE_SALES,
        "date": data.invoice_date.isoformat(),
        "counterParty": _counterparty(data),
        "billingAddress": _address(data.billing_address or data.customer),
        "deliveryAddress": _address(data.delivery_address or data.customer),
        "paymentInfo": _payment_info(data),
        "extraInfo": {
            "accountingByRow": bool(data.accounting_by_row),
            "unitPricesIncludeVat": gross,
        },
        "discountPercent": 0,
        "invoiceRows": rows,
        "vatStatus": data.vat_status if data.vat_status is not None else rows[0].get("vatStatus"),
        "invoiceChannel": data.invoice_channel,
        "language": language,
        "originalInvoiceNumber": data.number,
    }
    if body["vatStatus"] is None:
        del body["vatStatus"]
    if data.partner_id:
        body["partnerId"] = data.partner_id
    if data.order_reference:
        body["orderReference"] = _text(data.order_reference, "orderReference")
    if data.delivery_date:
        body["deliveryStartDate"] = body["deliveryEndDate"] = data.delivery_date.isoformat()
    information, notes = _texts(data, language)
    if information:
        body["additionalInformation"] = information
    if notes:
        body["notes"] = notes
    return body


def build_sales_invoice_update(data, version):
    """The ``PUT /invoices/{id}`` body: the same content with the current ``version``
    (required since 24.02), without ``partnerId`` (not editable by PUT)."""
    body = build_sales_invoice(data)
    body.pop("partnerId", None)
    body["version"] = version
    return body


def _raise_problems(data):
    problems = []
    if not data.number:
        problems.append("the invoice has no number")
    elif len(data.number) > MAX_LENGTHS["originalInvoiceNumber"]:
        problems.append(f"invoice number {data.number!r} is longer than 40 characters")
    if not data.lines:
        problems.append("no invoice lines")
    if data.currency not in CURRENCIES:
        problems.append(f"currency {data.currency!r} is not known to Procountor")
    if data.invoice_channel not in INVOICE_CHANNELS:
        problems.append(f"invoice channel {data.invoice_channel!r} cannot be set through the API")
    if not (data.customer.name or "").strip():
        problems.append("the customer has no name")
    for address in (data.customer, data.billing_address, data.delivery_address):
        if address and address.country_code and not procountor_country(address.country_code):
            problems.append(f"country {address.country_code!r} is not known to Procountor")
    for line in data.lines:
        if line.unit not in UNITS:
            problems.append(f"line {line.name!r}: unit {line.unit!r} is not a Procountor unit")
    if to_decimal(data.currency_rate) <= 0:
        problems.append("the currency rate must be positive")
    problems += [str(problem) for problem in field_problems(data)]
    if problems:
        raise PayloadError(problems)


def _address(address):
    values = {
        "name": _text(address.name, "address.name"),
        "specifier": _text(address.specifier, "address.specifier"),
        "street": _text(address.street, "address.street"),
        "zip": _text(address.zip, "address.zip"),
        "city": _text(address.city, "address.city"),
        "country": procountor_country(address.country_code),
        "subdivision": _text(address.subdivision, "address.subdivision"),
    }
    # Empty optional fields are left out rather than sent as "" (Procountor validates
    # set values).
    return {key: value for key, value in values.items() if value}


def _counterparty(data):
    counterparty = {
        "contactPersonName": _text(data.contact_person, "contactPersonName"),
        "identifier": counterparty_identifier(
            data.business_id, data.vat, data.customer.country_code
        ),
        "taxCode": compact_vat(data.vat),
        "customerNumber": _text(data.customer_number),
        "email": (data.email or "").strip(),
        "counterPartyAddress": _address(data.customer),
    }
    counterparty = {key: value for key, value in counterparty.items() if value}
    if data.einvoice_address:
        einvoice = {"address": data.einvoice_address.strip()}
        if data.einvoice_operator:
            einvoice["operator"] = data.einvoice_operator.strip()
        counterparty["einvoiceAddress"] = einvoice
    return counterparty


def _payment_info(data):
    info = {
        "paymentMethod": PAYMENT_METHOD,
        "currency": data.currency,
        "dueDate": data.due_date.isoformat(),
        "currencyRate": json_number(data.currency_rate),
        "bankReferenceCode": bank_reference_code(data.payment_reference),
    }
    if data.bank_account_iban:
        info["bankAccount"] = {"accountNumber": re.sub(r"\s", "", data.bank_account_iban).upper()}
    return info


def prices_include_vat(lines):
    """True when every line's VAT tax is price included: the body then carries Odoo's
    gross unit prices with ``extraInfo.unitPricesIncludeVat``."""
    return bool(lines) and all(line.price_include for line in lines)


def _row(line, is_credit_note, gross=False):
    name = (line.name or "").strip().partition("\n")[0]
    name = _text(_strip_code(name, line.product_code)) or _text(line.product_code) or "-"
    quantity = to_decimal(line.quantity)
    row = {
        "product": name,
        "productCode": _text(line.product_code),
        "quantity": json_number(-quantity if is_credit_note else quantity),
        "unit": line.unit,
        "unitPrice": json_number(line.price_unit if gross else net_unit_price(line)),
        "discountPercent": json_number(line.discount),
        "vatPercent": json_number(line.vat_percent),
        "vatStatus": line.vat_status,
        # Procountor prints "\" as a line break in row comments (schema text of
        # InvoiceRow.comment).
        "comment": _text(_row_comment(line.name), "comment"),
        "productId": line.product_id,
    }
    return {key: value for key, value in row.items() if value not in (None, "")}


def _row_comment(name):
    """Lines of a description after the first, joined by ``\\`` (printed as line breaks)."""
    _name, _sep, comment = (name or "").strip().partition("\n")
    return windows_1252("\\".join(part.strip() for part in comment.splitlines())).strip()


def _strip_code(name, code):
    """Odoo names product lines "[CODE] Name"; Procountor has a field for the code."""
    prefix = f"[{code}] " if code else ""
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def _texts(data, language):
    information, notes = _full_texts(data, language)
    return (
        information[: MAX_LENGTHS["additionalInformation"]],
        notes[: MAX_LENGTHS["notes"]],
    )


def _full_texts(data, language):
    information = _text(data.additional_information)
    notes = ""
    if data.is_credit_note and data.credited_invoice_number:
        printed = CREDIT_NOTE_TEXT[language].format(number=data.credited_invoice_number)
        information = f"{printed}\n{information}" if information else printed
        notes = CREDIT_NOTE_TEXT[DEFAULT_LANGUAGE].format(number=data.credited_invoice_number)
    return information, notes


# --- totals ---------------------------------------------------------------------------
