"""The public tip form: happy path and every error path, with the database checked."""

import re

import pytest
from django.db import OperationalError
from django.urls import reverse

from reports.intake import receipts
from reports.models import Notification, Routing, Tip
from safeschools.models import AuditEvent

URL = "/report/"


def receipt_in(response) -> str:
    match = re.search(r'id="receipt-code"[^>]*>(.*?)</p>', response.content.decode())
    assert match, "no receipt on the page"
    return re.sub(r"<[^>]+>", "", match.group(1))


@pytest.mark.django_db
def test_form_page_asks_the_danger_question_alone_with_quick_exit(client, categories, clayton_high):
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Is someone in danger right now?" in body and "Step 1 of 5" in body
    for later in ("What is this about?", "Which school?", "What is happening?", "Can we reach you?"):
        assert later not in body, later  # each on its own screen (screens: test_report_form_screens)
    assert "data-quick-exit" in body
    assert "<title>Safe Schools Partnership</title>" in body
    assert response["Cache-Control"].startswith("no-store")
    assert "noindex" in response["X-Robots-Tag"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_student_submits_a_tip_and_gets_a_receipt(client, tip_post, officer_olsen, principal_park):
    response = client.post(URL, tip_post())
    assert response.status_code == 200
    receipt = receipt_in(response)
    assert receipts.normalize(receipt) is not None
    tip = Tip.objects.get()
    assert tip.receipt_hash == receipts.receipt_hash(receipt)
    assert tip.description == "A group keeps shoving a sixth grader into the lockers."
    assert tip.location == "Hallway by the gym"
    assert tip.when == "today" and not tip.danger_now and not tip.is_life_safety
    assert tip.contact_details == ""
    assert set(Routing.objects.values_list("agency__name", flat=True)) == {
        "Clayton School District",
        "Clayton Police Department",
    }
    assert Notification.objects.filter(tip=tip).count() == 2
    assert AuditEvent.objects.filter(action="tip.submitted").count() == 1
    body = response.content.decode()
    assert "It is the only way back" in body or "only way back" in body
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"].startswith("no-store")


@pytest.mark.django_db
def test_danger_now_marks_life_safety_and_repeats_call_911(client, tip_post):
    response = client.post(URL, tip_post(danger_now="yes"))
    tip = Tip.objects.get()
    assert tip.danger_now and tip.is_life_safety
    assert "call 911 now" in response.content.decode()


@pytest.mark.django_db
def test_not_sure_school_goes_to_coordinators(client, tip_post, partnership_office):
    client.post(URL, tip_post(school="none"))
    assert list(Routing.objects.values_list("agency__name", flat=True)) == ["Safe Schools Partnership Office"]


@pytest.mark.django_db
def test_contact_details_kept_only_when_chosen(client, tip_post):
    client.post(URL, tip_post(contact_choice="anonymous", contact_details="555-0100"))
    assert Tip.objects.get().contact_details == ""
    client.post(URL, tip_post(contact_choice="contact", contact_details="555-0199"))
    assert Tip.objects.order_by("-id").first().contact_details == "555-0199"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category": ""}, "Choose what your concern is about."),
        ({"school": ""}, "Choose a school, or &#x27;Not sure, or somewhere else&#x27;."),
        ({"school": "999999"}, "Choose a school, or &#x27;Not sure, or somewhere else&#x27;."),
        ({"description": "   "}, "Tell us what is happening"),
        ({"danger_now": ""}, "Answer yes or no"),
        ({"when": "date", "when_date": ""}, "Give the date"),
        ({"when": "date", "when_date": "2999-01-01"}, "The date is in the future"),
        ({"contact_choice": "contact", "contact_details": ""}, "Add a phone number or e-mail"),
        ({"description": "x" * 5001}, "at most 5000 characters"),
        ({"description": "null\x00byte"}, "Null characters are not allowed."),
    ],
)
def test_errors_keep_everything_typed_and_say_what_to_fix(client, tip_post, overrides, message):
    data = tip_post(location="Cafeteria, table 4", people_involved="Tall kid in a red hoodie", **overrides)
    response = client.post(URL, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert 'id="error-summary"' in body
    # A typed answer is marked invalid; a question answered by buttons names its error.
    assert 'aria-invalid="true"' in body or re.search(r'aria-describedby="[^"]*error_1_id_\w+"', body)
    assert "Cafeteria, table 4" in body and "Tall kid in a red hoodie" in body
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_honeypot_filled_creates_nothing(client, tip_post):
    response = client.post(URL, tip_post(extra_notes="http://spam.example"))
    assert "Leave this field empty." in response.content.decode()
    assert Tip.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token_age", "message"),
    [(0, "That was very fast"), (3 * 3600, "This page was open for a long time")],
)
def test_token_too_fresh_or_too_old_keeps_the_text(client, tip_post, form_token, token_age, message):
    response = client.post(URL, tip_post(form_token=form_token(seconds_ago=token_age)))
    body = response.content.decode()
    assert message in body
    assert "A group keeps shoving a sixth grader" in body
    assert Tip.objects.count() == 0
    new_token = re.search(r'name="form_token" value="([^"]+)"', body).group(1)
    assert new_token != ""


