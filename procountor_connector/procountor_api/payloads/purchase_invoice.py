# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Procountor ``Invoice`` bodies (type PURCHASE_INVOICE) for Odoo vendor bills and
refunds.

Plain Python, no Odoo: the addon extracts a :class:`PurchaseInvoiceData` from a posted
vendor bill and hands it to :func:`build_purchase_invoice`. The rows, the character set
and the length rules are those of sales invoices (``sales_invoice``, ``common``); what
differs is who the counterparty is (the supplier), whose bank account is paid (the
supplier's, with its BIC), which number identifies the invoice (the supplier's own
invoice number, ``originalInvoiceNumber``, not unique across suppliers) and the VAT
statuses (purchase ones).
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import iso11649

from .common import (
    CURRENCIES,
    MAX_LENGTHS,
    PAYMENT_METHOD,
    UNITS,
    PayloadError,
    _jsonable,
    _text,
    compact_vat,
    counterparty_identifier,
    is_finnish_reference,
    json_number,
    procountor_country,
    to_decimal,
)
from .sales_invoice import (
    Address,
    FieldProblem,
    _address,
    _line_from_dict,
    _row,
    _row_comment,
    _text_problems,
    prices_include_vat,
)

INVOICE_TYPE_PURCHASE = "PURCHASE_INVOICE"
#: A purchase invoice is not delivered by Procountor: it was received. ``NO_SENDING`` is
#: the one channel that claims nothing about how (EDIFACT and PAPER_INVOICE are refused
#: by the API anyway).
PURCHASE_INVOICE_CHANNEL = "NO_SENDING"
#: Procountor statuses in which a purchase invoice can still be changed by PUT
#: (api-notes 4.1): before it is verified or approved.
PURCHASE_EDITABLE_STATUSES = ("UNFINISHED", "RECEIVED")
#: Status of a purchase invoice after ``PUT /invoices/{id}/approve``.
PURCHASE_APPROVED_STATUS = "APPROVED"

#: Internal note of a vendor refund, naming the refunded supplier invoice (English, as the
#: notes of sales credit notes: notes are never printed).
REFUND_NOTE = "Credit note for supplier invoice {number}"
ODOO_NOTE = "Odoo vendor bill {name}"


@dataclass(frozen=True)
class PurchaseInvoiceData:
    """What the builder needs from a posted vendor bill or refund, in Odoo's terms.

    ``supplier_reference`` is the bill's ``ref``: the supplier's own invoice number, sent as
    ``originalInvoiceNumber`` (the key that finds the invoice again after a lost answer,
    together with the supplier). ``number`` is Odoo's bill number, kept in the notes.
    ``lines`` are ``InvoiceLine`` values, positive as Odoo shows them; a refund's rows become
    negative. ``payment_reference`` is the bill's payment reference: a Finnish or RF
    reference goes as ``bankReferenceCode``; any other text is the payment message
    (``orderReference``, which Procountor copies to the payment)."""

    supplier_reference: str
    invoice_date: datetime.date
    due_date: datetime.date
    currency: str
    supplier: Address
    lines: tuple = ()
    number: str = ""
    currency_rate: Decimal = Decimal(1)
    is_refund: bool = False
    refunded_reference: str = ""
    business_id: str = ""
    vat: str = ""
    vat_status: int | None = None
    iban: str = ""
    bic: str = ""
    payment_reference: str = ""
    accounting_by_row: bool = False
    partner_id: int | None = None

    def to_dict(self):
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, values):
        values = dict(values)
        for key in ("invoice_date", "due_date"):
            if values.get(key):
                values[key] = datetime.date.fromisoformat(values[key])
        values["supplier"] = Address(**values["supplier"])
        values["currency_rate"] = to_decimal(values.get("currency_rate", 1))
        values["lines"] = tuple(_line_from_dict(line) for line in values.get("lines", ()))
        return cls(**values)


# --- small checks -------------------------------------------------------------------


