from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from partners import demo
from reports import demo as reports_demo


class Command(BaseCommand):
    help = (
        "Load demo data for a local run: St. Louis County's districts, police agencies, "
        "partners and sample schools, the Partnership's pages and resources, and demo staff "
        "accounts with a fixed second factor. Safe to run again: rows that exist are left as "
        "they are. Demo only: never on a real site."
    )

    def handle(self, *args, **options) -> None:
        accounts = demo.load()["staff"]
        reports_demo.load()
        duty = demo.enrol_coverage_staff()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
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
            "\nA current code without a phone: python manage.py demo_totp USERNAME "
            "(each code works once; wait for the next one to sign in again)."
        )
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/ (coordinator only)")
