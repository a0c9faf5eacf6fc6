#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of sending sales invoices to Procountor (a script that prints figures, not a test).

    /opt/odoo18/venv/bin/python benchmarks/bench_invoice_send.py \\
        -c /opt/odoo18/odoo-test.conf -d DB [-n 10,100,1000] [--pdf html|pdf|none]

``DB`` must have ``procountor_connector`` installed (and ``l10n_fi`` available). The script
starts the Procountor sandbox in this process, sets up (once, reused by later runs) a Finnish
company "Procountor Benchmark Oy" with the l10n_fi chart, a connection to the sandbox, fetched
reference data, suggested mappings and a customer; then, for each N, it creates and posts N
invoices of three lines and sends them with the connection's default steps (create, attach the
PDF). ``--pdf html`` (the default) renders the invoice report as HTML, as Odoo's own tests do,
because wkhtmltopdf needs a running Odoo HTTP server to fetch the report's assets; ``--pdf pdf``
renders real PDFs (run it next to a running server), ``--pdf none`` skips the attachment step.
It prints per N:

- API calls per invoice: calls the sandbox journal recorded during the send;
- SQL queries per invoice: ``odoo.sql_db.sql_counter`` (every cursor of the process, so the
  exchange log written through its own cursor counts too);
- ms per invoice in Odoo: wall time of the send minus the time spent inside HTTP calls, as
  the client's ``Exchange.duration_ms`` measured them (the sandbox's own work is in there);
- the same two figures for Odoo's own create + post of those invoices, one at a time
  (``post SQL/inv``, ``post ms/inv``), measured in the same run, and the send's ratios to
  them (``SQL x post``, ``ms x post``), and Odoo's posting 100 invoices per ``create()``
  call (``post100``), its cheapest per invoice (the batch sent is the one-at-a-time set).

The send commits after each invoice, exactly as in production: the data stays in ``DB``, so
use a scratch copy (``createdb -T``).
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

REPO = Path(__file__).resolve().parents[1]
COMPANY_NAME = "Procountor Benchmark Oy"
CUSTOMER_NAME = "Benchmark Asiakas Oy"
COMPANY_IBAN = "FI21 1234 5600 0007 85"
INVOICE_DATE = "2026-03-02"
DUE_DATE = "2026-03-16"
TIMEOUT = 10


def add_odoo_arguments(parser):
    """The options every script of this folder shares: -c, -d, --odoo-home and --pdf."""
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database with the addon")
    parser.add_argument(
        "--odoo-home",
        default=os.environ.get("ODOO_HOME", "/opt/odoo18"),
        help="directory holding the odoo package (default $ODOO_HOME or /opt/odoo18)",
    )
    parser.add_argument(
        "--pdf",
        choices=("html", "pdf", "none"),
        default="html",
        help="how the attached invoice document is rendered (default: html)",
    )


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    add_odoo_arguments(parser)
    parser.add_argument(
        "-n", "--sizes", default="10,100,1000", help="comma-separated invoice counts"
    )
    parser.add_argument(
        "--throughput",
        type=int,
        metavar="N",
        help="instead of the cost table: N invoices sent by cron runs with every step, "
        "at --latency, for each of --workers, against the rate limit's floor",
    )
    parser.add_argument(
        "--latency", type=float, default=0.15, help="seconds the sandbox waits per call"
    )
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--batch-size", type=int, default=50, help="invoices per cron run")
    parser.add_argument(
        "--max-in-flight",
        type=int,
        help="the connection's requests at once (default: its own; 1 = one at a time)",
    )
    parser.add_argument(
        "--sandbox-process",
        action="store_true",
        help="run the sandbox in its own process (its work does not share Odoo's GIL)",
    )
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    args.workers = [int(count) for count in args.workers.split(",") if count.strip()]
    return args


def boot_odoo(args):
    """Import Odoo from ``--odoo-home`` with this repository on the addons path."""
    for path in (args.odoo_home, str(REPO)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database], setup_logging=True)
    config["addons_path"] = ",".join(filter(None, [config["addons_path"], str(REPO)]))
    odoo.modules.module.initialize_sys_path()
    return odoo