def compact_iban(value):
    """An IBAN without spaces, upper case (``fi21 1234 5600 0007 85`` -> ``FI21...``)."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def is_valid_iban(value):
    """True for an IBAN with a valid country format and check digits (python-stdnum)."""
    return bool(value) and stdnum_iban.is_valid(compact_iban(value))


def is_valid_bic(value):
    return bool(value) and stdnum_bic.is_valid(value.strip())


def reference_kind(payment_reference, domestic=True):
    """What the bill's payment reference is: ``""`` (none), ``reference`` (a valid Finnish
    or RF reference), ``invalid`` (looks like a reference but its check digit is wrong: a
    typo that would send the payment astray) or ``message`` (free text, paid as a message).

    ``RF..`` references are international and always checked. Digits only are checked as a
    Finnish reference when the supplier's account is ``domestic`` (Finnish or Åland IBAN, or
    none); a foreign supplier's digits (a Swedish OCR, a Norwegian KID) are its message."""
    compact = re.sub(r"\s", "", payment_reference or "").upper()
    if not compact:
        return ""
    if is_finnish_reference(compact):
        return "reference"
    if compact.startswith("RF") and iso11649.is_valid(compact):
        return "reference"
    if re.fullmatch(r"RF\d{2}[0-9A-Z]+", compact) or (compact.isdigit() and domestic):
        return "invalid"
    return "message"


def is_domestic_account(iban):
    """A Finnish (or Åland) account, or none: Finnish reference rules apply."""
    return compact_iban(iban)[:2] in ("", "FI", "AX")


def _reference_kind(data):
    return reference_kind(data.payment_reference, is_domestic_account(data.iban))


# --- text fields ----------------------------------------------------------------------

_ADDRESS_LIMITS = {
    "name": "address.name",
    "specifier": "address.specifier",
    "street": "address.street",
    "zip": "address.zip",
    "city": "address.city",
    "subdivision": "address.subdivision",
}


def purchase_field_problems(data):
    """Every ``FieldProblem`` that makes the bill unsendable (characters outside
    Windows-1252, texts longer than Procountor takes); fields named as for sales invoices
    (``supplier.name``, ``payment_reference``, ``line.name`` ...)."""
    problems = []
    for name, limit in _ADDRESS_LIMITS.items():
        problems += _text_problems(f"supplier.{name}", getattr(data.supplier, name), limit)
    problems += _text_problems(
        "supplier_reference", data.supplier_reference, "originalInvoiceNumber"
    )
    message_limit = "orderReference" if _reference_kind(data) == "message" else None
    problems += _text_problems("payment_reference", data.payment_reference, message_limit)
    for field in ("business_id", "vat", "refunded_reference"):
        problems += _text_problems(field, getattr(data, field), None)
    for index, line in enumerate(data.lines, start=1):
        for field, value in (("line.name", line.name), ("line.product_code", line.product_code)):
            problems += _text_problems(field, value, None, line=index)
    return problems


def purchase_text_cuts(data):
    """The row comments (lines of a description after its first) sent shortened to
    Procountor's 512 characters, as ``FieldProblem`` of kind ``cut``; nothing else of a
    bill is ever cut."""
    cuts = []
    for index, line in enumerate(data.lines, start=1):
        length = len(_row_comment(line.name))
        if length > MAX_LENGTHS["comment"]:
            cuts.append(
                FieldProblem("line.comment", "cut", (length, MAX_LENGTHS["comment"]), index)
            )
    return cuts


# --- the body -------------------------------------------------------------------------


def build_purchase_invoice(data):
    """The ``POST /invoices`` body (type PURCHASE_INVOICE) of a vendor bill or refund.

    Raises :class:`PayloadError` listing every problem when the data cannot make a valid
    body (the addon checks the same earlier, with translated messages)."""
    _raise_problems(data)
    gross = prices_include_vat(data.lines)
    rows = [_row(line, data.is_refund, gross) for line in data.lines]
    body = {
        "type": INVOICE_TYPE_PURCHASE,
        "date": data.invoice_date.isoformat(),
        "counterParty": _counterparty(data),
        "paymentInfo": _payment_info(data),
        "extraInfo": {
            "accountingByRow": bool(data.accounting_by_row),
            "unitPricesIncludeVat": gross,
        },
        "discountPercent": 0,
        "invoiceRows": rows,
        "vatStatus": data.vat_status if data.vat_status is not None else rows[0].get("vatStatus"),
        "invoiceChannel": PURCHASE_INVOICE_CHANNEL,
        "originalInvoiceNumber": data.supplier_reference.strip(),
    }
    if body["vatStatus"] is None:
        del body["vatStatus"]
    if data.partner_id:
        body["partnerId"] = data.partner_id
    message = _payment_message(data)
    if message:
        body["orderReference"] = message
    notes = []
    if data.number:
        notes.append(ODOO_NOTE.format(name=data.number))
    if data.is_refund and data.refunded_reference:
        notes.append(REFUND_NOTE.format(number=data.refunded_reference))
    if notes:
        body["notes"] = _text("\n".join(notes), "notes")
    return body


