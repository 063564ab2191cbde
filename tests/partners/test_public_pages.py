import pytest
from django.urls import reverse

from partners.models import Agency, Page, Resource, School, SiteSettings

PUBLIC_URLS = ["/", "/about/", "/partners/", "/districts/", "/resources/", "/contact/", "/report/"]


@pytest.fixture
def public_site(site_settings, about_page, clayton_high, kirkwood_high, partnership_office):
    Page.objects.create(slug="home", title="Every student safe", summary="Together.", body="Say something.")
    Page.objects.create(slug="contact", title="Contact", body="Write to the office.")
    Agency.objects.create(
        name="St. Louis County Family Court", slug="court", kind=Agency.Kind.COURT, phone="(314) 555-0100"
    )
    Resource.objects.create(title="RSMo 160.261", kind=Resource.Kind.STATUTE, url="https://revisor.mo.gov/x")


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_shows_emergency_numbers_and_hotline(client, public_site, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="tel:911"' in body
    assert 'href="tel:988"' in body
    assert "(314) 889-SAFE (7233)" in body
    assert body.count("<h1") == 1
    assert 'id="main"' in body and 'href="#main"' in body
    assert reverse("reports:report") in body


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_set_no_persistent_cookie(client, public_site, url):
    response = client.get(url)
    assert "sessionid" not in response.cookies
    for name, cookie in response.cookies.items():
        # Only the tip form's CSRF cookie, and it ends with the browser session.
        assert name == "csrftoken" and url == "/report/", f"{url} set {name}"
        assert cookie["expires"] == "" and cookie["max-age"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_no_page_loads_anything_from_another_origin(client, public_site, url):
    body = client.get(url).content.decode()
    for attribute in ('src="http', 'src="//', 'href="//'):
        assert attribute not in body
    assert 'rel="stylesheet" href="/static/' in body


@pytest.mark.django_db
def test_home_page_counts_partners_from_the_database(client, public_site):
    body = client.get("/").content.decode()
    assert "2 school districts" in body
    assert "2 police departments" in body
    assert "Every student safe" in body


@pytest.mark.django_db
def test_partner_directory_groups_agencies_by_kind(client, public_site):
    body = client.get("/partners/").content.decode()
    assert body.index("Police department") < body.index("Clayton Police Department")
    assert body.index("School district") < body.index("Clayton School District")
    assert "St. Louis County Family Court" in body
    assert "(314) 555-0100" in body
    assert "Safe Schools Partnership Office" not in body  # not a listed partner


@pytest.mark.django_db
def test_a_former_partner_is_not_listed(client, public_site):
    Agency.objects.filter(name="St. Louis County Family Court").update(is_partner=False)
    assert "Family Court" not in client.get("/partners/").content.decode()


@pytest.mark.django_db
def test_district_page_lists_websites_and_active_schools(client, public_site):
    School.objects.create(
        name="Closed Elementary",
        district=Agency.objects.get(slug="clayton-sd"),
        police_agency=Agency.objects.get(slug="clayton-pd"),
        grade_band="elementary",
        active=False,
    )
    body = client.get("/districts/").content.decode()
    assert 'href="https://claytonschools.net/"' in body
    assert "Clayton High School" in body and "Kirkwood High School" in body
    assert "Closed Elementary" not in body


@pytest.mark.django_db
def test_directory_pages_use_a_fixed_number_of_queries(client, public_site, django_assert_num_queries):
    for n in range(20):
        district = Agency.objects.create(name=f"District {n}", slug=f"d{n}", kind=Agency.Kind.DISTRICT)
        School.objects.create(
            name=f"School {n}",
            district=district,
            police_agency=Agency.objects.get(slug="clayton-pd"),
            grade_band="high",
        )
    client.get("/")  # warm the site-settings and navigation cache
    with django_assert_num_queries(1):
        client.get("/partners/")
    with django_assert_num_queries(2):
        client.get("/districts/")
    with django_assert_num_queries(1):
        client.get("/resources/")


@pytest.mark.django_db
def test_about_page_renders_markup_sections(client, public_site):
    body = client.get("/about/").content.decode()
    assert "<h2>Vision</h2>" in body and "<h2>Aims</h2>" in body
    assert "<li>Early</li>" in body


@pytest.mark.django_db
def test_unpublished_page_is_not_found(client, public_site):
    Page.objects.create(slug="draft", title="Draft", body="Not yet", published=False)
    assert client.get("/p/draft/").status_code == 404


@pytest.mark.django_db
def test_navigation_comes_from_the_database(client, public_site):
    Page.objects.create(slug="training", title="Training for staff", body="Sessions", show_in_nav=True)
    assert 'href="/p/training/">Training for staff</a>' in client.get("/").content.decode()


@pytest.mark.django_db
def test_resource_file_is_served_sandboxed(client, public_site):
    from django.core.files.base import ContentFile

    resource = Resource(title="Handbook", kind=Resource.Kind.DOCUMENT)
    resource.file.save("handbook.txt", ContentFile(b"Partnership handbook"), save=True)
    body = client.get("/resources/").content.decode()
    assert f'href="/resources/{resource.pk}/file/"' in body
    response = client.get(f"/resources/{resource.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Partnership handbook"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_spanish_prefix_switches_language_without_a_cookie(client, public_site):
    response = client.get("/es/partners/")
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert response.cookies == {}
    english = client.get("/partners/").content.decode()
    assert 'href="/es/partners/" hreflang="es"' in english


@pytest.mark.django_db
def test_site_settings_change_shows_on_every_page(client, public_site):
    settings_row = SiteSettings.current()
    client.get("/")  # cached now
    settings_row.hotline_display = "(314) 555-SAFE"
    settings_row.hotline_number = "+13145557233"
    settings_row.save()
    assert "(314) 555-SAFE" in client.get("/contact/").content.decode()
    # The bar, the phone header and the footer (partners' hotline tags) dial the new number.
    about = client.get("/about/").content.decode()
    assert about.count('href="tel:+13145557233"') == 3 and "tel:+13148897233" not in about


@pytest.mark.django_db
def test_coordinator_edits_in_the_admin_show_up_on_the_site(client, public_site, coordinator_cole, login_verified):
    login_verified(client, coordinator_cole)
    page = Page.objects.get(slug="about")
    response = client.post(
        reverse("admin:partners_page_change", args=[page.pk]),
        {
            "title": "About us",
            "slug": "about",
            "summary": "",
            "body": "## Vision\nA new vision.",
            "display_order": 5,
            "published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        reverse("admin:partners_sitesettings_change", args=[1]),
        {
            "organisation_name": "Safe Schools Partnership",
            "hotline_display": "(314) 889-SAFE (7233)",
            "hotline_number": "+13148897233",
            "emergency_text": "Danger? Dial 911 now.",
            "crisis_text": "Call or text 988.",
            "non_emergency_number": "",
            "tdd_number": "",
            "address": "",
            "contact_email": "",
            "statewide_line": "",
        },
    )
    assert response.status_code == 302
    client.logout()
    body = client.get("/about/").content.decode()
    assert "A new vision." in body and "About us" in body
    assert "Danger? Dial 911 now." in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "admin_url",
    ["partners/agency/", "partners/school/", "partners/page/", "partners/resource/", "partners/membership/"],
)
def test_admin_lists_are_searchable(client, public_site, coordinator_cole, login_verified, admin_url):
    login_verified(client, coordinator_cole)
    response = client.get(f"/admin/{admin_url}?q=Clayton")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_offers_the_text_a_tip_number_while_texts_are_answered(client, public_site, settings, url):
    settings.SMS_BACKEND, settings.SMS_FROM_NUMBER, settings.SMS_TIPS = "console", "+13145550190", True
    body = client.get(url).content.decode()
    assert 'href="sms:+13145550190"' in body
    assert "(314) 555-0190" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "backend, sender, tips_on",
    [("", "", True), ("console", "", True), ("console", "+13145550190", False)],
    ids=["sms-off", "no-sender", "text-a-tip-off"],
)
def test_no_page_offers_a_number_that_answers_nothing(client, public_site, settings, backend, sender, tips_on):
    settings.SMS_BACKEND, settings.SMS_FROM_NUMBER, settings.SMS_TIPS = backend, sender, tips_on
    for url in PUBLIC_URLS:
        assert 'href="sms:' not in client.get(url).content.decode(), url
