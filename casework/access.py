"""Who may see and do what in casework (SECURITY.md 47). Every staff view starts with one of
the ``get_visible_…`` doors, which answer 404 (audited) for anything the user may not see,
exactly like ``reports.triage.access.get_visible_tip`` does for tips."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from casework.models import CaseMember, Notice, ThreatCase, is_coordinator
from partners.models import Agency, Membership, School, memberships_of
from safeschools.models import AuditEvent

Role = Membership.Role
# Who may send which notice: police officers and juvenile-office (court) staff tell a
# district; school administrators tell the juvenile court.
NOTICE_SENDERS = {
    Notice.Direction.TO_DISTRICT: {(Role.OFFICER, Agency.Kind.POLICE), (Role.AGENCY_STAFF, Agency.Kind.COURT)},
    Notice.Direction.TO_COURT: {(Role.SCHOOL_ADMIN, Agency.Kind.DISTRICT)},
}
# Agencies whose staff may sit on a case's team besides the school's district and police.
TEAM_AGENCY_KINDS = {Agency.Kind.MENTAL_HEALTH, Agency.Kind.COURT}


def record(action: str, *, actor=None, reference: str, **detail) -> AuditEvent:
    """Audit a casework event under the case's or notice's reference (never a tip id, so it
    stays off every tip's timeline). Details are references and staff choices, never names
    or text."""
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "username", "") if actor is not None else "",
        tip_reference=reference,
        detail=detail,
    )


def _denied(user, path: str, **detail) -> Http404:
    from safeschools import audit

    audit.record(AuditEvent.Action.ACCESS_DENIED, actor=user, path=path, **detail)
    return Http404("Not found")


def get_visible_case(user, case_id: int, *, path: str = "") -> ThreatCase:
    case = ThreatCase.objects.visible_to(user).select_related("school__district").filter(pk=case_id).first()
    if case is None:
        raise _denied(user, path, requested_case_id=case_id)
    return case


def require_case_actor(user, case: ThreatCase) -> Agency:
    """The agency the user acts for on this case: their team seat, or the coordinating
    agency; 403 for anyone else (the services refuse changes to a closed case)."""
    seat = CaseMember.objects.filter(case=case, user=user).select_related("agency").first()
    if seat is not None:
        return seat.agency
    membership = Membership.objects.filter(user=user, role=Role.COORDINATOR).select_related("agency").first()
    if membership is None:
        raise PermissionDenied("not on this case's team")
    return membership.agency


def get_visible_notice(user, notice_id: int, *, path: str = "") -> Notice:
    notice = (
        Notice.objects.visible_to(user)
        .select_related("school__district", "sender_agency", "recipient_agency", "sent_by", "acknowledged_by", "case")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise _denied(user, path, requested_notice_id=notice_id)
    return notice


def is_designee(user, agency_id: int) -> bool:
    return (
        Membership.objects.filter(user=user, agency_id=agency_id, is_safe_schools_designee=True)
        .exclude(role=Role.VIEWER)
        .exists()
    )


def sender_memberships(user, direction: str) -> list[Membership]:
    """The user's memberships that may send a notice of this direction."""
    allowed = NOTICE_SENDERS[direction]
    memberships = Membership.objects.filter(user=user).select_related("agency")
    return [m for m in memberships if (m.role, m.agency.kind) in allowed]


def can_open_case(user, school: School | None = None) -> bool:
    """School administrators (of the school's district, when a school is given) and
    coordinators open threat assessment cases."""
    if is_coordinator(user):
        return True
    return any(
        m.role == Role.SCHOOL_ADMIN and (school is None or m.agency_id == school.district_id)
        for m in memberships_of(user)
    )


def schools_for_new_case(user) -> QuerySet[School]:
    schools = School.objects.filter(active=True).select_related("district")
    if is_coordinator(user):
        return schools
    districts = Membership.objects.filter(user=user, role=Role.SCHOOL_ADMIN).values("agency_id")
    return schools.filter(district_id__in=districts)


def team_candidates(case: ThreatCase):
    """Who may join the team: active, non-viewer staff of the school's district and police
    agency, and of any mental-health partner or court (juvenile office)."""
    agencies = Agency.objects.filter(
        Q(pk__in=[case.school.district_id, case.school.police_agency_id]) | Q(kind__in=TEAM_AGENCY_KINDS)
    )
    return (
        Membership.objects.filter(agency__in=agencies, user__is_active=True)
        .exclude(role__in=[Role.VIEWER, Role.COORDINATOR])
        .exclude(user__case_memberships__case=case)
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__username")
    )


def report_districts(user) -> QuerySet[Agency]:
    """Districts whose state report the user may read: their own district (any role), or
    every district for coordinators."""
    districts = Agency.objects.filter(kind=Agency.Kind.DISTRICT)
    if is_coordinator(user):
        return districts
    return districts.filter(memberships__user=user)


def get_report_district(user, district_id: int, *, path: str = "") -> Agency:
    district = report_districts(user).filter(pk=district_id).first()
    if district is None:
        raise _denied(user, path, requested_district_id=district_id)
    return district


def can_mark_for_state_report(user, district_id: int | None) -> bool:
    """A district's school administrators (and coordinators) decide what it reports."""
    if district_id is None:
        return False
    if is_coordinator(user):
        return True
    return any(m.role == Role.SCHOOL_ADMIN and m.agency_id == district_id for m in memberships_of(user))
