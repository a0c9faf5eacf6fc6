#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fault soak: invoices, payments and vendor bills through the crons while the sandbox fails.

    createdb -T DB_WITH_ADDON SCRATCH_DB
    /opt/odoo18/venv/bin/python benchmarks/soak.py -c ODOO.conf -d SCRATCH_DB [--invoices 1000]

The benchmark company and its connection to an in-process sandbox are set up as
``bench_invoice_send.py`` does (same helpers), with *Approve Invoices* (Procountor takes
payments on approved invoices), payment fetching and the bill import of
``bench_bill_import.py``. Then the sandbox injects, on every API call, the token request
included (seeded, so two soaks meet the same faults in the same calls):

- a 503 on ~10 % of the calls, a timeout after commit (the write is applied, the answer
  comes too late) on ~5 %, a 429 with ``Retry-After: 1`` on ~2 %;
- a token expiry every 100 calls.

Three phases, each driven only by its cron, called as Odoo's cron runner calls it
(``ir.cron._run_job``: up to ten calls a run while ``_notify_progress`` reports work left):

1. N invoices (default 1,000) are posted and sent by the send cron;
2. 30 % of them are paid in the sandbox (a third of those partly) and the payment cron
   registers the payments;
3. as many accepted purchase invoices are seeded in the sandbox and the bill cron imports them.

Runs are 15 minutes apart on a simulated clock (``odoo.fields.Datetime.now`` moved forward
between runs, in this script only), so the cron's 10-minute retry delay passes between two
runs. The client's read timeout is 0.5 s, so a timeout after commit costs little.

