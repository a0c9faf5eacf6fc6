"""Reconciliation without Odoo: the decisions of ``payloads.reconcile`` and the sandbox's
control API that makes Procountor's books drift, every answer checked against the 26.04
schemas."""

from __future__ import annotations

from decimal import Decimal

import pytest
import schema_support

from procountor_api.payloads import reconcile as rec
from procountor_sandbox.testing import SandboxApi, pin_calendar, sales_invoice

D = Decimal


def odoo_doc(**values):
    base = {
        "move_id": 1,
        "doc_type": "sale",
        "procountor_id": 100001,
        "number": "INV/2026/00001",
        "reference": "INV/2026/00001",
        "date": "2026-03-15",
        "currency": "EUR",
        "total": D("251.00"),
        "paid": D(0),
        "fully_paid": False,
        "partner_id": 7,
        "counterparty": rec.expected_counterparty(None, "2077474-0", "", "FI", "Asiakas Oy"),
    }
    base.update(values)
    return rec.OdooDocument(**base)


ZERO = D(0)


def remote_doc(paid=ZERO, receipt=None, **invoice):
    body = sales_invoice()
    body.update(
        id=100001,
        status="SENT",
        invoiceNumber=1001,
        creatorId=7001,
        invoiceSumInfo=[{"currency": "EUR", "invoiceSumTotal": 251}],
    )
    body.update(invoice)
    return rec.remote_invoice(body, paid, receipt, api_user_id=7001)


def kinds(findings):
    return sorted(finding.kind for finding in findings)


# --- documents ------------------------------------------------------------------------------


def test_documents_in_agreement_give_nothing():
    assert rec.compare_documents([odoo_doc()], [remote_doc()]) == []


@pytest.mark.parametrize(
    ("odoo", "remote", "kind"),
    [
        ({"total": D("250.00")}, {}, "total"),
        ({"currency": "USD"}, {}, "currency"),
        ({"date": "2026-03-16"}, {}, "date"),
        ({"reference": "INV/2026/00002"}, {}, "reference"),
        ({}, {"counterParty": {"identifier": "1234567-1"}}, "partner"),
    ],
)
def test_each_field_that_differs_is_one_finding(odoo, remote, kind):
    findings = rec.compare_documents([odoo_doc(**odoo)], [remote_doc(**remote)])
    assert kinds(findings) == [kind]
    assert findings[0].move_id == 1 and findings[0].procountor_id == 100001


def test_missing_both_ways_and_invalidated_counts_as_missing():
    ours = remote_doc(id=100002, originalInvoiceNumber="INV/2026/00009")
    theirs = remote_doc(id=100003, creatorId=99, originalInvoiceNumber="X-1")
    gone = remote_doc(id=100004, status="INVALIDATED")
    findings = rec.compare_documents(
        [odoo_doc(), odoo_doc(move_id=2, procountor_id=100004)], [ours, theirs, gone]
    )
    assert [(f.kind, f.move_id, f.procountor_id) for f in findings] == [
        ("missing_in_procountor", 1, 100001),
        ("missing_in_procountor", 2, 100004),
        ("missing_in_odoo", None, 100002),
    ]
    assert findings[1].procountor_value == "INVALIDATED"


def test_an_odoo_number_makes_a_procountor_invoice_ours():
    matcher = rec.number_matcher(["INV/2026/"])
    body = sales_invoice(
        id=100005,
        status="SENT",
        creatorId=99,
        originalInvoiceNumber="INV/2026/00042",
        invoiceSumInfo=[{"currency": "EUR", "invoiceSumTotal": 10}],
    )
    assert rec.remote_invoice(body, D(0), odoo_number=matcher).ours
    body["originalInvoiceNumber"] = "INV/2026/X"
    assert not rec.remote_invoice(body, D(0), odoo_number=matcher).ours


