from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from baseline.models import Item


class ItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(max_length=5000, widget=forms.Textarea)


@require_safe
def static_page(request: HttpRequest) -> HttpResponse:
    return render(request, "baseline/static.html")


@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest) -> HttpResponse:
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = Item.objects.create(**form.cleaned_data)
        return render(request, "baseline/created.html", {"item": item})
    return render(request, "baseline/form.html", {"form": form})


# The agency whose rows the list shows (bench/run.py gives it the officer's share).
LISTED_AGENCY = 1


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """What bench/run.py polls between scenarios (kept apart from the measured pages)."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def item_list(request: HttpRequest) -> HttpResponse:
    """The floor for a staff list: one agency's rows through an index, the COUNT of that
    set and offset paging, as the queue filters an officer's visible tips."""
    page = Paginator(Item.objects.filter(agency_id=LISTED_AGENCY), 50).get_page(request.GET.get("page"))
    return render(request, "baseline/list.html", {"page": page})