It prints what Procountor holds against what Odoo holds and ends with ``soak: OK`` or
``soak: FAILED (...)``; the exit code is non-zero when a requirement fails: every invoice
exactly once in Procountor and marked sent, every payment registered exactly once, every bill
imported exactly once, each phase within ``--max-runs`` (10) cron runs. The data stays in
``SCRATCH_DB``: throw it away afterwards (``dropdb``).
"""

import argparse
import collections
import datetime
import time
from contextlib import contextmanager
from unittest.mock import patch

import bench_bill_import
import bench_invoice_send as bench
import requests

RUN_INTERVAL = datetime.timedelta(minutes=15)
READ_TIMEOUT = 0.5
#: The faults of the soak: (share of the calls, rule), on every API call, the token request
#: included (the client asks for a token again after a passing fault).
FAULTS = (
    (0.10, {"kind": "status", "status": 503}),
    (0.05, {"kind": "timeout_after_commit", "seconds": READ_TIMEOUT + 0.3}),
    (0.02, {"kind": "status", "status": 429, "retry_after": 1}),
)
TOKEN_EXPIRY_EVERY = 100
CRONS = {
    "invoices": "procountor_connector.ir_cron_procountor_send_invoices",
    "payments": "procountor_connector.ir_cron_procountor_fetch_payments",
    "bills": "procountor_connector.ir_cron_procountor_fetch_bills",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    bench.add_odoo_arguments(parser)
    parser.add_argument("--invoices", type=int, default=1000, help="invoices sent (N)")
    parser.add_argument("--share", type=float, default=0.3, help="paid share, bills share")
    parser.add_argument("--seed", type=int, default=1, help="seed of the faults")
    parser.add_argument("--max-runs", type=int, default=10, help="cron runs allowed per phase")
    parser.add_argument("--no-faults", action="store_true", help="the same without faults")
    args = parser.parse_args()
    args.pdf = "none"
    return args


class SimulatedClock:
    """``fields.Datetime.now`` of the Odoo code, ``offset`` ahead of the real clock."""

    def __init__(self):
        self.offset = datetime.timedelta()

    @contextmanager
    def installed(self):
        from odoo import fields

        real_now = fields.Datetime.now

        def now(*args):
            return real_now() + self.offset

        with patch.object(fields.Datetime, "now", staticmethod(now)):
            yield self

    def advance(self):
        self.offset += RUN_INTERVAL


def add_faults(sandbox_url, seed):
    for index, (probability, spec) in enumerate(FAULTS):
        rule = {"path": "/*", "probability": probability, "seed": seed + index, **spec}
        requests.post(f"{sandbox_url}/_sandbox/faults", json=rule, timeout=bench.TIMEOUT)
    requests.post(
        f"{sandbox_url}/_sandbox/faults",
        json={"path": "/*", "kind": "expire_tokens", "every_nth": TOKEN_EXPIRY_EVERY},
        timeout=bench.TIMEOUT,
    ).raise_for_status()


def clear_faults(sandbox_url):
    requests.delete(f"{sandbox_url}/_sandbox/faults", timeout=bench.TIMEOUT).raise_for_status()


def fault_counts(sandbox_url):
    rules = requests.get(f"{sandbox_url}/_sandbox/faults", timeout=bench.TIMEOUT).json()
    counts = collections.Counter()
    for rule in rules:
        kind = rule["kind"] if rule["kind"] != "status" else str(rule["status"])
        counts[kind] += rule["fired"]
    return counts


def cron_run(registry, env, xmlid):
    """One run of a cron as Odoo's cron runner makes it (``ir.cron._run_job``: the server
    action called again while it reports done and remaining work, at most ten times)."""
    cron = env.ref(xmlid)
    job = {
        "id": cron.id,
        "cron_name": cron.cron_name,
        "ir_actions_server_id": cron.ir_actions_server_id.id,
        "user_id": cron.user_id.id,
        "lastcall": cron.lastcall,
        "timed_out_counter": 0,
        "active": True,
    }
    env.cr.commit()
    type(env["ir.cron"])._run_job(job)
    env.invalidate_all()


def run_phase(registry, env, clock, xmlid, finished, max_runs):
    """Cron runs 15 simulated minutes apart until ``finished()``: (runs used, finished)."""
    runs = 0
    while not finished():
        if runs == max_runs:
            return runs, False
        if runs:
            clock.advance()
        runs += 1
        cron_run(registry, env, xmlid)
    return runs, True


def sandbox_invoices(sandbox_url):
    response = requests.get(f"{sandbox_url}/_sandbox/invoices", timeout=120)
    response.raise_for_status()
    return response.json()


def setup(env, args, sandbox_url):
    env, journal, customer, products, connection = bench.setup_benchmark(env, args, sandbox_url)
    connection.write(
        {
            "invoice_approve": True,
            "invoice_attach_pdf": False,
            "invoice_cron_enabled": True,
            "invoice_cron_date_from": False,
            "invoice_paused_until": False,
            "payment_fetch_enabled": True,
        }
    )
    missing = connection._procountor_payment_missing()
    if missing:
        raise SystemExit("\n".join(missing))
    bench_bill_import.setup_bill_import(env, connection, connection.company_id)
    # Only the three crons of the soak find work: no other company of the database sends.
    others = env["procountor.connection"].search([("id", "!=", connection.id)])
    others.write(
        {"invoice_cron_enabled": False, "payment_fetch_enabled": False}
    )  # fmt: skip
    others.write({"bill_import_enabled": False})
    env.cr.commit()
    return env, journal, customer, products, connection


def invoice_phase(registry, env, clock, args, sandbox_url, moves):
    def finished():
        env.invalidate_all()
        return set(moves.mapped("procountor_state")) == {"sent"}

    runs, done = run_phase(registry, env, clock, CRONS["invoices"], finished, args.max_runs)
    names = set(moves.mapped("name"))
    live = [
        row
        for row in sandbox_invoices(sandbox_url)
        if row.get("originalInvoiceNumber") in names and row.get("status") != "INVALIDATED"
    ]
    by_number = collections.Counter(row["originalInvoiceNumber"] for row in live)
    remote_ids = {row["id"] for row in live}
    lost = [
        move
        for move in moves
        if move.procountor_state != "sent" or move.procountor_invoice_id not in remote_ids
    ]
    return {
        "runs": runs,
        "done": done,
        "created": len(live),
        "duplicates": sum(count - 1 for count in by_number.values()),
        "lost": len(lost),
    }


def pay(sandbox_url, moves, share):
    """Pay ``share`` of ``moves`` in the sandbox, every third of them partly: {move: amount}.
    Only invoices sent (and approved) can be paid there: after a failed invoice phase, not all."""
    step = max(1, round(1 / share)) if share else 0
    moves = moves.filtered(lambda move: move.procountor_state == "sent")
    paid = {}
    chosen = moves[::step][: round(len(moves) * share)] if step else []
    for index, move in enumerate(chosen):
        amount = round(move.amount_total / 2, 2) if index % 3 == 2 else move.amount_total
        response = requests.post(
            f"{sandbox_url}/_sandbox/invoices/{move.procountor_invoice_id}/payments",
            json={"amount": amount, "paymentDate": bench.DUE_DATE},
            timeout=bench.TIMEOUT,
        )
        response.raise_for_status()
        paid[move] = amount
    return paid


def payment_phase(registry, env, clock, args, sandbox_url, moves, connection):
    paid = pay(sandbox_url, moves, args.share)
    Payment = env["account.payment"]
    domain = [
        ("procountor_connection_id", "=", connection.id),
        ("procountor_payment_event_id", "!=", False),
    ]

    def short(move, amount):
        """What ``move`` lacks of (or has over) the amount paid in Procountor."""
        return round(amount - (move.amount_total - move.amount_residual), 2)

    def finished():
        env.invalidate_all()
        return all(not short(move, amount) for move, amount in paid.items())

    runs, done = run_phase(registry, env, clock, CRONS["payments"], finished, args.max_runs)
    payments = Payment.search(domain)
    by_event = collections.Counter(payments.mapped("procountor_payment_event_id"))
    wrong = [move for move, amount in paid.items() if short(move, amount)]
    untouched = [move for move in moves if move not in paid and move.payment_state != "not_paid"]
    return {
        "runs": runs,
        "done": done,
        "paid": len(paid),
        "partial": sum(1 for move, amount in paid.items() if amount != move.amount_total),
        "registered": len(by_event),
        "duplicates": sum(count - 1 for count in by_event.values()),
        "wrong": len(wrong) + len(untouched),
    }


def bill_phase(registry, env, clock, args, sandbox_url, connection):
    from procountor_sandbox.testing import PINNED_TODAY

    count = round(args.invoices * args.share)
    requests.post(
        f"{sandbox_url}/_sandbox/seed",
        json={
            "generate": {
                "purchaseInvoices": count,
                "purchaseInvoiceOptions": {"today": PINNED_TODAY.isoformat()},
            }
        },
        timeout=120,
    ).raise_for_status()
    Move = env["account.move"]
    domain = [("procountor_bill_connection_id", "=", connection.id)]
    before = Move.search_count(domain)

    def imported():
        env.invalidate_all()
        return Move.search(domain)

    def finished():
        return len(set(imported().mapped("procountor_bill_id"))) >= before + count

    runs, done = run_phase(registry, env, clock, CRONS["bills"], finished, args.max_runs)
    bills = imported()
    by_id = collections.Counter(bills.mapped("procountor_bill_id"))
    return {
        "runs": runs,
        "done": done,
        "seeded": count,
        "imported": len(by_id) - before,
        "duplicates": sum(n - 1 for n in by_id.values()),
        "pending": len(connection.bill_pending_ids),
    }


@contextmanager
def short_timeout(env):
    Connection = type(env["procountor.connection"])
    original = Connection._procountor_client_options

    def options(connection):
        return {**original(connection), "timeout": (5, READ_TIMEOUT)}

    with patch.object(Connection, "_procountor_client_options", options):
        yield


def check(results, args):
    invoices, payments, bills = results["invoices"], results["payments"], results["bills"]
    failures = []
    if invoices["duplicates"] or invoices["lost"] or invoices["created"] != args.invoices:
        failures.append("invoices not exactly once")
    if payments["duplicates"] or payments["wrong"] or payments["registered"] != payments["paid"]:
        failures.append("payments not exactly once")
    if bills["duplicates"] or bills["imported"] != bills["seeded"]:
        failures.append("bills not exactly once")
    for phase in ("invoices", "payments", "bills"):
        if not results[phase]["done"]:
            failures.append(f"{phase}: not done within {args.max_runs} cron runs")
    return failures


def main():
    args = parse_args()
    started = time.perf_counter()
    clock = SimulatedClock()
    results = {}
    with bench.session(args) as (sandbox, registry, env), short_timeout(env):
        env, journal, customer, products, connection = setup(env, args, sandbox.url)
        moves = bench.create_invoices(env, journal, customer, products, args.invoices)
        print(
            f"\nsoak: {args.invoices} invoices posted; sandbox at {sandbox.url}; database "
            f"{args.database}; faults {'off' if args.no_faults else f'on (seed {args.seed})'}",
            flush=True,
        )
        if not args.no_faults:
            add_faults(sandbox.url, args.seed)
        with clock.installed():
            phases = (
                ("invoices", lambda: invoice_phase(registry, env, clock, args, sandbox.url, moves)),
                (
                    "payments",
                    lambda: payment_phase(
                        registry, env, clock, args, sandbox.url, moves, connection
                    ),
                ),
                ("bills", lambda: bill_phase(registry, env, clock, args, sandbox.url, connection)),
            )
            for name, phase in phases:
                phase_started = time.perf_counter()
                results[name] = phase()
                results[name]["seconds"] = time.perf_counter() - phase_started
                print(f"  {name}: {results[name]}", flush=True)
        faults = fault_counts(sandbox.url)
        clear_faults(sandbox.url)
    invoices, payments, bills = results["invoices"], results["payments"], results["bills"]
    wall = time.perf_counter() - started
    print(
        f"\nfaults injected: {dict(sorted(faults.items()))}\n"
        f"invoices: {invoices['created']} created in Procountor of {args.invoices}, "
        f"{invoices['duplicates']} duplicates, {invoices['lost']} lost; "
        f"{invoices['runs']} cron runs, {invoices['seconds']:.0f} s\n"
        f"payments: {payments['registered']} registered of {payments['paid']} paid "
        f"({payments['partial']} partly), {payments['duplicates']} duplicated, "
        f"{payments['wrong']} wrong amounts; {payments['runs']} cron runs, "
        f"{payments['seconds']:.0f} s\n"
        f"bills: {bills['imported']} imported of {bills['seeded']}, {bills['duplicates']} "
        f"duplicated, {bills['pending']} pending; {bills['runs']} cron runs, "
        f"{bills['seconds']:.0f} s\n"
        f"cron runs used: {invoices['runs'] + payments['runs'] + bills['runs']} "
        f"(at most {args.max_runs} per phase); wall time {wall:.0f} s",
        flush=True,
    )
    failures = check(results, args)
    print("soak: " + ("OK" if not failures else f"FAILED ({'; '.join(failures)})"))
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
