"""Forms work under `Referrer-Policy: no-referrer`, where browsers send `Origin: null`
and no Referer with every POST; cross-site POSTs are still refused."""

import pytest
from django.test import Client

LOGIN = "/staff/account/login/"


@pytest.fixture
def visitor():
    """A client that enforces CSRF like a browser session, with its cookie and token."""
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    return client


def _post(client: Client, *, secure: bool = False, **headers):
    token = client.cookies["csrftoken"].value
    data = {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong passphrase here"}
    return client.post(LOGIN, data, secure=secure, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("secure", [False, True])
def test_null_origin_from_our_own_page_is_accepted(visitor, secure, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = _post(visitor, secure=secure, origin="null", sec_fetch_site="same-origin")
    assert response.status_code == 200
    assert b"Please check the form" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "null"},
        {"origin": "null", "sec_fetch_site": "cross-site"},
        {"origin": "https://evil.example", "sec_fetch_site": "cross-site"},
        {"origin": "https://evil.example", "sec_fetch_site": "same-site"},
    ],
)
def test_other_origins_are_refused(visitor, headers):
    assert _post(visitor, **headers).status_code == 403


@pytest.mark.django_db
def test_token_is_still_required_from_our_own_page(visitor):
    response = visitor.post(
        LOGIN, {"username": "nobody", "password": "x"}, headers={"origin": "null", "sec_fetch_site": "same-origin"}
    )
    assert response.status_code == 403
