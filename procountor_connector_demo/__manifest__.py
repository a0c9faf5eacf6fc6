# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Procountor Connector Demo",
    "summary": "Demo database of the docker compose start-up: a Finnish company connected "
    "to the local Procountor sandbox (not for production databases)",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/procountor-connector/procountor_connector",
    "author": "procountor_connector contributors",
    "license": "LGPL-3",
    "depends": ["procountor_connector", "l10n_fi"],
    "data": [],
    "post_init_hook": "post_init_hook",
    "installable": True,
    "auto_install": False,
    "application": False,
}
