"""reports.intake.reference: the categories, schools, routing rules and coordinating agency a
submission reads come from the cache, and an edit applies to the next tip."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import Agency
from reports.models import RoutingRule, Tip

# What reading the reference data looks like: its tables, or the coordinating agency's lookup.
REFERENCE_READS = (
    'FROM "reports_category"',
    'FROM "partners_school"',
    'FROM "reports_routingrule"',
    'WHERE "partners_agency"."is_coordinating"',
)


def reference_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if any(marker in q["sql"] for marker in REFERENCE_READS)]


@pytest.mark.django_db
def test_a_submission_reads_no_reference_data_from_the_database(client, tip_post, partnership_office):
    assert client.post("/report/", tip_post()).status_code == 200  # fills the cache

    with CaptureQueriesContext(connection) as queries:
        assert client.post("/report/", tip_post()).status_code == 200

    assert Tip.objects.count() == 2
    assert reference_reads(queries.captured_queries) == []


@pytest.mark.django_db
def test_a_new_routing_rule_applies_to_the_next_tip(client, tip_post, categories):
    client.post("/report/", tip_post())
    crisis = Agency.objects.create(name="Crisis line", slug="crisis", kind=Agency.Kind.MENTAL_HEALTH)
    RoutingRule.objects.create(category=categories["bullying"], agency=crisis, role="responsible")

    client.post("/report/", tip_post())

    latest = Tip.objects.latest("pk")
    assert latest.routings.filter(agency=crisis).exists()


@pytest.mark.django_db
def test_a_school_made_inactive_is_refused_at_once(client, tip_post, clayton_high):
    client.post("/report/", tip_post())
    clayton_high.active = False
    clayton_high.save()

    response = client.post("/report/", tip_post())

    assert Tip.objects.count() == 1
    assert "Choose a school" in response.content.decode()


@pytest.mark.django_db
def test_a_category_made_inactive_is_refused_at_once(client, tip_post, categories):
    client.post("/report/", tip_post())
    categories["bullying"].active = False
    categories["bullying"].save()

    client.post("/report/", tip_post())

    assert Tip.objects.count() == 1
