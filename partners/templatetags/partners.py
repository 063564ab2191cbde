from __future__ import annotations

from django import template
from django.urls import translate_url
from django.utils.safestring import SafeString

from partners import markup, networks

register = template.Library()


@register.filter
def page_markup(source: str) -> SafeString:
    return markup.render(source or "")


@register.filter
def localized(instance, field: str) -> str:
    """``{{ page|localized:"title" }}``: the Spanish text on the Spanish site, if written."""
    return instance.localized(field)


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The current page's address in another language (the URL prefix carries the choice,
    so no cookie is needed)."""
    request = context.get("request")
    if request is None:
        return "/" if language == "en" else f"/{language}/"
    return translate_url(request.get_full_path(), language)


@register.inclusion_tag("partials/school_network_notice.html", takes_context=True)
def school_network_notice(context: template.Context) -> dict[str, bool]:
    """The calm "school networks may be monitored" notice, for a visitor on a district's
    network (partners.networks). Only the yes/no reaches the template."""
    request = context.get("request")
    return {"on_school_network": request is not None and networks.on_school_network(request)}
