# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Procountor Connector",
    "summary": "Send invoices to Procountor and fetch its reference data through its REST API",
    "version": "18.0.1.0.0",
    "category": "Accounting/Localizations",
    "website": "https://github.com/procountor-connector/procountor_connector",
    "author": "procountor_connector contributors",
    "license": "LGPL-3",
    "depends": ["account"],
    "external_dependencies": {"python": ["requests", "python-stdnum"]},
    "data": [
        "security/procountor_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/procountor_exchange_views.xml",
        "views/procountor_connection_views.xml",
        "views/procountor_reference_views.xml",
        "views/procountor_mapping_views.xml",
        "views/res_company_views.xml",
        "views/res_config_settings_views.xml",
        "views/procountor_menus.xml",
        "data/ir_cron_invoice.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/procountor_connection_invoice_views.xml",
        "views/procountor_ui_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "procountor_connector/static/src/procountor_state_badge/*",
        ],
    },
    "installable": True,
    "application": False,
}
