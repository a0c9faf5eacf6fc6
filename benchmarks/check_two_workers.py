#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real workers send the same invoices at once: each must reach Procountor exactly once.

    /opt/odoo18/venv/bin/python benchmarks/check_two_workers.py \\
        -c /opt/odoo18/odoo-test.conf -d DB [-n 50] [--fault] [--read-timeout 1] \\
        [--pdf html|pdf|none] [--reverse-b]

A check (a script that prints evidence, not a test). The Odoo test
``test_two_workers_interleaved`` can only play the second worker inside the first one's
transaction; here the two workers are two threads, each with its own database cursor (its own
PostgreSQL transaction, row locks and commits) and its own Environment, both calling the entry
point users call, ``account.move.action_procountor_send()``, on the same N invoices at the same
moment.

``DB`` must have ``procountor_connector`` installed. The sandbox runs in this process; the
company, connection and invoices are set up as ``bench_invoice_send.py`` does (same helpers).
``--fault`` makes the sandbox store every 3rd ``POST /invoices`` and then answer later than the
connection's read timeout (``timeout_after_commit``), so that the workers must look the invoice
up instead of creating it again. Both workers are run again, together, until every invoice is
sent (at most 10 rounds). It prints per round and in total what each worker sent, skipped and
failed, Procountor invoices per ``originalInvoiceNumber``, the ``POST /invoices`` (and
attachment) calls in the sandbox journal, and a last line ``two-workers: OK`` or
``two-workers: DUPLICATES FOUND`` (exit status 1). A worker that raised or did not finish
(a deadlock) ends the run with ``two-workers: WORKER FAILED`` (exit status 2).