def test_paid_status_before_paid_amount():
    paid_there = rec.compare_documents([odoo_doc()], [remote_doc(D(251), status="PAID")])
    assert kinds(paid_there) == ["paid_status"]
    assert paid_there[0].procountor_value == "paid, paid 251.00 EUR"
    partly = rec.compare_documents(
        [odoo_doc(paid=D(50))], [remote_doc(D(30), status="PARTLY_PAID")]
    )
    assert kinds(partly) == ["paid_amount"]
    assert (partly[0].odoo_value, partly[0].procountor_value) == ("50.00 EUR", "30.00 EUR")


def receipt(*rows):
    transactions = [
        {"transactionType": "REVERSING_ENTRY", "account": "2870", "accountingValue": -1}
    ]
    transactions += [
        {"transactionType": "ENTRY", "account": a, "vatPercent": p, "accountingValue": v}
        for a, p, v in rows
    ]
    return {"id": 5, "type": "PURCHASE_INVOICE", "transactions": transactions}


def test_lines_only_when_totals_agree():
    lines = rec.group_lines([(("4000", D("25.5")), D("100")), (("6800", D("10")), D("50"))])
    remote = receipt(("4000", 10, 100), ("6800", 25.5, 50))
    purchase = {"doc_type": "purchase", "lines": lines, "counterparty": {}}
    findings = rec.compare_documents(
        [odoo_doc(**purchase)], [remote_doc(receipt=remote, type="PURCHASE_INVOICE")]
    )
    assert kinds(findings) == ["lines"]
    assert findings[0].odoo_value == "4000 25.5%: 100.00; 6800 10%: 50.00"
    findings = rec.compare_documents(
        [odoo_doc(total=D(1), **purchase)], [remote_doc(receipt=remote, type="PURCHASE_INVOICE")]
    )
    assert kinds(findings) == ["total"]


def test_journal_receipt_reference_is_the_number_then_the_text():
    lines = (("1910", D("0.00"), D("-100.00")), ("5010", D("0.00"), D("100.00")))
    body = {
        "id": 9,
        "type": "JOURNAL",
        "name": "MISC/2026/03/0001 Palkat",
        "receiptDate": "2026-03-15",
        "status": "APPROVED",
        "transactions": [
            {"transactionType": "ENTRY", "account": "5010", "accountingValue": 100},
            {"transactionType": "ENTRY", "account": "1910", "accountingValue": -100},
        ],
    }
    remote = rec.remote_receipt(body, odoo_number=rec.number_matcher(["MISC/2026/03/"]))
    assert remote.ours and remote.total == D("100.00")
    entry = rec.OdooDocument(
        move_id=3,
        doc_type="entry",
        procountor_id=9,
        number="MISC/2026/03/0001",
        reference="MISC/2026/03/0001",
        date="2026-03-15",
        total=D("100.00"),
        lines=lines,
    )
    assert rec.compare_documents([entry], [remote]) == []


def test_balances_leave_out_the_listed_documents():
    item = rec.OpenItem
    odoo = [item(7, "receivable", "EUR", D(100), ("sale", "p", 1))]
    odoo += [item(7, "receivable", "EUR", D(40), ("sale", "p", 2))]
    remote = [item(7, "receivable", "EUR", D(100), ("sale", "p", 1))]
    remote += [item(7, "receivable", "EUR", D(10), ("sale", "p", 2))]
    remote += [item(8, "payable", "EUR", D(5), ("purchase", "p", 3))]
    findings = rec.compare_balances(odoo, remote, {("sale", "p", 2)}, "2026-03-31")
    assert [(f.partner_id, f.odoo_value, f.procountor_value) for f in findings] == [
        (8, "payable 0.00 EUR", "payable 5.00 EUR")
    ]
    assert rec.explained_documents(
        rec.compare_documents([odoo_doc(total=D(1))], [remote_doc()])
    ) == {("sale", "p", 100001), ("sale", "m", 1)}


@pytest.mark.parametrize(
    "invoice",
    [
        {"invoiceSumInfo": None},
        {"invoiceSumInfo": [{"currency": "EUR", "invoiceSumTotal": "abc"}]},
        {"id": "100001"},
    ],
)
def test_malformed_invoices_are_refused(invoice):
    with pytest.raises(rec.ReconcileInputError):
        remote_doc(**invoice)
    with pytest.raises(rec.ReconcileInputError):
        rec.paid_by_invoice([{"invoiceId": None, "paidAmount": 1}])


