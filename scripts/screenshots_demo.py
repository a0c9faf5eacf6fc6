#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fill the throwaway demo database of ``scripts/screenshots.py`` (run with Odoo's Python).

    python scripts/screenshots_demo.py -c ODOO_CONF -d DB --sandbox-url URL [--odoo-home DIR]

``DB`` has ``l10n_fi`` and ``procountor_connector`` installed. Made here, with the helpers of
``benchmarks/bench_invoice_send.py``: a Finnish company with the l10n_fi chart (the admin's
current company), a connection to the sandbox at ``URL`` with environment "Custom URL" (tested,
settings fetched, mappings suggested), then invoices and a credit note, posted: three invoices and
the credit note sent, one refused by Procountor (a fault of the sandbox: an error on the record and
in the exchange log), one left unsent. Prints one JSON line with the record ids the browser opens.
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_invoice_send as bench  # noqa: E402

bench.COMPANY_NAME = "Esimerkki Oy"
bench.CUSTOMER_NAME = "Asiakas Oy"
TIMEOUT = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--sandbox-url", required=True)
    parser.add_argument("--odoo-home", default="/opt/odoo18")
    return parser.parse_args()


def refuse_next_invoice(sandbox_url):
    """The sandbox answers the next POST /invoices with a validation error."""
    import requests

    response = requests.post(
        f"{sandbox_url}/_sandbox/faults",
        json={
            "path": "/invoices",
            "method": "POST",
            "kind": "status",
            "status": 400,
            "times": 1,
            "body": {
                "errors": [
                    {
                        "status": 400,
                        "field": "counterParty.counterPartyAddress.name",
                        "message": "Customer name is too long for the invoice address.",
                    }
                ]
            },
        },
        timeout=TIMEOUT,
    )
    response.raise_for_status()


def populate(env, sandbox_url):
    from procountor_sandbox.testing import pin_calendar

    # The demo's invoice dates are fixed (same pictures every run): the sandbox's fiscal years too.
    pin_calendar(sandbox_url)
    env, company, journal, customer, products = bench.setup_company(env)
    admin = env.ref("base.user_admin")
    admin.write({"company_ids": [(4, company.id)], "company_id": company.id})
    connection = bench.setup_connection(env, company, sandbox_url, attach_pdf=False)
    connection.name = "Procountor sandbox"
    connection.action_test_connection()
    moves = bench.create_invoices(env, journal, customer, products, 5)
    refund = env["account.move"].create(
        {
            "move_type": "out_refund",
            "partner_id": customer.id,
            "invoice_date": bench.INVOICE_DATE,
            "journal_id": journal.id,
            "invoice_line_ids": [(0, 0, {"product_id": products[0].id, "price_unit": 40})],
        }
    )
    refund.action_post()
    env.cr.commit()
    sent = moves[:3] | refund
    sent._procountor_send_batch()
    env.cr.commit()
    refuse_next_invoice(sandbox_url)
    moves[3]._procountor_send_batch()
    env.cr.commit()
    states = {move.name: move.procountor_state for move in moves | refund}
    return {
        "connection_id": connection.id,
        "invoice_id": moves[0].id,
        "error_invoice_id": moves[3].id,
        "states": states,
    }


def main():
    args = parse_args()
    bench_args = argparse.Namespace(
        config=args.config, database=args.database, odoo_home=args.odoo_home
    )
    odoo = bench.boot_odoo(bench_args)
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench.require_addon(env, args.database)
        result = populate(env, args.sandbox_url)
        cr.commit()
    print("DEMO " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
