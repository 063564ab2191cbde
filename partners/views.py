"""The Partnership's public pages. Every page here is readable without an account and sets
no cookie."""

from __future__ import annotations

import mimetypes
from itertools import groupby

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from partners.models import Agency, Page, Resource, School


def _published_page(slug: str) -> Page | None:
    return Page.objects.filter(slug=slug, published=True).first()


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    partners = Agency.objects.filter(is_partner=True)
    context = {
        "intro": _published_page("home"),
        "district_count": partners.filter(kind=Agency.Kind.DISTRICT).count(),
        "police_count": partners.filter(kind=Agency.Kind.POLICE).count(),
    }
    return render(request, "partners/home.html", context)


@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug, published=True)
    return render(request, "partners/page.html", {"page": page})


@require_safe
def partner_directory(request: HttpRequest) -> HttpResponse:
    agencies = Agency.objects.filter(is_partner=True).order_by("kind", "display_order", "name")
    kind_labels = dict(Agency.Kind.choices)
    order = [kind for kind, _ in Agency.Kind.choices]
    groups = sorted(
        ((kind, kind_labels[kind], list(members)) for kind, members in groupby(agencies, key=lambda a: a.kind)),
        key=lambda group: order.index(group[0]),
    )
    return render(request, "partners/directory.html", {"groups": groups})


@require_safe
def district_list(request: HttpRequest) -> HttpResponse:
    districts = Agency.objects.filter(kind=Agency.Kind.DISTRICT).prefetch_related(
        Prefetch("district_schools", queryset=School.objects.filter(active=True).order_by("name"))
    )
    return render(request, "partners/districts.html", {"districts": districts})


@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    resources = Resource.objects.filter(published=True)
    kind_labels = dict(Resource.Kind.choices)
    grouped = [(kind_labels[kind], [r for r in resources if r.kind == kind]) for kind, _ in Resource.Kind.choices]
    return render(request, "partners/resources.html", {"groups": [(k, rs) for k, rs in grouped if rs]})


@require_safe
def resource_file(request: HttpRequest, pk: int) -> FileResponse:
    resource = get_object_or_404(Resource, pk=pk, published=True)
    if not resource.file:
        raise Http404
    content_type = mimetypes.guess_type(resource.file.name)[0] or "application/octet-stream"
    filename = resource.file.name.rsplit("/", 1)[-1]
    response = FileResponse(resource.file.open("rb"), content_type=content_type, filename=filename)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/contact.html", {"page": _published_page("contact")})
