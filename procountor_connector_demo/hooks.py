# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The install hook: the demo only where the start-up script asked for it."""

import os

from odoo.exceptions import UserError

from . import demo


def post_init_hook(env):
    # The demo turns the admin's company into a Finnish demo company with invoices: never
    # what a production database wants, so installing the module anywhere else fails.
    if not demo.demo_allowed(os.environ):
        raise UserError(
            env._(
                "Procountor Connector Demo builds a demo company connected to the local "
                "Procountor sandbox. Only the docker compose start-up installs it "
                "(docker/odoo-start.sh, with %(name)s=1); do not install it in a real "
                "database.",
                name=demo.DEMO_ENV,
            )
        )
    # Even with the variable, only into a database created for the demo: the start-up script
    # never runs the install on an existing one, and this keeps anything else from doing it.
    facts = demo.database_facts(env)
    reasons = demo.not_fresh_reasons(facts)
    if reasons:
        raise UserError(
            env._(
                "Procountor Connector Demo installs only into a new database created for it "
                "(docker/odoo-start.sh creates one): it would rename this database's company, "
                "load a chart of accounts and connect it to the local Procountor sandbox. This "
                "database already has %(what)s. Start the demo on a new database instead.",
                what=", ".join(not_fresh_words(env, facts, reasons)),
            )
        )
    url, wait = demo.sandbox_settings(os.environ)
    demo.build(env, url, wait)


def not_fresh_words(env, facts, reasons):
    """The reasons of ``demo.not_fresh_reasons`` in the user's language."""
    words = []
    if "companies" in reasons:
        words.append(env._("%(count)s companies", count=facts["companies"]))
    if "moves" in reasons:
        words.append(env._("journal entries"))
    if "chart" in reasons:
        words.append(env._("a chart of accounts (%(chart)s)", chart=facts["chart"]))
    return words
