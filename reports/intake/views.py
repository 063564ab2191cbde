"""The tipster's side: report a concern, keep the receipt, come back to the conversation.

Every view here keeps SECURITY.md's anonymity promises: nothing about the client is stored
(rate limits see only an HMAC), responses are ``no-store`` and ``noindex``, POST bodies are
hidden from error reports, and the follow-up session is session-only with a short idle
limit. No view here calls ``authenticate()``, so django-axes never records a tipster.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.templatetags.partners import NOTICE_SLOT_CONTEXT, school_network_notice_for
from reports.intake import cards, decoy, follow_up, identifying, images, receipts, tokens
from reports.intake.forms import STEP_FIELDS, STEPS, CloseRequestForm, ReceiptForm, TipForm, TipsterMessageForm
from reports.intake.schools import matching
from reports.intake.services import TipReport, add_tipster_message, submit_tip
from reports.intake.told import Told, who_was_told
from reports.models import Message, Tip, this_hour
from safeschools import page_cache
from safeschools.cache import cached
from safeschools.ratelimit import limited, too_many
from safeschools.uploads import upload_refused

logger = logging.getLogger(__name__)
SESSION_TIP = "tipster_tip_id"
# A decoy code opened a harmless conversation (reports.intake.decoy): its id, and what was
# written in it (kept in the session only).
SESSION_DECOY = "tipster_decoy_id"
SESSION_DECOY_WRITTEN = "tipster_decoy_written"
SESSION_DECOY_CLOSE_REQUESTED = "tipster_decoy_close_requested"
# The tipster's idle clock (SECURITY.md 37): a signed, session-only cookie whose signature
# carries the time of their last request, so the server stores no time for it. Its value
# matches a random tag in the session, so it cannot outlive or cross into another session.
SESSION_TAG = "tipster_tag"
IDLE_COOKIE = "tipster_active"
IDLE_SALT = "reports.tipster-idle"


def tip_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Headers for every tipster page: never cached, never indexed, no POST in reports."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, max-age=0"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(sensitive_post_parameters()(wrapper))


def _crisis_page(request: HttpRequest, *, status: int, text: str = "") -> HttpResponse:
    """Shown when a tip could not be saved: no receipt, the help numbers, the typed text."""
    return render(
        request, "reports/not_sent.html", {"typed_text": text, "fallback": settings.FALLBACK_CONTACT}, status=status
    )


def _too_big_message() -> str:
    return _("Your pictures are too large together. Send at most %(count)d, each under %(size)d MB.") % {
        "count": settings.TIP_IMAGE_MAX_COUNT,
        "size": settings.TIP_IMAGE_MAX_BYTES // (1024 * 1024),
    }


def _fresh_form(data=None, files=None) -> TipForm:
    form = TipForm(data, files)
    if data is None:
        form.initial["form_token"] = tokens.issue()
    return form


def _blank_fields(request: HttpRequest, form: TipForm) -> str:
    """The blank form's fields, the same for everyone in a language: rendered once per
    generation of public content and kept in the shared cache (the signed form token and
    the CSRF token are rendered outside them, fresh for each request)."""
    # Named for the first screen: the whole form cached by releases before issue 14's
    # screens is never read again.
    key = f"tip-form-first-screen:{get_language()}:{page_cache.local_generation()}"
    return cached(key, lambda: render_crispy_form(form, context={"request": request}))


# The blank form page is rendered once per language, address and content generation with
# these slots and the CSRF slot (``page_cache.fill``), filled for each request.
FORM_TOKEN_SLOT = "tipformsignedtokenslot"  # noqa: S105 — a marker, not a secret
NOTICE_SLOT = "<!--tip-form:school-network-notice-->"


def _blank_page(request: HttpRequest) -> HttpResponse:
    """The blank form: the whole page from the shared cache, with a fresh CSRF token, a
    fresh signed form token and the school-network notice (which depends on the client's
    address) put in per request. A request with a query string or a pending message is
    rendered as usual."""
    if request.META.get("QUERY_STRING") or len(messages.get_messages(request)):
        form = _fresh_form()
        return render(request, "reports/form.html", {"form": form, "blank_fields": _blank_fields(request, form)})

    def context() -> dict[str, Any]:
        form = TipForm()
        form.initial["form_token"] = FORM_TOKEN_SLOT
        return {"form": form, "blank_fields": _blank_fields(request, form)}

    return _slotted_page(request, "tip-form-page", "reports/form.html", context, {FORM_TOKEN_SLOT: tokens.issue()})


def _slotted_page(
    request: HttpRequest, name: str, template: str, context: Callable[[], dict[str, Any]], values: dict[str, str]
) -> HttpResponse:
    """``template`` from the shared cache, rendered once per ``name``, language, address and
    content generation with slots where each request's values go: ``values`` (slot: value),
    the CSRF token and the school-network notice (it depends on the client's address)."""

    def render_page() -> str:
        blank = context() | {"csrf_token": page_cache.CSRF_SLOT, NOTICE_SLOT_CONTEXT: NOTICE_SLOT}
        return render_to_string(template, blank, request=request)

    where = f"{request.scheme}://{request.get_host()}{request.path}"
    page = cached(f"{name}:{get_language()}:{where}:{page_cache.local_generation()}", render_page)
    values = values | {page_cache.CSRF_SLOT: get_token(request), NOTICE_SLOT: school_network_notice_for(request)}
    return HttpResponse(page_cache.fill(page, values))


@tip_page
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _blank_page(request)
    step = request.POST.get("step")
    if step in STEPS and not (step == STEPS[-1] and request.POST.get("go") != "back"):
        wait = _screen_throttle(request)
        if wait:
            return too_many(_crisis_page(request, status=429, text=request.POST.get("description", "")), wait)
        return _walk(request, step)
    wait = limited(
        request, group="tip-submit", per_client=settings.TIP_SUBMIT_RATE, overall=settings.TIP_SUBMIT_RATE_OVERALL
    )
    if wait:
        return too_many(_crisis_page(request, status=429, text=request.POST.get("description", "")), wait)
    try:
        return _submit(request)
    except DatabaseError:
        logger.exception("tip could not be saved")
        return _crisis_page(request, status=503, text=request.POST.get("description", ""))


def _walk(request: HttpRequest, step: str) -> HttpResponse:
    """One screen of the form answered (or Back, or a school search): the next screen, or
    this one again with what to fix. Nothing is stored; nothing is counted against the
    submission limit (only sending is)."""
    data = _with_category(request.POST)
    go = data.get("go", "next")
    index = STEPS.index(step)
    if go == "back":
        about_again = step == "about" and data.get("card") and not data.get("category")
        target = step if about_again else STEPS[max(0, index - 1)]
        if about_again:
            data.pop("card")
        return _screen(request, TipForm(data, steps=(target,)).quiet())
    if go == "search":
        return _screen(request, TipForm(data, steps=(step,), school_query=data.get("school_q", "")[:100]).quiet())
    form = TipForm(data, steps=(step,))
    if step == "about" and data.get("card") and not data.get("category"):
        return _screen(request, form.quiet())  # the card's second question, not an error
    if form.quiet(keep=STEP_FIELDS[step]).errors_in(step):
        return _screen(request, form)
    return _screen(request, TipForm(data, steps=(STEPS[index + 1],)).quiet())


def _screen_throttle(request: HttpRequest) -> int:
    """The form's screens and its school search, counted together per client: the seconds
    to wait, or 0. Sending has its own limit (``report``)."""
    return limited(request, group="tip-form-screen", per_client=settings.TIP_FORM_SCREEN_RATE)


def _with_category(posted: QueryDict) -> QueryDict:
    """The answers so far, with the category a tapped card stands for: its one category,
    the one already chosen under it, or none yet (the short second question follows)."""
    data = posted.copy()
    for name, answer in (("when", Tip.When.UNKNOWN), ("contact_choice", "anonymous")):
        data.setdefault(name, answer)  # the answers chosen already when a screen first shows
    card = cards.find(data.get("card", ""))
    if card is not None and data.get("category") not in {str(c.pk) for c in card.categories}:
        data["category"] = str(card.categories[0].pk) if len(card.categories) == 1 else ""
    return data


def _screen(request: HttpRequest, form: TipForm, **context: Any) -> HttpResponse:
    return render(request, "reports/form.html", {"form": form, **context})


def _submit(request: HttpRequest) -> HttpResponse:
    data = _with_category(request.POST)
    form = TipForm(data, request.FILES, steps=("send",))
    token = tokens.check(request.POST.get("form_token", ""))
    if not isinstance(token, tokens.FormToken):
        return _resend(request, form, token)
    too_big = upload_refused(request)
    if not form.is_valid() or too_big:
        return _screen(request, _showing_errors(data, request.FILES, too_big=bool(too_big)))
    answers = form.cleaned_data
    found = _identifying(request, answers["description"], answers["location"], skip=answers["danger_now"])
    if found:
        return _screen(request, TipForm(data, steps=("what", "send")).quiet(), identify_findings=found)
    clean_images, image_errors = images.sanitize_all(form.cleaned_data["images"])
    if image_errors:
        for error in image_errors:
            form.add_error("images", error)
        return _screen(request, form)
    submitted = submit_tip(
        report=TipReport(
            category=answers["category"],
            school=answers["school"],
            description=answers["description"],
            location=answers["location"],
            people_involved=answers["people_involved"],
            when=answers["when"],
            when_date=answers["when_date"],
            danger_now=answers["danger_now"],
            contact_details=answers["contact_details"],
            language=get_language() or "en",
            images=clean_images,
        ),
        receipt=token.receipt,
        form_token=token.value,
    )
    tip = submitted.tip
    told = submitted.told or who_was_told(tip)
    return _receipt_page(
        request, submitted.receipt, danger_now=tip.danger_now, check_soon=tip.is_life_safety, told=told
    )


def _showing_errors(data: QueryDict, files: Any = None, *, too_big: bool = False) -> TipForm:
    """The form refused on sending: the first screen with something to fix, with its errors
    (a browser that went screen by screen only meets the last screen's; a client that sent
    everything at once may meet any); the last screen when nothing is wrong with a field."""
    for step in STEPS:
        form = TipForm(data, files, steps=(step,))
        form.is_valid()
        if too_big:
            form.add_error("images", _too_big_message())
        if form.errors_in(step) or step == STEPS[-1]:
            break
    return form.quiet(keep=STEP_FIELDS[step])


@tip_page
@require_GET
def schools(request: HttpRequest) -> HttpResponse:
    """The schools matching what is typed in the form's school search, as the same buttons
    the server draws without JavaScript (report.js puts them in the form)."""
    wait = _screen_throttle(request)
    if wait:
        return too_many(HttpResponse(status=429), wait)  # report.js keeps the list it shows
    query = request.GET.get("q", "")[:100]
    context = {"query": query.strip(), "schools": matching(query), "chosen": ""}
    return render(request, "reports/partials/tip_form/school_results.html", context)


def _identifying(request: HttpRequest, *texts: str, skip: bool = False) -> list[identifying.Finding]:
    """The server's "could this identify you?" check, for a browser that did not run it
    (no JavaScript): what to point out before sending, or nothing. Never when someone is in
    danger now (speed first), nor when pictures were chosen (the page shown again could not
    keep them); never again once the student chose to send as it is. Nothing is kept."""
    if skip or request.FILES or "1" in request.POST.getlist("identify_checked"):
        return []
    return identifying.find(*texts)


def _receipt_page(
    request: HttpRequest,
    receipt: str,
    *,
    danger_now: bool,
    check_soon: bool,
    told: Told | None = None,
    **extra,
) -> HttpResponse:
    """The receipt, and (right after the submission only) who was told: the confirmation
    step looks nothing up, so it cannot say it again (SECURITY.md 11). ``check_soon``:
    after a life-safety report, "check again in an hour" rather than "in a day or two".

    The page right after a submission (no ``extra``, no pending message) comes from the
    shared cache, rendered once per language, address, content generation and what it
    says (who was told, danger, check soon), with the receipt, the CSRF token and the
    school-network notice as slots filled for each request."""
    groups = receipt.split("-")
    context = {
        "receipt": receipt,
        "receipt_groups": groups,
        "danger_now": danger_now,
        "check_soon": check_soon,
        "told": told,
    }
    context |= extra
    if extra or len(messages.get_messages(request)):
        return render(request, "reports/receipt.html", context)
    slots = [RECEIPT_GROUP_SLOT + chr(ord("a") + i) for i in range(len(groups))]
    says = f"{int(danger_now)}{int(check_soon)}{len(groups)}:{_told_key(told)}"
    return _slotted_page(
        request,
        f"receipt-page:{says}",
        "reports/receipt.html",
        lambda: context | {"receipt": RECEIPT_SLOT, "receipt_groups": slots},
        dict(zip(slots, groups, strict=True)) | {RECEIPT_SLOT: receipt},
    )


# The receipt page's slots (letters only: ``page_cache.fill``). A receipt is our own
# Crockford base32 and hyphens: nothing in it needs escaping.
RECEIPT_SLOT = "tipreceiptwholeslot"
RECEIPT_GROUP_SLOT = "tipreceiptgroupslot"


def _told_key(told: Told | None) -> str:
    """What a receipt page says about who was told, as part of its cache key (the help
    lines' names and numbers are public content: a change starts a new generation)."""
    if told is None:
        return "-"
    flags = "".join(str(int(getattr(told, name))) for name in Told.FLAGS)
    return f"{flags}:{','.join(str(agency.pk) for agency in told.help_lines)}"


def _resend(request: HttpRequest, form: TipForm, problem: tokens.TokenProblem) -> HttpResponse:
    """A token that is missing, forged, too fresh or too old: show the form again with a
    new token and everything typed, and say what to do. Nothing is stored."""
    data = _with_category(request.POST)
    data["form_token"] = tokens.issue()
    form = _showing_errors(data)  # field errors too, so one round trip fixes everything
    notice = {
        tokens.TokenProblem.EXPIRED: _("This page was open for a long time. Check your report and send it again."),
        tokens.TokenProblem.TOO_FAST: _("That was very fast. Check your report and send it again."),
        tokens.TokenProblem.INVALID: _("Something went wrong with the form. Check your report and send it again."),
    }[problem]
    return render(request, "reports/form.html", {"form": form, "notice": notice, "reattach_images": True})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A lost CSRF cookie (privacy mode, a long-open page) must not lose a student's
    report: the tip form comes back with everything typed and a fresh token."""
    if request.method == "POST" and request.path_info.rstrip("/").endswith("/report"):
        data = _with_category(request.POST)
        data["form_token"] = tokens.issue()
        form = _showing_errors(data)
        notice = _("Your browser blocked part of the form. Everything you typed is below: check it and send again.")
        response = render(request, "reports/form.html", {"form": form, "notice": notice, "reattach_images": True})
        return tip_page(lambda r: response)(request)
    return render(request, "403_csrf.html", {"fallback": settings.FALLBACK_CONTACT}, status=403)


def _receipt_throttle(request: HttpRequest) -> int:
    """Receipt checks and receipt confirmations share one count (SECURITY.md 11)."""
    return limited(
        request,
        group="receipt-check",
        per_client=settings.RECEIPT_CHECK_RATE,
        overall=settings.RECEIPT_CHECK_RATE_OVERALL,
    )


def _throttled_check(request: HttpRequest, wait: int) -> HttpResponse:
    return too_many(render(request, "reports/check.html", {"form": ReceiptForm(), "throttled": True}), wait)


@tip_page
@require_POST
def confirm_receipt(request: HttpRequest) -> HttpResponse:
    """The 'I saved my receipt' step, which works without JavaScript: unconfirmed, the
    receipt is shown again. It looks nothing up, so it answers a real, a wrong and a purged
    receipt alike and cannot be used to test receipts; it is throttled with the check."""
    wait = _receipt_throttle(request)
    if wait:
        return _throttled_check(request, wait)
    symbols = receipts.normalize(request.POST.get("receipt", ""))
    if symbols is None:  # not even the shape of a receipt: nothing to show again
        return redirect("reports:check")
    danger_now, check_soon = request.POST.get("danger_now") == "yes", request.POST.get("check_soon") == "yes"
    if request.POST.get("saved") != "yes":
        shown = receipts.format_receipt(symbols)
        return _receipt_page(request, shown, danger_now=danger_now, check_soon=check_soon, confirm_error=True)
    return render(request, "reports/thanks.html", {"check_soon": check_soon})


@tip_page
@require_POST
def take_decoy(request: HttpRequest) -> HttpResponse:
    """The receipt page's "decoy code" button: the receipt page again, with the code. It
    answers a receipt that opens nothing the same way (see ``decoy.take``), and is
    throttled with the receipt check."""
    wait = _receipt_throttle(request)
    if wait:
        return _throttled_check(request, wait)
    code = decoy.take(request.POST.get("receipt", ""))
    if code is None:
        return redirect("reports:check")
    return _receipt_page(
        request,
        receipts.format_receipt(receipts.normalize(request.POST["receipt"]) or ""),
        danger_now=request.POST.get("danger_now") == "yes",
        check_soon=request.POST.get("check_soon") == "yes",
        decoy_code=code,
        decoy_code_groups=code.split("-"),
    )


@tip_page
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Open a tip with its receipt, or the decoy conversation with a decoy code: the same
    work and the same answer for either (SECURITY.md 46). Wrong, unknown and purged
    receipts get one answer."""
    form = ReceiptForm(request.POST or None)
    if request.method == "POST":
        wait = _receipt_throttle(request)
        if wait:
            return _throttled_check(request, wait)
        if form.is_valid():
            opened = decoy.open_with(form.cleaned_data["receipt"])
            if opened is not None:
                return _keep_alive(request, redirect("reports:conversation"), opened=opened)
            form.add_error(
                "receipt", _("We could not open a report with that receipt. Check each character and try again.")
            )
    return render(request, "reports/check.html", {"form": form})


def _keep_alive(request: HttpRequest, response: HttpResponse, *, opened: decoy.Opened | None = None) -> HttpResponse:
    """Start (with what a code ``opened``: a tip, or a decoy conversation) or continue the
    tipster's follow-up session and its idle clock.

    A new one starts from an empty session (SECURITY.md 42): whatever the browser held
    before, a staff sign-in, another tip or a decoy, does not come along. The session cookie
    ends with the browser; the idle clock is the signed cookie's own timestamp."""
    if opened is not None:
        request.session.flush()
        request.session[SESSION_TIP] = opened.tip_id
        request.session[SESSION_DECOY] = opened.decoy_id
        request.session[SESSION_TAG] = secrets.token_urlsafe(16)
        request.session.set_expiry(0)  # a cookie that ends with the browser
    response.set_signed_cookie(
        IDLE_COOKIE,
        request.session[SESSION_TAG],
        salt=IDLE_SALT,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _end_follow_up(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    request.session.flush()
    response.delete_cookie(IDLE_COOKIE, samesite="Strict")
    return response


def _still_active(request: HttpRequest) -> bool:
    """Whether this browser's follow-up session is within its idle limit."""
    tag = request.get_signed_cookie(IDLE_COOKIE, None, salt=IDLE_SALT, max_age=settings.TIPSTER_IDLE_SECONDS)
    return tag is not None and secrets.compare_digest(tag, request.session.get(SESSION_TAG, ""))


def _tipster_tip(request: HttpRequest) -> Tip | None:
    """The tip this browser session opened with a receipt, unless the session went idle."""
    tip_id = request.session.get(SESSION_TIP)
    if tip_id is None or not _still_active(request):
        return None
    return Tip.objects.filter(pk=tip_id).first()


def _conversation_page(
    request: HttpRequest,
    *,
    form: TipsterMessageForm,
    wait: int = 0,
    close_form: CloseRequestForm | None = None,
    **context: Any,
) -> HttpResponse:
    """The follow-up page, for a real report or a decoy alike (SECURITY.md 46)."""
    context |= {"form": form, "close_form": close_form or CloseRequestForm()}
    page = render(request, "reports/conversation.html", context)
    return _keep_alive(request, too_many(page, wait) if wait else page)


def _too_many_messages(form: TipsterMessageForm) -> None:
    form.is_valid()
    form.add_error(
        None,
        _(
            "You have sent several messages in a short time. Wait a few minutes, then send this one: what you wrote is still here."
        ),
    )


@tip_page
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest) -> HttpResponse:
    if request.session.get(SESSION_DECOY) is not None:
        return _decoy_conversation(request)
    tip = _tipster_tip(request)
    if tip is None:
        messages.info(request, _("For your privacy, enter your receipt again."))
        return _end_follow_up(request, redirect("reports:check"))
    form = TipsterMessageForm(request.POST or None, request.FILES or None)
    wait = _message_throttle(request, f"tip:{tip.pk}") if request.method == "POST" else 0
    found: list[identifying.Finding] = []
    if wait:
        _too_many_messages(form)
    elif request.method == "POST":
        sent, found = _reply(request, tip, form)
        if sent is not None:
            return _keep_alive(request, sent)
    return _conversation_page(request, form=form, wait=wait, identify_findings=found, **_shown_for_tip(tip))


def _shown_for_tip(tip: Tip) -> dict[str, Any]:
    """What the follow-up page shows of a real report."""
    return {
        "status": follow_up.status(tip),
        "entries": follow_up.entries(tip),
        "check_soon": tip.is_life_safety and tip.state != Tip.State.DONE,
        "close_requested": tip.close_requested,
    }


def _shown_for_decoy(request: HttpRequest, decoy_id: int) -> dict[str, Any]:
    """What the follow-up page shows for a decoy code: an ordinary report, with what was
    written here (kept in this browser's session only)."""
    written = [tuple(w) for w in request.session.get(SESSION_DECOY_WRITTEN, [])]
    shown = decoy.conversation(decoy_id, written=written)
    return {
        "status": shown.status,
        "entries": shown.entries,
        "check_soon": False,
        "close_requested": request.session.get(SESSION_DECOY_CLOSE_REQUESTED, False),
    }


def _decoy_conversation(request: HttpRequest) -> HttpResponse:
    """What a decoy code opens: to whoever holds the phone, an ordinary report, through the
    same steps as a real one. What is written here stays in this browser's session."""
    if not _still_active(request):
        messages.info(request, _("For your privacy, enter your receipt again."))
        return _end_follow_up(request, redirect("reports:check"))
    decoy_id = request.session[SESSION_DECOY]
    form = TipsterMessageForm(request.POST or None, request.FILES or None)
    wait = _message_throttle(request, f"decoy:{decoy_id}") if request.method == "POST" else 0
    found: list[identifying.Finding] = []
    if wait:
        _too_many_messages(form)
    elif request.method == "POST" and not upload_refused(request) and form.is_valid():
        found = _identifying(request, form.cleaned_data["body"])
        if not found:
            written = request.session.get(SESSION_DECOY_WRITTEN, [])[-4:]
            request.session[SESSION_DECOY_WRITTEN] = [*written, (form.cleaned_data["body"], this_hour().isoformat())]
            messages.success(request, _("Sent. Staff will see your message."))
            return _keep_alive(request, redirect("reports:conversation"))
    return _conversation_page(
        request, form=form, wait=wait, identify_findings=found, **_shown_for_decoy(request, decoy_id)
    )


def _message_throttle(request: HttpRequest, item: str) -> int:
    """Follow-ups are limited per client and per tip (SECURITY.md 39): one receipt cannot
    flood the staff handling the tip, from one browser or from many."""
    return limited(
        request,
        group="tipster-message",
        per_client=settings.TIPSTER_MESSAGE_RATE,
        overall=settings.TIPSTER_MESSAGE_RATE_OVERALL,
        item=item,
        per_item=settings.TIPSTER_MESSAGE_RATE_PER_TIP,
    )


def _reply(
    request: HttpRequest, tip: Tip, form: TipsterMessageForm
) -> tuple[HttpResponse | None, list[identifying.Finding]]:
    """Store the tipster's message and redirect; or leave the reasons on ``form``, or what
    could identify them (a browser without JavaScript), and return no response."""
    if upload_refused(request):
        form.is_valid()
        form.add_error("images", _too_big_message())
        return None, []
    if not form.is_valid():
        return None, []
    found = _identifying(request, form.cleaned_data["body"])
    if found:
        return None, found
    clean_images, image_errors = images.sanitize_all(form.cleaned_data["images"])
    for error in image_errors:
        form.add_error("images", error)
    if image_errors:
        return None, []
    add_tipster_message(tip=tip, body=form.cleaned_data["body"], images=clean_images)
    messages.success(request, _("Sent. Staff will see your message."))
    return redirect("reports:conversation"), []


@tip_page
@require_POST
def ask_to_close(request: HttpRequest) -> HttpResponse:
    """The tipster asks staff to close the report ("I was wrong"). Staff decide, agency by
    agency; the tipster's status changes only when they have. A decoy code's page takes the
    request the same way and keeps it in this browser's session only (SECURITY.md 46)."""
    decoy_id = request.session.get(SESSION_DECOY)
    tip = None if decoy_id is not None else _tipster_tip(request)
    if not _still_active(request) or (tip is None and decoy_id is None):
        messages.info(request, _("For your privacy, enter your receipt again."))
        return _end_follow_up(request, redirect("reports:check"))
    page = redirect("reports:conversation")
    wait = _message_throttle(request, f"decoy:{decoy_id}" if tip is None else f"tip:{tip.pk}")
    form = CloseRequestForm(request.POST)
    if wait:
        messages.warning(
            request, _("You have sent several messages in a short time. Wait a few minutes, then ask again.")
        )
        return _keep_alive(request, too_many(page, wait))
    if not form.is_valid():
        return _keep_alive(request, page)
    # What could identify them, for a browser that did not check as they typed: the page
    # again, their words kept, with what was found beside the request (real or decoy alike).
    found = _identifying(request, form.cleaned_data["reason"])
    if found:
        shown = _shown_for_tip(tip) if tip is not None else _shown_for_decoy(request, request.session[SESSION_DECOY])
        return _conversation_page(
            request, form=TipsterMessageForm(), close_form=form, close_identify_findings=found, **shown
        )
    if tip is None:
        request.session[SESSION_DECOY_CLOSE_REQUESTED] = True
    else:
        add_tipster_message(tip=tip, body=form.cleaned_data["reason"], kind=Message.Kind.CLOSE_REQUEST)
    messages.success(request, _("Thank you for telling us. Staff will see your request and decide."))
    return _keep_alive(request, page)


@tip_page
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """End the follow-up: the whole session goes (SECURITY.md 42), the idle cookie with it."""
    response = _end_follow_up(request, redirect("reports:check"))
    messages.info(request, _("You have left your report. Use your receipt to come back."))
    return response
