"""The tip form one screen at a time, as a browser without JavaScript walks it: each answer
is a POST that draws the next screen, carrying the earlier answers in hidden inputs; only
sending stores anything or counts against the submission limit (the screens have a limit
of their own, per client)."""

from __future__ import annotations

import re

import pytest

from partners.models import School
from reports.models import Category, Tip

URL = "/report/"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def carried(body: str) -> dict[str, str]:
    """What the screen sends back: its hidden inputs (the form token and the CSRF token too)."""
    values = dict(HIDDEN.findall(body))
    values |= dict(re.findall(r'name="(form_token|csrfmiddlewaretoken)" value="([^"]+)"', body))
    return values


def tap(client, body: str, **answer) -> str:
    response = client.post(URL, {**carried(body), **answer})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cyberbullying(categories):
    return Category.objects.create(
        name="Cyberbullying", name_es="Ciberacoso", description="Harassed online.", card="bullying"
    )


@pytest.mark.django_db
def test_a_student_walks_every_screen_and_the_tip_keeps_each_answer(
    client, categories, cyberbullying, clayton_high, settings
):
    settings.TIP_FORM_MIN_SECONDS = 0  # the form token comes from the first screen, just now
    body = client.get(URL).content.decode()
    assert "Step 1 of 5" in body

    body = tap(client, body, danger_now="no")
    assert "Step 2 of 5" in body and "What is this about?" in body
    cards = re.findall(r'name="card" value="(\w+)"', body)
    assert cards == ["threat", "self_harm", "bullying"]  # only cards with categories; "Shooting threat" gone

    body = tap(client, body, card="bullying")  # two categories on this card: which fits best?
    assert "Bullying, in person or online: which fits best?" in body and "error-summary" not in body
    assert f'name="category" value="{cyberbullying.pk}"' in body

    body = tap(client, body, category=str(cyberbullying.pk))
    assert "Step 3 of 5" in body and "Which school?" in body

    body = tap(client, body, school_q="clayt", go="search")
    assert f'name="school" value="{clayton_high.pk}"' in body and "1 school matches." in body

    body = tap(client, body, school=str(clayton_high.pk))
    assert "Step 4 of 5" in body and "What is happening?" in body
    body = tap(client, body, description="Someone posts photos of a sixth grader.", when="today", location="")
    assert "Step 5 of 5" in body and "Send report" in body
    assert Tip.objects.count() == 0

    body = tap(client, body, contact_choice="anonymous")
    assert 'id="receipt-code"' in body
    tip = Tip.objects.get()
    assert tip.category == cyberbullying and tip.school == clayton_high and not tip.danger_now
    assert tip.description == "Someone posts photos of a sixth grader."


@pytest.mark.django_db
def test_a_card_with_one_category_goes_straight_to_the_school(client, categories, clayton_high):
    body = tap(client, client.get(URL).content.decode(), danger_now="yes")
    assert "call 911 now" in body  # said again on every later screen
    body = tap(client, body, card="threat")
    assert "Which school?" in body
    assert f'<input type="hidden" name="category" value="{categories["weapons"].pk}">' in body


@pytest.mark.django_db
def test_an_unanswered_screen_says_what_to_do_and_stays(client, categories, clayton_high):
    body = tap(client, client.get(URL).content.decode(), danger_now="no")
    unanswered = tap(client, body, go="next")  # no card: only a hand-made POST can do this
    assert "Step 2 of 5" in unanswered and "Choose what your concern is about." in unanswered
    body = tap(client, body, card="bullying")
    body = tap(client, body, go="next")  # "Next" without a school
    assert "Step 3 of 5" in body and 'id="error-summary"' in body
    assert 'href="#div_id_school"' in body and 'id="div_id_school"' in body


@pytest.mark.django_db
def test_back_keeps_the_answers_and_shows_no_errors(client, categories, clayton_high):
    body = tap(client, client.get(URL).content.decode(), danger_now="no")
    body = tap(client, body, card="bullying")
    body = tap(client, body, school="none")
    body = tap(client, body, description="Shoving at lunch.", location="Cafeteria", when="today", go="back")
    assert "Which school?" in body and "error-summary" not in body
    assert '<input type="hidden" name="description" value="Shoving at lunch.">' in body
    assert "choice-button chosen" in body  # "Not sure" shown as the answer given


