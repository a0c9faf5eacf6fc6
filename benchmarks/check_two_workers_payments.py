#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real workers fetch the payments of the same invoices at once: each payment once.

    /opt/odoo18/venv/bin/python benchmarks/check_two_workers_payments.py \\
        -c /opt/odoo18/odoo-test.conf -d DB [-n 50] [--reverse-b]

A check (a script that prints evidence, not a test), the payment twin of
``check_two_workers.py``: two threads, each with its own database cursor (its own PostgreSQL
transaction, row locks and commits) and Environment, call the entry point users call,
``account.move.action_procountor_fetch_payments()``, on the same N invoices at the same moment.
Each invoice was sent to the sandbox and paid there in two parts (two payment events). Both
workers run again, together, until every invoice is paid in Odoo (at most 5 rounds). It
prints per round what each worker registered, left unchanged, skipped and failed, the Odoo
payments per Procountor payment event, and a last line ``two-workers-payments: OK``, or
``DUPLICATES FOUND`` (exit 1) / ``WORKER FAILED`` (exit 2) / ``INCOMPLETE`` (exit 3).

The invoices and payments are committed in ``DB``: use a scratch copy (``createdb -T``).
"""

import argparse
import collections
import sys

import bench_invoice_send as bench
import bench_payment_fetch as payment_bench
import requests
import two_workers
from two_workers import WORKERS

MAX_ROUNDS = 5
FETCH = two_workers.EntryPoint(
    method="action_procountor_fetch_payments",
    notification="_procountor_payment_notification",
    outcomes=("registered", "unchanged", "flagged", "failed", "skipped", "payments"),
    thread_name="procountor-payment-worker",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument("-n", "--count", type=int, default=50, help="invoices (default 50)")
    parser.add_argument(
        "--reverse-b", action="store_true", help="worker B goes through the invoices in reverse"
    )
    args = parser.parse_args()
    args.pdf = "none"
    return args


def pay_twice(sandbox_url, moves):
    """Two payment events per invoice: 40 % on 2026-03-10, the rest on 2026-03-20."""
    events = []
    for move in moves:
        first = round(move.amount_total * 0.4, 2)
        for amount, day in ((first, "2026-03-10"), (move.amount_total - first, "2026-03-20")):
            events.append(payment_bench.pay_in_sandbox(sandbox_url, move, round(amount, 2), day))
    return events


def committed_state(moves, connection_id):
    """(invoices per payment state, Odoo payments per Procountor event, Odoo payments)."""
    states = collections.Counter(moves.mapped("payment_state"))
    payments = moves.env["account.payment"].search(
        [("procountor_connection_id", "=", connection_id)]
    )
    per_event = collections.Counter(payments.mapped("procountor_payment_event_id"))
    return states, per_event, len(payments)


def main():
    args = parse_args()
    with bench.session(args) as (sandbox, registry, env):
        env, journal, customer, products, connection = payment_bench.setup_payment_benchmark(
            env, args, sandbox.url
        )
        moves = bench.create_invoices(env, journal, customer, products, args.count)
        payment_bench.send_all(env, moves)
        events = pay_twice(sandbox.url, moves)
        connection_id = connection.id
        print(
            f"\n{args.count} invoices ({moves[0].name} .. {moves[-1].name}) sent and paid "
            f"in two parts in the sandbox: {len(events)} payment events; worker B order: "
            f"{'reversed' if args.reverse_b else 'same'}\n",
            flush=True,
        )
        bench.clear_journal(sandbox.url)
        totals, (states, per_event, count), failed_workers = two_workers.run_rounds(
            env,
            FETCH,
            registry,
            moves.ids,
            reverse_b=args.reverse_b,
            max_rounds=MAX_ROUNDS,
            read=lambda moves: committed_state(moves, connection_id),
            done=lambda state: set(state[0]) == {"paid"},
        )
        journal = requests.get(f"{sandbox.url}/_sandbox/journal", timeout=bench.TIMEOUT)
    return finish(journal.json(), totals, states, per_event, count, events, failed_workers)


def finish(journal, totals, states, per_event, count, events, failed_workers):
    print()
    print(
        "payments registered by each worker: "
        + ", ".join(f"{name} {len(totals[name]['payments'])}" for name in WORKERS)
    )
    print(f"Odoo payment states of the invoices: {dict(sorted(states.items()))}")
    print(f"Odoo payments: {count} for {len(events)} Procountor payment events")
    distribution = collections.Counter(per_event.get(str(event), 0) for event in events)
    print(
        "Odoo payments per payment event: "
        + ", ".join(f"{n}: {events} events" for n, events in sorted(distribution.items()))
    )
    calls = payment_bench.call_kinds(journal)
    print("API calls: " + ", ".join(f"{k}: {v}" for k, v in sorted(calls.items())))
    duplicates = [event for event in events if per_event.get(str(event), 0) > 1]
    for worker in failed_workers:
        print(f"worker {worker.label} failed:\n{worker.error}")
    if failed_workers:
        print("two-workers-payments: WORKER FAILED")
        return 2
    if duplicates or count > len(events):
        print(f"duplicated events: {duplicates}")
        print("two-workers-payments: DUPLICATES FOUND")
        return 1
    if set(states) != {"paid"} or count != len(events):
        print("two-workers-payments: INCOMPLETE")
        return 3
    print("two-workers-payments: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
