from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from partners.models import Membership


@pytest.mark.django_db
def test_add_staff_creates_an_officer_with_a_random_password(clayton_pd):
    out = StringIO()
    call_command("add_staff", "olsen", "--agency", "clayton police department", "--role", "officer", stdout=out)
    user = get_user_model().objects.get(username="olsen")
    password = out.getvalue().split("shown once; ask them to change it): ")[1].strip()
    assert user.check_password(password) and len(password) >= 20
    assert Membership.objects.get(user=user).role == "officer"
    assert not user.is_staff


@pytest.mark.django_db
def test_add_staff_coordinator_gets_admin_access(partnership_office):
    call_command("add_staff", "cole", "--agency", partnership_office.name, "--role", "coordinator", stdout=StringIO())
    user = get_user_model().objects.get(username="cole")
    assert user.is_staff and user.groups.filter(name="Coordinators").exists()
    assert user.has_perm("partners.change_school") and user.has_perm("auth.add_user")
    assert not user.has_perm("auth.delete_user")


@pytest.mark.django_db
def test_add_staff_refuses_a_role_that_does_not_fit(clayton_district):
    with pytest.raises(CommandError, match="cannot belong"):
        call_command("add_staff", "x", "--agency", clayton_district.name, "--role", "officer", stdout=StringIO())
    assert not Membership.objects.exists()
