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

from reports.intake import images, receipts, tokens
from reports.intake.forms import CloseRequestForm, ReceiptForm, TipForm, TipsterMessageForm
from reports.intake.services import TipReport, add_tipster_message, find_tip_by_receipt, submit_tip
from reports.models import Message, Tip
from safeschools import page_cache
from safeschools.cache import cached
from safeschools.ratelimit import limited
from safeschools.uploads import upload_refused

logger = logging.getLogger(__name__)
SESSION_TIP = "tipster_tip_id"
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
    clean_images, image_errors = images.sanitize_all(form.cleaned_data["images"])
    if image_errors:
        for error in image_errors:
            form.add_error("images", error)
        return render(request, "reports/form.html", {"form": form}, status=200)
    data = form.cleaned_data
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


def _receipt_page(request: HttpRequest, receipt: str, tip: Tip, **extra) -> HttpResponse:
    context = {"receipt": receipt, "receipt_groups": receipt.split("-"), "tip": tip, **extra}
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
    return render(request, "reports/thanks.html", {"tip": tip})


@tip_page
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Open a tip with its receipt. Wrong, unknown and purged receipts get one answer."""
    form = ReceiptForm(request.POST or None)
    if request.method == "POST":
        if limited(
            request,
            group="receipt-check",
            per_client=settings.RECEIPT_CHECK_RATE,
            overall=settings.RECEIPT_CHECK_RATE_OVERALL,
        ):
            return render(request, "reports/check.html", {"form": ReceiptForm(), "throttled": True}, status=429)
        if form.is_valid():
            tip = find_tip_by_receipt(form.cleaned_data["receipt"])
            if tip is not None:
                request.session.cycle_key()
                request.session[SESSION_TIP] = tip.pk
                request.session[SESSION_SEEN] = int(time.time())
                request.session.set_expiry(0)  # a cookie that ends with the browser
                return redirect("reports:conversation")
            form.add_error(
                "receipt", _("We could not open a report with that receipt. Check each character and try again.")
            )
    return render(request, "reports/check.html", {"form": form})


def _tipster_tip(request: HttpRequest) -> Tip | None:
    """The tip this browser session opened with a receipt, unless the session went idle."""
    tip_id, seen = request.session.get(SESSION_TIP), request.session.get(SESSION_SEEN, 0)
    if tip_id is None:
        return None
    if time.time() - seen > settings.TIPSTER_IDLE_SECONDS:
        request.session.flush()
        return None
    request.session[SESSION_SEEN] = int(time.time())
    return Tip.objects.filter(pk=tip_id).first()


@tip_page
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest) -> HttpResponse:
    tip = _tipster_tip(request)
    if tip is None:
        messages.info(request, _("For your privacy, enter your receipt again."))
        return redirect("reports:check")
    form = TipsterMessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_refused(request):
        form.is_valid()
        form.add_error("images", _too_big_message())
    elif request.method == "POST" and form.is_valid():
        clean_images, image_errors = images.sanitize_all(form.cleaned_data["images"])
        if not image_errors:
            add_tipster_message(tip=tip, body=form.cleaned_data["body"], images=clean_images)
            messages.success(request, _("Sent. Staff will see your message."))
            return redirect("reports:conversation")
        for error in image_errors:
            form.add_error("images", error)
    thread = tip.messages.prefetch_related("attachments")
    context = {"tip": tip, "thread": thread, "form": form, "close_form": CloseRequestForm()}
    return render(request, "reports/conversation.html", context)


@tip_page
@require_POST
def ask_to_close(request: HttpRequest) -> HttpResponse:
    """The tipster asks staff to close the report ("I was wrong"). Staff decide, agency by
    agency; the tipster's status changes only when they have."""
    tip = _tipster_tip(request)
    if tip is None:
        messages.info(request, _("For your privacy, enter your receipt again."))
        return redirect("reports:check")
    form = CloseRequestForm(request.POST)
    if form.is_valid():
        add_tipster_message(tip=tip, body=form.cleaned_data["reason"], kind=Message.Kind.CLOSE_REQUEST)
        messages.success(request, _("Thank you for telling us. Staff will see your request and decide."))
    return redirect("reports:conversation")


@tip_page
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    messages.info(request, _("You have left your report. Use your receipt to come back."))
    return redirect("reports:check")
