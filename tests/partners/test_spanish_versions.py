"""Coordinators can give pages and resources a Spanish version; the Spanish site shows it
where it is written and the English where it is not."""

from io import StringIO

import pytest
from django.core.management import call_command

from partners.models import Page, Resource


@pytest.fixture
def reporting_page(db):
    return Page.objects.create(
        slug="how-reporting-works",
        title="How reporting works",
        summary="What you can report.",
        body="## Who reads it\nStaff of the school district.",
        title_es="Cómo funciona el reporte",
        summary_es="Qué puedes reportar.",
        body_es="## Quién lo lee\nEl personal del distrito escolar.",
        show_in_nav=True,
    )


@pytest.mark.django_db
def test_spanish_site_shows_the_spanish_page(client, reporting_page):
    body = client.get("/es/p/how-reporting-works/").content.decode()
    assert "<h1>Cómo funciona el reporte</h1>" in body
    assert "Qué puedes reportar." in body and "<h2>Quién lo lee</h2>" in body
    assert "How reporting works" not in body  # neither the page nor its navigation entry

    english = client.get("/p/how-reporting-works/").content.decode()
    assert "<h1>How reporting works</h1>" in english and "Cómo funciona" not in english


@pytest.mark.django_db
def test_spanish_site_falls_back_to_english_field_by_field(client, reporting_page):
    Page.objects.filter(pk=reporting_page.pk).update(body_es="", summary_es="")
    body = client.get("/es/p/how-reporting-works/").content.decode()
    assert "<h1>Cómo funciona el reporte</h1>" in body
    assert "What you can report." in body and "<h2>Who reads it</h2>" in body


@pytest.mark.django_db
def test_home_intro_and_resources_in_spanish(client, site_settings):
    Page.objects.create(slug="home", title="Every student safe", body="Say something.", title_es="Todos seguros")
    Resource.objects.create(
        title="988 Suicide & Crisis Lifeline",
        title_es="988 Línea de Prevención del Suicidio y Crisis",
        description="Call or text 988.",
        description_es="Llama o manda un mensaje de texto al 988.",
        kind=Resource.Kind.LINK,
        url="https://988lifeline.org/",
    )
    home = client.get("/es/").content.decode()
    assert "Todos seguros" in home and "Say something." in home
    resources = client.get("/es/resources/").content.decode()
    assert "988 Línea de Prevención del Suicidio y Crisis" in resources
    assert "Llama o manda un mensaje de texto al 988." in resources
    assert "Call or text 988." in client.get("/resources/").content.decode()


@pytest.mark.django_db
def test_load_content_fills_empty_spanish_fields_and_keeps_edits():
    Page.objects.create(slug="about", title="About us", body="Ours.", title_es="Nuestro título")
    Page.objects.create(slug="contact", title="Contact", body="Write to us.")
    call_command("load_content", verbosity=0, stdout=StringIO())

    about = Page.objects.get(slug="about")
    assert (about.title, about.body, about.title_es) == ("About us", "Ours.", "Nuestro título")
    assert about.body_es.startswith("## Visión")  # empty before: filled
    assert Page.objects.get(slug="contact").title_es == "Contacto"
    assert Page.objects.get(slug="home").title_es == "Que cada estudiante esté seguro en la escuela"
    assert not Resource.objects.filter(title_es="").exists()
    assert not Page.objects.filter(body_es="").exists()


@pytest.mark.django_db
def test_admin_has_the_spanish_fields(client, coordinator_cole, login_verified):
    login_verified(client, coordinator_cole)
    page_form = client.get("/admin/partners/page/add/").content.decode()
    for field in ("title_es", "summary_es", "body_es"):
        assert f'name="{field}"' in page_form
    resource_form = client.get("/admin/partners/resource/add/").content.decode()
    for field in ("title_es", "description_es"):
        assert f'name="{field}"' in resource_form
