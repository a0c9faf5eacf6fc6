# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Building blocks of the demo database (plain functions taking an ``env``).

Used by the install hook (docker compose start-up) and by the repository's scripts
(``scripts/screenshots_demo.py``, the benchmarks) for the parts they share: the Finnish
company with its l10n_fi chart and bank account, and a connection to the sandbox.
"""

import logging
import time
from urllib.error import URLError
from urllib.request import urlopen

_logger = logging.getLogger(__name__)

#: Set to 1 by docker/odoo-start.sh for the install it runs, and by nothing else.
DEMO_ENV = "PROCOUNTOR_DEMO"
SANDBOX_URL_ENV = "PROCOUNTOR_SANDBOX_URL"
#: Seconds to wait for the sandbox to answer (compose starts it first, it may still boot).
SANDBOX_WAIT_ENV = "PROCOUNTOR_SANDBOX_WAIT"
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8899"
DEFAULT_WAIT_SECONDS = 60
# The public test credentials of the sandbox (procountor_sandbox/defaults.py; a pure test
# keeps the two equal). This module cannot import the sandbox: the Odoo container of
# docker compose mounts the addons only.
SANDBOX_CREDENTIALS = {
    "client_id": "sandbox-client",
    "client_secret": "sandbox-secret",
    "redirect_uri": "http://localhost/callback",
    "api_key": "sandbox-api-key",
}
# The Procountor company of the sandbox ("Sandbox Oy", seed.py): the demo company is the
# same company on the Odoo side, with the sandbox's invoice bank account.
COMPANY_VALUES = {
    "name": "Sandbox Oy",
    "street": "Testikatu 1",
    "zip": "00100",
    "city": "Helsinki",
    "company_registry": "1234567-1",
    "vat": "FI12345671",
    "email": "info@sandbox-oy.example",
}
COMPANY_IBAN = "FI21 1234 5600 0007 85"
# The sandbox's demo registers (procountor_sandbox/demo.py) the demo invoices use.
DEMO_CUSTOMER_IDS = (4101, 4102, 4103)
DEMO_PRODUCT_IDS = (5101, 5102, 5103)
# (customer, [(product, quantity)]) of the posted invoices left for the user to send.
DEMO_INVOICES = (
    (4101, ((5101, 1), (5103, 2))),
    (4102, ((5102, 2),)),
    (4103, ((5101, 3), (5102, 1))),
)
# Credits one of the first invoice's lines: a reversal of it, sent with its number.
DEMO_REFUND = (4101, ((5103, 1),))
CRON_MINUTES = 5
# Procountor's demo customers pay in 14 days (paymentTermDays); Odoo has no such term.
PAYMENT_TERM_DAYS = 14
#: Finnish is loaded for the Finnish names of the l10n_fi chart (what Procountor shows, so
#: that Suggest Mappings can tell the same account by its name); the UI stays English.
DEMO_LANG = "fi_FI"
DEMO_TZ = "Europe/Helsinki"


def demo_allowed(environ):
    """True only where the start-up script asked for the demo."""
    return environ.get(DEMO_ENV) == "1"


def database_facts(env):
    """What says whether the database is new: companies, journal entries, and the chart of
    accounts of the admin's company (before the demo loads the Finnish one)."""
    env = env(su=True)
    return {
        "companies": env["res.company"].with_context(active_test=False).search_count([]),
        "moves": env["account.move"].search_count([], limit=1),
        "chart": env.ref("base.user_admin").company_id.chart_template or "",
    }


def not_fresh_reasons(facts):
    """Why ``facts`` (``database_facts``) are not those of a database just created for the
    demo: ``[]`` when they are. A new database has one company, no journal entry, and no
    chart yet (account, installed in the same run, loads one only after the hooks)."""
    reasons = []
    if facts["companies"] > 1:
        reasons.append("companies")
    if facts["moves"]:
        reasons.append("moves")
    if facts["chart"]:
        reasons.append("chart")
    return reasons


def sandbox_settings(environ):
    """``(sandbox URL, seconds to wait for it)`` from the environment."""
    url = (environ.get(SANDBOX_URL_ENV) or DEFAULT_SANDBOX_URL).rstrip("/")
    wait = float(environ.get(SANDBOX_WAIT_ENV) or DEFAULT_WAIT_SECONDS)
    return url, wait


