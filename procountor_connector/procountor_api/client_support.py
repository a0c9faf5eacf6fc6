# Copyright 2026 procountor_connector contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Constants and small functions of the Procountor client: URL and query building, answer
shapes, error parsing, retry timing. Plain Python; ``client.py`` holds the request funnel."""

import datetime
import html
import re
from email.utils import parsedate_to_datetime

import requests
from urllib3.exceptions import (
    MaxRetryError,
)

from . import const
from .endpoint import normalize_base_url
from .exceptions import (
    ProcountorErrorItem,
    ProcountorServerError,
    ProcountorValidationError,
)

#: The only method that is retried and the only one that may be repeated without
#: changing anything remotely. Every other method counts as a write: never retried by
#: the transport, "ambiguous" when its outcome is unknown.
SAFE_METHODS = frozenset({"GET"})

TOKEN_PATH = "/oauth/token"
TOKEN_OPERATION = "fetch_token"
CREDENTIALS_REFUSED = (
    "Procountor refused the credentials: check client id, client secret, redirect URI and API key"
)
TOKEN_REJECTED_TWICE = (
    "Procountor rejected a freshly issued access token (HTTP 401): the API key may "
    "have been revoked or its user may no longer have access to the company"
)
#: Longest ``ProcountorError.message``; the full error list stays available in
#: ``errors``.
MESSAGE_CAP = 500
#: How many error items are spelled out in a message.
MESSAGE_ITEMS = 5
_TEXT_CONTENT = re.compile(r"json|text/|xml|x-www-form-urlencoded|javascript", re.IGNORECASE)
_ID = re.compile(r"[0-9]+")


#: requests errors raised before any byte of the request was sent (TLS handshake, proxy,
#: malformed URL).
_PRE_SEND_ERRORS = (
    requests.exceptions.SSLError,
    requests.exceptions.ProxyError,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


def _check_base_url(base_url):
    # The same check as the connection's constraint (endpoint.py), so a saved
    # connection always makes a client.
    return normalize_base_url(base_url)


def _read_capped(response, limit):
    """Read a streamed answer's body into ``response``, at most ``limit`` bytes.

    True when the whole body was read; False when it is longer (the first bytes are kept
    for the log and the connection is closed without reading the rest).
    """
    try:
        declared = int(response.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    chunks = []
    size = 0
    try:
        if declared <= limit:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                chunks.append(chunk)
                if size > limit:
                    break
        complete = declared <= limit and size <= limit
        body = b"".join(chunks)
        # requests keeps a read body in _content; Response.content then returns it.
        response._content = body if complete else body[: const.EXCHANGE_BODY_CAP]
        return complete
    finally:
        response.close()


def _check_api_version_path(path):
    path = (path or const.DEFAULT_API_VERSION_PATH).strip("/")
    if path not in const.API_VERSION_PATHS and not const.API_VERSION_PATH_PATTERN.match(path):
        raise ValueError(
            f"unknown Procountor API version path {path!r}: "
            "use api, latest/api, supported/api or vYYMM/api"
        )
    return path


def _check_timeout(timeout):
    pair = (timeout, timeout) if isinstance(timeout, (int, float)) else tuple(timeout)
    if len(pair) != 2 or not all(isinstance(v, (int, float)) and v > 0 for v in pair):
        raise ValueError(
            f"timeout must be a positive number or a (connect, read) pair, got {timeout!r}"
        )
    return pair


def _check_page_size(size):
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= const.PAGE_SIZE_MAX:
        raise ValueError(f"page size must be 1..{const.PAGE_SIZE_MAX}, got {size!r}")


def _clean_id(value):
    """A Procountor id as an int; refuses anything else so no text is spliced into a URL
    path.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, str))
        or not _ID.fullmatch(str(value).strip())
    ):
        raise ValueError(f"not a Procountor id: {value!r}")
    return int(str(value).strip())


def _clean_ids(ids):
    """Ids as ints without duplicates, in the given order."""
    return list(dict.fromkeys(_clean_id(value) for value in ids))