The invoices are committed in ``DB``: use a scratch copy (``createdb -T``).
"""

import argparse
import collections
import re
import sys
import threading
import traceback
from contextlib import contextmanager
from unittest.mock import patch

import bench_invoice_send as bench
import requests

WORKERS = ("A", "B")
MAX_ROUNDS = 10
#: Seconds both workers wait for each other at the start line.
START_TIMEOUT = 120
#: Seconds a round may take before a worker still running is reported as hung (deadlock).
ROUND_TIMEOUT = 900
#: How long the sandbox sleeps after storing a faulted POST, beyond the client's read timeout.
FAULT_EXTRA_SECONDS = 1


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument("-n", "--count", type=int, default=50, help="invoices (default 50)")
    parser.add_argument(
        "--fault",
        action="store_true",
        help="the sandbox stores every 3rd POST /invoices, then answers too late",
    )
    parser.add_argument(
        "--read-timeout",
        type=int,
        default=1,
        help="connection read timeout in seconds with --fault (default 1)",
    )
    parser.add_argument(
        "--reverse-b",
        action="store_true",
        help="worker B goes through the invoices in reverse order (two differently sorted lists)",
    )
    return parser.parse_args()


class Worker(threading.Thread):
    """One Odoo worker: its own cursor (transaction) and Environment on the shared registry.

    Threads rather than processes: Odoo's threaded server serves concurrent requests exactly
    so, one registry shared by threads that each hold their own cursor, and the registry and
    the ORM are built for it (environments and caches belong to a cursor's transaction). What
    the check is about, two PostgreSQL transactions taking row locks and committing claims
    concurrently, is the same with processes; the GIL is released during every database and
    HTTP call, which is where the two workers overlap.
    """

    def __init__(self, name, registry, context, move_ids, start_line):
        super().__init__(name=f"procountor-worker-{name}", daemon=True)
        self.label = name
        self.registry = registry
        self.context = context
        self.move_ids = move_ids
        self.start_line = start_line
        self.summary = None  # {"sent": ids, "skipped": ids, "failed": ids}
        self.error = None

    def run(self):
        from odoo import SUPERUSER_ID, api

        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, self.context)
                moves = env["account.move"].browse(self.move_ids)
                self.start_line.wait()
                moves.action_procountor_send()
        except Exception:  # noqa: BLE001 - not swallowed: the main thread prints it and fails
            self.error = traceback.format_exc()


@contextmanager
def capture_summaries(env):
    """Keep the summary each worker's send ends with (the action turns it into a notification)."""
    Move = type(env["account.move"])
    original = Move._procountor_summary_notification

    def notification(moves, summary):
        worker = threading.current_thread()
        if isinstance(worker, Worker):
            worker.summary = {
                "sent": summary.sent.ids,
                "skipped": summary.skipped.ids,
                "failed": summary.failed.ids,
            }
        return original(moves, summary)

    with patch.object(Move, "_procountor_summary_notification", notification):
        yield


def run_round(registry, context, move_ids, reverse_b):
    """Both workers on the same invoices at once; returns the finished workers."""
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


def add_fault(sandbox_url, read_timeout):
    response = requests.post(
        f"{sandbox_url}/_sandbox/faults",
        json={
            "kind": "timeout_after_commit",
            "path": "/invoices",
            "method": "POST",
            "every_nth": 3,
            "seconds": read_timeout + FAULT_EXTRA_SECONDS,
        },
        timeout=bench.TIMEOUT,
    )
    response.raise_for_status()


def sandbox_get(sandbox_url, path):
    response = requests.get(f"{sandbox_url}/_sandbox/{path}", timeout=bench.TIMEOUT)
    response.raise_for_status()
    return response.json()


def odoo_states(registry, context, move_ids):
    """{move id: (procountor_state, procountor_invoice_id)} as committed."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        moves = env["account.move"].browse(move_ids)
        return {
            move.id: (move.procountor_state, move.procountor_invoice_id, move.name)
            for move in moves
        }


def report_round(number, workers, totals):
    parts = []
    for worker in workers:
        summary = worker.summary or {"sent": [], "skipped": [], "failed": []}
        for outcome, ids in summary.items():
            totals[worker.label][outcome].extend(ids)
        parts.append(
            f"worker {worker.label}: sent {len(summary['sent'])}, "
            f"skipped {len(summary['skipped'])}, failed {len(summary['failed'])}"
        )
    print(f"round {number}: " + "; ".join(parts), flush=True)


def report_remote(sandbox_url, states):
    """Print what Procountor holds; returns the list of problems found (duplicates)."""
    problems = []
    names = {name: (move_id, remote_id) for move_id, (_s, remote_id, name) in states.items()}
    remote = sandbox_get(sandbox_url, "invoices")
    by_number = collections.defaultdict(list)
    for invoice in remote:
        if invoice.get("originalInvoiceNumber") in names:
            by_number[invoice["originalInvoiceNumber"]].append(invoice)
    per_number = collections.Counter(len(by_number.get(name, ())) for name in names)
    print(
        "Procountor invoices per originalInvoiceNumber: "
        f"max {max(per_number)}, distribution "
        + ", ".join(
            f"{count} invoice(s): {numbers} numbers"
            for count, numbers in sorted(per_number.items())
        )
    )
    for name, invoices in sorted(by_number.items()):
        if len(invoices) > 1:
            problems.append(f"{name}: Procountor invoices {[i['id'] for i in invoices]}")
        elif invoices and invoices[0]["id"] != names[name][1]:
            problems.append(
                f"{name}: Odoo stores {names[name][1]}, Procountor has {invoices[0]['id']}"
            )
    attachments = collections.Counter(
        len(invoice.get("attachments") or ())
        for invoices in by_number.values()
        for invoice in invoices
    )
    print(
        "attachments per Procountor invoice: "
        + ", ".join(
            f"{count}: {invoices} invoices" for count, invoices in sorted(attachments.items())
        )
    )
    for name, invoices in sorted(by_number.items()):
        for invoice in invoices:
            if len(invoice.get("attachments") or ()) > 1:
                problems.append(f"{name}: {len(invoice['attachments'])} attachments")
    return problems


def report_journal(sandbox_url):
    journal = sandbox_get(sandbox_url, "journal")
    calls = collections.Counter(
        (entry["method"], re.sub(r"/\d+", "/{id}", entry["path"])) for entry in journal
    )
    posts = collections.Counter(
        entry["status"]
        for entry in journal
        if entry["method"] == "POST" and entry["path"] == "/invoices"
    )
    print(
        f"POST /invoices in the sandbox journal: {sum(posts.values())} "
        f"(by status: {dict(sorted(posts.items()))})"
    )
    print("all API calls: " + ", ".join(f"{m} {p}: {n}" for (m, p), n in sorted(calls.items())))


def main():
    args = parse_args()
    odoo = bench.boot_odoo(args)
    from odoo.modules.registry import Registry

    from odoo.addons.procountor_connector.procountor_api import const as api_const

    with bench.pinned_sandbox() as sandbox:
        registry = Registry(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env, journal, customer, products, connection = bench.setup_benchmark(
                env, args, sandbox.url
            )
            connection.procountor_timeout = (
                args.read_timeout if args.fault else api_const.READ_TIMEOUT
            )
            moves = bench.create_invoices(env, journal, customer, products, args.count)
            cr.commit()
            move_ids, context = moves.ids, dict(env.context)
            steps = ", ".join(["create", *connection._procountor_invoice_steps()])
            print(
                f"\n{args.count} invoices ({moves[0].name} .. {moves[-1].name}); steps: {steps}; "
                f"PDF: {args.pdf}; read timeout {connection.procountor_timeout} s; fault: "
                + (
                    f"timeout_after_commit on every 3rd POST /invoices "
                    f"({args.read_timeout + FAULT_EXTRA_SECONDS} s)"
                    if args.fault
                    else "none"
                )
                + f"; worker B order: {'reversed' if args.reverse_b else 'same'}\n",
                flush=True,
            )
            bench.clear_journal(sandbox.url)
            if args.fault:
                add_fault(sandbox.url, args.read_timeout)
            totals = {name: collections.defaultdict(list) for name in WORKERS}
            failed_workers = []
            with bench.render_mode(env, args.pdf), capture_summaries(env):
                for number in range(1, MAX_ROUNDS + 1):
                    workers = run_round(registry, context, move_ids, args.reverse_b)
                    report_round(number, workers, totals)
                    failed_workers = [worker for worker in workers if worker.error]
                    states = odoo_states(registry, context, move_ids)
                    if failed_workers:
                        break
                    if all(state == "sent" for state, _id, _name in states.values()):
                        break
        return finish(sandbox.url, totals, states, failed_workers)


def finish(sandbox_url, totals, states, failed_workers):
    print()
    for outcome in ("sent", "skipped", "failed"):
        print(
            f"invoices {outcome} by each worker: "
            + ", ".join(f"{name} {len(totals[name][outcome])}" for name in WORKERS)
        )
    twice = set(totals["A"]["sent"]) & set(totals["B"]["sent"])
    print(f"invoices sent by both workers: {len(twice)}")
    left = collections.Counter(state for state, _id, _name in states.values())
    print(f"Odoo procountor_state: {dict(sorted(left.items()))}")
    problems = report_remote(sandbox_url, states)
    report_journal(sandbox_url)
    problems += [f"invoice id {move_id} sent by both workers" for move_id in sorted(twice)]
    for problem in problems:
        print(f"  duplicate: {problem}")
    for worker in failed_workers:
        print(f"worker {worker.label} failed:\n{worker.error}")
    if failed_workers:
        print("two-workers: WORKER FAILED")
        return 2
    if problems:
        print("two-workers: DUPLICATES FOUND")
        return 1
    print("two-workers: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