def build_purchase_invoice_update(data, version):
    """The ``PUT /invoices/{id}`` body: the same content with the current ``version``,
    without ``partnerId`` (not editable by PUT)."""
    body = build_purchase_invoice(data)
    body.pop("partnerId", None)
    body["version"] = version
    return body


def _raise_problems(data):
    problems = []
    reference = (data.supplier_reference or "").strip()
    if not reference:
        problems.append("the bill has no supplier reference (the supplier's invoice number)")
    elif len(reference) > MAX_LENGTHS["originalInvoiceNumber"]:
        problems.append(f"supplier reference {reference!r} is longer than 40 characters")
    if not data.lines:
        problems.append("no invoice lines")
    if data.currency not in CURRENCIES:
        problems.append(f"currency {data.currency!r} is not known to Procountor")
    if not (data.supplier.name or "").strip():
        problems.append("the supplier has no name")
    if data.supplier.country_code and not procountor_country(data.supplier.country_code):
        problems.append(f"country {data.supplier.country_code!r} is not known to Procountor")
    if data.iban and not is_valid_iban(data.iban):
        problems.append(f"bank account {data.iban!r} is not a valid IBAN")
    if data.bic and not is_valid_bic(data.bic):
        problems.append(f"BIC {data.bic!r} is not valid")
    if _reference_kind(data) == "invalid":
        problems.append(
            f"payment reference {data.payment_reference!r} is not a valid Finnish or RF reference"
        )
    if data.due_date < data.invoice_date:
        problems.append("the due date is before the bill date")
    for line in data.lines:
        if line.unit not in UNITS:
            problems.append(f"line {line.name!r}: unit {line.unit!r} is not a Procountor unit")
    if to_decimal(data.currency_rate) <= 0:
        problems.append("the currency rate must be positive")
    problems += [str(problem) for problem in purchase_field_problems(data)]
    if problems:
        raise PayloadError(problems)


def _counterparty(data):
    counterparty = {
        "identifier": counterparty_identifier(
            data.business_id, data.vat, data.supplier.country_code
        ),
        "taxCode": compact_vat(data.vat),
        "counterPartyAddress": _address(data.supplier),
    }
    return {key: value for key, value in counterparty.items() if value}


def _payment_info(data):
    info = {
        "paymentMethod": PAYMENT_METHOD,
        "currency": data.currency,
        "dueDate": data.due_date.isoformat(),
        "currencyRate": json_number(data.currency_rate),
    }
    if _reference_kind(data) == "reference":
        # Only a real reference: "" would make Procountor generate one of *our* references,
        # which the supplier's bank would never match.
        info["bankReferenceCode"] = re.sub(r"\s", "", data.payment_reference).upper()
    if data.iban:
        account = {"accountNumber": compact_iban(data.iban)}
        if data.bic:
            account["bic"] = data.bic.strip().upper()
        info["bankAccount"] = account
    return info


def _payment_message(data):
    """The message of the payment when the bill has no reference: its own text, else the
    supplier's invoice number (what a supplier looks for on a payment without reference).
    Procountor copies ``orderReference`` to the payment as its message."""
    kind = _reference_kind(data)
    if kind == "reference":
        return ""
    if kind == "message":
        return _text(data.payment_reference, "orderReference")
    return _text(data.supplier_reference, "orderReference")


def same_supplier(row, body):
    """Is a Procountor invoice (search row or full invoice) one of the supplier ``body`` is
    from? Supplier invoice numbers are unique per supplier only: another supplier's
    invoice with the same number is neither ours nor a conflict.

    The business partner id decides when both have one; else the business ID (or VAT
    number) when we sent one; else the supplier's name."""
    if not isinstance(row, dict):
        return False
    if body.get("partnerId") and row.get("partnerId"):
        return int(row["partnerId"]) == int(body["partnerId"])
    sent = body.get("counterParty") or {}
    found = row.get("counterParty") if isinstance(row.get("counterParty"), dict) else {}
    for key in ("identifier", "taxCode"):
        if sent.get(key):
            if found.get(key):
                return _compact(sent[key]) == _compact(found[key])
    sent_name = (sent.get("counterPartyAddress") or {}).get("name")
    found_name = (found.get("counterPartyAddress") or {}).get("name")
    return (
        " ".join(str(sent_name or "").split()).casefold()
        == " ".join(str(found_name or "").split()).casefold()
    )


def _compact(value):
    return re.sub(r"[\s.\-]", "", str(value or "")).upper()