def sandbox_connection_values(company, sandbox_url):
    """Values of a ``procountor.connection`` to the sandbox at ``sandbox_url``."""
    return {
        "company_id": company.id,
        "environment": "custom",
        "base_url": sandbox_url,
        "api_version_path": "api",
        "active": True,
        **SANDBOX_CREDENTIALS,
    }


def load_finnish_chart(env, company):
    """The l10n_fi chart on ``company`` (once; switching from Odoo's generic chart is what
    Settings does for a company without entries)."""
    if company.chart_template != "fi":
        env["account.chart.template"].try_loading("fi", company=company, install_demo=False)
    # When account is installed in the same run (a fresh database), Odoo has left a chart to
    # load on the current company once the registry is ready (account's ir.module.module
    # _register_hook): the generic one, guessed before the company became Finnish, loaded
    # on top of the Finnish chart. The company has its chart now: that pending load goes.
    if company == env.company and hasattr(env.registry, "_auto_install_template"):
        del env.registry._auto_install_template


def setup_bank_and_sales(env, company, iban=COMPANY_IBAN):
    """The company's bank journal with ``iban`` (Procountor's invoice bank account) and
    Finnish creditor references on the sales journal; returns the sales journal."""
    Journal = env["account.journal"]
    bank = Journal.search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    if not bank.bank_account_id:
        bank.bank_account_id = env["res.partner.bank"].create(
            {"acc_number": iban, "partner_id": company.partner_id.id}
        )
    sale = Journal.search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
    sale.invoice_reference_model = "fi"
    return sale


def setup_demo_company(env):
    """The admin's current company made the Finnish demo company; returns it."""
    company = env.ref("base.user_admin").company_id
    company.write(
        {
            **COMPANY_VALUES,
            "country_id": env.ref("base.fi").id,
        }
    )
    load_finnish_chart(env, company)
    setup_bank_and_sales(env, company)
    return company


def wait_for_sandbox(url, seconds):
    """True once the sandbox answers on ``url`` (its page), False after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url.rstrip("/") + "/", timeout=5):  # noqa: S310 (the demo's own URL)
                return True
        except (URLError, OSError):
            if time.monotonic() >= deadline:
                return False
            time.sleep(1)


def link_registers(connection):
    """Fetch Procountor's partners and products through the connector's own fetch (new
    ones created in Odoo, matches linked). The fetch itself leaves out, record by record,
    what Odoo refuses (the sandbox's German customer, whose VAT number base_vat finds
    invalid, is created without it); its notes are logged here."""
    for kind in ("partner", "product"):
        preview = connection._procountor_register_preview(kind)
        notes = {}
        connection._procountor_register_apply(kind, preview, True, True, notes)
        for procountor_id, text in notes.items():
            _logger.warning("Procountor demo: %s %s: %s", kind, procountor_id, text)


def linked(env, connection, kind, procountor_ids):
    """``{procountor id: Odoo record}`` of the links of ``kind`` among ``procountor_ids``."""
    Link = env[f"procountor.{kind}.link"]
    links = Link.search(
        [("connection_id", "=", connection.id), ("procountor_id", "in", list(procountor_ids))]
    )
    return {link.procountor_id: link[f"{kind}_id"] for link in links}


def demo_payment_term(env, days=PAYMENT_TERM_DAYS):
    """The payment term of ``days`` days net (found, else created)."""
    Term = env["account.payment.term"]
    for term in Term.search([]):
        line = term.line_ids
        if len(line) == 1 and line.value == "percent" and line.value_amount == 100:
            if line.delay_type == "days_after" and line.nb_days == days and not term.early_discount:
                return term
    return Term.create(
        {
            "name": env._("%(days)s Days", days=days),
            "line_ids": [
                (0, 0, {"value": "percent", "value_amount": 100, "nb_days": days}),
            ],
        }
    )


def create_demo_invoices(env, connection, journal):
    """Posted invoices and a credit note of the linked demo customers and products, not
    sent: the user presses Send. The credit note reverses the first invoice (Odoo's
    reversed_entry_id), so it goes to Procountor with the credited invoice's number."""
    partners = linked(env, connection, "partner", DEMO_CUSTOMER_IDS)
    products = linked(env, connection, "product", DEMO_PRODUCT_IDS)
    if len(partners) < len(DEMO_CUSTOMER_IDS) or len(products) < len(DEMO_PRODUCT_IDS):
        _logger.warning("Procountor demo: the sandbox lacks its demo registers (--empty?)")
        return env["account.move"]
    term = demo_payment_term(env)
    for partner in partners.values():
        partner.property_payment_term_id = term
    invoices = env["account.move"].create(
        [
            invoice_vals(journal, "out_invoice", partners[customer], products, lines, term)
            for customer, lines in DEMO_INVOICES
        ]
    )
    invoices.action_post()
    credited = invoices[0]
    refund = env["account.move"].create(
        {
            **invoice_vals(
                journal, "out_refund", partners[DEMO_REFUND[0]], products, DEMO_REFUND[1], term
            ),
            "reversed_entry_id": credited.id,
            "ref": env._("Reversal of: %(invoice)s", invoice=credited.name),
        }
    )
    refund.action_post()
    return invoices | refund


