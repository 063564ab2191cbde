"""The blank tip form's fields come from the shared cache; the tokens never do."""

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