def require_addon(env, database):
    module = env["ir.module.module"].search([("name", "=", "procountor_connector")])
    if module.state != "installed":
        raise SystemExit(f"procountor_connector is not installed in {database}")


def setup_company(env):
    """The benchmark company with chart, bank account, customer and products (idempotent)."""
    # The demo addon's building blocks (importable once boot_odoo() put the repository on
    # the addons path; the addon need not be installed).
    from odoo.addons.procountor_connector_demo import demo

    company = env["res.company"].search([("name", "=", COMPANY_NAME)], limit=1)
    if not company:
        company = env["res.company"].create(
            {
                "name": COMPANY_NAME,
                "country_id": env.ref("base.fi").id,
                "currency_id": env.ref("base.EUR").id,
                "street": "Testikatu 1",
                "zip": "00100",
                "city": "Helsinki",
            }
        )
        print(f"loading the l10n_fi chart for {COMPANY_NAME} (once)...", flush=True)
        demo.load_finnish_chart(env, company)
        env.cr.commit()
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    company = company.with_env(env)
    chart = env["account.chart.template"].with_company(company)
    taxes = chart.ref("tax_dom_sales_goods_25_5") | chart.ref("tax_dom_sales_goods_10")
    taxes.active = True
    sale_journal = demo.setup_bank_and_sales(env, company, COMPANY_IBAN)
    customer = env["res.partner"].search([("name", "=", CUSTOMER_NAME)], limit=1)
    if not customer:
        customer = env["res.partner"].create(
            {
                "name": CUSTOMER_NAME,
                "is_company": True,
                "street": "Mannerheimintie 1",
                "zip": "00100",
                "city": "Helsinki",
                "country_id": env.ref("base.fi").id,
                "vat": "FI20774740",
                "email": "laskut@asiakas.example",
            }
        )
    products = []
    for code, name, tax in (
        ("BENCH-DESK", "Office desk", chart.ref("tax_dom_sales_goods_25_5")),
        ("BENCH-WORK", "Installation work", chart.ref("tax_dom_sales_goods_25_5")),
        ("BENCH-NEWS", "Newspaper subscription", chart.ref("tax_dom_sales_goods_10")),
    ):
        product = env["product.product"].search([("default_code", "=", code)], limit=1)
        if not product:
            product = env["product.product"].create(
                {"name": name, "default_code": code, "taxes_id": [(6, 0, tax.ids)]}
            )
        products.append(product)
    return env, company, sale_journal, customer, products


def setup_connection(env, company, sandbox_url, attach_pdf):
    from odoo.addons.procountor_connector_demo.demo import sandbox_connection_values

    Connection = env["procountor.connection"].with_context(active_test=False)
    connection = Connection.search([("company_id", "=", company.id)], limit=1)
    values = {
        "name": "Benchmark sandbox",
        # base_url: a new port on every run
        **sandbox_connection_values(company, sandbox_url),
        "invoice_attach_pdf": attach_pdf,
    }
    if connection:
        connection.write(values)
    else:
        connection = Connection.create(values)
    company.procountor_connection_id = connection
    for action in (connection.action_fetch_settings, connection.action_suggest_mappings):
        result = action()
        if result["params"]["type"] == "danger":
            raise SystemExit(f"{action.__name__} failed: {result['params']['message']}")
    env.cr.commit()
    return connection


def create_invoices(env, journal, customer, products, count, step=100):
    """Create and post ``count`` invoices, ``step`` at a time (commit after each step)."""
    Move = env["account.move"]
    vals_list = [
        {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_date": INVOICE_DATE,
            "invoice_date_due": DUE_DATE,
            "journal_id": journal.id,
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": product.id,
                        "quantity": 1 + (index + position) % 4,
                        "price_unit": 10 + (index * 7 + position * 13) % 500,
                    },
                )
                for position, product in enumerate(products)
            ],
        }
        for index in range(count)
    ]
    moves = Move.browse()
    for start in range(0, count, step):
        batch = Move.create(vals_list[start : start + step])
        batch.action_post()
        env.cr.commit()
        moves |= batch
    return moves


