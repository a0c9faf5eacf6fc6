# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Invoices use the partner and product links: ``partnerId`` on the invoice,
``productId`` on rows; with the connection's options, a missing partner or product is
created in Procountor (exactly once) just before the invoice."""

import dataclasses

from odoo import models

from .procountor_register_link_mixin import ProcountorRegisterBusy


class AccountMove(models.Model):
    _inherit = "account.move"

    def _procountor_send_one(self, connection, client, pdf=None, lookup=None):
        try:
            return super()._procountor_send_one(connection, client, pdf, lookup)
        except ProcountorRegisterBusy:
            # Another worker is creating this invoice's customer, supplier or product in
            # Procountor right now: this invoice waits for the next run (it is not claimed
            # yet), as an invoice claimed by another worker does.
            return "skipped"

    def _procountor_parallel_needs_registers(self, connection, data):
        # The missing partner or product is created by ``_procountor_create_once`` (its own
        # claim, look-up and commits): such an invoice is sent one at a time.
        if connection.partner_create_on_send and not data.partner_id:
            return True
        if connection.product_create_on_send and self._procountor_rows_without_product(data):
            return True
        return super()._procountor_parallel_needs_registers(connection, data)

    def _procountor_rows_without_product(self, data):
        """Rows of a product line that carry no Procountor product id: the prepared data
        already holds the links (``_procountor_with_product_ids``), no second search."""
        product_lines = self._procountor_product_lines()
        if len(product_lines) != len(data.lines):
            return bool(product_lines.product_id)
        return any(
            line.product_id and not row.product_id
            for row, line in zip(data.lines, product_lines, strict=True)
        )

    def _procountor_partner_id(self, connection):
        link = self.commercial_partner_id._procountor_link(connection, "customer")
        return link.procountor_id or super()._procountor_partner_id(connection)

    def _procountor_prepare(self, connection, lookup=None):
        data, problems = super()._procountor_prepare(connection, lookup)
        extra = []
        partner = self.commercial_partner_id
        if connection.partner_create_on_send and not self._procountor_partner_id(connection):
            extra += partner._procountor_export_problems(connection)
        if connection.product_create_on_send:
            for product in self._procountor_unlinked_products(connection):
                extra += [
                    f"{product.display_name}: {problem}"
                    for problem in product._procountor_export_problems(connection)
                ]
        if extra:
            return None, list(dict.fromkeys(problems + extra))
        return data, problems

    def _procountor_invoice_data(self, connection, partner, channel, lines, vat_status, iban):
        data = super()._procountor_invoice_data(
            connection, partner, channel, lines, vat_status, iban
        )
        return self._procountor_with_product_ids(connection, data)

    def _procountor_with_product_ids(self, connection, data):
        """``productId`` on the rows whose product is linked (rows are one per product
        line, in order, once the checks passed)."""
        product_lines = self._procountor_product_lines()
        if len(product_lines) != len(data.lines):
            return data
        ids = {
            link.product_id.id: link.procountor_id
            for link in self.env["procountor.product.link"].search(
                [
                    ("connection_id", "=", connection.id),
                    ("product_id", "in", product_lines.product_id.ids),
                    ("product_type", "=", "sales"),
                    ("procountor_id", "!=", 0),
                ]
            )
        }
        rows = tuple(
            dataclasses.replace(row, product_id=ids.get(line.product_id.id) or row.product_id)
            for row, line in zip(data.lines, product_lines, strict=True)
        )
        return dataclasses.replace(data, lines=rows)

    def _procountor_unlinked_products(self, connection):
        products = self._procountor_product_lines().product_id
        linked = self.env["procountor.product.link"].search(
            [
                ("connection_id", "=", connection.id),
                ("product_id", "in", products.ids),
                ("product_type", "=", "sales"),
                ("procountor_id", "!=", 0),
            ]
        )
        return products - linked.product_id

    def _procountor_create_once(self, connection, client, data):
        """Create the missing partner and products first (each exactly once: a durable
        claim on its link before the POST, a look-up after an unconfirmed one), then the
        invoice referring to them."""
        if self._procountor_send_kind() != "sales":
            # Other kinds link their own partners (a vendor bill: the supplier).
            return super()._procountor_create_once(connection, client, data)
        pushed = False
        if connection.partner_create_on_send and not data.partner_id:
            link, _outcome = self.commercial_partner_id._procountor_push(
                connection, client, create_only=True
            )
            data = dataclasses.replace(data, partner_id=link.procountor_id)
            pushed = True
        if connection.product_create_on_send:
            products = self._procountor_unlinked_products(connection)
            for product in products:
                product._procountor_push(connection, client, create_only=True)
            if products:
                data = self._procountor_with_product_ids(connection, data)
                pushed = True
        if pushed:
            self._procountor_relock_after_register()
        return super()._procountor_create_once(connection, client, data)

    def _procountor_relock_after_register(self):
        """Creating a partner or product committed its claim and its answer, and so ended
        this transaction's lock on the invoice: another worker may have taken the invoice
        since. Take the lock again and look again, as ``_procountor_send_one`` does first;
        the invoice is left to that worker (skipped) when it is busy or already sent."""
        self.ensure_one()
        if (
            not self._procountor_try_lock()
            or self.procountor_invoice_id
            or (self.procountor_state == "sending" and self._procountor_claim_is_active())
        ):
            raise ProcountorRegisterBusy()
