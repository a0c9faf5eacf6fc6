# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One unit of a scheduled action's work, isolated from the others (docs/architecture.md,
"Hardening").

Odoo counts a cron run that raises as a failure and deactivates the cron after
``MIN_FAILURE_COUNT_BEFORE_DEACTIVATION`` consecutive failures spread over a week
(``odoo/addons/base/models/ir_cron.py``): one connection with a malformed answer would stop
sending for every company. Every Procountor cron therefore runs each connection, and each
record inside it, in :func:`procountor_isolated`; nothing it does escapes as an exception.
"""

import logging
from contextlib import contextmanager

from odoo import modules, tools

_logger = logging.getLogger(__name__)


def procountor_can_commit():
    """Commits are allowed outside tests only (pytest-odoo sets only ``test_enable``)."""
    return not tools.config["test_enable"] and not modules.module.current_test


@contextmanager
def procountor_isolated(record, on_error, what="", commit=True):
    """Run the ``with`` body as one unit of work; an exception ends the unit, not the run.

    - outside tests, the unit starts with a commit (what the previous units did is durable)
      and an exception rolls back to it; in tests a savepoint plays that part;
    - the exception is logged with its traceback (server log), then ``on_error(exc)`` stores
      a readable text on ``record`` (the connection or the invoice) and is committed;
    - the ``with`` statement then ends normally: the caller goes on with the next unit.

    ``commit=False``: a savepoint bounds the unit also outside tests, and nothing is
    committed; for the units of a batch that commits once for many of them (a commit empties
    the ORM cache, which the next unit would fill again row by row).

    ``on_error`` itself failing is logged too, never raised. Callers keep catching the errors
    they expect (``ProcountorError``, ``UserError``) themselves, with their own messages; this
    is the net under them for what nobody expected (``KeyError``, ``ValueError`` ...).
    """
    env = record.env
    can_commit = commit and procountor_can_commit()
    label = what or f"{record._name}{record.ids}"
    try:
        if can_commit:
            env.cr.commit()  # pylint: disable=invalid-commit
            yield
        else:
            with env.cr.savepoint():
                yield
    except Exception as exc:  # noqa: BLE001 - the point: no error may end the cron run
        if can_commit:
            env.cr.rollback()
        _logger.exception("Procountor: unexpected error in %s; the run goes on", label)
        try:
            with env.cr.savepoint():
                on_error(exc)
        except Exception:  # noqa: BLE001 - storing the error must not end the run either
            _logger.exception("Procountor: could not store the error of %s", label)
        if can_commit:
            env.cr.commit()  # pylint: disable=invalid-commit


def unexpected_error_text(env, exc):
    """The translated text stored on a record for an error nobody expected."""
    return env._(
        "Unexpected error (%(type)s: %(error)s). The details are in the server log; "
        "the other records were processed.",
        type=type(exc).__name__,
        error=str(exc)[:300],
    )
