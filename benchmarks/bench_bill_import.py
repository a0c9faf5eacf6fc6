#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of importing Procountor purchase invoices as vendor bills (prints figures).

    createdb -T DB_WITH_ADDON SCRATCH_DB
    /opt/odoo18/venv/bin/python benchmarks/bench_bill_import.py -c ODOO.conf -d SCRATCH_DB \
        [--sizes 100,5000] [--max-in-flight 1,8] [--latency 0.15] [--attachment-every 1]

``SCRATCH_DB`` must have ``procountor_connector`` installed; the benchmark company, its
l10n_fi chart and its connection to an in-process sandbox are set up as
``bench_invoice_send.py`` does (same helpers), with the purchase tax and analytic mappings
the generated invoices need and *Post Imported Bills* on. A first, unmeasured import of 20
invoices creates the 20 suppliers, so that every measured run finds them linked. Then for
every ``--max-in-flight`` value (the connection's *Requests at Once*; 1 is the serial code
path) and every size N:

1. the sandbox is reset and seeded with N accepted purchase invoices (``POST /_sandbox/seed
   {"generate": {"purchaseInvoices": N}}``, 20 suppliers, 1-3 rows each, dimensions on two
   thirds, a PDF on every ``--attachment-every``-th); the bills of earlier runs are detached
   from the connection (SQL), the mark and the pending list cleared;
2. with ``--latency`` seconds added to every API call (a sandbox latency fault), the import
   runs once (``procountor.connection._procountor_fetch_bills()``, committing bill by bill as
   in production); its API calls by kind are checked against the target ``pages +
   ceil(N/200)`` per detail kind (invoices, ledger receipts) + the suppliers' batch read +
   1 token + the file downloads;
3. a second import run (no latency) must import nothing.

One row per run: bills imported and posted (must be N, each once, each with its file),
API calls, SQL queries (``odoo.sql_db.sql_counter``, every cursor of the process), wall
time, HTTP time summed over every thread (with parallel reads it exceeds the wall time), and
per bill the calls, queries and wall ms; then, per ``--max-in-flight``, the flatness ratios
(largest / smallest size) of the per-bill figures. With ``--by-hand``, the bills of the
first run are made again with Odoo's own ``account.move.create`` and ``action_post`` (same
partner, dates, lines, taxes and analytic, one commit per bill) as the yardstick.

It ends with ``bench-bill-import: OK`` or ``bench-bill-import: FAILED (<why>)``. The data
stays in ``SCRATCH_DB``: throw it away afterwards (``dropdb``).
"""

import argparse
import collections
import math
import time

import bench_invoice_send as bench
import requests

PAGE = 200


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument(
        "--sizes", "-n", default="500", help="comma-separated purchase invoice counts"
    )
    parser.add_argument(
        "--attachment-every",
        type=int,
        default=0,
        help="attach a PDF to every K-th invoice (one more GET per file; default none)",
    )
    parser.add_argument(
        "--max-in-flight",
        default="",
        help="comma-separated values of the connection's Requests at Once to run with "
        "(1: one request at a time); default: the connection's own",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every API call"
    )
    parser.add_argument(
        "--by-hand", action="store_true", help="also measure Odoo's own create + post"
    )
    args = parser.parse_args()
    args.pdf = "none"
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    args.max_in_flight = [int(v) for v in args.max_in_flight.split(",") if v.strip()] or [None]
    return args


def setup_bill_import(env, connection, company):
    """Purchase tax mappings (25.5, 13.5, 10 % with status 2), analytic accounts mapped to
    the sandbox's dimension items 101, 102 and 201, and the import options."""
    chart = env["account.chart.template"].with_company(company)
    tax_255 = chart.ref("tax_dom_purchase_goods_25_5")
    tax_10 = chart.ref("tax_dom_purchase_goods_10")
    tax_10.active = True
    Tax = env["account.tax"]
    tax_135 = Tax.search(
        [("company_id", "=", company.id), ("name", "=", "13.5% osto (benchmark)")], limit=1
    ) or tax_255.copy({"name": "13.5% osto (benchmark)", "amount": 13.5})
    percents = {vat.percent: vat for vat in connection.vat_percent_ids}
    statuses = {status.code: status for status in connection.vat_status_ids}
    Mapping = env["procountor.tax.mapping"]
    Mapping.search(
        [("connection_id", "=", connection.id), ("type_tax_use", "=", "purchase")]
    ).unlink()
    for tax, percent in ((tax_255, 25.5), (tax_10, 10.0), (tax_135, 13.5)):
        Mapping.create(
            {
                "connection_id": connection.id,
                "tax_id": tax.id,
                "vat_percent_id": percents[percent].id,
                "vat_status_id": statuses[2].id,
            }
        )
    env["procountor.analytic.mapping"].search([("connection_id", "=", connection.id)]).unlink()
    plans = {}
    for name in ("Kustannuspaikka", "Projekti"):
        plans[name] = env["account.analytic.plan"].search([("name", "=", name)], limit=1) or env[
            "account.analytic.plan"
        ].create({"name": name})
    items = {item.procountor_id: item for item in connection.dimension_item_ids}
    for item_id, name, plan in (
        (101, "Helsinki", "Kustannuspaikka"),
        (102, "Tampere", "Kustannuspaikka"),
        (201, "Verkkokauppa", "Projekti"),
    ):
        Analytic = env["account.analytic.account"]
        analytic = Analytic.search(
            [("name", "=", name), ("plan_id", "=", plans[plan].id)], limit=1
        ) or Analytic.create({"name": name, "plan_id": plans[plan].id, "company_id": company.id})
        env["procountor.analytic.mapping"].create(
            {
                "connection_id": connection.id,
                "analytic_account_id": analytic.id,
                "dimension_item_id": items[item_id].id,
            }
        )
    purchase_journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "purchase")], limit=1
    )
    connection.write(
        {
            "bill_import_enabled": True,
            "bill_import_journal_id": purchase_journal.id,
            "bill_import_post": True,
            "bill_import_version": False,
        }
    )
    env["procountor.bill.pending"].search([("connection_id", "=", connection.id)]).unlink()
    env.cr.commit()


