"""The tipster's side: report a concern, keep the receipt, come back to the conversation.

Every view here keeps SECURITY.md's anonymity promises: nothing about the client is stored
(rate limits see only an HMAC), responses are ``no-store`` and ``noindex``, POST bodies are
hidden from error reports, and the follow-up session is session-only with a short idle
limit. No view here calls ``authenticate()``, so django-axes never records a tipster.
"""

from __future__ import annotations

import logging
import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from reports.intake import decoy, follow_up, identifying, images, receipts, tokens
from reports.intake.forms import ReceiptForm, TipForm, TipsterMessageForm
from reports.intake.services import TipReport, add_tipster_message, find_tip_by_receipt, submit_tip
from reports.models import Tip, this_hour
from safeschools import page_cache
from safeschools.cache import cached
from safeschools.ratelimit import limited
from safeschools.uploads import upload_refused

logger = logging.getLogger(__name__)
SESSION_TIP = "tipster_tip_id"
SESSION_DECOY = "tipster_decoy_id"
SESSION_DECOY_WRITTEN = "tipster_decoy_written"
SESSION_SEEN = "tipster_seen_at"


def tip_page(view):
    """Headers for every tipster page: never cached, never indexed, no POST in reports."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
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
    key = f"tip-form-fields:{get_language()}:{page_cache.local_generation()}"
    return cached(
        key, lambda: render_to_string("reports/partials/tip_form_fields.html", {"form": form}, request=request)
    )


@tip_page
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = _fresh_form()
        return render(request, "reports/form.html", {"form": form, "blank_fields": _blank_fields(request, form)})
    if limited(
        request, group="tip-submit", per_client=settings.TIP_SUBMIT_RATE, overall=settings.TIP_SUBMIT_RATE_OVERALL
    ):
        return _crisis_page(request, status=429, text=request.POST.get("description", ""))
    try:
        return _submit(request)
    except DatabaseError:
        logger.exception("tip could not be saved")
        return _crisis_page(request, status=503, text=request.POST.get("description", ""))


def _submit(request: HttpRequest) -> HttpResponse:
    form = TipForm(request.POST, request.FILES)
    token = tokens.check(request.POST.get("form_token", ""))
    if not isinstance(token, tokens.FormToken):
        return _resend(request, form, token)
    too_big = upload_refused(request)
    if not form.is_valid() or too_big:
        if too_big:
            form.add_error("images", _too_big_message())
        return render(request, "reports/form.html", {"form": form}, status=200)
    data = form.cleaned_data
    found = _identifying(request, data["description"], data["location"], skip=data["danger_now"])
    if found:
        return render(request, "reports/form.html", {"form": form, "identify_findings": found})
    clean_images, image_errors = images.sanitize_all(form.cleaned_data["images"])
    if image_errors:
        for error in image_errors:
            form.add_error("images", error)
        return render(request, "reports/form.html", {"form": form}, status=200)
    submitted = submit_tip(
        report=TipReport(
            category=data["category"],
            school=data["school"],
            description=data["description"],
            location=data["location"],
            people_involved=data["people_involved"],
            when=data["when"],
            when_date=data["when_date"],
            danger_now=data["danger_now"],
            contact_details=data["contact_details"],
            language=get_language() or "en",
            images=clean_images,
        ),
        receipt=token.receipt,
        form_token=token.value,
    )
    return _receipt_page(request, submitted.receipt, submitted.tip)


def _identifying(request: HttpRequest, *texts: str, skip: bool = False) -> list[identifying.Finding]:
    """The server's "could this identify you?" check, for a browser that did not run it
    (no JavaScript): what to point out before sending, or nothing. Never when someone is in
    danger now (speed first), nor when pictures were chosen (the page shown again could not
    keep them); never again once the student chose to send as it is. Nothing is kept."""
    if skip or request.FILES or "1" in request.POST.getlist("identify_checked"):
        return []
    return identifying.find(*texts)


def _receipt_page(request: HttpRequest, receipt: str, tip: Tip, **extra) -> HttpResponse:
    context = {
        "receipt": receipt,
        "receipt_groups": receipt.split("-"),
        "danger_now": tip.danger_now,
        # After a life-safety report: "check again in an hour", not "in a day or two".
        "check_soon": tip.is_life_safety,
        **extra,
    }
    return render(request, "reports/receipt.html", context)


def _resend(request: HttpRequest, form: TipForm, problem: tokens.TokenProblem) -> HttpResponse:
    """A token that is missing, forged, too fresh or too old: show the form again with a
    new token and everything typed, and say what to do. Nothing is stored."""
    data = request.POST.copy()
    data["form_token"] = tokens.issue()
    form = TipForm(data)
    form.is_valid()  # show field errors too, so one round trip fixes everything
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
        data = request.POST.copy()
        data["form_token"] = tokens.issue()
        form = TipForm(data)
        form.is_valid()
        notice = _("Your browser blocked part of the form. Everything you typed is below: check it and send again.")
        response = render(request, "reports/form.html", {"form": form, "notice": notice, "reattach_images": True})
        return tip_page(lambda r: response)(request)
    return render(request, "403_csrf.html", {"fallback": settings.FALLBACK_CONTACT}, status=403)


@tip_page
@require_POST
def confirm_receipt(request: HttpRequest) -> HttpResponse:
    """The 'I saved my receipt' step, which works without JavaScript: unconfirmed, the
    receipt is shown again (only if it opens a tip, so this page reflects nothing else)."""
    receipt = request.POST.get("receipt", "")
    tip = find_tip_by_receipt(receipt)
    if tip is None:
        return redirect("reports:check")
    if request.POST.get("saved") != "yes":
        return _receipt_page(request, receipts.format_receipt(receipts.normalize(receipt)), tip, confirm_error=True)
    return render(request, "reports/thanks.html", {"check_soon": tip.is_life_safety})


def _receipt_throttled(request: HttpRequest) -> bool:
    """Receipt checks and decoy codes taken share one count (SECURITY.md 11)."""
    return limited(
        request,
        group="receipt-check",
        per_client=settings.RECEIPT_CHECK_RATE,
        overall=settings.RECEIPT_CHECK_RATE_OVERALL,
    )


@tip_page
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Open a tip with its receipt, or the decoy conversation with a decoy code: the same
    work and the same answer for either (SECURITY.md 46). Wrong, unknown and purged
    receipts get one answer."""
    form = ReceiptForm(request.POST or None)
    if request.method == "POST":
        if _receipt_throttled(request):
            return render(request, "reports/check.html", {"form": ReceiptForm(), "throttled": True}, status=429)
        if form.is_valid():
            opened = decoy.open_with(form.cleaned_data["receipt"])
            if opened is not None:
                # A fresh session: nothing from before (another report, a decoy) comes along.
                request.session.flush()
                request.session[SESSION_TIP] = opened.tip_id
                request.session[SESSION_DECOY] = opened.decoy_id
                request.session[SESSION_SEEN] = int(time.time())
                request.session.set_expiry(0)  # a cookie that ends with the browser
                return redirect("reports:conversation")
            form.add_error(
                "receipt", _("We could not open a report with that receipt. Check each character and try again.")
            )
    return render(request, "reports/check.html", {"form": form})


