"""Shared fixtures: named people and places, so a test reads like the situation it checks."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from partners.models import Agency, Membership, School, SiteSettings


def pytest_configure(config) -> None:
    from django.conf import settings

    # Plain static storage (no collectstatic in tests) and a fast hasher.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.WHITENOISE_USE_FINDERS = True
    settings.STATIC_ROOT = None
    # Tasks run at once, in the test's thread. Nothing runs "later" on this backend, so the
    # worker's recurring jobs are not scheduled in tests: tests call the work functions
    # (reports.notifications.delivery.deliver_due, reports.notifications.escalation.escalate_due, …) themselves.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # The apps' ready() already imported the tasks (reports.jobs registers the recurring
    # chains), so tell django-tasks that its backends changed, as override_settings would.
    from django.core.signals import setting_changed

    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)
    _a_redis_database_per_worker(settings)
    _lift_audit_triggers_around_flush()


def _a_redis_database_per_worker(settings) -> None:
    """Under pytest-xdist each worker has a database of its own (pytest-django adds the
    worker to the test database's name), and needs a Redis database of its own too: tests
    clear the cache, and one worker's FLUSHDB must not wipe another's counters. Worker N
    uses the database after REDIS_URL's by N (CI's redis://…/1 gives gw0 1, gw1 2)."""
    import os
    from urllib.parse import urlsplit, urlunsplit

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (settings.REDIS_URL and worker.startswith("gw")):
        return
    url = urlsplit(settings.REDIS_URL)
    base = int(url.path.strip("/") or 0)
    settings.REDIS_URL = urlunsplit(url._replace(path=f"/{base + int(worker[2:])}"))
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL}}
    from django.core.signals import setting_changed

    setting_changed.send(sender=None, setting="CACHES", value=settings.CACHES, enter=True)


def _lift_audit_triggers_around_flush() -> None:
    """Transactional tests end with a flush, which empties each table with DELETE on SQLite
    and with TRUNCATE on PostgreSQL; the audit log's append-only triggers refuse both (as
    they should anywhere else). Lift them for the flush alone, in its transaction."""
    from importlib import import_module

    from django.db import connection, transaction

    guards = {
        "sqlite": "safeschools.migrations.0005_security_audit_append_only_sqlite",
        "postgresql": "safeschools.migrations.0010_audit_no_truncate",
    }
    if connection.vendor not in guards:
        return
    DatabaseOperations = type(connection.ops)  # noqa: N806 -- the class being patched
    guard = import_module(guards[connection.vendor])
    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list) -> None:
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                for statement in guard.BACKWARD:
                    cursor.execute(statement)
            flush(self, sql_list)
            with self.connection.cursor() as cursor:
                for statement in guard.FORWARD:
                    cursor.execute(statement)

    DatabaseOperations.execute_sql_flush = execute_sql_flush


def pytest_runtest_logreport(report) -> None:
    """Axe counts travel on the browser tests' reports (tests/e2e/axe.py), so that the
    process printing the summary has them whether or not pytest-xdist ran the tests."""
    if report.user_properties:
        from tests.e2e import axe

        axe.collect(report)


def pytest_terminal_summary(terminalreporter) -> None:
    import sys

    axe = sys.modules.get("tests.e2e.axe")  # imported only where a browser test ran
    if axe is not None:
        axe.summary(terminalreporter)


