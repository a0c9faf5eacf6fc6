# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One row lock that never waits, shared by invoices, partner/product links and connections."""

import psycopg2

from odoo.tools import mute_logger


def try_lock_row(record, flush=True):
    """Lock ``record``'s row for this transaction (``FOR NO KEY UPDATE NOWAIT``); False when
    another transaction holds it now (LockNotAvailable) or changed it after this repeatable-read
    transaction began (SerializationFailure: a write would fail at commit anyway).

    ``FOR NO KEY UPDATE`` rather than ``FOR UPDATE``: the exchange log is written through a
    second cursor and its foreign keys take ``FOR KEY SHARE`` on the row, which ``FOR UPDATE``
    would block until this transaction ends. A busy row is an expected answer here, not a
    failed query: without mute_logger odoo.sql_db would log each one as an ERROR "bad query".
    """
    record.ensure_one()
    cr = record.env.cr
    try:
        with cr.savepoint(flush=flush), mute_logger("odoo.sql_db"):
            cr.execute(
                f"SELECT id FROM {record._table} WHERE id = %s "  # noqa: S608
                "FOR NO KEY UPDATE NOWAIT",
                [record.id],
            )
    except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
        return False
    return True
