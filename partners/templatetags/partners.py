from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.template import Context
from django.template.loader import render_to_string
from django.urls import translate_url
from django.utils.safestring import SafeString, mark_safe

from partners import markup, networks

register = template.Library()


@register.filter
def page_markup(source: str) -> SafeString:
    return markup.render(source or "")


@register.filter
def localized(instance, field: str) -> str:
    """``{{ page|localized:"title" }}``: the Spanish text on the Spanish site, if written."""
    return instance.localized(field)


def _hotline(context: Context, field: str, fallback_key: str) -> str:
    site = context.get("site")  # None when the database is down (the context processor)
    return getattr(site, field, "") or (context.get("fallback") or {}).get(fallback_key, "")


@register.simple_tag(takes_context=True)
def hotline_dial(context: Context) -> str:
    """The hotline for a ``tel:`` link: the site's number, else the fallback's (error pages
    and a database that is down render with the fallback alone, SECURITY.md 35)."""
    return _hotline(context, "hotline_number", "hotline_dial")


@register.simple_tag(takes_context=True)
def hotline_display(context: Context) -> str:
    """The hotline as shown, from the same place as ``hotline_dial``."""
    return _hotline(context, "hotline_display", "hotline_display")


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The current page's address in another language (the URL prefix carries the choice,
    so no cookie is needed)."""
    request = context.get("request")
    if request is None:
        return "/" if language == "en" else f"/{language}/"
    return translate_url(request.get_full_path(), language)


# In a page rendered once for everyone (the blank tip form, reports.intake.views), the
# notice is this slot, filled per request with ``school_network_notice_for``.
NOTICE_SLOT_CONTEXT = "school_network_notice_slot"


@register.simple_tag(takes_context=True)
def school_network_notice(context: template.Context) -> SafeString:
    """The calm "school networks may be monitored" notice, for a visitor on a district's
    network (partners.networks). Only the yes/no reaches the template."""
    slot = context.get(NOTICE_SLOT_CONTEXT)
    if slot:
        return mark_safe(str(slot))  # noqa: S308 — our own fixed marker
    return school_network_notice_for(context.get("request"))


def school_network_notice_for(request: HttpRequest | None) -> SafeString:
    on_school_network = request is not None and networks.on_school_network(request)
    html: SafeString = render_to_string("partials/school_network_notice.html", {"on_school_network": on_school_network})
    return html
