"""A browser that prefers Spanish, arriving at an English public page from outside the
site, is sent to the Spanish page; no cookie remembers anything."""

import pytest

SPANISH = "es-MX,es;q=0.9,en;q=0.5"
ENGLISH = "en-US,en;q=0.9,es;q=0.8"


def get(client, path, *, language=SPANISH, fetch_site="none", **extra):
    headers = {"accept-language": language}
    if fetch_site:
        headers["sec-fetch-site"] = fetch_site
    return client.get(path, headers=headers, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "spanish"),
    [
        ("/", "/es/"),
        ("/about/", "/es/about/"),
        ("/report/", "/es/report/"),
        ("/resources/?kind=law", "/es/resources/?kind=law"),
    ],
)
@pytest.mark.parametrize("fetch_site", ["none", "cross-site", "same-site"])
def test_spanish_browser_arriving_from_outside_goes_to_the_spanish_page(
    client, site_settings, path, spanish, fetch_site
):
    response = get(client, path, fetch_site=fetch_site)
    assert response.status_code == 302
    assert response["Location"] == spanish
    assert not response.cookies  # nothing remembers the language but the address
    assert "Accept-Language" in response["Vary"] and "Sec-Fetch-Site" in response["Vary"]


@pytest.mark.django_db
def test_redirect_lands_on_the_spanish_page_and_stops_there(client, site_settings):
    response = get(client, "/", follow=True)
    assert response.redirect_chain == [("/es/", 302)]
    assert response.status_code == 200
    assert b'<html lang="es">' in response.content
    assert not client.cookies


@pytest.mark.django_db
def test_moving_within_the_site_never_redirects_so_choosing_english_sticks(client, site_settings, about_page):
    response = get(client, "/about/", fetch_site="same-origin")
    assert response.status_code == 200
    assert b'<html lang="en">' in response.content
    assert "Sec-Fetch-Site" in response["Vary"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "fetch_site"),
    [
        (ENGLISH, "none"),  # prefers English
        ("fr-CA,fr;q=0.9", "none"),  # no language we have: English, the default
        (SPANISH, None),  # an old browser that does not say where it comes from
    ],
)
def test_no_redirect_otherwise(client, site_settings, language, fetch_site):
    assert get(client, "/", language=language, fetch_site=fetch_site).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/staff/account/login/", "/admin/", "/staff/", "/healthz", "/es/", "/es/about/"])
def test_staff_admin_other_and_spanish_addresses_are_left_alone(client, site_settings, path):
    response = get(client, path)
    assert not response.get("Location", "").startswith("/es")


@pytest.mark.django_db
def test_posts_are_never_redirected(client, site_settings):
    response = client.post(
        "/report/check/", {"receipt": "x"}, headers={"accept-language": SPANISH, "sec-fetch-site": "none"}
    )
    assert response.status_code == 200
    assert b"We could not open a report with that receipt" in response.content
