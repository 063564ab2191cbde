from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners import demo
from partners.models import Agency
from reports import demo as reports_demo

NOT_PRODUCTION = "--i-know-this-is-not-production"


def python_command() -> str:
    """How to call this interpreter from here: ``.venv/bin/python`` in a checkout."""
    relative = os.path.relpath(sys.executable)
    return relative if not relative.startswith("..") else sys.executable


class Command(BaseCommand):
    help = (
        "Load demo staff accounts with a fixed second factor and a dozen demo tips, for a local "
        "run (load_content first). DEMO ONLY: the passwords and authenticator secrets are public; "
        f"refuses to run with DEBUG off unless given {NOT_PRODUCTION}. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(NOT_PRODUCTION, action="store_true", dest="not_production", help="run with DEBUG off")

    def handle(self, *args: object, not_production: bool = False, **options: object) -> None:
        if not (settings.DEBUG or not_production):
            raise CommandError(
                "DEBUG is off, so this may be the real site: load_demo creates accounts whose passwords and "
                f"authenticator secrets are public. Nothing was loaded. On a test machine: load_demo {NOT_PRODUCTION}"
            )
        if not Agency.objects.filter(is_coordinating=True).exists():
            raise CommandError("Load the Partnership's content first: manage.py load_content")
        accounts = demo.load()["staff"]
        duty = demo.enrol_coverage_staff()
        tips = reports_demo.load()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(accounts)} staff accounts, {len(tips)} tips."))
        if duty:
            self.stdout.write(
                f"{len(duty)} duty accounts (alerts only, no sign-in) put on call for coverage; "
                f"{demo.UNSTAFFED_DEMO_AGENCY} is left unstaffed on purpose (see Coverage)."
            )
        self.stdout.write(
            self.style.WARNING(
                "Demo staff accounts (DEMO ONLY: the passwords and authenticator secrets below are public)."
            )
        )
        self.stdout.write(
            f"Sign in at {settings.SITE_URL}/staff/account/login/ with the password, then a 6-digit code."
        )
        for account in accounts:
            where = f"{account.role}, {account.agency}" + (" (also the admin)" if account.is_admin else "")
            self.stdout.write(f"\n  user: {account.username}  password: {account.password}  {where}")
            self.stdout.write(f"    TOTP secret (base32): {account.totp_secret}")
            self.stdout.write(f"    {account.otpauth_uri}")
        self.stdout.write(
            f"\nA current code without a phone: {python_command()} manage.py demo_totp USERNAME "
            "(each code works once; wait for the next one to sign in again)."
        )
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/ (coordinator only)")
        self.stdout.write(
            f"The student's side: open {settings.SITE_URL}/report/check/ with the receipt "
            f"{reports_demo.demo_receipt('white-van')} (a tip with messages both ways)."
        )
