"""Quick exit on every public page (SECURITY.md 8), not only the tip pages; none on the
staff dashboard. And the "How to stay safe while reporting" page, linked from every page."""

from __future__ import annotations

import pytest

from partners.models import Page

PUBLIC = ["/", "/about/", "/partners/", "/districts/", "/resources/", "/contact/", "/staying-safe/", "/report/"]


@pytest.fixture
def pages(site_settings, about_page, categories, clayton_high, partnership_office):
    Page.objects.create(slug="home", title="Every student safe", body="Say something.")
    Page.objects.create(slug="contact", title="Contact", body="Write to the office.")
    Page.objects.create(
        slug="staying-safe",
        title="How to stay safe while reporting",
        body="## Use a device you trust\nYour own phone on mobile data is safest.",
        title_es="Cómo protegerte al reportar",
        body_es="## Usa un dispositivo de confianza\nLo más seguro es tu propio teléfono.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*PUBLIC, "/no-such-page/", "/es/", "/es/staying-safe/"])
def test_every_public_page_has_the_quick_exit_and_the_safety_page_link(client, pages, path, settings):
    body = client.get(path).content.decode()

    assert "data-quick-exit" in body and f'href="{settings.QUICK_EXIT_URL}"' in body
    assert 'rel="noreferrer noopener"' in body
    assert "staying-safe/" in body


@pytest.mark.django_db
def test_the_safety_page_is_a_page_coordinators_edit(client, pages):
    english = client.get("/staying-safe/").content.decode()
    spanish = client.get("/es/staying-safe/").content.decode()

    assert "<h1" in english and "How to stay safe while reporting" in english and "mobile data is safest" in english
    assert "Cómo protegerte al reportar" in spanish and "Lo más seguro es tu propio teléfono." in spanish
    page = Page.objects.get(slug="staying-safe")
    page.published = False
    page.save()
    assert client.get("/staying-safe/").status_code == 404


@pytest.mark.django_db
def test_the_staff_dashboard_has_no_quick_exit(client, pages, officer_olsen, login_verified):
    login_verified(client, officer_olsen)

    assert "data-quick-exit" not in client.get("/staff/").content.decode()


@pytest.mark.django_db
def test_the_content_has_the_safety_page_and_the_network_advice(db):
    from partners import content

    pages = {page["slug"]: page for page in content.PAGES}
    assert "School Wi-Fi" in pages["how-reporting-works"]["body"]
    assert "wifi" in pages["how-reporting-works"]["body_es"]
    safe = pages["staying-safe"]
    for words in ("mobile data", "Quick exit", "decoy code", "STOP", "911", "988"):
        assert words in safe["body"]
    assert safe["title_es"] and safe["body_es"]
