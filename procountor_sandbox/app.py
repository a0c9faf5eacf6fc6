"""The sandbox's WSGI application: API roots, authentication, faults, journal.

Request flow for the API: read the whole body (so an early answer never leaves unread
bytes behind), apply fault rules, check the bearer token (except for
``/oauth/token``), run the handler holding the store lock, save the state after a
successful write, record the call in the journal, then apply after-commit faults.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from . import control, defaults, page, routes
from . import errors as E
from .auth import TokenRegistry
from .demo import demo_seed
from .faults import FaultRegistry, FaultRule
from .httputil import error_response, json_response
from .journal import Journal, mask_secrets
from .oauth import issue_token
from .seed import apply_seed, default_seed
from .store import Store, clock_floor

_logger = logging.getLogger(__name__)

# /api, /latest/api, /supported/api and /vYYMM/api (api-notes 1).
API_ROOT = re.compile(r"^(?P<root>/(?:(?:latest|supported|v\d{4})/)?api)(?P<rest>/.*)?$")
TOKEN_PATH = "/oauth/token"
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
# Largest refused body the sandbox still reads (and throws away) before answering.
DISCARD_LIMIT = 100_000_000


@dataclass
class SandboxConfig:
    client_id: str = defaults.CLIENT_ID
    client_secret: str = defaults.CLIENT_SECRET
    api_key: str = defaults.API_KEY
    redirect_uri: str = defaults.REDIRECT_URI
    token_lifetime: int = defaults.TOKEN_LIFETIME
    data_file: str | None = None
    seed: bool = True
    # The demo registers of procountor_sandbox.demo on top of the seed (the CLI's default).
    demo: bool = False
    # New ids of documents (and of partners and products the API creates) start from the
    # time of the start or reset (store.clock_floor), so that a restarted sandbox never
    # reuses an id of an earlier run (the CLI with its demo registers). Off for the
    # in-process test server: its tests rely on the fixed counter starts.
    clock_ids: bool = False


class SandboxRequest(Request):
    # Bodies above this are refused before they are read (attachment limit + framing).
    max_content_length = defaults.MAX_REQUEST_BYTES
    # The multipart ``meta`` part may be sent as a plain form field.
    max_form_memory_size = defaults.MAX_REQUEST_BYTES


class SandboxApp:
    def __init__(self, config: SandboxConfig | None = None, **options):
        self.config = config or SandboxConfig(**options)
        self.store = Store(self.config.data_file)
        self.tokens = TokenRegistry(self.config.token_lifetime)
        self.faults = FaultRegistry()
        self.journal = Journal()
        self.api_map = routes.build_map()
        # Set when the server stops, so that injected sleeps end at once.
        self.stopping = threading.Event()
        if not self.store.load_file():
            self.reset(seed=self.config.seed)

    # --- state ------------------------------------------------------------------------
    def reset(self, seed: bool = True) -> None:
        """Empty state (plus the default seed), no faults, no journal, no tokens."""
        with self.store.lock:
            self.store.clear()
            if seed:
                apply_seed(self.store, default_seed())
                if self.config.demo:
                    apply_seed(self.store, demo_seed())
            if self.config.clock_ids:
                self.store.start_counters_at(clock_floor(datetime.now(UTC)))
            self.store.save()
        self.faults.clear()
        self.journal.clear()
        self.tokens.expire_all()

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = SandboxRequest(environ)
        try:
            response = self.handle(request)
        except Exception:  # logged with its traceback and answered as a 500
            _logger.exception("sandbox failed on %s %s", request.method, request.path)
            response = json_response(
                500, {"errors": [{"status": 500, "message": "INTERNAL_ERROR"}]}
            )
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        # The sandbox page (GET / and its buttons): HTML, like the control API never journaled.
        if page.handles(request.path):
            return page.dispatch(self, request)
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            return control.dispatch(self, request)
        match = API_ROOT.match(request.path)
        if not match:
            return json_response(404, E.not_found().body())
        api_path = (match.group("rest") or "/").rstrip("/") or "/"
        return self.handle_api(request, match.group("root"), api_path)

    def handle_api(self, request: Request, root: str, api_path: str) -> Response:
        started = time.monotonic()
        try:
            request.get_data(cache=True)
        except RequestEntityTooLarge:
            _discard_body(request)
            response = _too_big_response()
            self._record(request, root, api_path, response, started, [])
            return response
        fired = self.faults.fire(api_path, request.method)
        for rule in fired:
            if rule.kind == "expire_tokens":
                self.tokens.expire_all()
        for rule in fired:
            if rule.kind == "latency":
                self.stopping.wait(rule.seconds)
        status_rule = next((rule for rule in fired if rule.kind == "status"), None)
        if status_rule is not None:
            response = self._fault_response(status_rule)
        else:
            response = self._dispatch(request, api_path)
        self._record(request, root, api_path, response, started, fired)
        for rule in fired:
            if rule.kind == "timeout_after_commit":
                self.stopping.wait(rule.seconds)
            elif rule.kind == "drop_after_commit":
                return self._drop_connection(request)
        return response

    def _dispatch(self, request: Request, api_path: str) -> Response:
        if api_path == TOKEN_PATH:
            handler, arguments = issue_token, {}
        else:
            if not self.tokens.is_valid(_bearer_token(request)):
                return error_response(E.ApiError.single(401, E.UNAUTHORIZED))
            try:
                handler, arguments = self.api_map.bind("sandbox", "/").match(
                    api_path, method=request.method
                )
            except NotFound:
                return error_response(E.not_found())
            except MethodNotAllowed:
                return error_response(E.ApiError.single(405, E.METHOD_NOT_ALLOWED))
        with self.store.lock:
            try:
                response = _as_response(handler(self, request, **arguments))
            except E.ApiError as error:
                return error_response(error)
            except RequestEntityTooLarge:
                # Werkzeug < 3 enforces the size limit only while parsing the form.
                return _too_big_response()
            if request.method in WRITE_METHODS and response.status_code < 400:
                self.store.save()
        return response

    # --- faults -----------------------------------------------------------------------
    @staticmethod
    def _fault_response(rule: FaultRule) -> Response:
        body = rule.body
        if body is None:
            # The message is the sandbox's own (upper-cased reason phrase).
            try:
                reason = HTTPStatus(rule.status).phrase.upper().replace(" ", "_")
            except ValueError:  # a status code without a standard phrase
                reason = "ERROR"
            body = {"errors": [{"status": rule.status, "message": reason}]}
        headers = {}
        if rule.retry_after is not None:
            headers["Retry-After"] = str(rule.retry_after)
        if isinstance(body, str):
            response = Response(body, status=rule.status, content_type="text/html")
            for name, value in headers.items():
                response.headers[name] = value
            return response
        return json_response(rule.status, body, headers)

    @staticmethod
    def _drop_connection(request: Request) -> Response:
        """Close the socket without an answer; the server's write then fails quietly."""
        connection = request.environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError as error:
                _logger.debug("socket already closed: %s", error)
        return Response(b"", status=204)

    # --- journal ----------------------------------------------------------------------
    def _record(self, request, root, api_path, response, started, fired) -> None:
        self.journal.record(
            method=request.method,
            api_root=root,
            path=api_path,
            query=mask_secrets(request.args.to_dict(flat=False)),
            status=response.status_code,
            duration_ms=round((time.monotonic() - started) * 1000, 2),
            request_content_type=request.mimetype or None,
            user_agent=request.headers.get("User-Agent"),
            request_body=_journal_request_body(request),
            response_body=_journal_response_body(response),
            faults=[rule.kind for rule in fired],
        )


