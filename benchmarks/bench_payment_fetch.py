#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of fetching payments from Procountor (a script that prints figures, not a test).

    createdb -T DB_WITH_ADDON SCRATCH_DB
    /opt/odoo18/venv/bin/python benchmarks/bench_payment_fetch.py -c ODOO.conf -d SCRATCH_DB \\
        [--sizes 100:30,10000:300] [--max-in-flight 1,8] [--latency 0.15] [--seed bulk|send]

``SCRATCH_DB`` must have ``procountor_connector`` installed; the company, connection and
customer are set up as ``bench_invoice_send.py`` does (same helpers), with *Approve Invoices*
on (Procountor takes payments on approved invoices only) and no PDF. For every
``--max-in-flight`` value (the connection's *Requests at Once*; 1 is the serial code path)
and every size ``N:k`` (N open invoices, of which k paid in full), on a fresh set of invoices:

1. N invoices of the same three lines are created and posted in Odoo, 500 per ``create()``;
2. they are put in Procountor as sent invoices: ``--seed bulk`` (the default) builds the
   connector's body of one invoice (one real send, its ``POST /invoices`` body kept), makes
   N sandbox invoices of it in status SENT with the invoice's own number, k of them with a
   payment of the whole total (``POST /_sandbox/invoices``, the control API's bulk
   creation), and writes the Procountor fields a send stores (id, Procountor number,
   connection, state *sent*, status SENT) on the Odoo invoices in one SQL update; ``--seed
   send`` sends them through the connector and pays k through the control API instead
   (slow for large N);
3. every other invoice of the connection is detached from it (SQL), so that the run sees
   only this set;
4. with ``--latency`` seconds added to every API call of the sandbox (a latency fault), the
   cron entry point ``procountor.connection._cron_procountor_fetch_payments()`` runs once.

It prints one row per run: payments registered (must be k, each invoice paid once, no other
invoice touched), API calls (the sandbox journal), SQL queries (``odoo.sql_db.sql_counter``,
every cursor of the process), wall ms, and per open invoice and per registered payment the
calls, queries and wall ms; then, per ``--max-in-flight``, the flatness ratios (largest size
/ smallest size) of those per-document figures. ``HTTP ms`` is the time inside HTTP calls
summed over every thread (with parallel reads it exceeds the wall time).

With ``--by-hand`` it also measures Odoo's own ``account.payment.register`` (one wizard per
invoice) on k invoices of the first size, as the yardstick of the booking's Odoo cost.

