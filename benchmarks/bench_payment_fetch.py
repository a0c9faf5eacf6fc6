#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of fetching payments from Procountor (a script that prints figures, not a test).

    /opt/odoo18/venv/bin/python benchmarks/bench_payment_fetch.py \\
        -c /opt/odoo18/odoo-test.conf -d DB [-n 1000] [-k 30]

``DB`` must have ``procountor_connector`` installed; the company, connection and customer are
set up as ``bench_invoice_send.py`` does (same helpers), with *Approve Invoices* on (Procountor
takes payments on approved invoices only) and no PDF. The script creates, posts and sends
N invoices, posts k more for the baseline (never sent, so no candidates of the cron); pays k of
the N in full in the sandbox (control API); then runs the cron entry point
``procountor.connection._cron_procountor_fetch_payments()`` once and prints:

- registered: the Odoo payments made by the run (must be exactly k) and the invoices paid;
- API calls of the run (the sandbox journal, by kind: one token call, ceil(N/200) batch reads,
  k event reads), next to the issue's bound ceil(N/200) + ceil(k/200) + 1, + k when events are
  read per invoice;
- SQL queries (``odoo.sql_db.sql_counter``, every cursor of the process) and Odoo ms (wall time
  minus the HTTP time measured by the client) per registered payment;
- the same figures for Odoo's own ``account.payment.register`` on the k other invoices, one
  wizard per invoice as a person registers payments by hand, in the same run (measured first,
  so that the process's cold caches count against the baseline rather than the fetch).

The fetch commits after each invoice, exactly as in production: the data stays in ``DB``, so
use a scratch copy (``createdb -T``).
"""

import argparse
import collections
import math
import time

import bench_invoice_send as bench
import requests


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument("-n", "--count", type=int, default=1000, help="open invoices")
    parser.add_argument("-k", "--paid", type=int, default=30, help="of which paid")
    args = parser.parse_args()
    args.pdf = "none"
    return args


def setup_payment_benchmark(env, args, sandbox_url):
    """``setup_benchmark`` with *Approve Invoices* on (Procountor takes payments on approved
    invoices only) and no PDF: ``(env, journal, customer, products, connection)``."""
    env, journal, customer, products, connection = bench.setup_benchmark(env, args, sandbox_url)
    connection.write({"invoice_approve": True, "invoice_attach_pdf": False})
    return env, journal, customer, products, connection


def send_all(env, moves):
    summary = moves._procountor_send_batch()
    env.cr.commit()
    if summary.failed:
        raise SystemExit(f"{len(summary.failed)} invoices could not be sent")


def pay_in_sandbox(sandbox_url, move, amount, day):
    """One payment event on ``move``'s Procountor invoice (control API); returns its id."""
    response = requests.post(
        f"{sandbox_url}/_sandbox/invoices/{move.procountor_invoice_id}/payments",
        json={"amount": amount, "paymentDate": day},
        timeout=bench.TIMEOUT,
    )
    response.raise_for_status()
    return response.json()["id"]


def call_kinds(journal):
    """The sandbox journal's calls by kind (batch reads, event reads, the rest by path)."""
    return collections.Counter(
        "GET /invoices/{ids}"
        if "," in entry["path"]
        else "GET /invoices/{id}/paymentevents"
        if entry["path"].endswith("/paymentevents")
        else f"{entry['method']} {entry['path']}"
        for entry in journal
    )


def measure_fetch(env, connection, sandbox_url):
    bench.fresh_start(env, connection, sandbox_url)
    payments_before = env["account.payment"].search_count([])
    with bench.measured(env) as figures:
        env["procountor.connection"]._cron_procountor_fetch_payments()
    env.cr.commit()
    env.invalidate_all()
    registered = env["account.payment"].search_count([]) - payments_before
    journal = requests.get(f"{sandbox_url}/_sandbox/journal", timeout=bench.TIMEOUT).json()
    kinds = call_kinds(journal)
    calls_text = ", ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items()))
    return (
        len(journal),
        calls_text,
        figures["queries"],
        figures["wall_ms"],
        figures["http_ms"],
        registered,
    )


def measure_by_hand(env, moves):
    """Odoo's own Register Payment wizard, one invoice at a time."""
    from odoo import sql_db

    queries_before = sql_db.sql_counter
    started = time.perf_counter()
    for move in moves:
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": move.amount_residual, "payment_date": "2026-03-20"})
        )
        wizard._create_payments()
        env.cr.commit()
    wall_ms = (time.perf_counter() - started) * 1000
    return sql_db.sql_counter - queries_before, wall_ms


