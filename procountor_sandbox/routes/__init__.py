"""API handlers, registered with ``@route`` and collected into a werkzeug Map.

A handler is ``handler(api, request, **url_arguments)`` where ``api`` is the
SandboxApp (``api.store``, ``api.config``, ...). It returns ``(status, body)`` or a
werkzeug Response, or raises ``errors.ApiError``. The app calls it holding
``api.store.lock``.
"""

from werkzeug.routing import Map, Rule

_RULES: list[tuple[str, tuple[str, ...], object]] = []


def route(path: str, *methods: str):
    def register(handler):
        _RULES.append((path, methods, handler))
        return handler

    return register


def build_map() -> Map:
    # Importing the modules registers their handlers.
    from . import (  # noqa: F401
        attachments,
        invoices,
        ledger_receipts,
        master,
        partners,
        payments,
        products,
    )

    return Map(
        [Rule(path, methods=list(methods), endpoint=handler) for path, methods, handler in _RULES],
        strict_slashes=False,
    )