def journal_size(sandbox_url):
    import requests

    response = requests.get(f"{sandbox_url}/_sandbox/journal", timeout=TIMEOUT)
    response.raise_for_status()
    return len(response.json())


def clear_journal(sandbox_url):
    import requests

    requests.delete(f"{sandbox_url}/_sandbox/journal", timeout=TIMEOUT).raise_for_status()


def render_mode(env, pdf_mode):
    """A context manager making the invoice report render as HTML (``--pdf html``)."""
    from contextlib import nullcontext

    if pdf_mode != "html":
        return nullcontext()
    Report = type(env["ir.actions.report"])

    def pre_render_html(report, report_ref, res_ids=None, data=None):
        return report._render_qweb_html(report_ref, res_ids, data=data)

    return patch.object(Report, "_pre_render_qweb_pdf", pre_render_html)


def fresh_start(env, connection, sandbox_url):
    """An empty sandbox journal and no access token (the run pays for its token call)."""
    clear_journal(sandbox_url)
    connection.sudo().procountor_access_token = False
    env.cr.commit()


@contextmanager
def measured(env):
    """Measure the block: yields a dict that holds, once the block is left, ``queries`` (SQL),
    ``wall_ms`` and ``http_ms`` (time inside HTTP calls of the batch's own thread, as the
    client's ``Exchange.duration_ms`` measured them, and the time that thread waited for the
    worker threads of parallel HTTP)."""
    from odoo import sql_db

    Connection = type(env["procountor.connection"])
    original = Connection._procountor_log_exchange
    figures = {"http_ms": 0.0}

    def log_exchange(connection_record, exchange, record=None):
        figures["http_ms"] += exchange.duration_ms or 0
        return original(connection_record, exchange, record)

    from odoo.addons.procountor_connector.procountor_api.parallel import ParallelCalls

    original_done = ParallelCalls.done

    def done(calls, block=False):
        # With parallel HTTP the batch's thread waits for the worker threads here: that wait
        # is HTTP time too, not Odoo's work.
        started = time.perf_counter()
        try:
            return original_done(calls, block=block)
        finally:
            if block:
                figures["http_ms"] += (time.perf_counter() - started) * 1000

    with (
        patch.object(Connection, "_procountor_log_exchange", log_exchange),
        patch.object(ParallelCalls, "done", done),
    ):
        queries_before = sql_db.sql_counter
        started = time.perf_counter()
        yield figures
        figures["wall_ms"] = (time.perf_counter() - started) * 1000
        figures["queries"] = sql_db.sql_counter - queries_before


@contextmanager
def measured_with_workers(env):
    """``measured``, with the HTTP time of worker threads too (parallel HTTP writes their
    exchanges in one go from the batch's thread): ``http_ms`` is then the sum over every
    thread, which may exceed the wall time."""
    Connection = type(env["procountor.connection"])
    original = Connection._procountor_log_exchange_vals
    with measured(env) as figures:

        def log_vals(connection_record, vals_list):
            figures["http_ms"] += sum(vals.get("duration_ms") or 0 for vals in vals_list)
            return original(connection_record, vals_list)

        with patch.object(Connection, "_procountor_log_exchange_vals", log_vals):
            yield figures


def add_latency(sandbox_url, seconds):
    """Every API call of the sandbox waits ``seconds`` before it is handled (a fault rule:
    ``clear_faults`` ends it)."""
    import requests

    if seconds:
        requests.post(
            f"{sandbox_url}/_sandbox/faults",
            json={"kind": "latency", "path": "/*", "seconds": seconds},
            timeout=TIMEOUT,
        ).raise_for_status()


def clear_faults(sandbox_url):
    import requests

    requests.delete(f"{sandbox_url}/_sandbox/faults", timeout=TIMEOUT).raise_for_status()


