#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real workers send invoices of new customers and new products at once, with "Create
missing partners/products on send": each customer and product must reach Procountor once.

    /opt/odoo18/venv/bin/python benchmarks/check_two_workers_registers.py \\
        -c /opt/odoo18/odoo-test.conf -d DB [-k 8] [-m 3] [--fault] [--read-timeout 1] \\
        [--slow 0.5] [--reverse-b]

A check (a script that prints evidence, not a test), the sibling of ``check_two_workers.py``:
the two workers are two threads, each with its own database cursor (its own PostgreSQL
transaction, row locks and commits) and its own Environment, both calling
``account.move.action_procountor_send()`` on the same invoices at the same moment. ``-k``
customers and ``-k`` products, new in this run (not yet in Procountor), get ``-m`` invoices
each (invoice j of customer i sells product i): every customer and product is wanted by
several invoices of both workers at once. ``--fault`` makes the sandbox store every 2nd
``POST /businesspartners`` and ``POST /products`` and then answer later than the read
timeout, so that the next attempt must look the record up instead of creating it again;
``--slow`` makes it wait before handling every such POST (a slow Procountor answering in
time): the other worker meets the creation while it is on its way.
Rounds run until every invoice is sent (at most 10).

It prints per round what each worker sent, skipped and failed; ``POST /businesspartners``
and ``POST /products`` in the sandbox journal per customer and product; the Procountor
partners and products per name and code; whether every invoice refers to its customer's
one partner and product; and a last line ``two-workers: OK`` or ``two-workers: DUPLICATES
FOUND`` (exit status 1); a worker that raised or hung ends with ``two-workers: WORKER
FAILED`` (exit status 2).