@tip_page
@require_POST
def take_decoy(request: HttpRequest) -> HttpResponse:
    """The receipt page's "decoy code" button: the receipt page again, with the code."""
    if _receipt_throttled(request):
        return render(request, "reports/check.html", {"form": ReceiptForm(), "throttled": True}, status=429)
    receipt = request.POST.get("receipt", "")
    code = decoy.take(receipt)
    if code is None:
        return redirect("reports:check")
    shown = receipts.format_receipt(receipts.normalize(receipt))
    context = {
        "receipt": shown,
        "receipt_groups": shown.split("-"),
        "decoy_code": code,
        "decoy_code_groups": code.split("-"),
        "danger_now": request.POST.get("danger_now") == "yes",
        "check_soon": request.POST.get("check_soon") == "yes",
    }
    return render(request, "reports/receipt.html", context)


def _still_active(request: HttpRequest) -> bool:
    """Whether this browser's follow-up session is still within its idle limit (and then
    keep it alive); an idle one is ended."""
    seen = request.session.get(SESSION_SEEN, 0)
    if time.time() - seen > settings.TIPSTER_IDLE_SECONDS:
        request.session.flush()
        return False
    request.session[SESSION_SEEN] = int(time.time())
    return True


def _tipster_tip(request: HttpRequest) -> Tip | None:
    """The tip this browser session opened with a receipt, unless the session went idle."""
    tip_id = request.session.get(SESSION_TIP)
    if tip_id is None or not _still_active(request):
        return None
    return Tip.objects.filter(pk=tip_id).first()