def _too_big_response() -> Response:
    response = error_response(E.ApiError.single(400, E.FILE_TOO_BIG))
    # The body may not have been read to its end: do not reuse the connection.
    response.headers["Connection"] = "close"
    return response


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _as_response(result) -> Response:
    if isinstance(result, Response):
        return result
    status, body = result
    if body is None:
        return Response(b"", status=status)
    return json_response(status, body)


def _discard_body(request: Request) -> None:
    """Read a refused body to its end (bounded), so the client sees the answer rather
    than a connection reset while it is still sending."""
    remaining = min(request.content_length or 0, DISCARD_LIMIT)
    stream = request.environ["wsgi.input"]
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        remaining -= len(chunk)


def _journal_request_body(request: Request):
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return {"refused_bytes": request.content_length}
    if not data:
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    if request.mimetype == "multipart/form-data":
        try:
            return _multipart_summary(request)
        except RequestEntityTooLarge:
            return {"raw_bytes": len(data)}
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"raw_bytes": len(data)}


def _multipart_summary(request: Request) -> dict:
    summary = {}
    meta = request.form.get("meta")
    if meta is None and "meta" in request.files:
        meta = request.files["meta"].read().decode("utf-8", errors="replace")
        request.files["meta"].seek(0)
    if meta is not None:
        try:
            summary["meta"] = json.loads(meta)
        except json.JSONDecodeError:
            summary["meta"] = meta
    upload = request.files.get("file")
    if upload is not None:
        position = upload.stream.tell()
        upload.stream.seek(0, 2)
        summary["file"] = {
            "filename": upload.filename,
            "content_type": upload.mimetype,
            "size": upload.stream.tell(),
        }
        upload.stream.seek(position)
    return summary


def _journal_response_body(response: Response):
    if hasattr(response, "journal_body"):
        return response.journal_body
    if response.mimetype != "application/json":
        return None
    try:
        return json.loads(response.get_data())
    except json.JSONDecodeError:
        return None
