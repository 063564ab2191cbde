"""Decoy codes (SECURITY.md 46): a student who may be forced to show their reports takes a
decoy code on the receipt page; entered like a receipt, it opens a harmless conversation
that cannot be told from a real one by its format, its timing or its layout, and it
quietly marks the real tip's timeline."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from reports.intake import decoy, receipts
from reports.models import DecoyCode, Message, Tip
from reports.triage.actions import message_tipster
from safeschools.models import AuditEvent

CHECK = "/report/check/"
CONVERSATION = "/report/conversation/"
TAKE = "/report/receipt/decoy/"
SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


@pytest.fixture
def sent(make_tip, clayton_high, officer_olsen):
    """A Clayton tip whose staff asked a question the student would not want seen."""
    submitted = make_tip(school=clayton_high, description="My stepdad hits me when he drinks.")
    message_tipster(tip=submitted.tip, author=officer_olsen, agency=None, body="Are you safe at home tonight?")
    return submitted


def take(client: Client, receipt: str) -> str:
    response = client.post(TAKE, {"receipt": receipt, "danger_now": "no", "check_soon": "no"})
    assert response.status_code == 200
    return re.search(r'id="decoy-code"[^>]*>(.*?)</p>', response.content.decode()).group(1)


def code_of(html_fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", html_fragment)


@pytest.mark.django_db
def test_a_decoy_code_has_the_format_of_a_receipt_and_is_stored_only_hashed(client, sent):
    code = code_of(take(client, sent.receipt))

    assert SHAPE.fullmatch(code) and SHAPE.fullmatch(sent.receipt)
    assert code != sent.receipt
    assert code_of(take(client, sent.receipt.lower())) == code  # the same code every time
    stored = DecoyCode.objects.get()
    assert stored.tip_id == sent.tip.pk and stored.code_hash == receipts.receipt_hash(code)
    assert code not in str(list(DecoyCode.objects.values())) and code.replace("-", "") not in str(
        list(DecoyCode.objects.values())
    )


@pytest.mark.django_db
def test_taking_a_decoy_cannot_test_a_receipt(client, sent):
    """An unknown receipt gets a code of the same shape and the same page; that code opens
    nothing, and nothing is stored."""
    unknown = receipts.generate()

    real_page = client.post(TAKE, {"receipt": sent.receipt}).content.decode()
    unknown_page = client.post(TAKE, {"receipt": unknown}).content.decode()

    def skeleton(page: str) -> str:
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        return re.sub(r"[0-9A-Z]{4}(?:-(?:<wbr>)?(?:</span>)?(?:<span[^>]*>)?[0-9A-Z]{4}){3}", "CODE", page)

    assert SHAPE.search(code_of(unknown_page))
    assert DecoyCode.objects.count() == 1
    assert len(re.findall(r'class="receipt-group"', real_page)) == len(
        re.findall(r'class="receipt-group"', unknown_page)
    )
    unknown_code = code_of(re.search(r'id="decoy-code"[^>]*>(.*?)</p>', unknown_page).group(1))
    assert client.post(CHECK, {"receipt": unknown_code}).status_code == 200  # "could not open"
    assert skeleton(real_page).count("CODE") == skeleton(unknown_page).count("CODE")


@pytest.mark.django_db
def test_the_decoy_opens_a_harmless_conversation_and_quietly_marks_the_real_tip(client, sent):
    code = code_of(take(client, sent.receipt))

    opened = client.post(CHECK, {"receipt": code.lower()})
    page = client.get(CONVERSATION).content.decode()

    assert opened.status_code == 302 and opened["Location"] == CONVERSATION
    assert "Are you safe at home" not in page and "stepdad" not in page
    assert any(str(asked) in page.replace("&#x27;", "'") for asked, _answer in decoy.STORIES)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DECOY_USED)
    assert event.tip_id == sent.tip.pk and event.actor_id is None
    assert (event.at.minute, event.at.second, event.at.microsecond) == (0, 0, 0)  # the hour only
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TIPSTER_OPENED).exists()


@pytest.mark.django_db
def test_staff_see_that_the_decoy_was_used(client, sent, officer_olsen, login_verified):
    client.post(CHECK, {"receipt": code_of(take(client, sent.receipt))})
    staff = Client()
    login_verified(staff, officer_olsen)

    page = staff.get(f"/staff/tips/{sent.tip.pk}/").content.decode()

    assert 'id="decoy-used"' in page and "decoy code was used" in page
    assert "Decoy code used: the tipster may be under pressure" in page  # on the timeline


@pytest.mark.django_db
def test_the_decoy_story_evolves_like_a_real_report(client, sent):
    code = code_of(take(client, sent.receipt))
    client.post(CHECK, {"receipt": code})
    first = client.get(CONVERSATION).content.decode()
    assert "Received" in first and "From the staff handling your report" not in first

    with time_machine.travel(timezone.now() + timedelta(days=2)):
        client.post(CHECK, {"receipt": code})
        later = client.get(CONVERSATION).content.decode()
    assert "Staff finished their work on this. Thank you." in later
    assert "From the staff handling your report" in later


@pytest.mark.django_db
def test_what_is_written_in_a_decoy_stays_in_the_browser_session(client, sent):
    client.post(CHECK, {"receipt": code_of(take(client, sent.receipt))})
    before = (Message.objects.count(), AuditEvent.objects.count())

    response = client.post(CONVERSATION, {"body": "Never mind, it is fixed now."})

    assert response.status_code == 302
    page = client.get(CONVERSATION).content.decode()
    assert "Sent. Staff will see your message." in page and "Never mind, it is fixed now." in page
    assert (Message.objects.count(), AuditEvent.objects.count()) == before
    assert "Never mind" not in str(list(Message.objects.values_list("pk", flat=True)))


@pytest.mark.django_db
def test_the_decoy_goes_with_the_tip_at_purge(client, sent):
    code = code_of(take(client, sent.receipt))
    Tip.objects.filter(pk=sent.tip.pk).delete()

    assert not DecoyCode.objects.exists()
    assert "We could not open a report" in client.post(CHECK, {"receipt": code}).content.decode()


@pytest.mark.django_db
def test_decoy_codes_are_throttled_with_receipt_checks(client, sent, settings):
    settings.RECEIPT_CHECK_RATE = "2/m"
    take(client, sent.receipt)
    client.post(CHECK, {"receipt": "0000-0000-0000-0000"})

    assert client.post(TAKE, {"receipt": sent.receipt}).status_code == 429


# --- Layout: the same page ---------------------------------------------------------------


class _Skeleton(HTMLParser):
    """The page's elements with their attributes, without any text: its layout."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        keep = sorted((k, v) for k, v in attrs if k not in {"value"})
        self.tags.append((tag, tuple(keep)))

    def handle_endtag(self, tag):
        self.tags.append(("/" + tag,))


