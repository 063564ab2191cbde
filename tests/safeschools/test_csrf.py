"""Our own forms post with ``Origin: null`` under ``Referrer-Policy: no-referrer``; they
must work, over HTTPS too, while cross-site posts and posts without the token fail."""

import re

import pytest
from django.test import Client


def form_and_token(client: Client, **extra) -> str:
    body = client.get("/report/check/", **extra).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("secure", [False, True])
def test_same_origin_post_with_null_origin_is_accepted(secure, settings):
    client = Client(enforce_csrf_checks=True)
    token = form_and_token(client, secure=secure)
    response = client.post(
        "/report/check/",
        {"csrfmiddlewaretoken": token, "receipt": "x"},
        secure=secure,
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 200
    assert b"We could not open a report" in response.content


@pytest.mark.django_db
def test_older_browser_without_fetch_metadata_still_works():
    client = Client(enforce_csrf_checks=True)
    token = form_and_token(client, secure=True)
    response = client.post(
        "/report/check/", {"csrfmiddlewaretoken": token, "receipt": "x"}, secure=True, HTTP_ORIGIN="null"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_cross_site_post_with_null_origin_is_refused():
    client = Client(enforce_csrf_checks=True)
    token = form_and_token(client)
    response = client.post(
        "/report/check/",
        {"csrfmiddlewaretoken": token, "receipt": "x"},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_null_origin_without_the_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    form_and_token(client)
    response = client.post("/report/check/", {"receipt": "x"}, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_foreign_origin_is_refused():
    client = Client(enforce_csrf_checks=True)
    token = form_and_token(client)
    response = client.post(
        "/report/check/", {"csrfmiddlewaretoken": token, "receipt": "x"}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403


def test_missing_csrf_middleware_is_an_error(settings):
    from safeschools.checks import csrf_middleware_installed

    assert csrf_middleware_installed(None) == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "Csrf" not in m]
    assert [e.id for e in csrf_middleware_installed(None)] == ["safeschools.E001"]
