"""Small things a newcomer notices: the browser's /favicon.ico request finds the site's
icon, and the admin's sections are named in words."""

import re

import pytest
from django.apps import apps
from django.contrib import admin

ICO_HEADER = b"\x00\x00\x01\x00"


@pytest.mark.django_db
def test_favicon_ico_is_the_sites_icon(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content.startswith(ICO_HEADER) and len(response.content) > 500
    assert "max-age=86400" in response["Cache-Control"]
    assert "Set-Cookie" not in response
    assert client.post("/favicon.ico").status_code == 405


def test_every_admin_section_is_named_in_words():
    """No section named after a library's label ("Otp_Totp", "Axes", "Tasks Database Backend")."""
    labels = {model._meta.app_label for model in admin.site._registry}
    for label in labels:
        name = str(apps.get_app_config(label).verbose_name)
        assert "_" not in name and name != label.title(), (label, name)
        assert not re.search(r"\b(Otp|OTP|Backend|Axes)\b", name), (label, name)


@pytest.mark.django_db
def test_admin_index_shows_the_section_names(client, coordinator_cole, login_verified):
    coordinator_cole.is_superuser = True
    coordinator_cole.save()
    login_verified(client, coordinator_cole)
    body = client.get("/admin/").content.decode()
    sections = re.findall(r'class="section"[^>]*>([^<]+)</a>', body)
    for expected in ("Authenticator apps", "Recovery codes", "Sign-in lockouts", "Background tasks", "Tips"):
        assert expected in sections
    assert "Otp_Totp" not in body and "Otp_Static" not in body
