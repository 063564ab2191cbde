"""Every filter and paging parameter of the queue, the export and the audit log, fuzzed with
hypothesis: whatever a staff member (or a hand-edited URL) sends, the answer is a page, never
a server error. Two such 500s were found by hand: ``received_to=9999-12-31`` and a huge
paging cursor."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

FUZZ = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUEUE_PARAMS = ["status", "category", "school", "priority", "mine", "unacknowledged", "received_from"]
QUEUE_PARAMS += ["received_to", "q", "sort", "size", "cursor"]
AUDIT_PARAMS = ["action", "actor", "tip", "before"]


def _cursor(direction, values) -> str:
    raw = json.dumps({"d": direction, "v": values}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


huge = st.one_of(st.integers(min_value=2**63 - 5, max_value=2**200), st.integers(max_value=-(2**63) + 5))
dates = st.one_of(
    st.dates().map(str), st.just("9999-12-31"), st.just("0001-01-01"), st.just("2026-02-30"), st.just("2026-13-01")
)
json_value = st.one_of(
    st.none(),
    st.booleans(),
    huge,
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.datetimes().map(lambda d: d.isoformat()),
    st.just("9999-12-31T23:59:59-12:00"),
    st.just("0001-01-01T00:00:00+14:00"),
)
cursors = st.one_of(
    st.builds(_cursor, st.sampled_from(["after", "before", "sideways", 3]), st.lists(json_value, max_size=6)),
    st.text(max_size=80),
    st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    st.just("A" * 5000),
)
anything = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60),
    st.sampled_from(["\x00", "0", "-1", "1e309", "on", "true", "NaN", "²", "٣", "9" * 40]),
    huge.map(str),
    dates,
)


def _params(names: list[str]) -> st.SearchStrategy[dict]:
    values = dict.fromkeys(names, anything)
    values["cursor"] = st.one_of(cursors, anything)
    values["received_from"] = values["received_to"] = st.one_of(dates, anything)
    return st.fixed_dictionaries({}, optional={name: values.get(name, anything) for name in names})


@pytest.fixture
def coordinator_client(coordinator_cole, login_verified, make_tip, clayton_high):
    make_tip(school=clayton_high)
    client = Client()
    login_verified(client, coordinator_cole)
    return client


@pytest.mark.django_db
@FUZZ
@given(params=_params(QUEUE_PARAMS))
@example(params={"received_to": "9999-12-31"})
@example(params={"received_from": "9999-12-31", "received_to": "0001-01-01"})
@example(params={"cursor": _cursor("after", [True, True, "2026-03-03T15:00:00+00:00", 2**80])})
@example(params={"cursor": _cursor("before", [9**30, "9999-12-31T23:59:59-12:00", 1])})
@example(params={"cursor": _cursor("after", [1e308, 1])})
@example(params={"cursor": _cursor("after", ["2026-03-03T15:00:00", 1]), "sort": "newest"})
def test_queue_and_export_never_answer_500(coordinator_client, params):
    queue = coordinator_client.get(reverse("dashboard:queue"), params)
    assert queue.status_code == 200
    export = coordinator_client.get(reverse("dashboard:export"), params)
    assert export.status_code == 200
    b"".join(export.streaming_content)


@pytest.mark.django_db
@FUZZ
@given(params=_params(AUDIT_PARAMS))
@example(params={"before": "9" * 40})
@example(params={"before": "²"})
@example(params={"actor": "\x00", "tip": "\x00"})
def test_audit_log_never_answers_500(coordinator_client, params):
    assert coordinator_client.get(reverse("dashboard:audit"), params).status_code == 200