def pytest_collection_modifyitems(config, items) -> None:
    """Skip tests marked ``postgres`` unless the database is PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason=f"needs PostgreSQL (row locks, SKIP LOCKED); the database is {connection.vendor}. "
        "Run with DATABASE_URL=postgres://…"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English, whatever language an earlier test left active."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from safeschools import form_cache
    from safeschools.page_cache import forget_recent

    cache.clear()
    forget_recent()
    form_cache.forget()
    yield
    cache.clear()
    forget_recent()
    form_cache.forget()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site_settings(db) -> SiteSettings:
    settings_row = SiteSettings(non_emergency_number="(636) 529-8210", tdd_number="(636) 529-8220")
    settings_row.save()
    return settings_row


@pytest.fixture
def partnership_office(db) -> Agency:
    return Agency.objects.create(
        name="Safe Schools Partnership Office",
        slug="office",
        kind=Agency.Kind.OTHER,
        is_coordinating=True,
        is_partner=False,
    )


@pytest.fixture
def clayton_district(db) -> Agency:
    return Agency.objects.create(
        name="Clayton School District",
        slug="clayton-sd",
        kind=Agency.Kind.DISTRICT,
        website="https://claytonschools.net/",
    )


@pytest.fixture
def kirkwood_district(db) -> Agency:
    return Agency.objects.create(name="Kirkwood School District", slug="kirkwood-sd", kind=Agency.Kind.DISTRICT)


@pytest.fixture
def clayton_pd(db) -> Agency:
    return Agency.objects.create(name="Clayton Police Department", slug="clayton-pd", kind=Agency.Kind.POLICE)


@pytest.fixture
def kirkwood_pd(db) -> Agency:
    return Agency.objects.create(name="Kirkwood Police Department", slug="kirkwood-pd", kind=Agency.Kind.POLICE)


@pytest.fixture
def clayton_high(clayton_district, clayton_pd) -> School:
    return School.objects.create(
        name="Clayton High School", district=clayton_district, police_agency=clayton_pd, grade_band="high"
    )


@pytest.fixture
def kirkwood_high(kirkwood_district, kirkwood_pd) -> School:
    return School.objects.create(
        name="Kirkwood High School", district=kirkwood_district, police_agency=kirkwood_pd, grade_band="high"
    )


def _person(django_user_model, username: str, first: str, last: str, agency: Agency, role: str, **extra):
    user = django_user_model.objects.create_user(
        username=username,
        password="correct horse battery staple",
        first_name=first,
        last_name=last,
        email=f"{username}@example.org",
        **extra,
    )
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def coordinator_cole(django_user_model, partnership_office):
    """Coordinator Cole runs the Partnership and may edit everything in the admin."""
    from partners.roles import coordinator_group

    user = _person(
        django_user_model, "cole", "Casey", "Cole", partnership_office, Membership.Role.COORDINATOR, is_staff=True
    )
    user.groups.add(coordinator_group())
    return user


@pytest.fixture
def about_page(db):
    from partners.models import Page

    return Page.objects.create(
        slug="about",
        title="About the Partnership",
        summary="One county, one message.",
        body="## Vision\nEvery student safe.\n\n## Mission\nWork together.\n\n## Aims\n- Early\n- Firm",
    )


# --- People: named staff, each with their place in an agency ---------------------------


@pytest.fixture
def officer_olsen(django_user_model, clayton_pd):
    """Officer Olsen of Clayton PD: sees tips about Clayton schools."""
    return _person(django_user_model, "olsen", "Oliver", "Olsen", clayton_pd, Membership.Role.OFFICER)


@pytest.fixture
def principal_park(django_user_model, clayton_district):
    """Principal Park of the Clayton School District."""
    return _person(django_user_model, "park", "Pat", "Park", clayton_district, Membership.Role.SCHOOL_ADMIN)


@pytest.fixture
def officer_kim(django_user_model, kirkwood_pd):
    """Officer Kim of Kirkwood PD: no access to Clayton tips."""
    return _person(django_user_model, "kim", "Kris", "Kim", kirkwood_pd, Membership.Role.OFFICER)


@pytest.fixture
def viewer_vega(django_user_model, clayton_pd):
    """Viewer Vega of Clayton PD: may read Clayton tips, may change nothing."""
    return _person(django_user_model, "vega", "Val", "Vega", clayton_pd, Membership.Role.VIEWER)


# --- Tips ---------------------------------------------------------------------------


@pytest.fixture
def categories(db):
    from reports.models import Category, Priority

    return {
        "weapons": Category.objects.create(
            name="Weapons",
            description="Someone has a weapon.",
            default_priority=Priority.HIGH,
            is_life_safety=True,
            card="threat",
        ),
        "bullying": Category.objects.create(
            name="Bullying", description="Someone is picked on again and again.", card="bullying"
        ),
        "self_harm": Category.objects.create(
            name="Suicide or self-harm",
            description="Someone may hurt themselves.",
            is_life_safety=True,
            card="self_harm",
        ),
    }


@pytest.fixture
def make_tip(db, categories):
    """Submit a tip through the real intake service, as the form would."""
    import secrets

    from reports.intake import receipts
    from reports.intake.services import TipReport, submit_tip

    def make(*, school=None, category="bullying", description="Someone keeps pushing a kid at lunch.", **fields):
        from reports.intake.told import who_was_told

        report = TipReport(category=categories[category], school=school, description=description, **fields)
        submitted = submit_tip(report=report, receipt=receipts.generate(), form_token=secrets.token_hex(16))
        # What the receipt says is worked out from what the submission wrote; every tip a
        # test makes holds it to what the database says afterwards.
        assert submitted.told == who_was_told(submitted.tip)
        return submitted

    return make


@pytest.fixture
def form_token():
    """A tip-form token issued ``seconds_ago`` (default: a plausible 30 s of typing)."""
    import time

    import time_machine

    from reports.intake import tokens

    def issue(seconds_ago: int = 30) -> str:
        with time_machine.travel(time.time() - seconds_ago, tick=False):
            return tokens.issue()

    return issue


@pytest.fixture
def tip_post(categories, clayton_high, form_token):
    """Valid tip-form POST data; override any field with keyword arguments."""

    def data(**overrides) -> dict:
        values = {
            "category": categories["bullying"].pk,
            "school": clayton_high.pk,
            "description": "A group keeps shoving a sixth grader into the lockers.",
            "when": "today",
            "location": "Hallway by the gym",
            "people_involved": "",
            "danger_now": "no",
            "contact_choice": "anonymous",
            "contact_details": "",
            "extra_notes": "",
            "form_token": form_token(),
        }
        values.update(overrides)
        return values

    return data


# --- The demo, as `make run` loads it ------------------------------------------------


@pytest.fixture
def demo_loaded(db, settings) -> str:
    """``load_content`` then ``load_demo`` on a local run (DEBUG on); load_demo's output."""
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_content", stdout=StringIO())
    out = StringIO()
    call_command("load_demo", stdout=out)
    settings.DEBUG = False
    return out.getvalue()


