# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Month-end throughput of sending (``bench_invoice_send.py --throughput N``): N invoices sent
by cron runs, one or more workers, with create + attach + approve + send, while the sandbox
answers every call after a simulated latency; the wall time against the floor the
connection's rate limit allows (API calls / requests per second).

A worker is what one Odoo cron thread does: its own cursor, calling the send cron's batch
(``procountor.connection._procountor_cron_send_batch``) again while it reports work done and
work remaining, as Odoo's cron runner does with ``_notify_progress``. Several workers are
threads of this process with their own cursors, as in Odoo's threaded server (and they share
the connection's throttle there as here).
"""

import threading
import time
import traceback

#: Runs of one worker at most (a cron job is called again while it reports progress).
MAX_RUNS = 1000


def _worker_loop(registry, connection_id, uid, figures, label):
    from odoo import api

    runs = 0
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, {})
            connection = env["procountor.connection"].browse(connection_id)
            while runs < MAX_RUNS:
                progress = {"done": 0, "remaining": 0}
                connection._procountor_cron_send_batch(progress)
                cr.commit()
                runs += 1
                if not progress["remaining"]:
                    break
                if not progress["done"]:
                    # Everything left is claimed by the other worker: as Odoo's cron runner
                    # treats a run without progress, this worker is done.
                    break
    except Exception:  # noqa: BLE001 - a benchmark prints what went wrong and goes on
        figures[label] = {"error": traceback.format_exc(), "runs": runs}
        return
    figures[label] = {"runs": runs}


def run_workers(registry, connection, workers):
    """Run ``workers`` cron-like workers until no invoice is left; returns (seconds, figures)."""
    figures = {}
    threads = [
        threading.Thread(
            target=_worker_loop,
            args=(registry, connection.id, connection.env.uid, figures, f"worker-{index + 1}"),
            name=f"bench-worker-{index + 1}",
        )
        for index in range(workers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, figures


def prepare_connection(env, connection, batch_size):
    """Every step on (create, attach the PDF, approve, send), the cron on for all dates."""
    connection.write(
        {
            "invoice_attach_pdf": True,
            "invoice_approve": True,
            "invoice_send": True,
            "invoice_cron_enabled": True,
            "invoice_cron_date_from": False,
            "invoice_batch_size": batch_size,
            "invoice_paused_until": False,
        }
    )
    env.cr.commit()


def sandbox_latency(sandbox_url, seconds):
    import requests

    requests.delete(f"{sandbox_url}/_sandbox/faults", timeout=10).raise_for_status()
    if seconds:
        requests.post(
            f"{sandbox_url}/_sandbox/faults",
            json={"kind": "latency", "path": "/*", "seconds": seconds},
            timeout=10,
        ).raise_for_status()


def journal_counts(sandbox_url):
    """Calls the sandbox answered, by kind."""
    import collections

    import requests

    response = requests.get(f"{sandbox_url}/_sandbox/journal", timeout=30)
    response.raise_for_status()
    body = response.json()
    entries = body.get("entries", body) if isinstance(body, dict) else body
    counts = collections.Counter()
    for entry in entries:
        path = entry["path"]
        if path.endswith("/approve"):
            kind = "approve"
        elif path.endswith("/send"):
            kind = "send"
        elif path == "/invoices" and entry["method"] == "POST":
            kind = "create"
        elif path.startswith("/attachments"):
            kind = "attach"
        elif path.endswith("/oauth/token"):
            kind = "token"
        else:
            kind = f"{entry['method']} other"
        counts[kind] += 1
    return counts, len(entries)
