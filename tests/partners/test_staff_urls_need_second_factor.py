"""SECURITY.md 13: every staff and admin page needs a session verified with a second factor.

The routes come from the URL resolver itself, so a route added later under /staff/ or
/admin/ is checked without touching this file. Only the sign-in pages are exempt.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve, reverse
from django.urls import converters as c
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

from safeschools import urls as project_urls

GUARDED_PREFIXES = ("/staff/", "/admin/")
# The sign-in pages themselves: they must open before the second factor is given.
SIGN_IN_PAGES = {"account:login", "account:verify", "account:setup", "account:logout"}
SAMPLE_BY_CONVERTER = {
    c.IntConverter: "1",
    c.StringConverter: "sample",
    c.SlugConverter: "sample",
    c.PathConverter: "1",
    c.UUIDConverter: str(uuid.UUID(int=1)),
}
REGEX_CANDIDATES = ["1", "sample"]


def _route_samples(pattern: RoutePattern) -> str:
    def sample(match: re.Match) -> str:
        converter = pattern.converters[match.group("name")]
        if type(converter) not in SAMPLE_BY_CONVERTER:
            raise AssertionError(f"Add a sample value for {type(converter).__name__} to this test.")
        return SAMPLE_BY_CONVERTER[type(converter)]

    return re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>", sample, str(pattern))


def _regex_sample(pattern: RegexPattern) -> str:
    template, params = normalize(pattern.regex.pattern)[0]
    candidates = REGEX_CANDIDATES + [config.label for config in apps.get_app_configs()]
    values = {}
    for name in params:
        group = re.compile(rf"\(\?P<{name}>(.*?)\)").search(pattern.regex.pattern).group(1)
        value = next((v for v in candidates if re.fullmatch(group, v)), None)
        assert value is not None, f"No sample value for ({name}) in {pattern.regex.pattern!r}: add one to this test."
        values[name] = value
    return template % values


def _sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_samples(pattern)
    if isinstance(pattern, LocalePrefixPattern):
        return pattern.language_prefix
    return _regex_sample(pattern)


def routes(patterns, prefix="/", namespace="") -> Iterator[tuple[str, str]]:
    """(sample path, view name) for every URL pattern, recursively."""
    for entry in patterns:
        here = prefix + _sample(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, here, inner)
        elif isinstance(entry, URLPattern):
            yield here, f"{namespace}{entry.name or entry.lookup_str}"


def guarded_routes() -> list[tuple[str, str]]:
    found = [
        (url, name)
        for url, name in routes(get_resolver().url_patterns)
        if url.startswith(GUARDED_PREFIXES) and name not in SIGN_IN_PAGES
    ]
    for url, _name in found:  # each sample path resolves
        resolve(url)
    return found


def problems(client: Client, url: str, expected_page: str) -> list[str]:
    """Why ``url`` fails to send ``client`` to ``expected_page`` on GET and on POST."""
    found = []
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        target = urlsplit(response.get("Location", "")).path
        if response.status_code != 302 or target != reverse(expected_page):
            found.append(f"{method.upper()} {url} → {response.status_code} {target}")
    return found


ROUTES = guarded_routes()


def test_the_walk_finds_the_staff_and_admin_routes():
    names = {name for _url, name in ROUTES}
    assert {"dashboard:queue", "admin:index", "admin:partners_page_change", "account:password-change"} <= names
    assert len(ROUTES) > 50


@pytest.fixture
def powerful_user(coordinator_cole, totp_device):
    """A superuser coordinator with an authenticator: only the second factor is missing."""
    coordinator_cole.is_superuser = True
    coordinator_cole.save()
    totp_device(coordinator_cole)
    return coordinator_cole


@pytest.mark.django_db
@pytest.mark.parametrize("url,name", ROUTES, ids=[name for _url, name in ROUTES])
def test_anonymous_visitor_is_sent_to_sign_in(client, url, name):
    assert problems(client, url, "account:login") == []


@pytest.mark.django_db
@pytest.mark.parametrize("url,name", ROUTES, ids=[name for _url, name in ROUTES])
def test_password_only_session_is_sent_to_the_second_factor(client, powerful_user, url, name):
    client.force_login(powerful_user)
    assert problems(client, url, "account:verify") == []


# --- The walk covers a route nobody told it about ------------------------------------


def _forgotten_view(request, pk):
    return HttpResponse("tips for everyone")


urlpatterns = [*project_urls.urlpatterns, path("staff/reports/<int:pk>/forgotten/", _forgotten_view, name="forgotten")]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_route_added_later_is_found_and_flagged(client):
    added = [url for url, name in guarded_routes() if name == "forgotten"]
    assert added == ["/staff/reports/1/forgotten/"]
    assert problems(client, added[0], "account:login") == [
        "GET /staff/reports/1/forgotten/ → 200 ",
        "POST /staff/reports/1/forgotten/ → 200 ",
    ]
