"""Django permissions that follow from Partnership roles.

Coordinators run the Partnership in the admin: partners, schools, pages, resources,
memberships, categories, routing rules, canned replies, the alert outbox, the Safe Schools
Act list of offences, staff accounts (view, add, change — not delete, so history keeps its
names; never superuser, groups or raw permissions: see ``partners.admin.StaffUserAdmin``)
and a view of staff authenticator devices. A lost phone is reset from the staff account (an
audited action that makes the person enrol again), not by deleting a device. Other roles
have no admin access at all.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

COORDINATORS = "Coordinators"


def coordinator_group() -> Group:
    group, _ = Group.objects.get_or_create(name=COORDINATORS)
    group.permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=["partners", "reports"])
            | Q(content_type__app_label="casework", content_type__model="offence")
            | Q(content_type__app_label="auth", codename__in=["view_user", "add_user", "change_user"])
            | Q(content_type__app_label__in=["otp_totp", "otp_static"], codename__startswith="view_")
        )
    )
    return group


def make_coordinator(user) -> None:
    """Admin access for a coordinator: staff flag and the coordinators' permissions."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(coordinator_group())