@pytest.mark.django_db
def test_walking_the_screens_is_not_counted_as_sending(client, categories, clayton_high, settings):
    settings.TIP_SUBMIT_RATE = "1/h"
    body = client.get(URL).content.decode()
    for _ in range(3):
        assert "What is this about?" in tap(client, body, danger_now="no")


@pytest.mark.django_db
def test_the_screens_have_a_limit_of_their_own_that_keeps_what_was_typed(client, tip_post, settings):
    settings.TIP_FORM_SCREEN_RATE = "3/m"
    settings.TIP_SUBMIT_RATE = "5/m"
    body = client.get(URL).content.decode()
    for _ in range(2):
        assert "What is this about?" in tap(client, body, danger_now="no")
    assert client.get("/report/schools/", {"q": "clayton"}).status_code == 200  # the same count

    refused = client.post(URL, {**carried(body), "step": "what", "description": "Words typed before the limit"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    text = refused.content.decode()
    assert "Your report was not sent" in text and "Words typed before the limit" in text
    assert 'href="tel:911"' in text and "(314) 889-SAFE (7233)" in text
    search = client.get("/report/schools/", {"q": "clayton"})
    assert search.status_code == 429 and int(search["Retry-After"]) > 0 and b"Clayton" not in search.content

    # Sending keeps its own limit: the student who walked the screens can still send.
    assert 'id="receipt-code"' in client.post(URL, tip_post()).content.decode()
    assert Tip.objects.count() == 1


@pytest.mark.django_db
def test_the_screen_limit_is_counted_per_client_address(client, categories, settings):
    settings.TIP_FORM_SCREEN_RATE = "1/m"
    assert client.get("/report/schools/", {"q": "a"}, REMOTE_ADDR="192.0.2.10").status_code == 200
    assert client.get("/report/schools/", {"q": "a"}, REMOTE_ADDR="192.0.2.10").status_code == 429
    assert client.get("/report/schools/", {"q": "a"}, REMOTE_ADDR="192.0.2.11").status_code == 200


@pytest.mark.django_db
def test_school_search_answers_as_buttons_without_javascript_too(client, categories, clayton_high, kirkwood_high):
    response = client.get("/report/schools/", {"q": "kirkwood hi"})
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("no-store")
    assert f'name="school" value="{kirkwood_high.pk}"' in body and "Clayton High" not in body
    assert "<option" not in body
    by_district = client.get("/report/schools/", {"q": clayton_high.district.name}).content.decode()
    assert "Clayton High School" in by_district
    none = client.get("/report/schools/", {"q": "zzz"}).content.decode()
    assert "0 schools match." in none and 'name="school"' not in none
    School.objects.filter(pk=kirkwood_high.pk).update(active=False)
    assert "Kirkwood" not in client.get("/report/schools/", {"q": "kirkwood"}).content.decode()


@pytest.mark.django_db
def test_the_server_identify_check_shows_the_text_and_the_send_button_together(client, tip_post):
    body = client.post(URL, tip_post(description="my name is Jordan Miller, call me")).content.decode()
    assert 'data-step="what"' in body and 'data-step="send"' in body
    assert "Jordan Miller" in body and 'name="identify_checked" value="1"' in body
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_the_partnerships_categories_make_eight_cards_one_for_a_weapon_or_threat():
    from io import StringIO

    from django.core.management import call_command

    from reports.intake import cards

    call_command("load_content", stdout=StringIO())
    offered = cards.offered()
    assert len(offered) == 8 and offered[-1].card == "something_else"
    threat = next(o for o in offered if o.card == "threat")
    assert [c.name for c in threat.categories] == ["Weapons"]
    on_cards = {c.name for o in offered for c in o.categories}
    assert {"Planned attack or threat", "Shooting threat"}.isdisjoint(on_cards)
    assert len(on_cards) == Category.objects.count() - 2  # every other category has its card
