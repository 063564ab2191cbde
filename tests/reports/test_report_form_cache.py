"""The blank tip form page comes from the shared cache (whole, per language and content
generation); its tokens and the school-network notice never do."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Category

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def get_form(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/report/")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.django_db
def test_second_blank_form_reads_no_category_or_school(client, categories, clayton_high):
    first, first_queries = get_form(client)
    second, second_queries = get_form(client)
    assert second_queries < first_queries
    assert second_queries == 0
    assert "Is someone in danger right now?" in second  # the first screen (the others: one POST each)
    assert TOKEN.search(first).group(1) != TOKEN.search(second).group(1)
    assert CSRF.search(second)


@pytest.mark.django_db
def test_a_new_category_shows_at_once(client, categories, clayton_high):
    get_form(client)
    about = {"step": "danger", "danger_now": "no"}
    assert 'value="something_else"' not in client.post("/report/", about).content.decode()
    Category.objects.create(name="Vandalism", description="Someone damaged the school.")  # on "Something else"
    assert 'name="card" value="something_else"' in client.post("/report/", about).content.decode()


@pytest.mark.django_db
def test_spanish_fields_are_cached_apart(client, categories, clayton_high):
    assert "Is someone in danger right now?" in get_form(client)[0]
    spanish = client.get("/es/report/").content.decode()
    assert "¿Alguien está en peligro ahora mismo?" in spanish and "Is someone in danger" not in spanish


@pytest.mark.django_db
def test_a_refused_form_is_rendered_with_its_errors_not_from_the_cache(client, categories, clayton_high, tip_post):
    get_form(client)
    response = client.post("/report/", tip_post(description=""))
    assert "Tell us what is happening" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


@pytest.mark.django_db
def test_schools_are_read_once_until_a_school_changes(client, categories, clayton_high, tip_post):
    from partners.models import School

    client.post("/report/", tip_post())
    with CaptureQueriesContext(connection) as queries:
        client.post("/report/", tip_post())
    school_list = [
        q for q in queries.captured_queries if 'FROM "partners_school"' in q["sql"] and "LIMIT" not in q["sql"]
    ]
    assert school_list == []
    School.objects.create(
        name="Clayton Middle",
        district=clayton_high.district,
        police_agency=clayton_high.police_agency,
        grade_band="middle",
    )
    found = client.post("/report/", {"step": "school", "go": "search", "school_q": "clayton"}).content.decode()
    assert "Clayton Middle" in found


# Built at run time, so that no source excerpt contains them (as in test_anonymity).
SCHOOL_ADDRESS = ".".join(["203", "0", "113", "77"])
HOME_ADDRESS = ".".join(["198", "51", "100", "9"])
SLOTS = ("tipformcsrftokenslot", "tipformsignedtokenslot", "tip-form:school-network-notice")


@pytest.mark.django_db
def test_each_cached_page_has_its_own_tokens_and_they_work(categories, clayton_high, settings):
    from django.test import Client

    settings.TIP_FORM_MIN_SECONDS = 0
    pages = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        page = client.get("/report/").content.decode()
        pages.append((client, page))
    (first_client, first), (_, second) = pages
    assert TOKEN.search(first).group(1) != TOKEN.search(second).group(1)
    assert CSRF.search(first).group(1) != CSRF.search(second).group(1)
    assert not [slot for slot in SLOTS if slot in first + second]

    response = first_client.post(
        "/report/",
        {
            "category": categories["bullying"].pk,
            "school": clayton_high.pk,
            "description": "Someone keeps pushing a kid at lunch.",
            "when": "today",
            "danger_now": "no",
            "contact_choice": "anonymous",
            "form_token": TOKEN.search(first).group(1),
            "csrfmiddlewaretoken": CSRF.search(first).group(1),
        },
    )
    assert response.status_code == 200 and "receipt" in response.content.decode().lower()


@pytest.mark.django_db
def test_the_school_network_notice_is_per_request_on_a_cached_page(client, categories, clayton_district):
    from partners.models import NetworkRange

    NetworkRange.objects.create(district=clayton_district, network="203.0.113.0/24", note="Clayton Wi-Fi")
    notice = 'id="school-network-notice"'
    assert notice not in client.get("/report/", REMOTE_ADDR=HOME_ADDRESS).content.decode()

    with CaptureQueriesContext(connection) as queries:
        at_school = client.get("/report/", REMOTE_ADDR=SCHOOL_ADDRESS).content.decode()
    assert len(queries) == 0  # the page came from the cache
    assert notice in at_school and "School Wi-Fi and school devices may be monitored." in at_school
    at_home = client.get("/report/", REMOTE_ADDR=HOME_ADDRESS).content.decode()
    assert notice not in at_home
    assert not [slot for slot in SLOTS if slot in at_school + at_home]


@pytest.mark.django_db
def test_a_pending_message_is_shown_not_cached_away(client, categories, clayton_high):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    get_form(client)  # the cached page exists
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.INFO, "Your form was open a long time.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value

    assert "Your form was open a long time." in client.get("/report/").content.decode()