def call_kinds(journal):
    return collections.Counter(
        f"{entry['method']} /{entry['path'].split('/')[1]}"
        + ("/{ids}" if entry["path"].count("/") > 1 and entry["path"] != "/oauth/token" else "")
        for entry in journal
    )


def by_hand_vals(move):
    """The vals a person (or another module) would give ``account.move.create`` for the
    same bill."""
    return {
        "move_type": move.move_type,
        "journal_id": move.journal_id.id,
        "partner_id": move.partner_id.id,
        "invoice_date": move.invoice_date,
        "date": move.date,
        "invoice_date_due": move.invoice_date_due,
        "invoice_payment_term_id": False,
        "ref": f"{move.ref} (by hand)",
        "payment_reference": move.payment_reference,
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "name": line.name,
                    "account_id": line.account_id.id,
                    "quantity": 1,
                    "price_unit": line.price_unit,
                    "tax_ids": [(6, 0, line.tax_ids.ids)],
                    "analytic_distribution": line.analytic_distribution,
                },
            )
            for line in move.invoice_line_ids
        ],
    }


def measure_by_hand(env, moves):
    from odoo import sql_db

    vals_list = [by_hand_vals(move) for move in moves]
    env.cr.commit()
    queries_before = sql_db.sql_counter
    started = time.perf_counter()
    Move = env["account.move"]
    for vals in vals_list:
        Move.create(vals).action_post()
        env.cr.commit()
    wall_ms = (time.perf_counter() - started) * 1000
    return sql_db.sql_counter - queries_before, wall_ms


def seed(sandbox_url, count, attachment_every):
    from procountor_sandbox.testing import PINNED_TODAY, pin_calendar

    requests.post(f"{sandbox_url}/_sandbox/reset", json={}, timeout=60).raise_for_status()
    pin_calendar(sandbox_url)
    requests.post(
        f"{sandbox_url}/_sandbox/seed",
        json={
            "generate": {
                "purchaseInvoices": count,
                "purchaseInvoiceOptions": {
                    "today": PINNED_TODAY.isoformat(),
                    "attachmentEvery": attachment_every,
                },
            }
        },
        timeout=600,
    ).raise_for_status()


def detach_bills(env, connection):
    """The bills of earlier runs leave the connection (the reset sandbox gives their ids
    again), and the mark and the pending list start empty."""
    env.cr.execute(
        "UPDATE account_move SET procountor_bill_connection_id = NULL "
        "WHERE procountor_bill_connection_id = %s",
        [connection.id],
    )
    env.cr.commit()
    env.invalidate_all()
    setup_bill_import(env, connection, connection.company_id)