The fetch commits after each invoice, exactly as in production: the data stays in
``SCRATCH_DB``, so use a scratch copy (``createdb -T``) and drop it afterwards.
"""

import argparse
import collections
import math
import time
from unittest.mock import patch

import bench_invoice_send as bench
import requests

PAYMENT_DATE = "2026-03-20"
SEED_CHUNK = 1000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument(
        "--sizes",
        default="100:30,1000:30",
        help="comma-separated N:k (open invoices : of which paid); default 100:30,1000:30",
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
    parser.add_argument("--seed", choices=("bulk", "send"), default="bulk")
    parser.add_argument(
        "--by-hand", action="store_true", help="also measure Odoo's Register Payment wizard"
    )
    args = parser.parse_args()
    args.pdf = "none"
    args.sizes = [
        tuple(int(part) for part in size.split(":")) for size in args.sizes.split(",") if size
    ]
    args.max_in_flight = [int(v) for v in args.max_in_flight.split(",") if v.strip()] or [None]
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


def create_uniform_invoices(env, journal, customer, products, count, step=500):
    """``count`` posted invoices with the same three lines (so that one Procountor body fits
    them all), ``step`` per ``create()``, committed per step."""
    Move = env["account.move"]
    vals = {
        "move_type": "out_invoice",
        "partner_id": customer.id,
        "invoice_date": bench.INVOICE_DATE,
        "invoice_date_due": bench.DUE_DATE,
        "journal_id": journal.id,
        "invoice_line_ids": [
            (0, 0, {"product_id": product.id, "quantity": 1, "price_unit": 100.0 + 10 * index})
            for index, product in enumerate(products)
        ],
    }
    moves = Move.browse()
    for start in range(0, count, step):
        batch = Move.create([dict(vals) for _index in range(min(step, count - start))])
        batch.action_post()
        env.cr.commit()
        moves |= batch
    return moves


def template_body(env, journal, customer, products):
    """The body the connector POSTs for one uniform invoice (one real send, kept)."""
    from odoo.addons.procountor_connector.procountor_api.client import ProcountorClient

    bodies = []
    original = ProcountorClient.create_invoice

    def create_invoice(client, data, *args, **kwargs):
        bodies.append(data)
        return original(client, data, *args, **kwargs)

    move = create_uniform_invoices(env, journal, customer, products, 1)
    with patch.object(ProcountorClient, "create_invoice", create_invoice):
        send_all(env, move)
    return move, bodies[0]


def seed_sent(env, connection, moves, paid, body, sandbox_url):
    """Make ``moves`` sent invoices in Procountor (bulk control API) and in Odoo (one SQL
    update of the fields a send stores); ``paid`` get a payment of their whole total."""
    paid_ids = set(paid.ids)
    rows = []
    for start in range(0, len(moves), SEED_CHUNK):
        chunk = moves[start : start + SEED_CHUNK]
        specs = [
            {
                "invoice": {**body, "originalInvoiceNumber": move.name},
                "status": "SENT",
                "payments": [{"amount": move.amount_total, "paymentDate": PAYMENT_DATE}]
                if move.id in paid_ids
                else [],
            }
            for move in chunk
        ]
        response = requests.post(
            f"{sandbox_url}/_sandbox/invoices", json={"invoices": specs}, timeout=600
        )
        response.raise_for_status()
        created = response.json()["invoices"]
        rows += [
            (move.id, remote["id"], remote["invoiceNumber"])
            for move, remote in zip(chunk, created, strict=True)
        ]
    env.cr.execute(
        """
        UPDATE account_move m
           SET procountor_invoice_id = v.remote_id,
               procountor_invoice_number = v.number,
               procountor_connection_id = %s,
               procountor_state = 'sent',
               procountor_status = 'SENT'
          FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::int[]) AS remote_id,
                       unnest(%s::int[]) AS number) v
         WHERE m.id = v.id
        """,
        [connection.id, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
    )
    env.cr.commit()
    env.invalidate_all()


def seed_by_sending(env, moves, paid, sandbox_url):
    send_all(env, moves)
    for move in paid:
        pay_in_sandbox(sandbox_url, move, move.amount_total, PAYMENT_DATE)


def detach_others(env, connection, moves):
    """Every other invoice of the connection leaves it: the run sees only ``moves``."""
    env.cr.execute(
        "UPDATE account_move SET procountor_connection_id = NULL "
        "WHERE procountor_connection_id = %s AND NOT (id = ANY(%s))",
        [connection.id, list(moves.ids)],
    )
    env.cr.commit()
    env.invalidate_all()


def measure_fetch(env, connection, sandbox_url, latency):
    bench.fresh_start(env, connection, sandbox_url)
    payments_before = env["account.payment"].search_count([])
    bench.add_latency(sandbox_url, latency)
    try:
        with bench.measured_with_workers(env) as figures:
            env["procountor.connection"]._cron_procountor_fetch_payments()
        env.cr.commit()
    finally:
        bench.clear_faults(sandbox_url)
    env.invalidate_all()
    registered = env["account.payment"].search_count([]) - payments_before
    journal = requests.get(f"{sandbox_url}/_sandbox/journal", timeout=bench.TIMEOUT).json()
    return journal, figures, registered


def measure_by_hand(env, moves):
    """Odoo's own Register Payment wizard, one invoice at a time."""
    from odoo import sql_db

    queries_before = sql_db.sql_counter
    started = time.perf_counter()
    for move in moves:
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": move.amount_residual, "payment_date": PAYMENT_DATE})
        )
        wizard._create_payments()
        env.cr.commit()
    wall_ms = (time.perf_counter() - started) * 1000
    return sql_db.sql_counter - queries_before, wall_ms


HEADER = (
    f"{'at once':>7} {'N':>6} {'k':>4} {'reg':>4} {'ok':>3} {'calls':>6} {'SQL':>8} "
    f"{'wall s':>7} {'HTTP s':>7} | {'calls/inv':>9} {'SQL/inv':>8} {'ms/inv':>7} | "
    f"{'calls/pay':>9} {'SQL/pay':>8} {'ms/pay':>8}"
)


