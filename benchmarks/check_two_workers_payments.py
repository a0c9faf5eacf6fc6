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
import threading
import traceback
from contextlib import contextmanager
from unittest.mock import patch

import bench_invoice_send as bench
import requests

WORKERS = ("A", "B")
MAX_ROUNDS = 5
START_TIMEOUT = 120
ROUND_TIMEOUT = 900
OUTCOMES = ("registered", "unchanged", "flagged", "failed", "skipped")


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


class Worker(threading.Thread):
    """One Odoo worker: its own cursor (transaction) and Environment on the shared registry."""

    def __init__(self, name, registry, context, move_ids, start_line):
        super().__init__(name=f"procountor-payment-worker-{name}", daemon=True)
        self.label = name
        self.registry = registry
        self.context = context
        self.move_ids = move_ids
        self.start_line = start_line
        self.summary = None
        self.error = None

    def run(self):
        from odoo import SUPERUSER_ID, api

        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, self.context)
                moves = env["account.move"].browse(self.move_ids)
                self.start_line.wait()
                moves.action_procountor_fetch_payments()
        except Exception:  # noqa: BLE001 - not swallowed: the main thread prints it and fails
            self.error = traceback.format_exc()


@contextmanager
def capture_summaries(env):
    Move = type(env["account.move"])
    original = Move._procountor_payment_notification

    def notification(moves, summary):
        worker = threading.current_thread()
        if isinstance(worker, Worker):
            worker.summary = {o: getattr(summary, o).ids for o in OUTCOMES}
            worker.summary["payments"] = summary.payments.ids
        return original(moves, summary)

    with patch.object(Move, "_procountor_payment_notification", notification):
        yield


def run_round(registry, context, move_ids, reverse_b):
    start_line = threading.Barrier(len(WORKERS), timeout=START_TIMEOUT)
    workers = [
        Worker(
            name,
            registry,
            context,
            move_ids[::-1] if reverse_b and name == "B" else move_ids,
            start_line,
        )
        for name in WORKERS
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(ROUND_TIMEOUT)
        if worker.is_alive():
            worker.error = f"still running after {ROUND_TIMEOUT} s (deadlock?)"
    return workers


def pay_twice(sandbox_url, moves):
    """Two payment events per invoice: 40 % on 2026-03-10, the rest on 2026-03-20."""
    events = []
    for move in moves:
        first = round(move.amount_total * 0.4, 2)
        for amount, day in ((first, "2026-03-10"), (move.amount_total - first, "2026-03-20")):
            response = requests.post(
                f"{sandbox_url}/_sandbox/invoices/{move.procountor_invoice_id}/payments",
                json={"amount": round(amount, 2), "paymentDate": day},
                timeout=bench.TIMEOUT,
            )
            response.raise_for_status()
            events.append(response.json()["id"])
    return events


def committed_state(registry, context, move_ids, connection_id):
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        moves = env["account.move"].browse(move_ids)
        states = collections.Counter(moves.mapped("payment_state"))
        payments = env["account.payment"].search([("procountor_connection_id", "=", connection_id)])
        per_event = collections.Counter(payments.mapped("procountor_payment_event_id"))
        return states, per_event, len(payments)


def main():
    args = parse_args()
    odoo = bench.boot_odoo(args)
    from odoo.modules.registry import Registry

    with bench.pinned_sandbox() as sandbox:
        registry = Registry(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env, journal, customer, products, connection = bench.setup_benchmark(
                env, args, sandbox.url
            )
            connection.write({"invoice_approve": True, "invoice_attach_pdf": False})
            moves = bench.create_invoices(env, journal, customer, products, args.count)
            summary = moves._procountor_send_batch()
            cr.commit()
            if summary.failed:
                raise SystemExit(f"{len(summary.failed)} invoices could not be sent")
            events = pay_twice(sandbox.url, moves)
            move_ids, context, connection_id = moves.ids, dict(env.context), connection.id
            print(
                f"\n{args.count} invoices ({moves[0].name} .. {moves[-1].name}) sent and paid "
                f"in two parts in the sandbox: {len(events)} payment events; worker B order: "
                f"{'reversed' if args.reverse_b else 'same'}\n",
                flush=True,
            )
            bench.clear_journal(sandbox.url)
            totals = {name: collections.defaultdict(list) for name in WORKERS}
            failed_workers = []
            with capture_summaries(env):
                for number in range(1, MAX_ROUNDS + 1):
                    workers = run_round(registry, context, move_ids, args.reverse_b)
                    parts = []
                    for worker in workers:
                        result = worker.summary or {o: [] for o in (*OUTCOMES, "payments")}
                        for outcome, ids in result.items():
                            totals[worker.label][outcome].extend(ids)
                        parts.append(
                            f"worker {worker.label}: "
                            + ", ".join(f"{o} {len(result[o])}" for o in OUTCOMES)
                            + f", payments {len(result['payments'])}"
                        )
                    print(f"round {number}: " + "; ".join(parts), flush=True)
                    failed_workers = [worker for worker in workers if worker.error]
                    states, per_event, count = committed_state(
                        registry, context, move_ids, connection_id
                    )
                    if failed_workers or set(states) == {"paid"}:
                        break
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
    calls = collections.Counter(
        "GET /invoices/{ids}"
        if "," in entry["path"]
        else "GET /invoices/{id}/paymentevents"
        if entry["path"].endswith("/paymentevents")
        else f"{entry['method']} {entry['path']}"
        for entry in journal
    )
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
