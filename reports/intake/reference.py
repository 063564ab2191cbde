"""The reference data every tip submission reads, from the shared cache.

Categories, schools (with their district and police agency), the coordinating agency and
the category routing rules change a few times a year and are read on every submission:
from the cache (Redis, then a few seconds in the process: ``safeschools.cache``) they cost
no query. Each key carries the public-content generation (``safeschools.page_cache``),
which any save or delete of a ``partners`` row, a category or a routing rule moves on, so a
coordinator's edit applies to the next tip in the process that made it and within
``CACHE_LOCAL_SECONDS`` everywhere else. If the cache is down, the database answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.models import Agency, School
from reports.models import Category, RoutingRule
from safeschools import page_cache
from safeschools.cache import cached


@dataclass(frozen=True)
class CategoryRule:
    """A routing rule of a category, with what routing needs of its agency."""

    agency_id: int
    role: str
    agency_can_act: bool


def _key(name: str) -> str:
    return f"intake:{name}:{page_cache.local_generation()}"


def active_categories() -> dict[int, Category]:
    return cached(_key("categories"), lambda: {c.pk: c for c in Category.objects.filter(active=True)})


def active_schools() -> dict[int, School]:
    """Active schools with their district and police agency (routing reads both)."""
    return cached(
        _key("schools"),
        lambda: {s.pk: s for s in School.objects.filter(active=True).select_related("district", "police_agency")},
    )


def coordinating_agency_id() -> int | None:
    return cached(
        _key("coordinating"),
        lambda: Agency.objects.filter(is_coordinating=True).values_list("pk", flat=True).first(),
    )


def routing_rules(category_id: int) -> list[CategoryRule]:
    return _all_routing_rules().get(category_id, [])


def _all_routing_rules() -> dict[int, list[CategoryRule]]:
    def load() -> dict[int, list[CategoryRule]]:
        rules: dict[int, list[CategoryRule]] = {}
        for rule in RoutingRule.objects.select_related("agency"):
            rules.setdefault(rule.category_id, []).append(CategoryRule(rule.agency_id, rule.role, rule.agency.can_act))
        return rules

    return cached(_key("routing-rules"), load)
