"""The shared cache of public pages: a hit costs no query and keeps every security header;
an edit shows at once; nothing personal, no tip page and no staff page is ever cached; a
cache outage only costs speed."""

from __future__ import annotations

import logging
import re
import time
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import Page
from tests.cache_keys import cache_keys


@pytest.fixture
def home_page(db, site_settings):
    return Page.objects.create(slug="home", title="Every student safe", summary="First version.", body="Hello.")


def cached_pages() -> int:
    """Pages in the shared cache."""
    return sum(key.startswith("public-page:") for key in cache_keys())


def queries_for(client, url: str, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def test_a_public_page_is_served_again_without_a_query(client, home_page):
    first, first_queries = queries_for(client, "/")
    second, second_queries = queries_for(client, "/")
    assert first.status_code == second.status_code == 200
    assert first_queries > 0 and second_queries == 0
    assert cached_pages() == 1
    assert second.content == first.content
    assert "First version." in second.content.decode()
    assert not second.cookies


def test_a_cached_page_keeps_every_security_header(client, home_page):
    first = client.get("/")
    second = client.get("/")
    for header in ("Content-Security-Policy", "Referrer-Policy", "X-Frame-Options", "Permissions-Policy"):
        assert second[header] == first[header]
    assert "frame-ancestors 'none'" in second["Content-Security-Policy"]


def test_an_edit_shows_at_once(client, home_page):
    client.get("/")
    home_page.summary = "Second version."
    home_page.save()
    assert "Second version." in client.get("/").content.decode()


def test_english_and_spanish_are_cached_apart(client, home_page):
    english = client.get("/").content
    spanish = client.get("/es/").content
    assert english != spanish
    assert client.get("/es/").content == spanish
    assert 'lang="es"' in spanish.decode()


def test_a_query_string_or_a_session_bypasses_the_cache(client, home_page):
    client.get("/")
    assert queries_for(client, "/?utm=x")[1] > 0
    client.cookies["sessionid"] = "some-session"
    assert queries_for(client, "/")[1] > 0


@pytest.mark.parametrize("url", ["/report/", "/report/check/"])
def test_tip_pages_are_never_cached(client, categories, clayton_high, url):
    first = client.get(url)
    client.cookies.clear()
    second = client.get(url)
    assert second.status_code == 200
    assert "no-store" in second["Cache-Control"]
    assert cached_pages() == 0
    if url == "/report/":
        token = re.compile(r'name="form_token" value="([^"]+)"')
        assert token.search(first.content.decode()).group(1) != token.search(second.content.decode()).group(1)


def test_staff_pages_are_never_cached(client, officer_olsen, login_verified, clayton_tip_for_cache):
    login_verified(client, officer_olsen)
    client.get("/staff/")
    response, count = queries_for(client, "/staff/")
    assert response.status_code == 200 and count > 0
    assert cached_pages() == 0


@pytest.fixture
def clayton_tip_for_cache(make_tip, clayton_high):
    return make_tip(school=clayton_high).tip


def test_cache_outage_renders_the_page_and_logs(client, home_page, caplog):
    with (
        mock.patch.object(cache, "get_many", side_effect=ConnectionError("redis down")),
        caplog.at_level(logging.WARNING, logger="safeschools.page_cache"),
    ):
        response = client.get("/")
    assert response.status_code == 200
    assert "First version." in response.content.decode()
    assert "cache unavailable" in caplog.text


def test_turned_off_with_zero_seconds(client, home_page, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert queries_for(client, "/")[1] > 0


def test_a_process_serves_its_recent_copy_without_asking_redis(client, home_page):
    client.get("/")
    with mock.patch.object(cache, "get_many", side_effect=AssertionError("asked the cache")):
        response = client.get("/")
    assert response.status_code == 200 and "First version." in response.content.decode()


def test_the_recent_copy_expires(client, home_page, settings):
    client.get("/")
    with (
        time_machine.travel(time.time() + settings.CACHE_LOCAL_SECONDS + 1, tick=False),
        CaptureQueriesContext(connection) as queries,
        mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many,
    ):
        client.get("/")
    assert get_many.called and len(queries) == 0  # back to the shared copy, still no query


def test_a_deploy_starts_a_new_generation(client, home_page):
    from django.core.management import call_command

    from safeschools import page_cache

    client.get("/")
    before = page_cache.generation()
    call_command("migrate", verbosity=0)
    assert page_cache.generation() != before
    assert queries_for(client, "/")[1] > 0  # rendered again


def test_a_spanish_browser_arriving_from_outside_is_still_sent_to_spanish(client, home_page):
    client.get("/")  # the English page is now cached
    response = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9", "Sec-Fetch-Site": "none"})
    assert response.status_code == 302 and response["Location"] == "/es/"
    english = client.get("/", headers={"Accept-Language": "en-US", "Sec-Fetch-Site": "none"})
    assert english.status_code == 200
