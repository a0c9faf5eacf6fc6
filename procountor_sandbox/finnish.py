"""Finnish identifiers: bank reference numbers, IBANs and business IDs.

python-stdnum covers IBAN, ISO 11649 (RF) references and Y-tunnus; it has no module
for the national Finnish reference number, whose 7-3-1 check digit is written here.
"""

from __future__ import annotations

import re

from stdnum import iban, iso11649
from stdnum.fi import ytunnus
from stdnum.iso7064 import mod_97_10

_FI_REFERENCE_WEIGHTS = (7, 3, 1)
_YTUNNUS_SHAPE = re.compile(r"^\d{7}-\d$")


def compact(code: str) -> str:
    return "".join(code.split()).upper()


def fi_reference_check_digit(base: str) -> str:
    """Check digit of a Finnish reference: weights 7, 3, 1 from the right."""
    total = sum(
        int(digit) * _FI_REFERENCE_WEIGHTS[index % 3] for index, digit in enumerate(reversed(base))
    )
    return str((10 - total % 10) % 10)


def make_fi_reference(base: str) -> str:
    return base + fi_reference_check_digit(base)


def is_valid_fi_reference(code: str) -> bool:
    """4-20 digits, the last being the 7-3-1 check digit of the rest."""
    code = compact(code)
    if not code.isdigit() or not 4 <= len(code) <= 20:
        return False
    return fi_reference_check_digit(code[:-1]) == code[-1]


def make_rf_reference(base: str) -> str:
    """ISO 11649 creditor reference built on a Finnish reference."""
    return "RF" + mod_97_10.calc_check_digits(base + "RF") + base


def is_valid_rf_reference(code: str) -> bool:
    return iso11649.is_valid(compact(code))


def is_valid_iban(value: str) -> bool:
    return iban.is_valid(value)


def compact_iban(value: str) -> str:
    return iban.compact(value)


def looks_like_ytunnus(value: str) -> bool:
    return bool(_YTUNNUS_SHAPE.match(value or ""))


def is_valid_ytunnus(value: str) -> bool:
    return ytunnus.is_valid(value)
