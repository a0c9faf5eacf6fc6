#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of fetching Procountor business partners into Odoo (prints figures, not a test).

    /opt/odoo18/venv/bin/python benchmarks/bench_partner_fetch.py -c ODOO.conf -d DB [-n 500]

``DB`` must have ``procountor_connector`` installed. The script starts the sandbox in this
process, seeds it with N generated partners (``POST /_sandbox/seed`` ``generate``), makes a
company with a connection to it, opens the fetch wizard (preview) and confirms it (create
missing). It prints:

- API calls of the fetch, against the target ``pages + ceil(N / 200) + token``;
- SQL queries of the preview and of the confirm, and per partner
  (``odoo.sql_db.sql_counter``: every cursor of the process, the exchange log included);
- wall time of both.

Everything is rolled back at the end except the exchange log (written through its own
cursor): use a scratch copy of a database (``createdb -T``).
"""

import argparse
import math
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_invoice_send import REPO, boot_odoo, require_addon  # noqa: E402

TIMEOUT = 30
PAGE = 200


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database with the addon")
    parser.add_argument("--odoo-home", default="/opt/odoo18", help="directory of the odoo package")
    parser.add_argument("-n", "--partners", type=int, default=500, help="partners to fetch")
    return parser.parse_args()


def main():
    args = parse_args()
    odoo = boot_odoo(args)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from odoo import sql_db

    from procountor_sandbox import defaults, registers
    from procountor_sandbox.server import start_in_thread

    sandbox = start_in_thread(port=0)
    try:
        requests.post(f"{sandbox.url}/_sandbox/reset", json={}, timeout=TIMEOUT).raise_for_status()
        for partner_id in list(sandbox.state.businessPartners):
            sandbox.state.businessPartners.pop(partner_id)
        requests.post(
            f"{sandbox.url}/_sandbox/seed",
            json={"generate": {"businessPartners": args.partners}},
            timeout=TIMEOUT,
        ).raise_for_status()
        registry = odoo.modules.registry.Registry(args.database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            require_addon(env, args.database)
            company = env["res.company"].create({"name": "Partner Benchmark Oy"})
            env = env(context={"allowed_company_ids": [company.id]})
            connection = env["procountor.connection"].create(
                {
                    "name": "Partner benchmark sandbox",
                    "company_id": company.id,
                    "environment": "custom",
                    "base_url": sandbox.url,
                    "api_version_path": "api",
                    "client_id": defaults.CLIENT_ID,
                    "client_secret": defaults.CLIENT_SECRET,
                    "redirect_uri": defaults.REDIRECT_URI,
                    "api_key": defaults.API_KEY,
                }
            )
            # A few Odoo partners that the fetch matches (business ID) so matching is exercised.
            env["res.partner"].create(
                [
                    {
                        "name": f"Odoo {i}",
                        "is_company": True,
                        "company_registry": registers.partner_business_id(i),
                        "company_id": company.id,
                    }
                    for i in range(0, args.partners, 10)
                ]
            )
            env.flush_all()
            requests.delete(f"{sandbox.url}/_sandbox/journal", timeout=TIMEOUT).raise_for_status()

            before = sql_db.sql_counter
            started = time.perf_counter()
            action = connection.action_procountor_fetch_partners()
            wizard = env["procountor.register.fetch"].browse(action["res_id"])
            env.flush_all()
            preview_ms = (time.perf_counter() - started) * 1000
            preview_queries = sql_db.sql_counter - before
            journal = requests.get(f"{sandbox.url}/_sandbox/journal", timeout=TIMEOUT).json()

            before = sql_db.sql_counter
            started = time.perf_counter()
            wizard.action_confirm()
            env.flush_all()
            confirm_ms = (time.perf_counter() - started) * 1000
            confirm_queries = sql_db.sql_counter - before
            links = env["procountor.partner.link"].search_count(
                [("connection_id", "=", connection.id)]
            )
            cr.rollback()
    finally:
        sandbox.stop()

    n = args.partners
    pages = n // PAGE + 1  # the last page is short (or empty) and ends the walk
    target = pages + math.ceil(n / PAGE) + 1
    kinds = {}
    for entry in journal:
        key = f"{entry['method']} {entry['path'].split('?')[0].rsplit('/', 1)[0] or entry['path']}"
        kinds[key] = kinds.get(key, 0) + 1
    details = math.ceil(n / PAGE)
    total = preview_queries + confirm_queries
    print(f"partners fetched:          {n} (links after confirm: {links})")
    print(
        f"API calls:                 {len(journal)} (target <= {target} = {pages} pages"
        f" + {details} detail GETs + 1 token) {kinds}"
    )
    print(
        f"SQL queries, preview:      {preview_queries} ({preview_queries / n:.2f} per partner),"
        f" {preview_ms:.0f} ms"
    )
    print(
        f"SQL queries, confirm:      {confirm_queries} ({confirm_queries / n:.2f} per partner),"
        f" {confirm_ms:.0f} ms"
    )
    print(f"SQL queries per partner:   {total / n:.2f} (preview + confirm)")


if __name__ == "__main__":
    main()
