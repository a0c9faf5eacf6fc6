"""Tests of the reads ahead of procountor_api.parallel (``wait_for``, ``settle``) and of
procountor_api.bill_files (the Odoo side: procountor_connector/tests/test_parallel_reads.py)."""

import threading

import pytest

from procountor_api import bill_files, exceptions
from procountor_api.parallel import ParallelCalls


class FakeClient:
    def __init__(self):
        self.calls = []
        self.on_exchange = None

    def close(self):
        pass

    def get_attachment(self, attachment_id):
        self.calls.append(("attachment", attachment_id))
        if attachment_id == 13:
            raise exceptions.ProcountorServerError("503")
        return {"name": f"file-{attachment_id}.pdf"}, b"%PDF"

    def get_invoice_image(self, invoice_id):
        self.calls.append(("image", invoice_id))
        if invoice_id == 404:
            raise exceptions.ProcountorNotFoundError("no image")
        return {}, b"\x89PNG"


def test_wait_for_gives_each_outcome_in_the_callers_order():
    release = {key: threading.Event() for key in range(4)}
    with ParallelCalls(FakeClient, 4) as calls:
        for key in range(4):
            calls.submit(key, lambda client, key=key: release[key].wait(5) and key * 10)
        # The last one finishes first; the caller still takes them in its own order.
        for key in reversed(range(4)):
            release[key].set()
        assert [calls.wait_for(key).value for key in range(4)] == [0, 10, 20, 30]
        assert calls.pending == 0
        with pytest.raises(KeyError):
            calls.wait_for(0)


def test_wait_for_gives_the_error_of_its_call():
    def boom(client):
        raise exceptions.ProcountorServerError("503")

    with ParallelCalls(FakeClient, 2) as calls:
        calls.submit("bad", boom)
        calls.submit("good", lambda client: "ok")
        assert calls.wait_for("good").value == "ok"
        outcome = calls.wait_for("bad")
        assert isinstance(outcome.error, exceptions.ProcountorServerError)


def test_settle_returns_what_nobody_took():
    with ParallelCalls(FakeClient, 2) as calls:
        for key in ("a", "b", "c"):
            calls.submit(key, lambda client, key=key: key.upper())
        assert calls.wait_for("b").value == "B"
        left = calls.settle()
        assert {key: outcome.value for key, outcome in left.items()} == {"a": "A", "c": "C"}
        assert calls.pending == 0
        assert calls.settle() == {}


def test_bill_files_attachments_first_then_the_image():
    client = FakeClient()
    files = bill_files.read_bill_files(client, [{"id": 1}, {"id": 2}], 7, attach_image=True)
    assert [name for name, _content, _meta in files] == ["file-1.pdf", "file-2.pdf"]
    assert client.calls == [("attachment", 1), ("attachment", 2)]
    client = FakeClient()
    (image,) = bill_files.read_bill_files(client, [], 7, attach_image=True)
    assert image[0] == "procountor-7.png"
    assert bill_files.read_bill_files(FakeClient(), [], 404, attach_image=True) == []
    assert bill_files.read_bill_files(FakeClient(), [], 7, attach_image=False) == []


def test_bill_files_failure_is_raised():
    with pytest.raises(exceptions.ProcountorServerError):
        bill_files.read_bill_files(FakeClient(), [{"id": 13}], 7, attach_image=True)
