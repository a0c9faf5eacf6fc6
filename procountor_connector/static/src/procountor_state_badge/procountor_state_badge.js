/** @odoo-module **/
// Copyright 2026 procountor_connector contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
//
// Where an invoice stands in Procountor as a badge that cannot be mistaken for Odoo's own
// "Sent" (e-mailed). Its words come from the server (``procountor_state_label``: the connector's
// state read with Procountor's status, e.g. "In Procountor (unfinished)", "Sent to customer");
// on forms "Procountor: " is put before those that do not name Procountor, in lists the
// column says it. The tooltip gives Procountor's status and numbers. Numbers are Procountor
// identifiers, shown as they are (no thousands separators).
import {BadgeField, badgeField} from "@web/views/fields/badge/badge_field";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";

export class ProcountorStateBadgeField extends BadgeField {
    static template = "procountor_connector.ProcountorStateBadgeField";
    static props = {
        ...BadgeField.props,
        prefixed: {type: Boolean, optional: true},
    };

    get formattedValue() {
        // The label already says "out of date" for a move that no longer matches its
        // Procountor document (changed, cancelled): it never reads as plainly sent.
        const label = this.props.record.data.procountor_state_label || super.formattedValue;
        // "In Procountor (unfinished)" names Procountor already; "Paid" alone would pass for
        // Odoo's own payment state.
        if (this.props.prefixed && !label.includes("Procountor")) {
            return _t("Procountor: %s", label);
        }
        return label;
    }

    get tooltipLines() {
        const data = this.props.record.data;
        const lines = [];
        if (data.procountor_status) {
            lines.push(
                _t(
                    "Status in Procountor: %s",
                    data.procountor_status_label || data.procountor_status
                )
            );
        }
        if (data.procountor_invoice_number) {
            lines.push(
                _t("Procountor invoice number: %s", String(data.procountor_invoice_number))
            );
        }
        if (data.procountor_invoice_id) {
            lines.push(_t("Procountor invoice ID: %s", String(data.procountor_invoice_id)));
        }
        if (data.procountor_not_production) {
            lines.push(_t("Custom URL: not Procountor production"));
        }
        if (!lines.length) {
            lines.push(_t("Not in Procountor yet"));
        }
        return lines;
    }

    get tooltipInfo() {
        return JSON.stringify({lines: this.tooltipLines});
    }
}

export const procountorStateBadgeField = {
    ...badgeField,
    component: ProcountorStateBadgeField,
    supportedTypes: ["selection"],
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...badgeField.extractProps(fieldInfo, dynamicInfo),
        prefixed: fieldInfo.viewType !== "list",
    }),
    fieldDependencies: [
        {name: "procountor_state_label", type: "char"},
        {name: "procountor_status", type: "char"},
        {name: "procountor_status_label", type: "char"},
        {name: "procountor_invoice_number", type: "integer"},
        {name: "procountor_invoice_id", type: "integer"},
        {name: "procountor_not_production", type: "boolean"},
        {name: "procountor_outdated", type: "boolean"},
    ],
};

registry.category("fields").add("procountor_state_badge", procountorStateBadgeField);
