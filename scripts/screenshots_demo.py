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
in the exchange log), one left unsent (the invoice list's "Not in Procountor"); the
purchase side: accepted purchase invoices imported as vendor bills (one waiting for an account
mapping), a vendor bill sent as a purchase invoice and a payroll entry sent as a journal ledger
receipt. Prints one JSON line with the record ids the
browser opens.
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_bill_import as bills_bench  # noqa: E402
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
    purchase = populate_purchase_side(env, connection, company, sandbox_url)
    states.update(purchase.pop("states"))
    differences = populate_reconciliation(env, connection, moves[1], moves[2], sandbox_url)
    return {
        "connection_id": connection.id,
        "invoice_id": moves[0].id,
        "error_invoice_id": moves[3].id,
        # Posted, never sent: the list shows "Not in Procountor" (the demo loop itself is
        # walked on the start-up's demo database, scripts/demo --check).
        "unsent_invoice_id": moves[4].id,
        "states": states,
        "differences": differences,
        **purchase,
    }


def populate_reconciliation(env, connection, drifted, deleted, sandbox_url):
    """Reconciliation: a sent invoice edited in Procountor (its first row's price), another
    deleted there, then a run over March; the deleted one is explained. Returns the kinds
    found."""
    import requests

    with connection._procountor_client() as client:
        rows = client.get_invoice(drifted.procountor_invoice_id)["invoiceRows"]
    rows[0]["unitPrice"] += 10
    requests.patch(
        f"{sandbox_url}/_sandbox/invoices/{drifted.procountor_invoice_id}",
        json={"invoiceRows": rows},
        timeout=TIMEOUT,
    ).raise_for_status()
    requests.delete(
        f"{sandbox_url}/_sandbox/invoices/{deleted.procountor_invoice_id}", timeout=TIMEOUT
    ).raise_for_status()
    summary = connection._procountor_reconcile("2026-03-01", "2026-03-31")
    found = env["procountor.difference"].search([("connection_id", "=", connection.id)])
    explained = found.filtered(lambda d: d.kind == "missing_in_procountor")[:1]
    if explained:
        explained.note = "Deleted in Procountor by mistake; sent again next week."
        explained.action_explain()
    env.cr.commit()
    return dict(summary.found)


def populate_purchase_side(env, connection, company, sandbox_url):
    """Bills imported from Procountor (one waits for a mapping), a vendor bill and a
    payroll entry sent to Procountor."""
    import requests

    from procountor_sandbox.testing import PINNED_TODAY

    # Accounts of l10n_fi the payroll entry uses that the default sandbox chart lacks.
    requests.post(
        f"{sandbox_url}/_sandbox/seed",
        json={
            "ledgerAccounts": [{"ledgerAccountCode": "5010", "name": "Kuukausipalkat"}],
            "generate": {
                "purchaseInvoices": 4,
                "purchaseInvoiceOptions": {
                    "today": PINNED_TODAY.isoformat(),
                    "unmappedAccountEvery": 4,
                    "attachmentEvery": 0,
                },
            },
        },
        timeout=TIMEOUT,
    ).raise_for_status()
    connection.action_fetch_settings()
    connection.action_suggest_mappings()
    bills_bench.setup_bill_import(env, connection, company)
    connection._procountor_fetch_bills()
    env.cr.commit()
    imported = env["account.move"].search(
        [("procountor_bill_connection_id", "=", connection.id)], order="id"
    )

    payroll = env["account.journal"].create(
        {"name": "Palkat", "code": "PAY", "type": "general", "company_id": company.id}
    )
    connection.write(
        {"purchase_send_enabled": True, "journal_send_journal_ids": [(6, 0, payroll.ids)]}
    )
    supplier = env["res.partner"].create(
        {
            "name": "Toimittaja Oy",
            "is_company": True,
            "street": "Teollisuuskatu 5",
            "zip": "00510",
            "city": "Helsinki",
            "country_id": env.ref("base.fi").id,
            "company_registry": "1572860-0",
            "supplier_rank": 1,
        }
    )
    bank = env["res.partner.bank"].create(
        {"acc_number": "FI49 5000 9420 0287 30", "partner_id": supplier.id}
    )
    chart = env["account.chart.template"].with_company(company)
    bill = env["account.move"].create(
        {
            "move_type": "in_invoice",
            "partner_id": supplier.id,
            "partner_bank_id": bank.id,
            "ref": "TOIM-1001",
            "invoice_date": bench.INVOICE_DATE,
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Toimistotarvikkeet",
                        "quantity": 1,
                        "price_unit": 200,
                        "tax_ids": [(6, 0, chart.ref("tax_dom_purchase_goods_25_5").ids)],
                    },
                )
            ],
        }
    )
    bill.action_post()

    def account(code):
        return env["account.account"].search(
            [("code", "=", code), ("company_ids", "in", company.id)], limit=1
        )

    entry = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": payroll.id,
            "date": bench.INVOICE_DATE,
            "ref": "Palkat 3/2026",
            "line_ids": [
                (0, 0, {"name": "Kuukausipalkat", "account_id": account("5010").id, "debit": 3200}),
                (0, 0, {"name": "Palkkavelat", "account_id": account("2940").id, "credit": 3200}),
            ],
        }
    )
    entry.action_post()
    env.cr.commit()
    (bill | entry)._procountor_send_batch()
    env.cr.commit()
    return {
        "bill_id": bill.id,
        "entry_id": entry.id,
        "imported_bill_ids": imported.ids,
        "pending_bills": env["procountor.bill.pending"].search_count(
            [("connection_id", "=", connection.id)]
        ),
        "states": {
            bill.name: bill.procountor_state,
            entry.name: entry.procountor_state,
            "imported bills": len(imported),
        },
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