# --- Signing staff in with both factors ---------------------------------------------


@pytest.fixture
def totp_device(db):
    """Give someone a confirmed authenticator: ``device = totp_device(officer_olsen)``."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def make(user):
        return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=True
        )

    return make


@pytest.fixture
def totp_code():
    """The code the person's authenticator app shows right now for ``device``."""
    from django_otp.oath import totp

    def code(device) -> str:
        return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"

    return code


@pytest.fixture
def login_verified(totp_device):
    """Sign ``user`` in on ``client`` as if they had given their password and a TOTP code:
    ``login_verified(client, officer_olsen)``. Returns the device."""
    from django_otp import DEVICE_ID_SESSION_KEY

    def login(client, user):
        device = totp_device(user)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return login


@pytest.fixture
def staff_client(client, login_verified):
    """``staff_client(user)`` → the test client, signed in with both factors."""

    def sign_in(user):
        login_verified(client, user)
        return client

    return sign_in


# --- Text messages ------------------------------------------------------------------


@pytest.fixture
def twilio(settings, monkeypatch):
    """Text messages on, through the real Twilio SDK, answered by a local fake Twilio
    (tests/fake_twilio.py) that records every request."""
    from safeschools import sms
    from tests import fake_twilio

    fake, server = fake_twilio.start()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = fake_twilio.ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = fake_twilio.AUTH_TOKEN
    settings.SMS_FROM_NUMBER = fake_twilio.FROM_NUMBER
    settings.SMS_TIMEOUT_SECONDS = 5
    monkeypatch.setattr(sms, "TwilioHttpClient", fake_twilio.local_http_client(fake.netloc))
    yield fake
    fake_twilio.stop(fake, server)


@pytest.fixture
def give_mobile(db):
    """Give a person a confirmed mobile number (as if they had typed the texted code)."""
    from partners import mobiles

    def give(user, number: str, *, every_alert: bool = False):
        mobile = mobiles.enrol_verified(user=user, number=number)
        if every_alert:
            mobiles.set_sms_for_all_alerts(user=user, value=True)
            mobile.refresh_from_db()
        return mobile

    return give


def finish_every_part(tip, *, by, disposition: str = "resolved", note: str = "Done.") -> None:
    """Every agency finishes its part of ``tip`` (as their own staff would), closing it."""
    from reports import case_state
    from reports.models import Routing

    for routing in Routing.objects.filter(tip=tip).exclude(state="done"):
        routing.finish(by=by, disposition=disposition, note=note)
    case_state.refresh_tip_state(tip)
