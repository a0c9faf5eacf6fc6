#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of importing Procountor purchase invoices as vendor bills (prints figures).

    createdb -T DB_WITH_ADDON SCRATCH_DB
    /opt/odoo18/venv/bin/python benchmarks/bench_bill_import.py -c ODOO.conf -d SCRATCH_DB [-n 500]

``SCRATCH_DB`` must have ``procountor_connector`` installed; the benchmark company, its
l10n_fi chart and its connection to an in-process sandbox are set up as
``bench_invoice_send.py`` does (same helpers), with the purchase tax and analytic mappings
the generated invoices need and *Post Imported Bills* on. The sandbox is seeded with N
accepted purchase invoices (``POST /_sandbox/seed {"generate": {"purchaseInvoices": N}}``,
20 suppliers, 1-3 rows each, dimensions on two thirds). Then:

1. the import runs once (``procountor.connection._procountor_fetch_bills()``, committing
   bill by bill as in production) and prints its API calls by kind against the target
   ``pages + ceil(N/200)`` per detail kind (invoices, ledger receipts) + the suppliers'
   batch read + 1 token; SQL queries (``odoo.sql_db.sql_counter``, every cursor of the
   process) and Odoo ms (wall time minus HTTP time) per bill;
2. the same bills are made by hand with Odoo's own ``account.move.create`` and
   ``action_post`` (same partner, dates, lines, taxes and analytic, one commit per bill),
   and their SQL queries and ms per bill are printed next to the import's;
3. a second import run must import nothing.

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
    parser.add_argument("-n", "--count", type=int, default=500, help="purchase invoices")
    parser.add_argument(
        "--attachment-every",
        type=int,
        default=0,
        help="attach a PDF to every K-th invoice (one more GET per file; default none)",
    )
    args = parser.parse_args()
    args.pdf = "none"
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


def main():
    args = parse_args()
    failures = []
    with bench.session(args) as (sandbox, _registry, env):
        from procountor_sandbox.testing import PINNED_TODAY

        env, _journal, _customer, _products, connection = bench.setup_benchmark(
            env, args, sandbox.url
        )
        company = connection.company_id
        setup_bill_import(env, connection, company)
        requests.post(
            f"{sandbox.url}/_sandbox/seed",
            json={
                "generate": {
                    "purchaseInvoices": args.count,
                    "purchaseInvoiceOptions": {
                        "today": PINNED_TODAY.isoformat(),
                        "attachmentEvery": args.attachment_every,
                    },
                }
            },
            timeout=60,
        ).raise_for_status()
        Move = env["account.move"]
        before = Move.search_count([("procountor_bill_connection_id", "=", connection.id)])
        bench.fresh_start(env, connection, sandbox.url)
        with bench.measured(env) as figures:
            summary = connection._procountor_fetch_bills()
        env.cr.commit()
        env.invalidate_all()
        journal = requests.get(f"{sandbox.url}/_sandbox/journal", timeout=bench.TIMEOUT).json()
        moves = Move.search(
            [("procountor_bill_connection_id", "=", connection.id)], order="id desc"
        )[: summary.imported]
        imported = len(moves)
        posted = sum(1 for move in moves if move.state == "posted")

        hand_queries, hand_ms = measure_by_hand(env, moves)

        bench.fresh_start(env, connection, sandbox.url)
        again = connection._procountor_fetch_bills()
        env.cr.commit()
        after = Move.search_count([("procountor_bill_connection_id", "=", connection.id)])

    n = args.count
    pages = n // PAGE + 1
    details = math.ceil(n / PAGE)
    files = (n + args.attachment_every - 1) // args.attachment_every if args.attachment_every else 0
    suppliers = 1  # 20 suppliers: one batch read of the business partners
    target = pages + 2 * details + suppliers + 1 + files
    kinds = call_kinds(journal)
    calls = len(journal)
    per = max(imported, 1)
    odoo_ms = figures["wall_ms"] - figures["http_ms"]
    print(
        f"\nimport of {n} accepted purchase invoices ({summary.pending} pending, "
        f"{summary.failed} failed): {imported} vendor bills, {posted} posted\n"
        f"  API calls: {calls} ({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items()))})\n"
        f"  target <= {target} = {pages} search pages + {details} GET /invoices/{{ids}} + "
        f"{details} GET /ledgerreceipts/{{ids}} + {suppliers} GET /businesspartners/{{ids}} "
        f"+ 1 token"
        + (f" + {files} file downloads" if files else "")
        + ": "
        + ("met" if calls <= target else "NOT met")
        + f"\n  SQL queries: {figures['queries']} in total, {figures['queries'] / per:.1f} per bill"
        f"\n  Odoo ms: {odoo_ms:.0f} in total, {odoo_ms / per:.1f} per bill "
        f"(HTTP {figures['http_ms']:.0f} ms, wall {figures['wall_ms']:.0f} ms)\n"
        f"Odoo's own account.move.create + action_post, same {imported} bills, one by one:\n"
        f"  SQL queries per bill: {hand_queries / per:.1f}\n"
        f"  Odoo ms per bill: {hand_ms / per:.1f}\n"
        f"second run: {again.imported} imported, {again.unchanged} unchanged; bills of the "
        f"connection {before} -> {after}",
        flush=True,
    )
    if imported != n or summary.pending or summary.failed:
        failures.append(f"{imported} of {n} imported")
    if posted != imported:
        failures.append(f"{imported - posted} not posted")
    if calls > target:
        failures.append(f"{calls} API calls > {target}")
    if again.imported or after != before + n:
        failures.append("the second run imported again")
    print("bench-bill-import: " + ("OK" if not failures else f"FAILED ({'; '.join(failures)})"))
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