def _skeleton(html: str) -> list[tuple]:
    parser = _Skeleton()
    parser.feed(html)
    return parser.tags


@pytest.mark.django_db
def test_a_decoy_conversation_has_the_layout_of_a_real_one(make_tip, clayton_high):
    """A real report where the student added one message, and a fresh decoy (which shows
    one message of the student's too): element for element, the same page."""
    real = make_tip(school=clayton_high)
    other = make_tip(school=clayton_high)
    from reports.intake.services import add_tipster_message

    add_tipster_message(tip=real.tip, body="It happened again today.")
    real_client, decoy_client = Client(), Client()
    real_client.post(CHECK, {"receipt": real.receipt})
    decoy_client.post(CHECK, {"receipt": code_of(take(decoy_client, other.receipt))})

    real_page = real_client.get(CONVERSATION)
    decoy_page = decoy_client.get(CONVERSATION)

    assert real_page.status_code == decoy_page.status_code == 200
    assert _skeleton(real_page.content.decode()) == _skeleton(decoy_page.content.decode())
    assert {k: v for k, v in real_page.items() if k != "Content-Length"} == {
        k: v for k, v in decoy_page.items() if k != "Content-Length"
    }


# --- Timing: the same work ----------------------------------------------------------------


def _auc(a: list[int], b: list[int]) -> float:
    """P(a sample of ``a`` is slower than one of ``b``), ties counted half (Mann-Whitney)."""
    ranked = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average = (i + j + 1) / 2
        rank_sum += average * sum(1 for k in range(i, j) if ranked[k][1] == 0)
        i = j
    return (rank_sum - len(a) * (len(a) + 1) / 2) / (len(a) * len(b))


def _interleaved(real_client: Client, receipt: str, decoy_client: Client, code: str) -> tuple[float, str]:
    """200 openings of each, interleaved (the order alternating): the rank statistic, and
    both medians for the message."""
    real, decoyed = [], []
    for i in range(200):
        order = [(real_client, receipt, real), (decoy_client, code, decoyed)]
        for client, typed, samples in order if i % 2 else reversed(order):
            started = time.perf_counter_ns()
            response = client.post(CHECK, {"receipt": typed})
            samples.append(time.perf_counter_ns() - started)
            assert response.status_code == 302 and response["Location"] == CONVERSATION
    auc = _auc(real, decoyed)
    real.sort(), decoyed.sort()
    return auc, f"rank statistic {auc:.3f}; medians {real[100] / 1e6:.2f} ms vs {decoyed[100] / 1e6:.2f} ms"


@pytest.mark.django_db
def test_opening_a_decoy_takes_as_long_as_opening_a_receipt(sent, settings):
    """200 openings of each, interleaved: neither is measurably slower. Under no difference
    the rank statistic is 0.5 with a standard error of 0.03; a few percent of systematic
    difference in time puts it far outside 0.5 ± 0.1 (one extra query: 0.18).

    On a shared machine one measurement in ten or so lands just outside with medians 1 %
    apart (0.35-0.39, seen in CI after a thousand other tests): the machine, not the code.
    So up to three measurements are taken, and one inside the bounds passes; a real
    difference puts all three outside."""
    settings.RECEIPT_CHECK_RATE = "100000/m"
    settings.RECEIPT_CHECK_RATE_OVERALL = "100000/m"
    code = code_of(take(Client(), sent.receipt))
    real_client, decoy_client = Client(), Client()
    for client, typed in ((real_client, sent.receipt), (decoy_client, code)):  # warm up
        for _ in range(20):
            client.post(CHECK, {"receipt": typed})
    measured = []
    for _ in range(3):
        auc, summary = _interleaved(real_client, sent.receipt, decoy_client, code)
        measured.append(summary)
        if 0.4 < auc < 0.6:
            break
    assert 0.4 < auc < 0.6, "; ".join(measured)
