"""Tests of procountor_api.in_run.InRunRetry: which faults are waited out inside a run, how
long, and where the run's waiting stops (the Odoo side: test_hardening_faults.py)."""

import pytest

from procountor_api import exceptions
from procountor_api.in_run import SHORT_RETRY_AFTER, InRunRetry


def _retry(**kwargs):
    slept = []
    retry = InRunRetry(sleep=slept.append, **kwargs)
    return retry, slept


def _rate_limited(retry_after):
    return exceptions.ProcountorRateLimitError("429", retry_after=retry_after)


def test_short_retry_after_is_waited_out():
    retry, slept = _retry()
    assert retry.delay(_rate_limited(1), 1) == 1
    retry.wait(1)
    assert slept == [1]
    assert (retry.retries, retry.waited) == (1, 1)
    assert "1 s waited" in retry.as_text()


@pytest.mark.parametrize("retry_after", [None, SHORT_RETRY_AFTER + 1, 600])
def test_long_or_missing_retry_after_ends_the_run(retry_after):
    retry, _slept = _retry()
    assert retry.delay(_rate_limited(retry_after), 1) is None


@pytest.mark.parametrize(
    "error",
    [
        exceptions.ProcountorServerError("503", ambiguous=True),
        exceptions.ProcountorTimeoutError("timeout", ambiguous=True),
        exceptions.ProcountorConnectionError("refused"),
    ],
)
def test_transient_errors_back_off_doubling(error):
    retry, _slept = _retry(backoff=1.0, attempts=4)
    assert [retry.delay(error, attempt) for attempt in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, None]


@pytest.mark.parametrize(
    "error",
    [
        exceptions.ProcountorValidationError("400"),
        exceptions.ProcountorNotFoundError("404"),
        exceptions.ProcountorAuthError("401"),
        exceptions.ProcountorServerError("odd answer", retryable=False),
        ValueError("not a Procountor error"),
    ],
)
def test_definite_answers_are_never_tried_again(error):
    retry, _slept = _retry()
    assert retry.delay(error, 1) is None


def test_attempts_are_bounded_per_record():
    retry, _slept = _retry(attempts=2)
    assert retry.delay(_rate_limited(1), 1) == 1
    assert retry.delay(_rate_limited(1), 2) is None


def test_total_wait_of_a_run_is_bounded():
    retry, slept = _retry(wait_max=3)
    for _record in range(5):
        wait = retry.delay(_rate_limited(1), 1)
        if wait is None:
            break
        retry.wait(wait)
    assert slept == [1, 1, 1]
    assert retry.delay(_rate_limited(1), 1) is None
    assert retry.delay(_rate_limited(0), 1) == 0


def test_backoff_never_exceeds_the_short_bound():
    retry, _slept = _retry(backoff=8.0, attempts=5, wait_max=1000)
    assert retry.delay(exceptions.ProcountorServerError("503"), 3) == SHORT_RETRY_AFTER


def test_nothing_waited_says_nothing():
    assert InRunRetry().as_text() == ""


# --- the token request: a POST that changes nothing, retried like a GET ---


@pytest.fixture
def token_rsps():
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def _token_client():
    from test_client import make_client

    return make_client()


@pytest.mark.parametrize(
    "fault",
    [{"status": 503}, {"status": 502}, {"status": 429, "headers": {"Retry-After": "0"}}],
)
def test_a_token_endpoint_hiccup_is_tried_again(token_rsps, fault):
    import responses
    from test_client import TOKEN, TOKEN_URL, add_token

    token_rsps.add(responses.POST, TOKEN_URL, json={"errors": []}, **fault)
    add_token(token_rsps)
    with _token_client() as client:
        assert client.ensure_token() == TOKEN
    assert len(token_rsps.calls) == 2


def test_a_token_endpoint_that_stays_down_fails_after_the_retries(token_rsps):
    import responses
    from test_client import TOKEN_URL

    token_rsps.add(responses.POST, TOKEN_URL, json={"errors": []}, status=503)
    with _token_client() as client, pytest.raises(exceptions.ProcountorServerError):
        client.ensure_token()
    assert len(token_rsps.calls) == 4  # max_retries=3


def test_refused_credentials_are_not_asked_again(token_rsps):
    import responses
    from test_client import TOKEN_URL

    token_rsps.add(responses.POST, TOKEN_URL, json={"error": "invalid_client"}, status=400)
    with _token_client() as client, pytest.raises(exceptions.ProcountorAuthError):
        client.ensure_token()
    assert len(token_rsps.calls) == 1


def test_an_unreadable_token_answer_is_not_asked_again(token_rsps):
    import responses
    from test_client import TOKEN_URL

    token_rsps.add(responses.POST, TOKEN_URL, body="<html>login</html>", status=200)
    with _token_client() as client, pytest.raises(exceptions.ProcountorServerError):
        client.ensure_token()
    assert len(token_rsps.calls) == 1
