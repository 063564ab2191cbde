"""SECURITY.md 5 and 28: security headers on every response, errors included."""

import pytest
from django.urls import path

from safeschools import urls as project_urls


def _boom(request):
    raise RuntimeError("kaboom")


urlpatterns = [*project_urls.urlpatterns, path("boom/", _boom)]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/about/",
        "/partners/",
        "/districts/",
        "/resources/",
        "/contact/",
        "/report/",
        "/es/",
        "/staff/account/login/",
    ],
)
def test_pages_carry_security_headers(client, url, site_settings, about_page):
    response = client.get(url)
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_not_found_carries_security_headers(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_server_error_carries_security_headers(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_security_headers(response)


def test_static_files_carry_security_headers(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