The records are committed in ``DB``: use a scratch copy (``createdb -T``).
"""

import argparse
import collections
import sys
import time

import bench_invoice_send as bench
import requests
import two_workers
from check_two_workers import SEND
from two_workers import WORKERS

MAX_ROUNDS = 10
FAULT_EXTRA_SECONDS = 1


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument("-k", "--customers", type=int, default=8, help="new customers (8)")
    parser.add_argument("-m", "--per-customer", type=int, default=3, help="invoices each (3)")
    parser.add_argument(
        "--fault",
        action="store_true",
        help="the sandbox stores every 2nd POST /businesspartners and /products, then "
        "answers too late",
    )
    parser.add_argument("--read-timeout", type=int, default=1, help="with --fault (1 s)")
    parser.add_argument(
        "--slow",
        type=float,
        default=0.0,
        help="seconds the sandbox waits before handling each POST /businesspartners and "
        "/products (a slow Procountor, answered in time; default 0)",
    )
    parser.add_argument(
        "--reverse-b", action="store_true", help="worker B goes through the invoices reversed"
    )
    return parser.parse_args()


def add_latency(sandbox_url, seconds):
    for path in ("/businesspartners", "/products"):
        response = requests.post(
            f"{sandbox_url}/_sandbox/faults",
            json={"kind": "latency", "path": path, "method": "POST", "seconds": seconds},
            timeout=bench.TIMEOUT,
        )
        response.raise_for_status()


def add_faults(sandbox_url, read_timeout):
    for path in ("/businesspartners", "/products"):
        response = requests.post(
            f"{sandbox_url}/_sandbox/faults",
            json={
                "kind": "timeout_after_commit",
                "path": path,
                "method": "POST",
                "every_nth": 2,
                "seconds": read_timeout + FAULT_EXTRA_SECONDS,
            },
            timeout=bench.TIMEOUT,
        )
        response.raise_for_status()


def new_records(env, customers, tax):
    """``customers`` new customers and as many new products, unique to this run."""
    run = time.strftime("%H%M%S")
    partners = env["res.partner"].create(
        [
            {
                "name": f"Uusi Asiakas {run}-{index:02d} Oy",
                "is_company": True,
                "street": f"Uusikatu {index + 1}",
                "zip": "00100",
                "city": "Helsinki",
                "country_id": env.ref("base.fi").id,
            }
            for index in range(customers)
        ]
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Uusi tuote {run}-{index:02d}",
                "default_code": f"NEW-{run}-{index:02d}",
                "taxes_id": [(6, 0, tax.ids)],
            }
            for index in range(customers)
        ]
    )
    env.cr.commit()
    return partners, products


def create_invoices(env, journal, partners, products, per_customer):
    vals_list = [
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": bench.INVOICE_DATE,
            "invoice_date_due": bench.DUE_DATE,
            "journal_id": journal.id,
            "invoice_line_ids": [
                (0, 0, {"product_id": product.id, "quantity": 1 + copy, "price_unit": 25.0})
            ],
        }
        # A customer's invoices one after the other: the worker that finds the first one
        # locked takes the next one, of the same new customer and product.
        for partner, product in zip(partners, products, strict=True)
        for copy in range(per_customer)
    ]
    moves = env["account.move"].create(vals_list)
    moves.action_post()
    env.cr.commit()
    return moves


def odoo_states(moves):
    return {
        move.id: (move.procountor_state, move.procountor_invoice_id, move.name) for move in moves
    }


def report(sandbox, partners, products, states):
    """Print what Procountor holds and received; returns the problems found."""
    problems = []
    state = sandbox.state
    journal = requests.get(f"{sandbox.url}/_sandbox/journal", timeout=bench.TIMEOUT).json()
    for path in ("/businesspartners", "/products"):
        posts = collections.Counter(
            entry["status"]
            for entry in journal
            if entry["method"] == "POST" and entry["path"] == path
        )
        print(
            f"POST {path} in the sandbox journal: {sum(posts.values())} (by status: {dict(posts)})"
        )
    remote_partners = collections.defaultdict(list)
    for remote in state.businessPartners.values():
        remote_partners[remote["name"]].append(remote["id"])
    remote_products = collections.defaultdict(list)
    for remote in state.products.values():
        remote_products[remote.get("code")].append(remote["id"])
    per_partner = collections.Counter(len(remote_partners.get(p.name, ())) for p in partners)
    per_product = collections.Counter(
        len(remote_products.get(p.default_code, ())) for p in products
    )
    print(f"Procountor partners per new customer: {dict(sorted(per_partner.items()))}")
    print(f"Procountor products per new product: {dict(sorted(per_product.items()))}")
    for partner in partners:
        if len(remote_partners.get(partner.name, ())) != 1:
            problems.append(
                f"{partner.name}: Procountor partners {remote_partners.get(partner.name)}"
            )
    for product in products:
        if len(remote_products.get(product.default_code, ())) != 1:
            problems.append(
                f"{product.default_code}: Procountor products "
                f"{remote_products.get(product.default_code)}"
            )
    by_id = {invoice["id"]: invoice for invoice in state.invoices.values()}
    numbers = collections.Counter(
        invoice.get("originalInvoiceNumber") for invoice in by_id.values()
    )
    wrong = 0
    for move_id, (_state, remote_id, name) in states.items():
        if numbers.get(name, 0) > 1:
            problems.append(f"{name}: {numbers[name]} Procountor invoices")
        invoice = by_id.get(remote_id)
        if not invoice:
            continue
        move = partners.env["account.move"].browse(move_id)
        expected_partner = remote_partners.get(move.partner_id.name, [None])[0]
        expected_product = remote_products.get(
            move.invoice_line_ids.product_id.default_code, [None]
        )[0]
        if invoice.get("partnerId") != expected_partner or (
            invoice["invoiceRows"][0].get("productId") != expected_product
        ):
            wrong += 1
            problems.append(f"{name}: refers to partner {invoice.get('partnerId')}")
    print(f"invoices referring to another partner or product than their own: {wrong}")
    return problems


def main():
    args = parse_args()
    with bench.session(args) as (sandbox, registry, env):
        args.pdf = "none"
        env, journal, _customer, bench_products, connection = bench.setup_benchmark(
            env, args, sandbox.url
        )
        connection.write(
            {
                "partner_create_on_send": True,
                "product_create_on_send": True,
                "procountor_timeout": args.read_timeout if args.fault else 30,
            }
        )
        # Links of earlier runs point to records of another sandbox (a new one each run,
        # whose ids start again): forget them.
        for model in ("procountor.partner.link", "procountor.product.link"):
            env[model].search([("connection_id", "=", connection.id)]).unlink()
        tax = bench_products[0].taxes_id
        partners, products = new_records(env, args.customers, tax)
        moves = create_invoices(env, journal, partners, products, args.per_customer)
        print(
            f"\n{len(moves)} invoices of {len(partners)} new customers and products "
            f"({args.per_customer} each); fault: "
            + ("every 2nd POST stored, then answered too late" if args.fault else "none")
            + f"; POST latency {args.slow} s"
            + f"; worker B order: {'reversed' if args.reverse_b else 'same'}\n",
            flush=True,
        )
        bench.clear_journal(sandbox.url)
        if args.fault:
            add_faults(sandbox.url, args.read_timeout)
        if args.slow:
            add_latency(sandbox.url, args.slow)
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
        print()
        for outcome in SEND.outcomes:
            print(
                f"invoices {outcome} by each worker: "
                + ", ".join(f"{name} {len(totals[name][outcome])}" for name in WORKERS)
            )
        left = collections.Counter(state for state, _id, _name in states.values())
        print(f"Odoo procountor_state: {dict(sorted(left.items()))}")
        env.invalidate_all()
        problems = report(sandbox, partners, products, states)
        for problem in problems:
            print(f"  duplicate: {problem}")
        for worker in failed_workers:
            print(f"worker {worker.label} failed:\n{worker.error}")
        if failed_workers:
            print("two-workers: WORKER FAILED")
            return 2
        if problems or left.get("sent", 0) != len(moves):
            print("two-workers: DUPLICATES FOUND" if problems else "two-workers: NOT ALL SENT")
            return 1
        print("two-workers: OK")
        return 0


if __name__ == "__main__":
    sys.exit(main())