# --- sandbox control API --------------------------------------------------------------------


@pytest.fixture(scope="module")
def schemas():
    loaded = schema_support.load()
    if loaded is None:
        pytest.skip(schema_support.SKIP_REASON)
    return loaded


@pytest.fixture
def api(sandbox_reset):
    pin_calendar(sandbox_reset.url)
    return SandboxApi(sandbox_reset.url)


def control(api, method, path, body=None, status=200):
    response = api.control(method, path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_bulk_invoices_with_status_and_payments(api, schemas):
    created = control(
        api,
        "POST",
        "invoices",
        {
            "invoices": [
                {"invoice": sales_invoice(), "status": "SENT"},
                {
                    "invoice": sales_invoice(originalInvoiceNumber="INV/2026/00002"),
                    "status": "SENT",
                    "payments": [{"amount": 100, "paymentDate": "2026-03-20"}],
                },
                {
                    "invoice": sales_invoice(originalInvoiceNumber="INV/2026/00003"),
                    "status": "SENT",
                    "payments": [{"amount": 251, "paymentDate": "2026-03-20"}],
                },
            ]
        },
    )["invoices"]
    assert [row["status"] for row in created] == ["SENT", "PARTLY_PAID", "PAID"]
    ids = ",".join(str(row["id"]) for row in created)
    for invoice in api.ok("GET", f"/invoices/{ids}"):
        problems = schemas.errors("Invoice", invoice)
        assert not problems, problems
    events = api.ok("GET", "/payments/paymentevents", params={"invoiceId": ids})
    assert not schemas.errors("PaymentSearchResult", events)
    assert sorted(e["paidAmount"] for e in events["results"]) == [100, 251]


def test_bulk_invoices_all_or_nothing(api):
    before = api.ok("GET", "/invoices")["results"]
    body = {"invoices": [{"invoice": sales_invoice()}, {"invoice": sales_invoice(date="x")}]}
    answer = control(api, "POST", "invoices", body, status=400)
    assert "invoices[1]" in answer["errors"][0]["message"]
    assert api.ok("GET", "/invoices")["results"] == before


def test_edit_delete_and_rebook(api, schemas):
    invoice = api.ok("POST", "/invoices", json=sales_invoice())
    rows = invoice["invoiceRows"]
    rows[0]["unitPrice"] = 110
    changed = control(api, "PATCH", f"invoices/{invoice['id']}", {"invoiceRows": rows})
    assert changed["invoiceSumInfo"][0]["invoiceSumTotal"] == 276.1
    assert changed["version"] != invoice["version"]
    assert not schemas.errors("Invoice", changed)
    control(api, "PATCH", f"invoices/{invoice['id']}", {"id": 5}, status=400)

    receipt_id = invoice["ledgerReceiptId"]
    transactions = api.ok("GET", f"/ledgerreceipts/{receipt_id}")["transactions"]
    entry = next(t for t in transactions if t["transactionType"] == "ENTRY")
    entry["vatPercent"] = 10
    rebooked = control(
        api, "PUT", f"ledgerreceipts/{receipt_id}/transactions", {"transactions": transactions}
    )
    assert not schemas.errors("LedgerReceipt", rebooked)
    assert (
        api.ok("GET", f"/ledgerreceipts/{receipt_id}")["transactions"] == rebooked["transactions"]
    )
    control(
        api,
        "PUT",
        f"ledgerreceipts/{receipt_id}/transactions",
        {"transactions": [{"transactionType": "ENTRY", "accountingValue": 1, "account": "9"}]},
        status=400,
    )

    control(api, "DELETE", f"invoices/{invoice['id']}")
    assert api.call("GET", f"/invoices/{invoice['id']}").status_code == 404
    assert api.call("GET", f"/ledgerreceipts/{receipt_id}").status_code == 404
    control(api, "DELETE", f"invoices/{invoice['id']}", status=404)