def run_one(env, args, sandbox, connection, journal, customer, products, body, count, paid_count):
    moves = create_uniform_invoices(env, journal, customer, products, count)
    step = max(1, count // max(1, paid_count))
    paid = moves[::step][:paid_count]
    if args.seed == "bulk":
        seed_sent(env, connection, moves, paid, body, sandbox.url)
    else:
        seed_by_sending(env, moves, paid, sandbox.url)
    detach_others(env, connection, moves)
    calls_journal, figures, registered = measure_fetch(env, connection, sandbox.url, args.latency)
    paid_in_odoo = sum(1 for move in paid if move.payment_state in ("paid", "in_payment"))
    others = sum(1 for move in moves - paid if move.payment_state != "not_paid")
    once = all(
        len(move.matched_payment_ids.filtered("procountor_payment_event_id")) == 1 for move in paid
    )
    ok = registered == paid_count == paid_in_odoo and not others and once
    calls = len(calls_journal)
    return {
        "count": count,
        "paid": paid_count,
        "registered": registered,
        "ok": ok,
        "calls": calls,
        "kinds": call_kinds(calls_journal),
        "queries": figures["queries"],
        "wall_ms": figures["wall_ms"],
        "http_ms": figures["http_ms"],
        "per_inv": (calls / count, figures["queries"] / count, figures["wall_ms"] / count),
        "per_pay": tuple(
            value / max(registered, 1) for value in (calls, figures["queries"], figures["wall_ms"])
        ),
        "moves": moves,
        "paid_moves": paid,
    }


def print_row(at_once, row):
    per_inv, per_pay = row["per_inv"], row["per_pay"]
    print(
        f"{at_once:>7} {row['count']:>6} {row['paid']:>4} {row['registered']:>4} "
        f"{'yes' if row['ok'] else 'NO':>3} {row['calls']:>6} {row['queries']:>8} "
        f"{row['wall_ms'] / 1000:>7.1f} {row['http_ms'] / 1000:>7.1f} | "
        f"{per_inv[0]:>9.3f} {per_inv[1]:>8.1f} {per_inv[2]:>7.1f} | "
        f"{per_pay[0]:>9.2f} {per_pay[1]:>8.1f} {per_pay[2]:>8.1f}",
        flush=True,
    )


def main():
    args = parse_args()
    results = collections.defaultdict(list)
    with bench.session(args) as (sandbox, _registry, env):
        env, journal, customer, products, connection = setup_payment_benchmark(
            env, args, sandbox.url
        )
        missing = connection._procountor_payment_missing()
        if missing:
            raise SystemExit("\n".join(missing))
        env.cr.commit()
        body = None
        if args.seed == "bulk":
            _template, body = template_body(env, journal, customer, products)
        print(
            f"\npayment fetch; seed: {args.seed}; latency {args.latency * 1000:.0f} ms per API "
            f"call; sandbox at {sandbox.url}; database {args.database}\n"
            "per inv: per open invoice of the run; per pay: per registered payment\n"
        )
        print(HEADER)
        print("-" * len(HEADER), flush=True)
        all_ok = True
        for at_once in args.max_in_flight:
            if at_once is not None:
                connection.sudo().procountor_max_in_flight = at_once
                env.cr.commit()
            at_once = connection.procountor_max_in_flight
            for count, paid_count in args.sizes:
                row = run_one(
                    env,
                    args,
                    sandbox,
                    connection,
                    journal,
                    customer,
                    products,
                    body,
                    count,
                    paid_count,
                )
                print_row(at_once, row)
                results[at_once].append(row)
                all_ok = all_ok and row["ok"]
        print()
        for at_once, rows in results.items():
            for row in rows:
                kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(row["kinds"].items()))
                target = math.ceil(row["count"] / 200) + 1 + row["paid"]
                print(
                    f"at once {at_once}, {row['count']}:{row['paid']}: {kinds} "
                    f"(ceil(N/200) + 1 + k = {target})"
                )
        print()
        for at_once, rows in results.items():
            if len(rows) < 2:
                continue
            small, large = rows[0], rows[-1]
            ratios = [
                f"{name} {large[key][index] / small[key][index]:.2f}"
                for key in ("per_inv", "per_pay")
                for index, name in enumerate(
                    (f"calls/{key[4:]}", f"SQL/{key[4:]}", f"ms/{key[4:]}")
                )
                if small[key][index]
            ]
            print(
                f"flatness at once {at_once} ({large['count']}:{large['paid']} / "
                f"{small['count']}:{small['paid']}): " + ", ".join(ratios)
            )
        if args.by_hand:
            first = results[next(iter(results))][0]
            by_hand = create_uniform_invoices(env, journal, customer, products, first["paid"])
            hand_queries, hand_ms = measure_by_hand(env, by_hand)
            print(
                f"Odoo's own account.payment.register, by hand, {len(by_hand)} invoices: "
                f"{hand_queries / len(by_hand):.1f} SQL and {hand_ms / len(by_hand):.1f} ms "
                "per payment"
            )
    print("bench-payment-fetch: " + ("OK" if all_ok else "FAILED"))
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
