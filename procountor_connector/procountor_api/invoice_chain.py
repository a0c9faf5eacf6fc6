# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The HTTP of sending one sales invoice, as a worker thread runs it (docs/architecture.md,
"Parallel HTTP"): create it exactly once, then the steps that need nothing from the
database (attach the PDF, approve, send).

Plain data in, plain data out. The caller made the durable claim of the invoice (state
``sending``, ``create_unknown`` set) before handing it over, and stores the ``ChainResult``
afterwards; a crash in between leaves a claimed invoice whose next attempt looks Procountor
up before creating anything, and reads it before repeating a step (the same protocol as one
invoice at a time).
"""

import time
from dataclasses import dataclass, field

from . import payloads
from .exceptions import ProcountorAuthError, ProcountorError, ProcountorRateLimitError
from .throttle import ConnectionPaused

#: Steps a worker thread runs after creating, in this order.
CHAIN_STEPS = ("attached", "approved", "sent")
_STEP_RANK = {"none": 0, "created": 1, "attached": 2, "approved": 3, "sent": 4}
EDITABLE_STATUS = "UNFINISHED"


@dataclass
class ChainJob:
    """One invoice to send: the ``POST /invoices`` body and what follows it."""

    body: dict
    #: An earlier POST of this invoice got no confirmed answer (look it up first).
    create_unknown: bool = False
    #: Of ``CHAIN_STEPS``, the ones the connection asks for, in order.
    steps: tuple = ()
    #: ``(filename, bytes)`` of the PDF when ``attached`` is a step.
    pdf: tuple | None = None
    #: ``time.monotonic()`` after which the chain must not start (None: no limit): the
    #: caller's claim would soon end, and another worker could take the invoice.
    deadline: float | None = None


@dataclass
class ChainResult:
    """What happened; ``remote`` is the created or adopted invoice, ``reached`` the last
    step done (``created`` once ``remote`` is known), ``error`` what ended it early."""

    create_unknown: bool = False
    remote: dict | None = None
    adopted: bool = False
    reached: str = "none"
    status: str | None = None
    error: ProcountorError | None = None
    #: Never started: the run was stopped (refused credentials, a long rate limit) first.
    not_started: bool = False
    #: A POST of this invoice left in this run (its outcome may be unknown).
    posted: bool = False
    attempts: int = 0
    waits: list = field(default_factory=list)


def ends_run(error):
    """Errors after which no other invoice of the connection should be tried in this run:
    refused credentials, and a rate limit that was not waited out."""
    return isinstance(error, ProcountorAuthError | ProcountorRateLimitError)


def run_chain(client, job, retry=None, stop=None):
    """Send ``job`` as far as its steps go; never raises a ``ProcountorError``.

    ``retry``: the run's ``in_run.InRunRetry`` (shared by the threads): a transient fault is
    tried again after its wait, the whole attempt re-reading what is known first. ``stop``:
    a ``threading.Event`` set when the run must end; an ending error sets it.
    """
    result = ChainResult(create_unknown=job.create_unknown)
    late = job.deadline is not None and time.monotonic() > job.deadline
    if late or (stop is not None and stop.is_set()):
        result.not_started = True
        return result
    while True:
        result.attempts += 1
        try:
            _attempt(client, job, result)
            result.error = None
            return result
        except ConnectionPaused as exc:
            # The connection is paused longer than a request waits: nothing of this invoice
            # left when nothing was created or posted yet, so it is given back untouched.
            result.error = exc
            result.not_started = result.remote is None and not result.posted
            if stop is not None:
                stop.set()
            return result
        except ProcountorError as exc:
            wait = retry.reserve(exc, result.attempts) if retry is not None else None
            if wait is None or (stop is not None and stop.is_set()):
                result.error = exc
                if stop is not None and ends_run(exc):
                    stop.set()
                return result
            result.waits.append(wait)
            # After a 429 the connection's throttle (when there is one) holds every
            # thread's next request for the pause Procountor asked for; sleeping here as
            # well would wait twice.
            held = isinstance(exc, ProcountorRateLimitError) and client.throttle is not None
            if wait > 0 and not held:
                retry.sleep(wait)


def _attempt(client, job, result):
    if result.remote is None:
        _create(client, job, result)
        view = result.remote
    else:
        # An earlier attempt of this run failed after the invoice existed: read it, so a
        # step done but not answered is not repeated.
        view = client.get_invoice(result.remote["id"])
        result.status = view.get("status")
    remote_id = int(result.remote["id"])
    for step in job.steps:
        if _STEP_RANK[step] <= _STEP_RANK[result.reached]:
            continue
        if step == "attached":
            filename, content = job.pdf
            known = {item.get("name") for item in (view or {}).get("attachments") or ()}
            if filename not in known:
                meta = {
                    "referenceType": "INVOICE",
                    "referenceId": remote_id,
                    "sendWithInvoice": True,
                }
                client.upload_attachment(meta, filename, content)
        elif step == "approved" and result.status == EDITABLE_STATUS:
            client.approve_invoice(remote_id)
            result.status = "NOT_SENT"
        elif step == "sent" and result.status == "NOT_SENT":
            # Only an approved invoice not yet sent: one adopted SENT, PAID ... is past it.
            client.send_invoice(remote_id)
            result.status = "SENT"
        result.reached = step


def _create(client, job, result):
    posted = []

    def claim():
        # The caller's claim is already durable; this only notes that the POST left.
        posted.append(True)
        result.posted = True

    try:
        remote, adopted = payloads.create_once(
            client, job.body, create_unknown=result.create_unknown, claim=claim
        )
    except ProcountorError as exc:
        if posted:
            # Refused without ambiguity: nothing was created, a new POST is safe later.
            result.create_unknown = bool(exc.ambiguous)
        raise
    result.remote = remote
    result.adopted = adopted
    result.create_unknown = False
    result.reached = "created"
    result.status = remote.get("status")