def _chunks(values, size):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_query_value(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return ",".join(sorted(_query_value(item) for item in value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")  # Procountor datetimes carry no zone
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _query(params):
    """Query parameters as strings; ``None`` left out, lists comma-joined (Procountor's
    arrays).
    """
    if not params:
        return None
    return {key: _query_value(value) for key, value in params.items() if value is not None} or None


def _header_value(name, value, operation):
    value = str(value)
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        # HTTP/1.1 headers carry latin-1; refusing here beats a UnicodeEncodeError deep
        # inside http.client.
        raise ProcountorValidationError(
            f"The {name} search value {value!r} has characters that cannot be sent "
            "in an HTTP header",
            operation=operation,
            method="GET",
        ) from None
    return value


#: What ``request(shape=...)`` accepts as a success body.
_SHAPES = {
    "object": ("a JSON object", lambda body: isinstance(body, dict)),
    "created": (
        "an object with an id",
        lambda body: (
            isinstance(body, dict)
            and isinstance(body.get("id"), int)
            and not isinstance(body.get("id"), bool)
        ),
    ),
    "list": ("a JSON array", lambda body: isinstance(body, list)),
}


def _check_shape(body, shape, writes, **context):
    """Raise "unexpected answer" when a success body is not what the endpoint returns.

    A malformed 200 must never reach the caller as data: reading ``body["id"]`` of a list
    or of nothing would be a traceback in an Odoo cron. For a write the change
    was probably applied, so the error is ambiguous and the caller looks the object up
    before trying again."""
    if shape is None:
        return
    wanted, accepts = _SHAPES[shape]
    if accepts(body):
        return
    got = "an empty answer" if body is None else f"a JSON {type(body).__name__}"
    if shape == "created" and isinstance(body, dict):
        got = "an object without an id"
    message = f"Unexpected answer from Procountor: {wanted} was expected, it sent {got}"
    if writes:
        message += "; the change may or may not have been applied"
    raise ProcountorServerError(message, ambiguous=writes, **context)


def _unpack_page(body):
    """(rows, meta, enveloped) of a search answer; a bare list is a complete, unpaged
    answer.
    """
    if isinstance(body, list):
        return body, {}, False
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        return body["results"], meta, True
    if body is None:
        return [], {}, False
    raise ProcountorServerError(
        "Procountor answered a search without a results list", retryable=False
    )


def _is_last_page(results, meta, size, seen):
    """Stop on an empty or short page, or once ``totalCount`` rows were seen.

    "Short" is measured against the page size Procountor reports when it reports one, so
    a server that serves fewer rows per page than asked is not mistaken for the end of
    the data.
    """
    if not results:
        return True
    total = meta.get("totalCount")
    if isinstance(total, int) and not isinstance(total, bool) and seen >= total:
        return True
    page_size = meta.get("pageSize")
    if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size <= 0:
        page_size = size
    return len(results) < min(size, page_size)


def _lifetime(expires_in):
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return const.DEFAULT_TOKEN_LIFETIME
    return seconds if seconds > 0 else const.DEFAULT_TOKEN_LIFETIME


def _retry_after_seconds(value):
    """``Retry-After`` in seconds (delta-seconds or HTTP date); None when absent or
    unreadable.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def _parse_error_body(response):
    """(error items, short text) of a failed answer: ``errors`` list, OAuth error, or
    text.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            return [_error_item(entry, response.status_code) for entry in errors], ""
        if isinstance(body.get("error"), str):
            # OAuth style: {"error": "invalid_client", "error_description": "..."}
            description = body.get("error_description")
            item = _error_item({"message": body["error"]}, response.status_code)
            return [item], description if isinstance(description, str) else ""
        if isinstance(body.get("message"), str):
            return [_error_item({"message": body["message"]}, response.status_code)], ""
    return [], _short_text(response.text)


def _error_item(entry, status):
    if not isinstance(entry, dict):
        return ProcountorErrorItem(status=status, message=str(entry))
    message = entry.get("message")
    return ProcountorErrorItem(
        status=entry.get("status", status),
        field=entry.get("field"),
        message=message if message is None or isinstance(message, str) else str(message),
    )


def _short_text(text, limit=200):
    """A one-line gist of a non-JSON body: an HTML page's title (nginx) or its stripped
    text.
    """
    if not text:
        return ""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        text = title.group(1)
    else:
        text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(html.unescape(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _root_reason(exc):
    """The urllib3 error behind a requests exception (unwrapping MaxRetryError), or
    None.
    """
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return reason


def _short_reason(reason, exc):
    text = str(reason if isinstance(reason, BaseException) else exc) or type(exc).__name__
    # urllib3 prefixes messages with the connection object's repr; keep the human part
    # at the end.
    return text.rsplit(">: ", 1)[-1][:200]
