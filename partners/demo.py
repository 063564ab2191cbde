"""Demo staff for a local run, with a fixed (public, demo-only) second factor. Needs the
Partnership's content (``partners.content``: the agencies they belong to) loaded first.
Loading is idempotent: existing accounts are left as they are.

DEMO ONLY: the password and the authenticator secrets are public. ``load_demo`` refuses to
run when DEBUG is off, and ``check --deploy`` fails while any demo account exists
(``partners.checks``).
"""

from __future__ import annotations

import hashlib
from base64 import b32encode
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners import mobiles
from partners.content import COORDINATING_AGENCY
from partners.models import Agency, Membership, OnCallShift, StaffMobile
from partners.roles import coordinator_group

DEMO_PASSWORD = "demo-only-passphrase"  # noqa: S105 — stated in the README; demo accounts only


# Left without staff on purpose, so that the coverage page shows what "red" means.
UNSTAFFED_DEMO_AGENCY = "Hancock Place School District"


@transaction.atomic
def load() -> dict[str, list[DemoAccount]]:
    """Create the demo staff that are missing. Returns the demo accounts for printing."""
    for spec in DEMO_STAFF:
        agency = Agency.objects.get(name=spec.agency)
        user = _demo_user(spec.username, spec.first, spec.last, agency, spec.role, is_staff=spec.is_admin)
        if spec.is_admin:
            user.groups.add(coordinator_group())
        _demo_totp_device(user)
    return {"staff": demo_staff_accounts()}


def _demo_user(username: str, first: str, last: str, agency: Agency, role: str, *, is_staff: bool = False) -> User:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org", "is_staff": is_staff},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, agency=agency, defaults={"role": role})
    return user


# --- Demo staff and their second factor -----------------------------------------------
# DEMO ONLY. The TOTP secrets below are derived from a constant in this public source, so
# anyone can compute the codes: they exist so that a local run can be tried without a
# phone (`manage.py demo_totp USERNAME`). Never load demo data on a real site.
DEMO_TOTP_SALT = b"safeschools-demo-totp-v1:"
DEMO_DEVICE_NAME = "demo"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    first: str
    last: str
    agency: str
    role: str
    is_admin: bool = False


DEMO_STAFF = [
    DemoStaff("officer.olsen", "Oliver", "Olsen", "Clayton Police Department", Membership.Role.OFFICER),
    DemoStaff("officer.kim", "Kris", "Kim", "Kirkwood Police Department", Membership.Role.OFFICER),
    DemoStaff("principal.park", "Pat", "Park", "Clayton School District", Membership.Role.SCHOOL_ADMIN),
    DemoStaff("principal.reyes", "Rosa", "Reyes", "Kirkwood School District", Membership.Role.SCHOOL_ADMIN),
    DemoStaff("coordinator", "Casey", "Cole", COORDINATING_AGENCY, Membership.Role.COORDINATOR, is_admin=True),
]


def demo_totp_key(username: str) -> str:
    """The fixed, public demo TOTP key (hex, 20 bytes) of a demo account."""
    return hashlib.sha256(DEMO_TOTP_SALT + username.encode()).hexdigest()[:40]


def _demo_totp_device(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"key": demo_totp_key(user.username), "confirmed": True}
    )
    return device


def demo_device(username: str) -> TOTPDevice | None:
    """The demo loader's device for ``username``; ``None`` for any other account, so that
    codes are never printed for a real person's authenticator."""
    device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True).first()
    if device is None or device.key != demo_totp_key(username):
        return None
    return device


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    agency: str
    is_admin: bool
    totp_secret: str
    otpauth_uri: str


def demo_staff_accounts() -> list[DemoAccount]:
    """The demo accounts with their sign-in details, for ``load_demo`` to print."""
    accounts = []
    for spec in DEMO_STAFF:
        device = demo_device(spec.username)
        if device is None:
            continue  # changed by hand since it was loaded: not ours to print
        accounts.append(
            DemoAccount(
                username=spec.username,
                password=DEMO_PASSWORD,
                role=str(Membership.Role(spec.role).label),
                agency=spec.agency,
                is_admin=spec.is_admin,
                totp_secret=b32encode(device.bin_key).decode(),
                otpauth_uri=device.config_url,
            )
        )
    return accounts


def demo_accounts() -> list[str]:
    """Usernames of the accounts ``load_demo`` made: the demo usernames, and any account
    holding a demo authenticator (its secret is derivable from this source, whatever the
    account is called now)."""
    usernames = {spec.username for spec in DEMO_STAFF}
    demo_keys = {demo_totp_key(username) for username in usernames}
    found = set(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
    for device in TOTPDevice.objects.filter(name=DEMO_DEVICE_NAME).select_related("user"):
        if device.key in demo_keys or device.key == demo_totp_key(device.user.username):
            found.add(device.user.username)
    return sorted(found)


# --- Coverage: a person on call at every district and police agency --------------------


def _duty_title(agency: Agency) -> str:
    return {Agency.Kind.POLICE: "Duty officer", Agency.Kind.DISTRICT: "Safety lead"}.get(agency.kind, "Duty contact")


def _duty_role(agency: Agency) -> str:
    return {Agency.Kind.POLICE: Membership.Role.OFFICER, Agency.Kind.DISTRICT: Membership.Role.SCHOOL_ADMIN}.get(
        agency.kind, Membership.Role.AGENCY_STAFF
    )


DUTY_NUMBERS_FROM = 100  # (314) 555-0100 onwards: numbers reserved for fiction


@transaction.atomic
def enrol_coverage_staff() -> list[str]:
    """Make every demo agency that acts on tips reachable (every district and police
    agency, and the partners routed tips by category), but one: an agency with no one who
    can act gets a duty account (alerts only: it cannot sign in), and an agency without a
    rota gets its first such member on call around the clock. ``UNSTAFFED_DEMO_AGENCY`` is
    left alone, so that the coverage page shows one red agency. Returns the usernames
    created."""
    User = get_user_model()
    created = []
    agencies = Agency.objects.filter(can_act=True, is_coordinating=False).exclude(name=UNSTAFFED_DEMO_AGENCY)
    for number, agency in enumerate(agencies.order_by("pk"), start=DUTY_NUMBERS_FROM):
        actors = Membership.objects.filter(agency=agency, user__is_active=True).exclude(role=Membership.Role.VIEWER)
        if not actors.exists():
            username = f"duty.{agency.slug}"[:150]
            user, new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": _duty_title(agency),
                    "last_name": agency.name,
                    "email": f"{username}@example.org",
                },
            )
            if new:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                created.append(username)
            Membership.objects.get_or_create(
                user=user, agency=agency, defaults={"role": _duty_role(agency), "is_escalation_contact": True}
            )
        person = actors.order_by("user_id").values_list("user_id", flat=True).first()
        if not StaffMobile.objects.filter(user_id=person).exists():
            # A fictional (555-01xx) number, so urgent alerts show as texts in the worker's
            # console too (SMS_URL=console:// under make run).
            mobiles.enrol_verified(user=User.objects.get(pk=person), number=f"+1314555{number:04d}")
        if not OnCallShift.objects.filter(agency=agency).exists():
            OnCallShift.objects.bulk_create(
                OnCallShift(agency=agency, user_id=person, weekday=day, start_hour=0, end_hour=24)
                for day in OnCallShift.Weekday.values
            )
    return created