@pytest.mark.django_db
def test_forged_token_is_refused(client, tip_post):
    response = client.post(URL, tip_post(form_token="forged:token"))
    assert "Something went wrong with the form" in response.content.decode()
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_double_submit_creates_one_tip_and_shows_the_same_receipt(client, tip_post):
    data = tip_post()
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert Tip.objects.count() == 1
    assert receipt_in(first) == receipt_in(second)
    assert Routing.objects.count() == 2


@pytest.mark.django_db
def test_database_failure_shows_crisis_page_and_no_receipt(client, tip_post, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("reports.intake.views.submit_tip", broken)
    response = client.post(URL, tip_post(description="Marker text for the crisis page"))
    body = response.content.decode()
    assert response.status_code == 503
    assert "Your report was not sent" in body
    assert 'href="tel:911"' in body and 'href="tel:988"' in body and "(314) 889-SAFE (7233)" in body
    assert "Marker text for the crisis page" in body  # they can copy it
    assert 'id="receipt-code"' not in body
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_rate_limit_gives_a_soft_answer_with_the_text(client, tip_post, settings):
    settings.TIP_SUBMIT_RATE = "2/m"
    for _ in range(2):
        assert client.post(URL, tip_post()).status_code == 200
    response = client.post(URL, tip_post(description="Third report from the same place"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Third report from the same place" in response.content.decode()
    assert Tip.objects.count() == 2


@pytest.mark.django_db
def test_tip_accepted_when_the_cache_is_unreachable(client, tip_post, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    response = client.post(URL, tip_post())
    assert response.status_code == 200
    assert Tip.objects.count() == 1
    assert "rate-limit cache unavailable" in caplog.text


@pytest.mark.django_db
def test_confirm_receipt_step(client, tip_post):
    receipt = receipt_in(client.post(URL, tip_post()))
    again = client.post(reverse("reports:confirm-receipt"), {"receipt": receipt})
    assert "Tick the box" in again.content.decode() and receipt in again.content.decode()
    done = client.post(reverse("reports:confirm-receipt"), {"receipt": receipt, "saved": "yes"})
    assert "Thank you" in done.content.decode()
    assert receipt not in done.content.decode()


@pytest.mark.django_db
def test_confirm_receipt_does_not_reflect_unknown_text(client):
    response = client.post(reverse("reports:confirm-receipt"), {"receipt": "<script>x</script>"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_confirm_receipt_answers_a_real_and_a_made_up_receipt_alike(client, tip_post):
    """SECURITY.md 11: the confirmation step is no oracle for receipts."""
    real = receipt_in(client.post(URL, tip_post()))
    made_up = "ABCD-FGHJ-MNPQ-RSTV"
    for saved in ({}, {"saved": "yes"}):
        answers = [client.post(reverse("reports:confirm-receipt"), {"receipt": r, **saved}) for r in (real, made_up)]
        assert answers[0].status_code == answers[1].status_code == 200
        pages = [_masked(a.content.decode(), r) for a, r in zip(answers, (real, made_up), strict=True)]
        assert pages[0] == pages[1]


def _masked(page: str, receipt: str) -> str:
    """The page with the receipt (whole and in groups) and the CSRF token blanked out."""
    for part in [receipt, *receipt.split("-")]:
        page = page.replace(part, "R")
    token = _csrf(page)
    return page.replace(token, "CSRF") if token else page


def _csrf(page: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = page.find(marker) + len(marker)
    return page[start : page.index('"', start)] if start >= len(marker) else ""


@pytest.mark.django_db
def test_confirm_receipt_is_throttled_with_the_check(client, settings):
    settings.RECEIPT_CHECK_RATE = "3/m"
    made_up = "ABCDE-FGHJK-MNPQR-STVWX-YZ012"
    for _ in range(3):
        client.post(reverse("reports:check"), {"receipt": made_up})
    response = client.post(reverse("reports:confirm-receipt"), {"receipt": made_up, "saved": "yes"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many tries" in response.content.decode()


@pytest.mark.django_db
def test_a_danger_receipt_keeps_its_911_banner_when_shown_again(client, tip_post):
    receipt = receipt_in(client.post(URL, tip_post(danger_now="yes")))
    again = client.post(reverse("reports:confirm-receipt"), {"receipt": receipt, "danger_now": "yes"})
    assert "call 911 now" in again.content.decode()


@pytest.mark.django_db
def test_lost_csrf_cookie_keeps_the_report_text(tip_post):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, tip_post(description="Text that must survive a CSRF failure"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Text that must survive a CSRF failure" in body
    assert "Your browser blocked part of the form" in body
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_csrf_failure_elsewhere_is_a_friendly_403(client):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/report/check/", {"receipt": "x"})
    assert response.status_code == 403
    assert 'href="tel:911"' in response.content.decode()


def _jpeg_with_gps() -> bytes:
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (38.0, 38.0, 0.0), 3: "W", 4: (90.0, 19.0, 0.0)}  # GPS
    exif[0x010F] = "MarkerCamera"
    out = BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"marker-comment")
    return out.getvalue()


@pytest.mark.django_db
def test_tip_with_a_photo_stores_it_clean(client, tip_post):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    photo = SimpleUploadedFile("IMG_2041.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(URL, {**tip_post(), "images": [photo]})
    assert response.status_code == 200 and 'id="receipt-code"' in response.content.decode()
    attachment = Tip.objects.get().attachments.get()
    assert attachment.content_type == "image/jpeg" and (attachment.width, attachment.height) == (40, 30)
    assert b"MarkerCamera" not in attachment.content and b"marker-comment" not in attachment.content
    assert not Image.open(BytesIO(attachment.content)).getexif()


@pytest.mark.django_db
def test_refused_file_is_named_and_the_text_is_kept(client, tip_post):
    from django.core.files.uploadedfile import SimpleUploadedFile

    svg = SimpleUploadedFile(
        "drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", content_type="image/svg+xml"
    )
    response = client.post(URL, {**tip_post(description="Keep this sentence please"), "images": [svg]})
    body = response.content.decode()
    assert "drawing.svg" in body
    assert "Keep this sentence please" in body
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_six_images_are_too_many(client, tip_post):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photos = [SimpleUploadedFile(f"p{n}.jpg", _jpeg_with_gps(), content_type="image/jpeg") for n in range(6)]
    response = client.post(URL, {**tip_post(), "images": photos})
    assert "up to 5 images" in response.content.decode()
    assert Tip.objects.count() == 0