def invoice_vals(journal, move_type, partner, products, lines, term=None):
    vals = {
        "move_type": move_type,
        "partner_id": partner.id,
        "journal_id": journal.id,
        "invoice_line_ids": [
            (0, 0, {"product_id": products[product].id, "quantity": quantity})
            for product, quantity in lines
        ],
    }
    if term:
        vals["invoice_payment_term_id"] = term.id
    return vals


def setup_language(env, company):
    """Finnish loaded (translations of the installed modules and the l10n_fi chart's names)
    and the admin in Helsinki time; the admin's UI language is left as it is."""
    lang = env["res.lang"]._activate_lang(DEMO_LANG)
    if lang:
        env["base.language.install"].create({"lang_ids": [(6, 0, lang.ids)]}).lang_install()
        # During an install (the demo's hook) account puts off the chart's translations
        # until the registry is ready: too late for Suggest Mappings, which reads them.
        env["account.chart.template"]._load_translations(langs=[DEMO_LANG], companies=company)
    env.ref("base.user_admin").tz = DEMO_TZ


def setup_crons(env, connection):
    """Payments and bills fetched every few minutes; sending stays a button."""
    purchase = env["account.journal"].search(
        [("company_id", "=", connection.company_id.id), ("type", "=", "purchase")], limit=1
    )
    connection.write(
        {
            "payment_fetch_enabled": True,
            # Approved and sent in Procountor: the sandbox page can then take its payment.
            "invoice_approve": True,
            "invoice_send": True,
            "invoice_cron_enabled": False,
            "bill_import_enabled": True,
            "bill_import_journal_id": purchase.id,
            "bill_import_post": True,
        }
    )
    for xmlid, active in (
        ("procountor_connector.ir_cron_procountor_fetch_payments", True),
        ("procountor_connector.ir_cron_procountor_fetch_bills", True),
        ("procountor_connector.ir_cron_procountor_send_invoices", False),
    ):
        cron = env.ref(xmlid)
        cron.write({"active": active, "interval_number": CRON_MINUTES, "interval_type": "minutes"})


def build(env, sandbox_url, wait_seconds=DEFAULT_WAIT_SECONDS):
    """The whole demo; a sandbox that does not answer leaves its error on the connection."""
    company = setup_demo_company(env)
    setup_language(env, company)
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    company = company.with_env(env)
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    connection = env["procountor.connection"].create(
        {"name": "Procountor sandbox", **sandbox_connection_values(company, sandbox_url)}
    )
    company.procountor_connection_id = connection
    setup_crons(env, connection)
    if not wait_for_sandbox(sandbox_url, wait_seconds):
        _logger.warning(
            "Procountor demo: the sandbox at %s did not answer within %s s; the connection "
            "test stores the error on the connection.",
            sandbox_url,
            wait_seconds,
        )
    connection.action_test_connection()
    if connection.state != "connected":
        _logger.warning(
            "Procountor demo: no connection to the sandbox at %s (%s): the demo company and "
            "its connection are there, without linked customers, products and invoices. "
            "Start the sandbox, then press Test Connection and Fetch Settings from Procountor "
            "on the connection, or start over on a fresh database (docker compose down -v).",
            sandbox_url,
            connection.last_error,
        )
        return connection
    connection.action_fetch_settings()
    connection.action_suggest_mappings()
    link_registers(connection)
    moves = create_demo_invoices(env, connection, journal)
    _logger.info(
        "Procountor demo: company %s connected to the sandbox at %s, %s invoices to send",
        company.name,
        sandbox_url,
        len(moves),
    )
    return connection
