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

import bench_invoice_send as bench
import requests
import two_workers
from two_workers import WORKERS

MAX_ROUNDS = 10
SEND = two_workers.EntryPoint(
    method="action_procountor_send",
    notification="_procountor_summary_notification",
    outcomes=("sent", "skipped", "failed"),
    thread_name="procountor-worker",
)
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


def odoo_states(moves):
    """{move id: (procountor_state, procountor_invoice_id, name)} as committed."""
    return {
        move.id: (move.procountor_state, move.procountor_invoice_id, move.name) for move in moves
    }


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
    with bench.session(args) as (sandbox, registry, env):
        from odoo.addons.procountor_connector.procountor_api import const as api_const

        env, journal, customer, products, connection = bench.setup_benchmark(env, args, sandbox.url)
        connection.procountor_timeout = args.read_timeout if args.fault else api_const.READ_TIMEOUT
        moves = bench.create_invoices(env, journal, customer, products, args.count)
        env.cr.commit()
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
        with bench.render_mode(env, args.pdf):
            totals, states, failed_workers = two_workers.run_rounds(
                env,
                SEND,
                registry,
                moves.ids,
                reverse_b=args.reverse_b,
                max_rounds=MAX_ROUNDS,
                read=odoo_states,
                done=lambda states: all(state == "sent" for state, _id, _name in states.values()),
            )
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
