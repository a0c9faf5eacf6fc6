"""Request parsing and response building shared by the API handlers."""

from __future__ import annotations

import json
from datetime import datetime

from werkzeug.wrappers import Request, Response

from . import defaults
from . import errors as E

JSON_MIMETYPE = "application/json"


def json_response(status: int, body, headers: dict | None = None) -> Response:
    response = Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json;charset=UTF-8",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: E.ApiError) -> Response:
    return json_response(error.status, error.body(), error.headers)


def read_json(request: Request, required: bool = True):
    """The JSON body; 415 for another content type, 400 for bad JSON."""
    data = request.get_data(cache=True)
    if not data:
        if required:
            raise E.ApiError.single(400, E.INVALID_JSON)
        return None
    if request.mimetype != JSON_MIMETYPE:
        raise E.ApiError.single(415, E.UNSUPPORTED_MEDIA_TYPE)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise E.ApiError.single(400, E.INVALID_JSON) from error


def parse_ids(raw: str) -> tuple[list[int], bool]:
    """``"3,1,3"`` -> ([1, 3], True): sorted unique ids, and whether several were
    asked for (then the answer is a list even when one id is found)."""
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) > defaults.MAX_BATCH_IDS:
        raise E.ApiError.single(400, E.TOO_MANY_IDS)
    if not all(part.isdigit() for part in parts):
        raise E.ApiError.single(400, E.INVALID_ID)
    return sorted({int(part) for part in parts}), len(parts) > 1


def batch_get(table: dict, raw_ids: str, view):
    """GET /things/{ids}: one object, or a list ordered by id; 404 if none exist."""
    ids, several = parse_ids(raw_ids)
    found = [view(table[i]) for i in ids if i in table]
    if not found:
        raise E.not_found()
    return found if several else found[0]


def query_list(request: Request, name: str) -> list[str]:
    """Array parameters come comma-joined or repeated; both are accepted."""
    values = []
    for raw in request.args.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def query_int(request: Request, name: str, default=None, minimum=None):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise E.ApiError.single(400, E.INVALID_VALUE, name) from error
    if minimum is not None and value < minimum:
        raise E.ApiError.single(400, E.VALUE_OUT_OF_RANGE, name)
    return value


def query_bool(request: Request, name: str, default=None):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise E.ApiError.single(400, E.INVALID_VALUE, name)
    return raw.lower() == "true"


def query_enum(request: Request, name: str, allowed, default=None):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise E.ApiError.single(400, E.INVALID_ENUM_VALUE, name)
    return raw


def page_params(request: Request) -> tuple[int, int]:
    """``page`` (0-based) and ``size`` (default 50, at most 200: more is a 400)."""
    size = query_int(request, "size", defaults.DEFAULT_PAGE_SIZE, minimum=1)
    if size > defaults.MAX_PAGE_SIZE:
        raise E.ApiError.single(400, E.VALUE_OUT_OF_RANGE, "size")
    return query_int(request, "page", 0, minimum=0), size


def keyset(items: list[dict], request: Request, default_order: str) -> list[dict]:
    """Order by id (``orderById`` ASC/DESC) and keep those after ``previousId``."""
    order = query_enum(request, "orderById", ("ASC", "DESC"), default_order)
    items = sorted(items, key=lambda item: item["id"], reverse=order == "DESC")
    previous = query_int(request, "previousId", None, minimum=0)
    if previous:
        if order == "DESC":
            items = [item for item in items if item["id"] < previous]
        else:
            items = [item for item in items if item["id"] > previous]
    return items


def paginate(items: list, page: int, size: int, total: int | None = None) -> dict:
    chunk = items[page * size : (page + 1) * size]
    return {
        "results": chunk,
        "meta": {
            "pageNumber": page,
            "pageSize": size,
            "resultCount": len(chunk),
            "totalCount": len(items) if total is None else total,
        },
    }


def _parse_moment(request: Request, name: str):
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise E.ApiError.single(400, E.INVALID_VALUE, name) from None


def version_filter(request: Request):
    """``versionStartDate``/``versionEndDate`` (inclusive datetimes) of register searches:
    a predicate on a stored object's ``version``, for incremental fetches."""
    start = _parse_moment(request, "versionStartDate")
    end = _parse_moment(request, "versionEndDate")

    def accepts(obj: dict) -> bool:
        if start is None and end is None:
            return True
        version = datetime.fromisoformat(obj["version"])
        return (start is None or version >= start) and (end is None or version <= end)

    return accepts