def main():
    args = parse_args()
    with bench.session(args) as (sandbox, _registry, env):
        env, journal, customer, products, connection = setup_payment_benchmark(
            env, args, sandbox.url
        )
        missing = connection._procountor_payment_missing()
        if missing:
            raise SystemExit("\n".join(missing))
        env.cr.commit()
        started = time.perf_counter()
        open_moves = bench.create_invoices(env, journal, customer, products, args.count)
        send_all(env, open_moves)
        # The baseline's invoices stay in Odoo only: they are no candidates of the cron.
        by_hand = bench.create_invoices(env, journal, customer, products, args.paid)
        print(
            f"\n{len(open_moves)} invoices created, posted and sent, {len(by_hand)} more "
            f"posted, in {time.perf_counter() - started:.0f} s; sandbox at {sandbox.url}; "
            f"database {args.database}",
            flush=True,
        )
        step = max(1, args.count // max(1, args.paid))
        paid = open_moves[::step][: args.paid]
        for move in paid:
            pay_in_sandbox(sandbox.url, move, move.amount_total, "2026-03-20")

        # Odoo's own wizard first: the cold start of the registry's caches (first payment of
        # the process) is then paid by the baseline, not by the fetch.
        hand_queries, hand_ms = measure_by_hand(env, by_hand)
        calls, calls_text, queries, wall_ms, http_ms, registered = measure_fetch(
            env, connection, sandbox.url
        )
        paid_in_odoo = sum(1 for move in paid if move.payment_state in ("paid", "in_payment"))
        others_paid = sum(
            1 for move in open_moves - paid if move.payment_state not in ("not_paid",)
        )
        # The bound: ceil(N/200) + ceil(k/200) + 1, plus k when events are read per
        # invoice (as here: only that answer has the event type).
        target = math.ceil(args.count / 200) + math.ceil(args.paid / 200) + 1 + args.paid
        per = max(registered, 1)
        print(
            f"\ncron run over {args.count} open invoices, {args.paid} paid in Procountor:\n"
            f"  registered payments: {registered} (invoices paid in Odoo: {paid_in_odoo} of "
            f"{len(paid)}; other invoices touched: {others_paid})\n"
            f"  API calls: {calls} ({calls_text}; target <= ceil({args.count}/200) + "
            f"ceil({args.paid}/200) + 1 + {args.paid} = {target})\n"
            f"  SQL queries: {queries} in total, {queries / per:.1f} per registered payment\n"
            f"  Odoo ms: {wall_ms - http_ms:.0f} in total, {(wall_ms - http_ms) / per:.1f} per "
            f"registered payment (HTTP {http_ms:.0f} ms, wall {wall_ms:.0f} ms)\n"
            f"Odoo's own account.payment.register, by hand, {len(by_hand)} invoices:\n"
            f"  SQL queries per payment: {hand_queries / len(by_hand):.1f}\n"
            f"  Odoo ms per payment: {hand_ms / len(by_hand):.1f}",
            flush=True,
        )
        ok = registered == args.paid == paid_in_odoo and not others_paid and calls <= target
        print("bench-payment-fetch: " + ("OK" if ok else "TARGET MISSED"))
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