def measure(env, connection, moves, sandbox_url, pdf_mode):
    """Send ``moves``; returns (api calls, sql queries, wall ms, http ms, summary)."""
    fresh_start(env, connection, sandbox_url)
    with measured(env) as figures, render_mode(env, pdf_mode):
        summary = moves._procountor_send_batch()
    env.cr.commit()
    return (
        journal_size(sandbox_url),
        figures["queries"],
        figures["wall_ms"],
        figures["http_ms"],
        summary,
    )


@contextmanager
def pinned_sandbox(own_process=False):
    """A sandbox on a free port whose fiscal calendar takes the fixed invoice dates; call it
    after boot_odoo(), which puts the repository on the import path. ``own_process``: a
    separate Python process (``python -m procountor_sandbox``) instead of a thread."""
    from procountor_sandbox.testing import pin_calendar

    if own_process:
        with sandbox_process() as sandbox:
            pin_calendar(sandbox.url)
            yield sandbox
        return
    from procountor_sandbox.server import start_in_thread

    sandbox = start_in_thread(port=0)
    try:
        pin_calendar(sandbox.url)
        yield sandbox
    finally:
        sandbox.stop()


@contextmanager
def sandbox_process():
    """``python -m procountor_sandbox`` on a free port; yields an object with ``url``."""
    import socket
    import subprocess
    import types

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "procountor_sandbox", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            try:
                requests.get(f"{url}/_sandbox/journal", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield types.SimpleNamespace(url=url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def setup_benchmark(env, args, sandbox_url):
    """The addon checked, the benchmark company and its connection to the sandbox:
    ``(env, journal, customer, products, connection)``, env in the company's context."""
    require_addon(env, args.database)
    env, company, journal, customer, products = setup_company(env)
    connection = setup_connection(env, company, sandbox_url, args.pdf != "none")
    return env, journal, customer, products, connection


@contextmanager
def session(args):
    """Odoo booted, a pinned sandbox and a cursor on ``DB``: yields (sandbox, registry, env)."""
    odoo = boot_odoo(args)
    from odoo.modules.registry import Registry

    with pinned_sandbox(getattr(args, "sandbox_process", False)) as sandbox:
        registry = Registry(args.database)
        with registry.cursor() as cr:
            yield sandbox, registry, odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def throughput(args, sandbox, registry, env, journal, customer, products, connection):
    """``--throughput N``: N invoices per worker count, every step, at ``--latency``."""
    import throughput as bench_throughput

    count = args.throughput
    bench_throughput.prepare_connection(env, connection, args.batch_size)
    if args.max_in_flight:
        connection.procountor_max_in_flight = args.max_in_flight
        env.cr.commit()
    rate = connection._procountor_per_second()
    print(
        f"\nthroughput: {count} invoices per run, steps create, "
        f"{', '.join(connection._procountor_invoice_steps())}; PDF: {args.pdf}; latency "
        f"{args.latency * 1000:.0f} ms per call; {connection.procountor_max_in_flight} requests "
        f"at once, {rate:g} per second; {args.batch_size} invoices per cron run; sandbox "
        f"{'in its own process' if args.sandbox_process else 'in this process'}\n"
    )
    header = (
        f"{'workers':>7} {'N':>6} {'sent':>6} {'dupl.':>6} {'lost':>5} {'calls':>6} "
        f"{'calls/inv':>9} {'wall s':>8} {'floor s':>8} {'x floor':>8} {'runs':>5} "
        f"{'at once':>7} {'429 pauses':>10}"
    )
    print(header)
    print("-" * len(header))
    for workers in args.workers:
        moves = create_invoices(env, journal, customer, products, count)
        fresh_start(env, connection, sandbox.url)
        bench_throughput.sandbox_latency(sandbox.url, args.latency)
        throttle = connection._procountor_throttle()
        throttle.most_in_flight = 0
        pauses = throttle.pauses
        with render_mode(env, args.pdf):
            seconds, figures = bench_throughput.run_workers(registry, connection, workers)
        bench_throughput.sandbox_latency(sandbox.url, 0)
        for label, figure in sorted(figures.items()):
            if figure.get("error"):
                print(f"{label} failed:\n{figure['error']}")
        # A new transaction: this cursor's snapshot predates the workers' commits.
        env.cr.commit()
        env.invalidate_all()
        counts, calls = bench_throughput.journal_counts(sandbox.url)
        remote = remote_numbers(sandbox.url)
        names = set(moves.mapped("name"))
        sent = moves.filtered(lambda move: move.procountor_state == "sent")
        duplicated = sum(1 for name in names if remote.get(name, 0) > 1)
        lost = len(moves) - len([name for name in names if remote.get(name)])
        floor = calls / rate
        runs = sum(figure.get("runs", 0) for figure in figures.values())
        print(
            f"{workers:>7} {count:>6} {len(sent):>6} {duplicated:>6} {lost:>5} {calls:>6} "
            f"{calls / count:>9.2f} {seconds:>8.1f} {floor:>8.1f} {seconds / floor:>8.2f} "
            f"{runs:>5} {throttle.most_in_flight:>7} {throttle.pauses - pauses:>10}",
            flush=True,
        )
        print(f"{'':>7} calls by kind: {dict(sorted(counts.items()))}")


def remote_numbers(sandbox_url):
    """{originalInvoiceNumber: how many Procountor invoices carry it}."""
    import collections

    import requests

    response = requests.get(f"{sandbox_url}/_sandbox/invoices", timeout=60)
    response.raise_for_status()
    return collections.Counter(row.get("originalInvoiceNumber") for row in response.json())


def main():
    args = parse_args()
    with session(args) as (sandbox, registry, env):
        env, journal, customer, products, connection = setup_benchmark(env, args, sandbox.url)
        if args.throughput:
            throughput(args, sandbox, registry, env, journal, customer, products, connection)
            return
        steps = ", ".join(["create", *connection._procountor_invoice_steps()])
        print(
            f"\nsteps: {steps}; PDF: {args.pdf}; sandbox at {sandbox.url}; "
            f"database {args.database}\n"
        )
        header = (
            f"{'N':>6} {'sent':>6} {'failed':>6} {'API calls/inv':>14} "
            f"{'SQL/inv':>9} {'Odoo ms/inv':>12} {'HTTP ms/inv':>12} {'wall s':>8} "
            f"{'post SQL/inv':>13} {'post ms/inv':>12} {'SQL x post':>11} {'ms x post':>10} "
            f"{'post100 SQL/inv':>14} {'post100 ms/inv':>13}"
        )
        print(header)
        print("-" * len(header))
        for count in args.sizes:
            # Odoo's own create + post of the same invoices, one at a time as a user or a sales
            # order makes them, measured in the same run: the yardstick of the connector's
            # Odoo-side cost.
            with measured(env) as posting:
                moves = create_invoices(env, journal, customer, products, count, step=1)
            # And 100 per create() call (an import): Odoo's cheapest posting per invoice.
            with measured(env) as batch_posting:
                create_invoices(env, journal, customer, products, count)
            calls, queries, wall_ms, http_ms, summary = measure(
                env, connection, moves, sandbox.url, args.pdf
            )
            odoo_ms = wall_ms - http_ms
            print(
                f"{count:>6} {len(summary.sent):>6} {len(summary.failed):>6} "
                f"{calls / count:>14.2f} {queries / count:>9.1f} "
                f"{odoo_ms / count:>12.1f} {http_ms / count:>12.1f} "
                f"{wall_ms / 1000:>8.1f} "
                f"{posting['queries'] / count:>13.1f} {posting['wall_ms'] / count:>12.1f} "
                f"{queries / posting['queries']:>11.2f} {odoo_ms / posting['wall_ms']:>10.2f} "
                f"{batch_posting['queries'] / count:>14.1f} "
                f"{batch_posting['wall_ms'] / count:>13.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
