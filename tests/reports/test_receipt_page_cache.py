"""The receipt page right after a submission comes from the shared cache (per language,
content generation and what it says); the receipt, the CSRF token and the school-network
notice are filled in for each request and never cached."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from partners.models import Agency, NetworkRange
from reports.intake import receipts
from reports.intake.told import who_was_told
from reports.models import RoutingRule, Tip

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOTS = ("tipreceipt", "tipformcsrftokenslot", "tip-form:school-network-notice")
# Built at run time, so that no source excerpt contains it (as in test_anonymity).
SCHOOL_ADDRESS = ".".join(["203", "0", "113", "77"])


def shown_receipt(page: str) -> str:
    found = re.search(r'<p class="receipt-code" id="receipt-code" translate="no">(.*?)</p>', page)
    assert found
    return receipts.format_receipt(receipts.normalize(re.sub(r"<[^>]+>", "", found.group(1))) or "")


def rendered_afresh(page: str, *, language: str, remote_addr: str = "127.0.0.1", path: str = "/report/") -> str:
    """The same receipt page rendered by the template alone, for the newest tip."""
    tip = Tip.objects.latest("pk")
    receipt = shown_receipt(page)
    request = RequestFactory().post(path, REMOTE_ADDR=remote_addr)
    request.user = AnonymousUser()
    context = {
        "receipt": receipt,
        "receipt_groups": receipt.split("-"),
        "danger_now": tip.danger_now,
        "check_soon": tip.is_life_safety,
        "told": who_was_told(tip),
    }
    with translation.override(language):
        return render_to_string("reports/receipt.html", context, request=request)


def same_page(cached: str, fresh: str) -> None:
    assert CSRF.sub("TOKEN", cached) == CSRF.sub("TOKEN", fresh)
    assert not [slot for slot in SLOTS if slot in cached]


@pytest.fixture
def lifeline(categories) -> Agency:
    agency = Agency.objects.create(
        name="988 Suicide & Crisis Lifeline", slug="988", kind=Agency.Kind.MENTAL_HEALTH, can_act=False, phone="988"
    )
    RoutingRule.objects.create(category=categories["self_harm"], agency=agency, role="info_only")
    return agency


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("category", "danger_now"), [("bullying", "no"), ("weapons", "no"), ("bullying", "yes"), ("self_harm", "no")]
)
def test_the_cached_receipt_page_is_the_page_the_template_draws(
    client, tip_post, categories, officer_olsen, coordinator_cole, lifeline, language, category, danger_now
):
    url = "/es/report/" if language == "es" else "/report/"
    pages = [
        client.post(url, tip_post(category=categories[category].pk, danger_now=danger_now)).content.decode()
        for _ in range(2)
    ]
    first, second = pages
    assert shown_receipt(first) != shown_receipt(second)
    same_page(second, rendered_afresh(second, language=language, path=url))  # from the cache
    if category == "self_harm":
        assert "988 Suicide &amp; Crisis Lifeline" in second


@pytest.mark.django_db
def test_each_tipster_gets_their_own_receipt_and_it_can_be_confirmed(client, tip_post, officer_olsen):
    first = client.post("/report/", tip_post()).content.decode()
    second = client.post("/report/", tip_post()).content.decode()
    receipt = shown_receipt(second)
    assert receipt != shown_receipt(first)
    assert second.count(f'name="receipt" value="{receipt}"') == 2  # the decoy and the confirmation forms
    assert 'value="' + shown_receipt(first) + '"' not in second

    wrong = client.post("/report/receipt/", {"receipt": receipt}).content.decode()
    assert f'name="receipt" value="{receipt}"' in wrong  # not ticked: the same receipt again
    done = client.post("/report/receipt/", {"receipt": receipt, "saved": "yes"})
    assert done.status_code == 200 and receipt not in done.content.decode()


@pytest.mark.django_db
def test_the_page_says_who_was_told_this_time_not_last_time(client, tip_post, officer_olsen, coordinator_cole):
    police = client.post("/report/", tip_post()).content.decode()
    assert "The police have been alerted." in police
    # A person leaving is not public content: no new generation of the cached pages.
    officer_olsen.is_active = False
    officer_olsen.save()
    nobody = client.post("/report/", tip_post()).content.decode()
    assert "police have been alerted" not in nobody
    assert "The Safe Schools Partnership office has been alerted" in nobody
    same_page(nobody, rendered_afresh(nobody, language="en"))


@pytest.mark.django_db
def test_an_edited_help_line_shows_on_the_next_receipt(client, tip_post, categories, principal_park, lifeline):
    client.post("/report/", tip_post(category=categories["self_harm"].pk))
    lifeline.phone = "988 (call or text)"
    lifeline.save()
    page = client.post("/report/", tip_post(category=categories["self_harm"].pk)).content.decode()
    assert "988 (call or text)" in page


@pytest.mark.django_db
def test_the_school_network_notice_is_per_request(client, tip_post, clayton_district, principal_park):
    NetworkRange.objects.create(district=clayton_district, network="203.0.113.0/24", note="Clayton Wi-Fi")
    notice = 'id="school-network-notice"'
    at_home = client.post("/report/", tip_post()).content.decode()
    at_school = client.post("/report/", tip_post(), REMOTE_ADDR=SCHOOL_ADDRESS).content.decode()
    assert notice not in at_home and notice in at_school
    same_page(at_school, rendered_afresh(at_school, language="en", remote_addr=SCHOOL_ADDRESS))
