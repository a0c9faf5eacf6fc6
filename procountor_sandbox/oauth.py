"""POST {api root}/oauth/token: the M2M (client-credentials + API key) token request.

Procountor expects a form-encoded body (api-notes 2.1): JSON bodies and credentials in
the query string are refused with 400, wrong credentials with 401.
"""

from __future__ import annotations

import hmac

from werkzeug.wrappers import Request

from . import errors as E

FORM_MIMETYPE = "application/x-www-form-urlencoded"
CREDENTIAL_PARAMETERS = ("grant_type", "client_id", "client_secret", "api_key", "redirect_uri")


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def issue_token(api, request: Request) -> tuple[int, dict]:
    if request.method != "POST":
        raise E.ApiError.single(405, E.METHOD_NOT_ALLOWED)
    if any(name in request.args for name in CREDENTIAL_PARAMETERS):
        raise E.ApiError.single(400, E.CREDENTIALS_IN_QUERY)
    if request.mimetype != FORM_MIMETYPE:
        raise E.ApiError.single(400, E.UNSUPPORTED_MEDIA_TYPE)
    form = request.form
    if form.get("grant_type") != "client_credentials":
        raise E.ApiError.single(400, E.INVALID_GRANT, "grant_type")
    config = api.config
    if not (
        _same(form.get("client_id"), config.client_id)
        and _same(form.get("client_secret"), config.client_secret)
        and _same(form.get("api_key"), config.api_key)
    ):
        raise E.ApiError.single(401, E.UNAUTHORIZED)
    redirect_uri = form.get("redirect_uri")
    if redirect_uri not in (None, "", config.redirect_uri):
        raise E.ApiError.single(400, E.INVALID_GRANT, "redirect_uri")
    token = api.tokens.issue(
        config.client_id, api.store.company.get("id", 0), api.store.session.get("userId", 0)
    )
    return 200, {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": api.tokens.lifetime,
    }
