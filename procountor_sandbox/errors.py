"""Procountor error bodies and the exception the sandbox's handlers raise.

Procountor answers errors as ``{"errors": [{"status", "field", "message"}]}`` (api-notes 6).
Codes seen in Procountor's own sources or integrators' reports are marked "(seen)";
every other code is INVENTED by the sandbox, because the real list is not public.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- codes seen in public sources ---------------------------------------------------
DUE_DATE_BEFORE_BILL_DATE = "DUE_DATE_BEFORE_BILL_DATE"  # (seen) class-level error
BANK_ACCOUNT_NOT_OF_COMPANY = "BANK_ACCOUNT_DOES_NOT_BELONG_TO_THIS_COMPANY"  # (seen)
VATSTATUS_VATPERC = "ERROR_VATSTATUS_VATPERC"  # (seen) VAT status and percent mismatch
LEDGER_ACCOUNT_VAT = "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION"  # (seen)
DIMENSION_MISMATCH = (  # (seen)
    "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE"
)
CLOSED_FISCAL_PERIOD = "CLOSED_FISCAL_PERIOD"  # (seen)
BRN_CODE = "ERROR_BRN_CODE"  # (seen) malformed business ID
MAY_NOT_BE_EMPTY = "MAY_NOT_BE_EMPTY"  # (seen by an integrator, not in Procountor docs)
UNAUTHORIZED = "Unauthorized"  # (seen) the 401 body
FILE_TOO_BIG = "File size too big"  # (seen, spec text)

# --- INVENTED codes (the real ones are unknown) -------------------------------------
MAY_NOT_BE_NULL = "MAY_NOT_BE_NULL"
INVALID_TYPE = "INVALID_TYPE"
INVALID_ENUM_VALUE = "INVALID_ENUM_VALUE"
INVALID_DATE = "INVALID_DATE"
INVALID_VALUE = "INVALID_VALUE"
VALUE_TOO_LONG = "VALUE_TOO_LONG"
VALUE_OUT_OF_RANGE = "VALUE_OUT_OF_RANGE"
TOO_MANY_DECIMALS = "TOO_MANY_DECIMALS"
INVALID_CHARACTERS = "INVALID_CHARACTERS"  # outside Windows-1252 (api-notes 3)
UNKNOWN_FIELD = "UNKNOWN_FIELD"
INVALID_JSON = "INVALID_JSON"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
TOO_MANY_IDS = "TOO_MANY_IDS"
INVALID_ID = "INVALID_ID"
INVALID_VERSION = "INVALID_VERSION"
INVALID_STATUS = "INVALID_INVOICE_STATUS"
INVALID_GRANT = "INVALID_GRANT"
CREDENTIALS_IN_QUERY = "CREDENTIALS_IN_QUERY_STRING_NOT_ALLOWED"
VAT_PERCENT_NOT_IN_USE = "VAT_PERCENT_NOT_IN_USE"
VAT_STATUS_NOT_IN_USE = "VAT_STATUS_NOT_IN_USE"
CHANNEL_NOT_ALLOWED = "INVOICE_CHANNEL_NOT_ALLOWED"
PAYMENT_METHOD_NOT_ALLOWED = "PAYMENT_METHOD_NOT_ALLOWED"
TYPE_NOT_ALLOWED = "TYPE_NOT_ALLOWED"
INVALID_REFERENCE = "INVALID_BANK_REFERENCE_CODE"
REFERENCE_TYPE_NOT_ALLOWED = "BANK_REFERENCE_CODE_TYPE_NOT_ALLOWED"
INVALID_IBAN = "INVALID_IBAN"
PARTNER_NOT_FOUND = "BUSINESS_PARTNER_NOT_FOUND"
PAYMENT_TERM_TOO_LONG = "PAYMENT_TERM_TOO_LONG"
NOT_EDITABLE = "FIELD_NOT_EDITABLE"
CUSTOMER_NUMBER_IN_USE = "CUSTOMER_NUMBER_ALREADY_IN_USE"
CURRENCY_MISMATCH = "CURRENCY_DOES_NOT_MATCH_INVOICE_CURRENCY"
RECEIPT_NOT_BALANCED = "RECEIPT_DOES_NOT_BALANCE"
DIMENSION_VALUES_SUM = "DIMENSION_ITEM_VALUES_DO_NOT_SUM_TO_ACCOUNTING_VALUE"
DUPLICATE_SPECIAL_ENTRY = "ONLY_ONE_REVERSING_AND_ONE_RECONCILIATION_ENTRY_ALLOWED"
SPECIAL_ENTRY_VAT = "REVERSING_AND_RECONCILIATION_ENTRIES_TAKE_NO_VAT"
REFERENCE_NOT_FOUND = "REFERENCED_OBJECT_NOT_FOUND"
LEDGER_ACCOUNT_NOT_FOUND = "LEDGER_ACCOUNT_NOT_FOUND"
NO_RIGHTS = "INSUFFICIENT_RIGHTS"


@dataclass
class ErrorItem:
    """One entry of ``errors``; ``field`` is left out of the body when empty."""

    status: int
    message: str
    field: str | None = None

    def as_json(self) -> dict:
        body = {"status": self.status}
        if self.field:
            body["field"] = self.field
        body["message"] = self.message
        return body


@dataclass
class ApiError(Exception):
    """Raised by handlers; the app turns it into an ErrorMessages response."""

    status: int
    items: list[ErrorItem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def single(cls, status: int, message: str, field_name: str | None = None):
        return cls(status, [ErrorItem(status, message, field_name)])

    def body(self) -> dict:
        return {"errors": [item.as_json() for item in self.items]}


def not_found(what: str = NOT_FOUND) -> ApiError:
    return ApiError.single(404, what)


class FieldErrors:
    """Collects every field error of one request so they are answered together."""

    def __init__(self, status: int = 400):
        self.status = status
        self.items: list[ErrorItem] = []

    def add(self, field_name: str | None, message: str) -> None:
        self.items.append(ErrorItem(self.status, message, field_name))

    def has(self, field_name: str) -> bool:
        return any(item.field == field_name for item in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ApiError(self.status, list(self.items))
