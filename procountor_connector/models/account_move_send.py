# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, models

PROCOUNTOR_EDI = "procountor_send"


class AccountMoveSend(models.AbstractModel):
    """ "Send to Procountor" as an extra option of Odoo 18's Send wizard.

    The option is an "extra EDI" (``_get_all_extra_edis``), ticked by default when the
    invoice's company has a Procountor connection and the invoice is not yet in Procountor.
    Problems found before any HTTP call show in the wizard as an alert; the invoice is
    sent after Odoo rendered its PDF (``_call_web_service_after_invoice_pdf_render``), so
    that exactly that PDF is attached in Procountor.
    """

    _inherit = "account.move.send"

    @api.model
    def _procountor_is_applicable(self, move):
        connection = move.company_id.procountor_connection_id
        return bool(
            connection
            and connection.active
            and move.state == "posted"
            and move.move_type in ("out_invoice", "out_refund")
            and (move.procountor_state != "sent" or move.procountor_outdated)
            and self.env.user.has_group("procountor_connector.group_procountor_user")
        )

    def _get_all_extra_edis(self) -> dict:
        # EXTENDS 'account'
        edis = super()._get_all_extra_edis()
        edis[PROCOUNTOR_EDI] = {
            "label": _("Send to Procountor"),
            "is_applicable": self._procountor_is_applicable,
            "help": _("Create the invoice in Procountor, with its PDF."),
        }
        return edis

    def _get_alerts(self, moves, moves_data):
        # EXTENDS 'account'
        alerts = super()._get_alerts(moves, moves_data)
        lines = []
        for move in moves.filtered(lambda m: PROCOUNTOR_EDI in moves_data[m]["extra_edis"]):
            connection = move._procountor_target_connection()
            _data, problems = move._procountor_prepare(connection)
            lines += [f"{move.name}: {problem}" for problem in problems]
        if lines:
            alerts["procountor_connector_problems"] = {
                # A warning, not a danger: the other invoices (and the e-mail) still go.
                "level": "warning",
                "message": _("These invoices cannot be sent to Procountor yet:")
                + "\n"
                + "\n".join(lines),
            }
        return alerts

    def _call_web_service_after_invoice_pdf_render(self, invoices_data):
        # EXTENDS 'account'
        super()._call_web_service_after_invoice_pdf_render(invoices_data)
        moves = self.env["account.move"]
        pdf_by_move = {}
        for move, move_data in invoices_data.items():
            if PROCOUNTOR_EDI not in move_data["extra_edis"]:
                continue
            moves |= move
            pdf_values = move_data.get("pdf_attachment_values")
            if pdf_values and pdf_values.get("raw"):
                pdf_by_move[move] = (pdf_values["name"], pdf_values["raw"])
        if moves:
            # Failures are stored on each invoice (state, error text); they do not stop the
            # PDF and the e-mail Odoo sends next.
            moves._procountor_send_batch(pdf_by_move=pdf_by_move)
        return None
