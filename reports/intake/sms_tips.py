"""Text-a-tip: a student texts the site's number, and the thread becomes a tip.

The webhook (``reports.sms_inbound``) has checked the provider's signature, made sure the
message is handled once, found that the sender is not a staff member, and fetched and
cleaned any pictures (``fetch_pictures``). Then:

- The first text from a number (that is not a keyword) becomes a tip: category "Something
  else", no school, so it goes to the coordinators, who re-route it. It is a life-safety
  tip when the words say so (a weapon, a threat, self-harm: ``URGENT``), because a text
  cannot be asked the form's danger question. The answer explains, in the thread's
  language, that no name is needed and staff never see the number, and gives 911 and 988.
- Later texts are messages on that tip, exactly like the follow-up page's; pictures sent by
  MMS went through the same image sanitiser as uploads.
- "ES" (or "ESPAÑOL") switches the thread to Spanish, "EN" back to English; before there
  is a thread the choice waits an hour in the cache under the number's keyed hash.
- STOP (and its carrier synonyms) stops every text to the number until START; HELP (or
  AYUDA) answers with what this is, the numbers to call and how to stop (CTIA).

The number is stored only encrypted in ``TextingTipster`` with a keyed hash to find it
again, never logged, never shown to staff, and erased after the tip is closed
(``reports.retention``). Nothing here logs what a tipster wrote.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.models import SiteSettings
from reports.intake import images, receipts
from reports.intake.services import CleanImage, TipReport, add_tipster_message, submit_tip
from reports.models import Category, TextingTipster
from safeschools import sms

logger = logging.getLogger(__name__)

CATEGORY = "Something else"
SPANISH_WORDS = frozenset({"ES", "ESPAÑOL", "ESPANOL", "SPANISH"})
ENGLISH_WORDS = frozenset({"EN", "ENGLISH", "INGLÉS", "INGLES"})
HELP_WORDS = sms.HELP_WORDS | {"AYUDA"}
STOP_WORDS = sms.STOP_WORDS | {"PARAR", "CANCELAR"}
START_WORDS = sms.START_WORDS | {"REANUDAR"}
LANGUAGE_WAITS = 3600  # seconds a language chosen before the first report is remembered
PICTURE_SECONDS = 8  # all pictures of one text, so the webhook answers within Twilio's 15 s
# Words that make a text a life-safety tip (English and Spanish, whole words).
URGENT = re.compile(
    r"\b(guns?|pistols?|rifles?|knife|knives|weapons?|shoot\w*|shot|bomb\w*|kill\w*|stab\w*|"
    r"suicid\w*|hurt (?:myself|himself|herself|themselves)|end (?:my|his|her) life|"
    r"armas?|pistolas?|cuchillos?|navajas?|dispar\w*|tiroteo|bombas?|matar\w*|suicid\w*|"
    r"apuñal\w*|quitarme la vida)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Media:
    """A picture of an MMS as the webhook names it."""

    url: str
    content_type: str


@dataclass
class Pictures:
    """The pictures of one text, cleaned, and how many could not be used."""

    images: list[CleanImage] = field(default_factory=list)
    refused: int = 0


def number_index(number: str) -> str:
    """The keyed hash a texting tipster's number is found by (never the number itself)."""
    return hmac.new(settings.PHONE_INDEX_KEY.encode(), f"tipster:{number}".encode(), hashlib.sha256).hexdigest()


def fetch_pictures(media: list[Media]) -> Pictures:
    """Fetch the pictures of an MMS from the provider and pass each through the same
    sanitiser as uploads (``reports.intake.images``): only re-encoded pixels are kept. What
    is not an image, does not arrive in time, or is refused by the sanitiser is counted."""
    pictures = Pictures()
    deadline = time.monotonic() + PICTURE_SECONDS
    for number, item in enumerate(media, start=1):
        usable = item.content_type.lower().startswith("image/")
        if not usable or len(pictures.images) >= settings.TIP_IMAGE_MAX_COUNT or time.monotonic() > deadline:
            pictures.refused += 1
            continue
        try:
            data, _type = sms.fetch_media(item.url, max_bytes=settings.TIP_IMAGE_MAX_BYTES)
            pictures.images.append(images.sanitize(data, name=f"picture {number}"))
        except (sms.SmsError, images.ImageRejected) as exc:
            logger.info("MMS picture %s not used: %s", number, type(exc).__name__)
            pictures.refused += 1
    return pictures


def receive(*, sender: str, body: str, pictures: Pictures | None = None) -> sms.Reply:
    """Act on one text from someone who is not staff. Runs in the webhook's transaction."""
    pictures = pictures or Pictures()
    number = sender.strip()
    if not number:
        return sms.Reply("no sender", None)
    index = number_index(number)
    thread = TextingTipster.objects.filter(number_index=index).select_related("tip").first()
    word = sms.keyword(body)
    if not pictures.images and not pictures.refused and word in KEYWORDS:
        return _keyword(word, body, thread, index)
    if thread is None:
        thread, created = _new_thread(number, index, body, pictures)
        if created:
            return sms.Reply("new tip", _in(thread.language, _welcome, pictures))
    return _follow_up(thread, body, pictures)


KEYWORDS = STOP_WORDS | START_WORDS | HELP_WORDS | SPANISH_WORDS | ENGLISH_WORDS


