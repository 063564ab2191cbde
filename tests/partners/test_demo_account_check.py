"""check --deploy fails while an account made by load_demo exists (their secrets are public)."""

import pytest
from django.core.checks import Error

from partners.checks import no_demo_accounts


@pytest.mark.django_db
def test_no_finding_without_demo_accounts(officer_olsen):
    assert no_demo_accounts(None) == []


def test_each_demo_account_is_an_error(demo_loaded):
    (finding,) = no_demo_accounts(None)
    assert isinstance(finding, Error) and finding.id == "partners.E001"
    for username in ("officer.olsen", "officer.kim", "principal.park", "principal.reyes", "coordinator"):
        assert username in finding.msg


def test_a_renamed_demo_account_is_still_found(demo_loaded, django_user_model):
    django_user_model.objects.exclude(username="coordinator").delete()
    django_user_model.objects.filter(username="coordinator").update(username="casey.cole")
    (finding,) = no_demo_accounts(None)
    assert "casey.cole" in finding.msg


def test_check_deploy_command_reports_it(demo_loaded):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="partners.E001"):
        call_command("check", deploy=True, fail_level="ERROR")


@pytest.mark.django_db
def test_an_unreachable_database_is_information_not_a_failure(monkeypatch):
    from django.db import OperationalError, connection

    def down():
        raise OperationalError('could not translate host name "db.invalid" to address')

    monkeypatch.setattr(connection.introspection, "table_names", down)
    (finding,) = no_demo_accounts(None)
    assert finding.id == "partners.I001" and "db.invalid" in finding.msg
