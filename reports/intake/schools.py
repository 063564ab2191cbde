"""The tip form's school search: the schools whose name or district contain every
word typed. The server answers it (no JavaScript needed, and no reliance on hiding
``<option>``s, which iPhone Safari ignores); nothing about the search is stored."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from partners.models import School

MAX_SHOWN = 12


def matching(query: str) -> list[School]:
    words = query.split()[:5]
    if not words:
        return []
    schools: QuerySet[School] = School.objects.filter(active=True).select_related("district")
    for word in words:
        schools = schools.filter(Q(name__icontains=word) | Q(district__name__icontains=word))
    return list(schools.order_by("name")[:MAX_SHOWN])