def _new_thread(number: str, index: str, body: str, pictures: Pictures) -> tuple[TextingTipster, bool]:
    """A new tip and its thread. Two first texts arriving at once: the second waits on the
    unique hash, finds the first's thread, and becomes a message on it."""
    language = _waiting_language(index)
    report = TipReport(
        category=_category(),
        school=None,
        description=body.strip(),
        language=language,
        images=pictures.images,
        life_safety=bool(URGENT.search(body)),
        channel="SMS",
    )
    try:
        with transaction.atomic():
            # A receipt nobody is shown: a texting tipster follows up by text.
            tip = submit_tip(report=report, receipt=receipts.generate(), form_token=secrets.token_hex(16)).tip
            row = TextingTipster.objects.create(tip=tip, number=number, number_index=index, language=language)
    except IntegrityError:
        return TextingTipster.objects.select_related("tip").get(number_index=index), False
    return row, True


def _follow_up(thread: TextingTipster, body: str, pictures: Pictures) -> sms.Reply:
    text = body.strip()
    if text or pictures.images:
        add_tipster_message(tip=thread.tip, body=text, images=pictures.images)
    if thread.stopped:  # they said STOP: the message is kept, but nothing is texted back
        return sms.Reply("message (texts stopped)", None)
    return sms.Reply("message", _in(thread.language, _added, pictures))


def _keyword(word: str, body: str, thread: TextingTipster | None, index: str) -> sms.Reply:
    language = thread.language if thread is not None else "en"
    if word in STOP_WORDS:
        if thread is not None:
            TextingTipster.objects.filter(pk=thread.pk).update(stopped=True)
        return sms.Reply("stop", _in(language, _stopped))
    if word in START_WORDS and thread is not None and thread.stopped:
        TextingTipster.objects.filter(pk=thread.pk).update(stopped=False)
        return sms.Reply("start", _in(language, _started))
    if word in SPANISH_WORDS or word in ENGLISH_WORDS:
        chosen = "es" if word in SPANISH_WORDS else "en"
        if thread is None:
            _remember_language(index, chosen)
            return sms.Reply("language", _in(chosen, _invitation))
        TextingTipster.objects.filter(pk=thread.pk).update(language=chosen)
        return sms.Reply("language", _in(chosen, _language_changed))
    if word in HELP_WORDS:
        return sms.Reply("help", _in("es" if word == "AYUDA" and thread is None else language, _help))
    # START or YES while texts are on: in a thread, an ordinary answer ("yes"), kept.
    if thread is not None:
        return _follow_up(thread, body, Pictures())
    return sms.Reply("start", _in(language, _invitation))


def _category() -> Category:
    category = Category.objects.filter(name=CATEGORY).first()
    if category is None:  # never lose a text for want of a category: make the catch-all
        category, _created = Category.objects.get_or_create(
            name=CATEGORY,
            defaults={
                "name_es": "Otra cosa",
                "description": "Anything else that makes you worried about someone's safety.",
                "description_es": "Cualquier otra cosa que te preocupe sobre la seguridad de alguien.",
            },
        )
    return category


def _waiting_language(index: str) -> str:
    try:
        return str(cache.get(f"sms-tipster-language:{index}") or "en")
    except Exception:
        logger.warning("cache unavailable reading a texting tipster's language", exc_info=True)
        return "en"


def _remember_language(index: str, language: str) -> None:
    try:
        cache.set(f"sms-tipster-language:{index}", language, LANGUAGE_WAITS)
    except Exception:
        logger.warning("cache unavailable keeping a texting tipster's language", exc_info=True)


# --- What is texted back (in the thread's language) ------------------------------------


def _in(language: str, compose: Callable[..., str], *args: Pictures) -> str:
    with translation.override(language):
        return compose(SiteSettings.current(), *args)


def _welcome(site: SiteSettings, pictures: Pictures) -> str:
    text = _(
        "%(org)s: we got your report. You do not have to give your name, and staff never see your number. "
        "Someone in danger now? Call 911. In crisis? Call or text 988. Staff may text you here."
    ) % {"org": site.organisation_name}
    text += " " + _("Para español, responde ES. Reply STOP to stop texts.")
    return text + _refused(pictures)


def _added(site: SiteSettings, pictures: Pictures) -> str:
    return _("%(org)s: added to your report. Thank you.") % {"org": site.organisation_name} + _refused(pictures)


def _refused(pictures: Pictures) -> str:
    if not pictures.refused:
        return ""
    return " " + ngettext(
        "%(count)d picture could not be added: send photos (JPEG, PNG or WebP), at most 5.",
        "%(count)d pictures could not be added: send photos (JPEG, PNG or WebP), at most 5.",
        pictures.refused,
    ) % {"count": pictures.refused}


def _invitation(site: SiteSettings) -> str:
    return _(
        "%(org)s: text us what is happening and at which school. You do not have to give your name, and "
        "staff never see your number. Someone in danger now? Call 911. In crisis? Call or text 988. "
        "Reply STOP to stop texts."
    ) % {"org": site.organisation_name}


def _language_changed(site: SiteSettings) -> str:
    return _("%(org)s: from now on we will text you in English. Reply STOP to stop texts.") % {
        "org": site.organisation_name
    }


def _stopped(site: SiteSettings) -> str:
    return _(
        "%(org)s: you will get no more texts from us. Text START to get staff replies again. "
        "Someone in danger? Call 911."
    ) % {"org": site.organisation_name}


def _started(site: SiteSettings) -> str:
    return _("%(org)s: texts are on again. Staff replies to your report will come here. Reply STOP to stop.") % {
        "org": site.organisation_name
    }


def _help(site: SiteSettings) -> str:
    return _(
        "%(org)s tip line: text what is happening; you do not have to give your name. Emergency: 911. "
        "Crisis: call or text 988. Hotline: %(hotline)s. Reply STOP to stop texts. Msg&data rates may apply."
    ) % {"org": site.organisation_name, "hotline": site.hotline_display}
