import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partners.models import Agency, Membership, Resource, School, SiteSettings


@pytest.mark.django_db
def test_school_clean_refuses_agencies_of_the_wrong_kind(clayton_district, clayton_pd):
    school = School(name="Mixed Up High", district=clayton_pd, police_agency=clayton_district, grade_band="high")
    with pytest.raises(ValidationError) as error:
        school.full_clean()
    assert "not a school district" in str(error.value.message_dict["district"])
    assert "not a police agency" in str(error.value.message_dict["police_agency"])


@pytest.mark.django_db(transaction=True)
def test_database_refuses_a_police_agency_as_district(clayton_district, clayton_pd):
    with pytest.raises(IntegrityError):
        School.objects.create(name="Bad", district=clayton_pd, police_agency=clayton_pd, grade_band="high")
    with pytest.raises(IntegrityError):
        School.objects.create(name="Bad", district=clayton_district, police_agency=clayton_district, grade_band="high")
    assert not School.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_moving_a_school_to_a_wrong_kind(clayton_high, clayton_pd):
    with pytest.raises(IntegrityError):
        School.objects.filter(pk=clayton_high.pk).update(district=clayton_pd)


@pytest.mark.django_db(transaction=True)
def test_database_refuses_changing_the_kind_of_an_agency_with_schools(
    clayton_high, clayton_district, kirkwood_district
):
    with pytest.raises(IntegrityError):
        Agency.objects.filter(pk=clayton_district.pk).update(kind=Agency.Kind.COURT)
    Agency.objects.filter(pk=kirkwood_district.pk).update(kind=Agency.Kind.COURT)  # no schools: allowed


@pytest.mark.django_db
def test_agency_clean_explains_a_blocked_kind_change(clayton_high, clayton_district):
    clayton_district.kind = Agency.Kind.POLICE
    with pytest.raises(ValidationError, match="move them first"):
        clayton_district.full_clean()


@pytest.mark.django_db
def test_only_one_coordinating_agency(partnership_office):
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(name="Second office", slug="second", kind=Agency.Kind.OTHER, is_coordinating=True)


@pytest.mark.django_db
def test_school_names_unique_within_a_district(clayton_high):
    with pytest.raises(IntegrityError), transaction.atomic():
        School.objects.create(
            name="Clayton High School",
            district=clayton_high.district,
            police_agency=clayton_high.police_agency,
            grade_band="high",
        )


@pytest.mark.django_db
def test_membership_role_must_fit_the_agency(django_user_model, clayton_pd, clayton_district, partnership_office):
    user = django_user_model.objects.create_user("olsen")
    with pytest.raises(ValidationError, match="cannot belong"):
        Membership(user=user, agency=clayton_district, role=Membership.Role.OFFICER).full_clean()
    with pytest.raises(ValidationError, match="coordinating agency"):
        Membership(user=user, agency=clayton_pd, role=Membership.Role.COORDINATOR).full_clean()
    Membership(user=user, agency=clayton_pd, role=Membership.Role.OFFICER).full_clean()
    Membership(user=user, agency=clayton_district, role=Membership.Role.VIEWER).full_clean()
    Membership(user=user, agency=partnership_office, role=Membership.Role.COORDINATOR).full_clean()


@pytest.mark.django_db
def test_resource_needs_exactly_one_of_file_or_link():
    with pytest.raises(ValidationError):
        Resource(title="Nothing").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(title="Nothing")


@pytest.mark.django_db
def test_site_settings_is_a_single_record():
    SiteSettings(hotline_display="A").save()
    SiteSettings(hotline_display="B").save()
    assert SiteSettings.objects.count() == 1
    assert SiteSettings.current().hotline_display == "B"


@pytest.mark.django_db
def test_site_settings_defaults_before_any_is_saved():
    assert SiteSettings.current().hotline_display == "(314) 889-SAFE (7233)"
