"""SECURITY.md 35: error pages show 911, 988 and the hotline without touching the database."""

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import path

from safeschools import urls as project_urls
from safeschools.views import permission_denied, server_error


def _database_down(request):
    raise OperationalError("could not connect to server")


urlpatterns = [*project_urls.urlpatterns, path("db-down/", _database_down)]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def assert_help_numbers(body: str):
    assert 'href="tel:911"' in body
    assert 'href="tel:988"' in body
    assert "(314) 889-SAFE (7233)" in body
    assert 'href="tel:+13148897233"' in body


@pytest.mark.django_db
def test_404_page_is_styled_and_shows_help(client, site_settings):
    response = client.get("/nowhere/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We could not find that page" in body
    assert "css/bootstrap.css" in body
    assert_help_numbers(body)


def test_500_page_renders_with_no_database_query(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert_help_numbers(response.content.decode())


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_database_failure_gives_the_help_page(client):
    client.raise_request_exception = False
    response = client.get("/db-down/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert_help_numbers(body)
    assert "could not connect" not in body


def test_403_page_renders_with_no_database_query(db, django_assert_num_queries):
    from django.core.exceptions import PermissionDenied

    request = RequestFactory().get("/staff/audit/")
    with django_assert_num_queries(0):
        response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    body = response.content.decode()
    assert "You cannot open this page" in body and "css/bootstrap.css" in body
    assert_help_numbers(body)


@pytest.mark.django_db
def test_staff_forbidden_page_is_branded(client, login_verified, officer_olsen):
    login_verified(client, officer_olsen)
    response = client.get("/staff/audit/")  # coordinators only
    assert response.status_code == 403
    body = response.content.decode()
    assert "You cannot open this page" in body
    assert "Safe Schools Partnership" in body
    assert_help_numbers(body)
