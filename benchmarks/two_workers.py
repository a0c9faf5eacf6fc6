# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two real Odoo workers on the same invoices at once: what the ``check_two_workers*.py``
checks share (the checks differ only by the entry point the workers call and what they print).

Each worker is a thread with its own database cursor (its own PostgreSQL transaction, row locks
and commits) and its own Environment; both call the entry point on the same invoices at the
same moment, round after round, and the committed data is read on a third cursor.
"""

import collections
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from unittest.mock import patch

WORKERS = ("A", "B")
#: Seconds both workers wait for each other at the start line.
START_TIMEOUT = 120
#: Seconds a round may take before a worker still running is reported as hung (deadlock).
ROUND_TIMEOUT = 900


@dataclass(frozen=True)
class EntryPoint:
    """What the workers call on ``account.move`` and how the summary it ends with is kept."""

    #: The action users call, on the invoices (``action_procountor_send`` ...).
    method: str
    #: The method the action hands its summary to (it turns it into a notification).
    notification: str
    #: The summary's recordsets kept per worker and counted per round, in printing order.
    outcomes: tuple
    #: Thread name prefix, ``-A`` / ``-B`` appended.
    thread_name: str


class Worker(threading.Thread):
    """One Odoo worker: its own cursor (transaction) and Environment on the shared registry.

    Threads rather than processes: Odoo's threaded server serves concurrent requests exactly
    so, one registry shared by threads that each hold their own cursor, and the registry and
    the ORM are built for it (environments and caches belong to a cursor's transaction). What
    the check is about, two PostgreSQL transactions taking row locks and committing claims
    concurrently, is the same with processes; the GIL is released during every database and
    HTTP call, which is where the two workers overlap.
    """

    def __init__(self, name, entry_point, registry, context, move_ids, start_line):
        super().__init__(name=f"{entry_point.thread_name}-{name}", daemon=True)
        self.label = name
        self.entry_point = entry_point
        self.registry = registry
        self.context = context
        self.move_ids = move_ids
        self.start_line = start_line
        self.summary = None  # {outcome: ids} for the entry point's outcomes
        self.error = None

    def run(self):
        from odoo import SUPERUSER_ID, api

        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, self.context)
                moves = env["account.move"].browse(self.move_ids)
                self.start_line.wait()
                getattr(moves, self.entry_point.method)()
        except Exception:  # noqa: BLE001 - not swallowed: the main thread prints it and fails
            self.error = traceback.format_exc()


@contextmanager
def capture_summaries(env, entry_point):
    """Keep the summary each worker's action ends with (the action turns it into a
    notification)."""
    Move = type(env["account.move"])
    original = getattr(Move, entry_point.notification)

    def notification(moves, summary):
        worker = threading.current_thread()
        if isinstance(worker, Worker):
            worker.summary = {o: getattr(summary, o).ids for o in entry_point.outcomes}
        return original(moves, summary)

    with patch.object(Move, entry_point.notification, notification):
        yield


def run_round(entry_point, registry, context, move_ids, reverse_b):
    """Both workers on the same invoices at once; returns the finished workers."""
    start_line = threading.Barrier(len(WORKERS), timeout=START_TIMEOUT)
    workers = [
        Worker(
            name,
            entry_point,
            registry,
            context,
            move_ids[::-1] if reverse_b and name == "B" else move_ids,
            start_line,
        )
        for name in WORKERS
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(ROUND_TIMEOUT)
        if worker.is_alive():
            worker.error = f"still running after {ROUND_TIMEOUT} s (deadlock?)"
    return workers


def report_round(number, workers, totals, outcomes):
    """Print what each worker's summary holds; add it to ``totals``."""
    parts = []
    for worker in workers:
        summary = worker.summary or {o: [] for o in outcomes}
        for outcome, ids in summary.items():
            totals[worker.label][outcome].extend(ids)
        parts.append(
            f"worker {worker.label}: " + ", ".join(f"{o} {len(summary[o])}" for o in outcomes)
        )
    print(f"round {number}: " + "; ".join(parts), flush=True)


def read_committed(registry, context, move_ids, read):
    """``read(moves)`` on a cursor of its own: what the workers committed."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        return read(env["account.move"].browse(move_ids))


def run_rounds(env, entry_point, registry, move_ids, *, reverse_b, max_rounds, read, done):
    """Rounds of both workers until ``done(read(moves))`` on the committed data, a worker
    failed, or ``max_rounds``: returns (totals per worker and outcome, the last read, the
    failed workers)."""
    context = dict(env.context)
    totals = {name: collections.defaultdict(list) for name in WORKERS}
    failed_workers = []
    with capture_summaries(env, entry_point):
        for number in range(1, max_rounds + 1):
            workers = run_round(entry_point, registry, context, move_ids, reverse_b)
            report_round(number, workers, totals, entry_point.outcomes)
            failed_workers = [worker for worker in workers if worker.error]
            state = read_committed(registry, context, move_ids, read)
            if failed_workers or done(state):
                break
    return totals, state, failed_workers
