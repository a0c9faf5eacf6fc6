# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Odoo's term extractor (babel) evaluates the string arguments of ``_()`` calls: an f-string
among them makes it drop every term of the whole file from the .pot (``scripts/i18n-update``
then loses their Finnish). Catch that here, without Odoo."""

import ast
import pathlib

ADDON = pathlib.Path(__file__).resolve().parent.parent / "procountor_connector"
TRANSLATORS = {"_", "_lt"}


def _is_translation_call(node):
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in TRANSLATORS
    # env._(...) and self.env._(...)
    return isinstance(func, ast.Attribute) and func.attr == "_"


def _fstring_arguments(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_translation_call(node):
            values = [*node.args, *(keyword.value for keyword in node.keywords)]
            for value in values:
                if isinstance(value, ast.JoinedStr):
                    yield f"{path.relative_to(ADDON.parent)}:{value.lineno}"


def test_no_fstring_in_translated_calls():
    sources = sorted(p for p in ADDON.rglob("*.py") if "tests" not in p.parts)
    assert sources
    found = [place for path in sources for place in _fstring_arguments(path)]
    assert not found, f"f-string passed to a translation call (format it before the call): {found}"
