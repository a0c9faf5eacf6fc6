#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the reconciliation run (a script that prints figures, not a test).

    /opt/odoo18/venv/bin/python benchmarks/bench_reconcile.py \\
        -c /opt/odoo18/odoo-test.conf -d DB [-n 500,5000] [--paid-every 10]

``DB`` must have ``procountor_connector`` installed; the company, connection and customer are
set up as ``bench_invoice_send.py`` does (same helpers). For each N (cumulative: the second
size adds to the first) the script creates and posts sales invoices of March 2026 up to N,
builds their Procountor twins with the connector's own payload builder and creates them in
the sandbox in bulk (``POST /_sandbox/invoices``, status SENT), pays every ``--paid-every``-th
in both books, then runs ``procountor.connection._procountor_reconcile`` for March and prints:

- the differences found (must be 0: both books agree);
- API calls of the run (the sandbox journal, by kind), next to the issue's bound
  pages + ceil(N/200) per document type + 1;
- SQL queries of the run (``odoo.sql_db.sql_counter``, every cursor of the process), and of
  those the ones writing the exchange log (a row per API call, so they follow the calls):
  the rest is flat in N when it is about the same for both sizes;
- seconds of the run (wall) and of Odoo alone (wall minus the HTTP time the client measured).

Everything is committed: use a scratch copy of a database (``createdb -T``).
"""

import argparse
import collections
import datetime
import math
import time
from contextlib import contextmanager
from unittest.mock import patch

import bench_invoice_send as bench
import requests

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument("-n", "--sizes", default="500,5000", help="comma-separated totals")
    parser.add_argument("--paid-every", type=int, default=10, help="every k-th invoice paid")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="create nothing in Odoo: twin the invoices an earlier run left in DB, then measure",
    )
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    args.pdf = "none"
    return args


def twin_in_sandbox(env, connection, sandbox_url, moves, paid_every, offset, pay=True):
    """Procountor twins of ``moves`` (bulk control endpoint), linked on the moves; pays
    every ``paid_every``-th in both books (``pay`` False: the Odoo payments exist; the twin
    is paid where Odoo's invoice is)."""
    specs, paid = [], env["account.move"]
    for index, move in enumerate(moves, start=offset):
        data, problems = move._procountor_prepare(connection)
        if problems:
            raise SystemExit(f"{move.name}: {problems}")
        payments = []
        if (index % paid_every == 0) if pay else move.payment_state != "not_paid":
            payments = [{"amount": move.amount_total, "paymentDate": "2026-03-20"}]
            paid |= move
        specs.append(
            {"invoice": move._procountor_build_body(data), "status": "SENT", "payments": payments}
        )
    created = []
    for start in range(0, len(specs), 500):
        response = requests.post(
            f"{sandbox_url}/_sandbox/invoices",
            json={"invoices": specs[start : start + 500]},
            timeout=120,
        )
        response.raise_for_status()
        created += response.json()["invoices"]
    for move, remote in zip(moves, created, strict=True):
        move.write(
            {
                "procountor_connection_id": connection.id,
                "procountor_invoice_id": remote["id"],
                "procountor_invoice_number": remote["invoiceNumber"],
                "procountor_status": remote["status"],
                "procountor_state": "sent",
            }
        )
    bank = env["account.journal"].search(
        [("company_id", "=", connection.company_id.id), ("type", "=", "bank")], limit=1
    )
    if paid and pay:
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"journal_id": bank.id, "payment_date": "2026-03-20"})._create_payments()
    env.cr.commit()


def call_kinds(journal):
    return collections.Counter(
        f"{entry['method']} "
        + ("/invoices/{ids}" if entry["path"].startswith("/invoices/") else entry["path"])
        if "," in entry["path"] or entry["path"].startswith("/invoices/")
        else f"{entry['method']} {entry['path']}"
        for entry in journal
    )


@contextmanager
def log_queries(env):
    """Counts the SQL queries spent writing the exchange log (one row per API call,
    through its own cursor): they follow the calls, not the documents."""
    from odoo import sql_db

    Connection = type(env["procountor.connection"])
    original = Connection._procountor_log_exchange
    counted = {"queries": 0}

    def log_exchange(connection_record, exchange, record=None):
        before = sql_db.sql_counter
        try:
            return original(connection_record, exchange, record)
        finally:
            counted["queries"] += sql_db.sql_counter - before

    with patch.object(Connection, "_procountor_log_exchange", log_exchange):
        yield counted


def measure(env, connection, sandbox_url):
    bench.fresh_start(env, connection, sandbox_url)
    with log_queries(env) as logged, bench.measured(env) as figures:
        summary = connection._procountor_reconcile(*MARCH)
    env.cr.commit()
    figures["log_queries"] = logged["queries"]
    journal = requests.get(f"{sandbox_url}/_sandbox/journal", timeout=bench.TIMEOUT).json()
    return summary, journal, figures


def main():
    args = parse_args()
    with bench.session(args) as (sandbox, _registry, env):
        env, journal, customer, products, connection = bench.setup_benchmark(env, args, sandbox.url)
        env.cr.commit()
        print(f"\nsandbox at {sandbox.url}; database {args.database}\n", flush=True)
        header = (
            f"{'N':>6} {'diffs':>6} {'API calls':>10} {'bound':>6} {'SQL':>6} {'log SQL':>8} "
            f"{'run s':>7} {'Odoo s':>7} {'setup s':>8}"
        )
        print(header)
        print("-" * len(header))
        done, ok, rows = 0, True, []
        if args.measure_only:
            # The documents of an earlier run of this script (the sandbox is new: twins again).
            moves = env["account.move"].search(
                [("company_id", "=", connection.company_id.id), ("move_type", "=", "out_invoice")],
                order="id",
            )
            twin_in_sandbox(env, connection, sandbox.url, moves, args.paid_every, 0, pay=False)
            args.sizes = [len(moves)]
            done = len(moves)
        for size in args.sizes:
            started = time.perf_counter()
            if size > done:
                moves = bench.create_invoices(env, journal, customer, products, size - done)
                twin_in_sandbox(env, connection, sandbox.url, moves, args.paid_every, done)
                done = size
            setup_s = time.perf_counter() - started
            summary, calls, figures = measure(env, connection, sandbox.url)
            diffs = sum(summary.found.values())
            pages = math.ceil(size / 200)
            # Sales invoices: search pages + ceil(N/200) reads; payment events: ceil(paid/200)
            # reads (each one page here); journal entries: one page; + 1 (the API user, read
            # once per connection) + the token.
            # Balances: the open invoices before the period, one (empty) page here.
            paid = math.ceil(size / args.paid_every)
            bound = pages + pages + math.ceil(paid / 200) + 1 + 1 + 1 + 1
            ok = ok and not diffs and len(calls) <= bound and not summary.problem
            print(
                f"{size:>6} {diffs:>6} {len(calls):>10} {bound:>6} {figures['queries']:>6} "
                f"{figures['log_queries']:>8} "
                f"{figures['wall_ms'] / 1000:>7.2f} "
                f"{(figures['wall_ms'] - figures['http_ms']) / 1000:>7.2f} {setup_s:>8.0f}",
                flush=True,
            )
            rows.append((size, call_kinds(calls), summary.problem))
        for size, kinds, problem in rows:
            text = ", ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items()))
            print(f"\nN={size} calls: {text}" + (f"\nproblem: {problem}" if problem else ""))
        print("bench-reconcile: " + ("OK" if ok else "TARGET MISSED"))
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
