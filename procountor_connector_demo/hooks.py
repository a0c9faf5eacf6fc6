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
    url, wait = demo.sandbox_settings(os.environ)
    demo.build(env, url, wait)
