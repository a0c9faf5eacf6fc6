#!/usr/bin/env python3
# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What ``scripts/demo --check`` checks on the demo database (run with Odoo's Python).

    python scripts/demo_facts.py -c ODOO_CONF -d DB [--probe]

Prints one line ``FACTS {json}``: the connection's state, its unmapped taxes, the linked
customers and products, the unsent posted invoices, and a fingerprint of what the start-up
writes (counts and the last write of the demo's tables, the crons), which a second start
must leave as it is. ``--probe`` first tests the connection and fetches the partners'
preview again (a sandbox restarted since: the links must still find their records).
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Tables whose rows and last write the start-up decides; a second start must not touch them.
FINGERPRINT_TABLES = (
    "res_company",
    "res_partner",
    "product_product",
    "account_account",
    "account_journal",
    "account_tax",
    "account_move",
    "procountor_connection",
    "procountor_partner_link",
    "procountor_product_link",
    "procountor_tax_mapping",
    "ir_module_module",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--odoo-home", default=os.environ.get("ODOO_HOME", "/opt/odoo18"))
    parser.add_argument("--probe", action="store_true")
    return parser.parse_args()


def fingerprint(cr, crons):
    parts = {}
    for table in FINGERPRINT_TABLES:
        cr.execute(f"SELECT count(*), max(write_date)::text FROM {table}")  # noqa: S608
        parts[table] = list(cr.fetchone())
    parts["crons"] = crons
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16], parts


def procountor_crons(env):
    """``{xml id: [active, interval number, interval type]}`` of the connector's crons."""
    crons = env["ir.model.data"].search(
        [("module", "=", "procountor_connector"), ("model", "=", "ir.cron")]
    )
    result = {}
    for data in crons:
        cron = env["ir.cron"].with_context(active_test=False).browse(data.res_id)
        result[data.name] = [cron.active, cron.interval_number, cron.interval_type]
    return result


def facts(env, probe):
    connection = env["procountor.connection"].search([], limit=1)
    result = {"connection": bool(connection)}
    if not connection:
        return result
    if probe:
        connection.action_test_connection()
        result["probe_state"] = connection.state
        preview = connection._procountor_register_preview("partner")
        statuses = {row["match"].remote_id: row["match"].status for row in preview["rows"]}
        links = env["procountor.partner.link"].search([("connection_id", "=", connection.id)])
        # every link must find its Procountor record again, as a linked one
        result["probe_links"] = len(links)
        result["probe_links_lost"] = sorted(
            link.procountor_id
            for link in links
            if statuses.get(link.procountor_id) not in ("linked", "unchanged")
        )
        env.cr.rollback()  # the probe changes nothing in the database (the log is its own)
    unsent = env["account.move"].search(
        [
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("procountor_invoice_id", "=", 0),
        ]
    )
    linked_partners = set(env["procountor.partner.link"].search([]).partner_id.ids)
    linked_products = set(env["procountor.product.link"].search([]).product_id.ids)
    result.update(
        state=connection.state,
        last_error=connection.last_error or "",
        base_url=connection.base_url,
        unmapped_taxes=env["procountor.mapping.suggester"]._unmapped_taxes(connection),
        customers_linked=len(
            env["procountor.partner.link"].search([("partner_type", "=", "customer")])
        ),
        products_linked=len(linked_products),
        unsent_invoices=len(unsent.filtered(lambda m: m.move_type == "out_invoice")),
        unsent_refunds=len(unsent.filtered(lambda m: m.move_type == "out_refund")),
        unsent_fully_linked=len(
            unsent.filtered(
                lambda m: (
                    m.partner_id.commercial_partner_id.id in linked_partners
                    and set(m.invoice_line_ids.product_id.ids) <= linked_products
                )
            )
        ),
        company=env.ref("base.user_admin").company_id.name,
        chart=env.ref("base.user_admin").company_id.chart_template,
    )
    result["crons"] = procountor_crons(env)
    result["fingerprint"], result["fingerprint_parts"] = fingerprint(env.cr, result["crons"])
    return result


def main():
    args = parse_args()
    for path in (args.odoo_home, str(REPO)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database], setup_logging=False)
    odoo.modules.module.initialize_sys_path()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        result = facts(env, args.probe)
        cr.rollback()
    print("FACTS " + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
