"""Helpers for tests that talk to a running sandbox over plain HTTP (requests).

Used by the repository's pure-Python suite and usable from other test suites (e.g.
the Odoo addon's): a bearer-authenticated caller, the control API, a valid sales
invoice body, a new sales product body, and a way to pin the fiscal calendar for tests
with fixed dates.
"""

from __future__ import annotations

import copy
from datetime import date

import requests

from . import defaults
from .seed import fiscal_years

TIMEOUT = 10
# Tests use fixed dates; pin_calendar() makes 2025-2027 open and 2024 closed, as the
# default seed does relative to the current date in 2026.
PINNED_TODAY = date(2026, 6, 1)
COMPANY_IBAN = "FI2112345600000785"
TOKEN_FORM = {
    "grant_type": "client_credentials",
    "client_id": defaults.CLIENT_ID,
    "client_secret": defaults.CLIENT_SECRET,
    "redirect_uri": defaults.REDIRECT_URI,
    "api_key": defaults.API_KEY,
}


class SandboxError(RuntimeError):
    """An answer the helper did not expect."""


class SandboxApi:
    """Bearer-authenticated calls to one sandbox's API root, plus its control API."""

    def __init__(self, base_url: str, root: str = "api"):
        self.base_url = base_url
        self.root = f"{base_url}/{root}"
        self.token = fetch_token(base_url, root)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", TIMEOUT)
        return requests.request(method, self.root + path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, **kwargs):
        """The JSON of a 200 answer; SandboxError for any other status."""
        response = self.call(method, path, **kwargs)
        if response.status_code != 200:
            raise SandboxError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return requests.request(method, f"{self.base_url}/_sandbox/{path}", **kwargs)


def fetch_token(base_url: str, root: str = "api") -> str:
    response = requests.post(f"{base_url}/{root}/oauth/token", data=TOKEN_FORM, timeout=TIMEOUT)
    if response.status_code != 200:
        raise SandboxError(f"token request: {response.status_code} {response.text}")
    return response.json()["access_token"]


def pin_calendar(base_url: str, today: date = PINNED_TODAY) -> None:
    """Replace the fiscal years by those the default seed makes on ``today``."""
    response = requests.post(
        f"{base_url}/_sandbox/seed",
        json={"fiscalYears": fiscal_years(today)},
        timeout=TIMEOUT,
    )
    if response.status_code != 200:
        raise SandboxError(f"seed: {response.status_code} {response.text}")


def error_codes(response: requests.Response) -> dict:
    """``{field: message}`` of an ErrorMessages body (field None when absent)."""
    return {error.get("field"): error["message"] for error in response.json()["errors"]}


SALES_INVOICE = {
    "type": "SALES_INVOICE",
    "date": "2026-03-15",
    "counterParty": {
        "counterPartyAddress": {
            "name": "Asiakas Oy",
            "street": "Asiakaskatu 5",
            "zip": "00200",
            "city": "Helsinki",
            "country": "FINLAND",
        },
        "identifier": "2077474-0",
        "email": "laskut@asiakas.example",
    },
    "paymentInfo": {
        "paymentMethod": "BANK_TRANSFER",
        "currency": "EUR",
        "bankAccount": {"accountNumber": COMPANY_IBAN},
        "dueDate": "2026-03-29",
        "currencyRate": 1,
        "bankReferenceCode": "",
    },
    "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
    "discountPercent": 0,
    "invoiceRows": [
        {
            "product": "Konsultointi",
            "productId": 5001,
            "quantity": 2,
            "unit": "HOUR",
            "unitPrice": 100,
            "discountPercent": 0,
            "vatPercent": 25.5,
        }
    ],
    "vatStatus": 1,
    "invoiceChannel": "EMAIL",
    "language": "FINNISH",
    "originalInvoiceNumber": "INV/2026/00001",
}


# A sales product the default seed does not have (its code TUKI is free).
SALES_PRODUCT = {
    "type": "SALES",
    "name": "Tuki",
    "code": "TUKI",
    "unit": "HOUR",
    "price": 80,
    "vat": 25.5,
    "discount": 0,
    "active": True,
    "currency": "EUR",
}


def sales_invoice(**overrides) -> dict:
    """A valid SALES_INVOICE body (dated 2026-03-15) with top-level overrides."""
    body = copy.deepcopy(SALES_INVOICE)
    body.update(copy.deepcopy(overrides))
    return body