def _conversation_page(request: HttpRequest, *, status, entries, check_soon: bool, form, found=()) -> HttpResponse:
    context = {
        "status": status,
        "entries": entries,
        "check_soon": check_soon,
        "form": form,
        "identify_findings": found,
    }
    return render(request, "reports/conversation.html", context)


@tip_page
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest) -> HttpResponse:
    if request.session.get(SESSION_DECOY) is not None:
        return _decoy_conversation(request)
    tip = _tipster_tip(request)
    if tip is None:
        messages.info(request, _("For your privacy, enter your receipt again."))
        return redirect("reports:check")
    form = TipsterMessageForm(request.POST or None, request.FILES or None)
    found = []
    if request.method == "POST" and upload_refused(request):
        form.is_valid()
        form.add_error("images", _too_big_message())
    elif request.method == "POST" and form.is_valid():
        found = _identifying(request, form.cleaned_data["body"])
        clean_images, image_errors = ([], []) if found else images.sanitize_all(form.cleaned_data["images"])
        if not found and not image_errors:
            add_tipster_message(tip=tip, body=form.cleaned_data["body"], images=clean_images)
            messages.success(request, _("Sent. Staff will see your message."))
            return redirect("reports:conversation")
        for error in image_errors:
            form.add_error("images", error)
    entries = follow_up.entries(tip)
    check_soon = tip.is_life_safety and tip.status != Tip.Status.CLOSED
    return _conversation_page(
        request, status=follow_up.status(tip), entries=entries, check_soon=check_soon, form=form, found=found
    )


def _decoy_conversation(request: HttpRequest) -> HttpResponse:
    """What a decoy code opens: to whoever holds the phone, an ordinary report. What is
    written here is kept in this browser's session only, and shown back as sent."""
    if not _still_active(request):
        messages.info(request, _("For your privacy, enter your receipt again."))
        return redirect("reports:check")
    form = TipsterMessageForm(request.POST or None, request.FILES or None)
    valid = request.method == "POST" and not upload_refused(request) and form.is_valid()
    found = _identifying(request, form.cleaned_data["body"]) if valid else []
    if valid and not found:
        written = request.session.get(SESSION_DECOY_WRITTEN, [])[-4:]
        request.session[SESSION_DECOY_WRITTEN] = [*written, (form.cleaned_data["body"], this_hour().isoformat())]
        messages.success(request, _("Sent. Staff will see your message."))
        return redirect("reports:conversation")
    shown = decoy.conversation(
        request.session[SESSION_DECOY], written=[tuple(w) for w in request.session.get(SESSION_DECOY_WRITTEN, [])]
    )
    return _conversation_page(
        request, status=shown.status, entries=shown.entries, check_soon=False, form=form, found=found
    )


@tip_page
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    messages.info(request, _("You have left your report. Use your receipt to come back."))
    return redirect("reports:check")