def run_one(env, args, sandbox_url, connection, count):
    Move = env["account.move"]
    seed(sandbox_url, count, args.attachment_every)
    detach_bills(env, connection)
    bench.fresh_start(env, connection, sandbox_url)
    Exchange = env["procountor.exchange"].sudo()
    last_logged = Exchange.search([], order="id desc", limit=1).id or 0
    bench.add_latency(sandbox_url, args.latency)
    try:
        with bench.measured_with_workers(env) as figures:
            summary = connection._procountor_fetch_bills()
        env.cr.commit()
    finally:
        bench.clear_faults(sandbox_url)
    env.invalidate_all()
    journal = requests.get(f"{sandbox_url}/_sandbox/journal", timeout=bench.TIMEOUT).json()
    # The sandbox journal keeps the last 5,000 calls (its kinds below are of those): the
    # calls are counted in the connector's exchange log, one row per API call.
    logged = Exchange.search_count(
        [("connection_id", "=", connection.id), ("id", ">", last_logged)]
    )
    moves = Move.search([("procountor_bill_connection_id", "=", connection.id)])
    files = (count + args.attachment_every - 1) // args.attachment_every
    files = files if args.attachment_every else 0
    attached = env["ir.attachment"].search_count(
        [("res_model", "=", "account.move"), ("res_id", "in", moves.ids)]
    )
    bench.fresh_start(env, connection, sandbox_url)
    again = connection._procountor_fetch_bills()
    env.cr.commit()
    after = Move.search_count([("procountor_bill_connection_id", "=", connection.id)])
    pages = count // PAGE + 1
    details = math.ceil(count / PAGE)
    target = pages + 2 * details + 1 + 1 + files
    calls = max(logged, len(journal))
    failures = []
    if len(moves) != count or summary.imported != count or summary.pending or summary.failed:
        failures.append(f"{len(moves)} of {count} imported")
    if len(set(moves.mapped("procountor_bill_id"))) != len(moves):
        failures.append("a bill imported twice")
    if any(move.state != "posted" for move in moves):
        failures.append("not all posted")
    if attached != files:
        failures.append(f"{attached} files attached, {files} expected")
    if calls > target:
        failures.append(f"{calls} API calls > {target}")
    if again.imported or after != count:
        failures.append("the second run imported again")
    per = max(len(moves), 1)
    return {
        "count": count,
        "imported": len(moves),
        "files": attached,
        "calls": calls,
        "target": target,
        "kinds": call_kinds(journal),
        "queries": figures["queries"],
        "wall_ms": figures["wall_ms"],
        "http_ms": figures["http_ms"],
        "per_bill": (calls / per, figures["queries"] / per, figures["wall_ms"] / per),
        "failures": failures,
        "moves": moves,
    }


HEADER = (
    f"{'at once':>7} {'N':>6} {'bills':>6} {'files':>6} {'ok':>3} {'calls':>6} {'target':>6} "
    f"{'SQL':>8} {'wall s':>7} {'HTTP s':>7} | {'calls/bill':>10} {'SQL/bill':>9} "
    f"{'ms/bill':>8}"
)


def main():
    args = parse_args()
    failures = []
    results = collections.defaultdict(list)
    with bench.session(args) as (sandbox, _registry, env):
        env, _journal, _customer, _products, connection = bench.setup_benchmark(
            env, args, sandbox.url
        )
        setup_bill_import(env, connection, connection.company_id)
        # The suppliers, once and unmeasured: every measured run finds them linked.
        seed(sandbox.url, 20, 0)
        connection._procountor_fetch_bills()
        env.cr.commit()
        print(
            f"\nbill import; a file on every {args.attachment_every or 'no'} bill(s); latency "
            f"{args.latency * 1000:.0f} ms per API call; sandbox at {sandbox.url}; database "
            f"{args.database}\n"
        )
        print(HEADER)
        print("-" * len(HEADER), flush=True)
        for at_once in args.max_in_flight:
            if at_once is not None:
                connection.sudo().procountor_max_in_flight = at_once
                env.cr.commit()
            at_once = connection.procountor_max_in_flight
            for count in args.sizes:
                row = run_one(env, args, sandbox.url, connection, count)
                results[at_once].append(row)
                failures += [f"{at_once} at once, N={count}: {why}" for why in row["failures"]]
                per = row["per_bill"]
                print(
                    f"{at_once:>7} {count:>6} {row['imported']:>6} {row['files']:>6} "
                    f"{'NO' if row['failures'] else 'yes':>3} {row['calls']:>6} "
                    f"{row['target']:>6} {row['queries']:>8} {row['wall_ms'] / 1000:>7.1f} "
                    f"{row['http_ms'] / 1000:>7.1f} | {per[0]:>10.3f} {per[1]:>9.1f} "
                    f"{per[2]:>8.1f}",
                    flush=True,
                )
        print()
        for at_once, rows in results.items():
            for row in rows:
                kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(row["kinds"].items()))
                print(
                    f"at once {at_once}, N={row['count']}, the sandbox journal's last "
                    f"{sum(row['kinds'].values())} calls: {kinds}"
                )
        print()
        for at_once, rows in results.items():
            if len(rows) < 2:
                continue
            small, large = rows[0], rows[-1]
            ratios = ", ".join(
                f"{name} {large['per_bill'][index] / small['per_bill'][index]:.2f}"
                for index, name in enumerate(("calls/bill", "SQL/bill", "ms/bill"))
                if small["per_bill"][index]
            )
            print(f"flatness at once {at_once} (N={large['count']} / N={small['count']}): {ratios}")
        if args.by_hand:
            first = results[next(iter(results))][-1]
            hand_queries, hand_ms = measure_by_hand(env, first["moves"])
            per = max(len(first["moves"]), 1)
            print(
                f"Odoo's own account.move.create + action_post, the {per} bills of the last run "
                f"at {next(iter(results))} at once, one by one: {hand_queries / per:.1f} SQL "
                f"and {hand_ms / per:.1f} ms per bill"
            )
    print("bench-bill-import: " + ("OK" if not failures else f"FAILED ({'; '.join(failures)})"))
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
