"""The school network warning: districts list their network address ranges in the admin; a
tip page opened from one shows a calm notice (school Wi-Fi and devices may be monitored,
your own phone on mobile data is safer, 911 if someone is in danger now). The address is
matched in memory only: never stored, logged or put in a session."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from partners.models import NetworkRange

# Built at run time, so that no source excerpt contains them (as in test_anonymity).
SCHOOL_ADDRESS = ".".join(["203", "0", "113", "77"])
HOME_ADDRESS = ".".join(["198", "51", "100", "9"])
NOTICE = 'id="school-network-notice"'


@pytest.fixture
def clayton_network(clayton_district):
    return NetworkRange.objects.create(district=clayton_district, network="203.0.113.0/24", note="Clayton Wi-Fi")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/report/", "/report/check/", "/es/report/"])
def test_a_tip_page_opened_from_a_district_network_shows_the_notice(client, clayton_network, categories, path):
    body = client.get(path, REMOTE_ADDR=SCHOOL_ADDRESS).content.decode()

    assert NOTICE in body
    if path.startswith("/es/"):
        assert "Parece que estás en una red escolar" in body
    else:
        assert "School Wi-Fi and school devices may be monitored." in body
        assert "use your own phone on mobile data" in body and "call 911" in body


@pytest.mark.django_db
def test_other_addresses_get_no_notice(client, clayton_network, categories):
    assert NOTICE not in client.get("/report/", REMOTE_ADDR=HOME_ADDRESS).content.decode()
    assert NOTICE not in client.get("/report/", REMOTE_ADDR="not an address").content.decode()


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_address_is_matched(client, clayton_network, categories, settings):
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    seen = client.get("/report/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=SCHOOL_ADDRESS).content.decode()
    assert NOTICE in seen


@pytest.mark.django_db
def test_ipv6_ranges_and_ipv4_mapped_addresses(client, clayton_district, categories):
    NetworkRange.objects.create(district=clayton_district, network="2001:db8:12::/48")
    NetworkRange.objects.create(district=clayton_district, network="203.0.113.0/24")

    assert NOTICE in client.get("/report/", REMOTE_ADDR="2001:db8:12:5::9").content.decode()
    assert NOTICE in client.get("/report/", REMOTE_ADDR="::ffff:" + SCHOOL_ADDRESS).content.decode()
    assert NOTICE not in client.get("/report/", REMOTE_ADDR="2001:db8:13::1").content.decode()


@pytest.mark.django_db
def test_a_new_range_counts_at_once(client, clayton_district, categories):
    assert NOTICE not in client.get("/report/", REMOTE_ADDR=SCHOOL_ADDRESS).content.decode()
    NetworkRange.objects.create(district=clayton_district, network="203.0.113.0/24")
    assert NOTICE in client.get("/report/", REMOTE_ADDR=SCHOOL_ADDRESS).content.decode()


@pytest.mark.django_db
def test_ranges_are_checked_and_written_one_way(clayton_district, clayton_pd):
    valid = NetworkRange(district=clayton_district, network=" 203.0.113.9/24 ")
    valid.full_clean()
    assert valid.network == "203.0.113.0/24"
    single = NetworkRange(district=clayton_district, network="198.51.100.7")
    single.full_clean()
    assert single.network == "198.51.100.7/32"
    for bad in ("nonsense", "10.0.0.0/8", "2001:db8::/16"):
        with pytest.raises(ValidationError):
            NetworkRange(district=clayton_district, network=bad).full_clean()
    with pytest.raises(ValidationError):
        NetworkRange(district=clayton_pd, network="192.0.2.0/24").full_clean()


@pytest.mark.django_db(transaction=True)
def test_the_address_is_never_stored_logged_or_kept_in_a_session(client, clayton_district, tip_post, caplog):
    NetworkRange.objects.create(district=clayton_district, network="203.0.113.0/24")
    caplog.set_level(logging.DEBUG)

    form = client.get("/report/", REMOTE_ADDR=SCHOOL_ADDRESS)
    sent = client.post("/report/", tip_post(), REMOTE_ADDR=SCHOOL_ADDRESS)

    assert NOTICE in form.content.decode() and NOTICE in sent.content.decode()
    assert "sessionid" not in form.cookies and "sessionid" not in sent.cookies
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    assert SCHOOL_ADDRESS not in out.getvalue()
    assert SCHOOL_ADDRESS not in caplog.text + "".join(str(r.__dict__) for r in caplog.records)


@pytest.mark.django_db
def test_coordinators_edit_a_districts_ranges_in_the_admin(client, coordinator_cole, login_verified, clayton_district):
    login_verified(client, coordinator_cole)

    page = client.get(f"/admin/partners/agency/{clayton_district.pk}/change/").content.decode()
    assert "school network ranges" in page.lower() and 'name="network_ranges-TOTAL_FORMS"' in page
    response = client.post(
        "/admin/partners/networkrange/add/",
        {"district": clayton_district.pk, "network": "192.0.2.0/25", "note": "High school Wi-Fi"},
    )
    assert response.status_code == 302
    assert NetworkRange.objects.get().network == "192.0.2.0/25"
