"""Workflows across the partners models, and staff accounts."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from partners.models import Agency, School
from safeschools import audit
from safeschools.models import AuditEvent

REQUIRED_COLUMNS = ("name", "district", "grade_band", "police_agency")
GRADE_BAND_ALIASES = {
    "elementary": School.GradeBand.ELEMENTARY,
    "elem": School.GradeBand.ELEMENTARY,
    "primary": School.GradeBand.ELEMENTARY,
    "middle": School.GradeBand.MIDDLE,
    "junior high": School.GradeBand.MIDDLE,
    "high": School.GradeBand.HIGH,
    "senior high": School.GradeBand.HIGH,
    "k8": School.GradeBand.K8,
    "k-8": School.GradeBand.K8,
    "k12": School.GradeBand.K12,
    "k-12": School.GradeBand.K12,
    "early": School.GradeBand.EARLY,
    "early childhood": School.GradeBand.EARLY,
    "other": School.GradeBand.OTHER,
}
TRUE_WORDS = {"", "1", "true", "yes", "y", "active"}
FALSE_WORDS = {"0", "false", "no", "n", "inactive", "closed"}


class ImportRejected(Exception):
    """The file had bad rows; nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    agencies_created: list[str] = field(default_factory=list)


def read_school_csv(handle: Iterable[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(handle)
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportRejected([f"header: missing column(s) {', '.join(missing)}"])
    return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]


def _agency(name: str, kind: str, cache: dict[str, Agency], result: ImportResult) -> Agency:
    key = name.casefold()
    if key not in cache:
        agency = Agency.objects.filter(name__iexact=name).first()
        if agency is None:
            agency = Agency.objects.create(name=name, slug=_unique_slug(name), kind=kind)
            result.agencies_created.append(name)
        cache[key] = agency
    agency = cache[key]
    if agency.kind != kind:
        label = Agency.Kind(kind).label
        raise ValueError(f"{agency.name} exists as a {agency.get_kind_display()}, not a {label}")
    return agency


def _unique_slug(name: str) -> str:
    base = slugify(name)[:190] or "agency"
    slug, n = base, 2
    while Agency.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def import_schools(
    rows: Sequence[Mapping[str, str]],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Create or update schools (and any missing district or police agency) from rows.

    All or nothing: every row is checked; if any is bad, ``ImportRejected`` lists each bad
    row by its line number in the file and the transaction is rolled back.
    """
    result = ImportResult()
    errors: list[str] = []
    agencies: dict[str, Agency] = {}
    seen: dict[tuple[int, str], int] = {}
    total = len(rows)
    for index, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            _import_row(row, index, agencies, seen, result)
        except ValueError as error:
            errors.append(f"line {index}: {error}")
        if progress and (index - 1) % 100 == 0:
            progress(index - 1, total)
    if progress:
        progress(total, total)
    if errors:
        raise ImportRejected(errors)  # leaving the atomic block by an exception rolls back
    return result


def _import_row(
    row: Mapping[str, str],
    line: int,
    agencies: dict[str, Agency],
    seen: dict[tuple[int, str], int],
    result: ImportResult,
) -> None:
    name, district_name, police_name = row.get("name", ""), row.get("district", ""), row.get("police_agency", "")
    for column, value in (("name", name), ("district", district_name), ("police_agency", police_name)):
        if not value:
            raise ValueError(f"{column} is empty")
    if len(name) > 200:
        raise ValueError("name is longer than 200 characters")
    band = GRADE_BAND_ALIASES.get(row.get("grade_band", "").lower())
    if band is None:
        raise ValueError(
            f"grade_band {row.get('grade_band', '')!r} is not one of elementary, middle, high, k8, k12, early, other"
        )
    active_word = row.get("active", "").lower()
    if active_word not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(f"active {row.get('active')!r} is not yes or no")
    district = _agency(district_name, Agency.Kind.DISTRICT, agencies, result)
    police = _agency(police_name, Agency.Kind.POLICE, agencies, result)
    key = (district.pk, name.casefold())
    if key in seen:
        raise ValueError(f"{name} ({district.name}) is already on line {seen[key]}")
    seen[key] = line

    wanted = {"police_agency": police, "grade_band": band, "active": active_word not in FALSE_WORDS}
    school = School.objects.filter(district=district, name__iexact=name).first()
    if school is None:
        School.objects.create(name=name, district=district, **wanted)
        result.created += 1
    elif any(getattr(school, attr) != value for attr, value in wanted.items()):
        for attr, value in wanted.items():
            setattr(school, attr, value)
        school.save()
        result.updated += 1
    else:
        result.unchanged += 1


@transaction.atomic
def reset_sign_in(*, user, by, password_set: bool) -> None:
    """Someone else reset ``user``'s password or authenticator (SECURITY.md 40): whoever
    did, the person's authenticator and recovery codes go, so that their next sign-in
    enrols a new authenticator of their own, and the reset is in the audit log. A new
    password also ends their other sessions (Django checks each session's password hash);
    without the authenticator, a session still open is no longer verified."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = [TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)]
    removed = sum(d.count() for d in devices)
    for found in devices:
        found.delete()
    audit.record(
        AuditEvent.Action.ACCOUNT_RESET,
        actor=by,
        account=user.get_username(),
        password_set=password_set,
        devices_removed=removed,
    )
