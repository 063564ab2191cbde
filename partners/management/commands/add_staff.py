from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from partners.models import Agency, Membership
from partners.roles import make_coordinator


class Command(BaseCommand):
    help = (
        "Create a staff account (or add a membership to an existing one): "
        "add_staff USERNAME --agency 'Clayton Police Department' --role officer [--email ...]. "
        "Roles: officer, school_admin, agency_staff, viewer, coordinator. A new account gets a "
        "random first password, printed once; at first sign-in the person enrols an "
        "authenticator app. Coordinators also get admin access."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--agency", required=True, help="the agency's exact name")
        parser.add_argument("--role", required=True, choices=Membership.Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    @transaction.atomic
    def handle(self, *args, username: str, agency: str, role: str, email: str, **options) -> None:
        found = Agency.objects.filter(name__iexact=agency).first()
        if found is None:
            raise CommandError(f"No agency named {agency!r}.")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": email, "first_name": options["first_name"], "last_name": options["last_name"]},
        )
        password = None
        if created:
            password = "-".join(secrets.token_urlsafe(4) for _ in range(4))
            try:
                validate_password(password, user)
            except ValidationError as error:  # pragma: no cover — a random password passes
                raise CommandError("; ".join(error.messages)) from None
            user.set_password(password)
            user.save(update_fields=["password"])
        membership = Membership(user=user, agency=found, role=role)
        try:
            membership.full_clean(validate_unique=False)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        Membership.objects.update_or_create(user=user, agency=found, defaults={"role": role})
        if role == Membership.Role.COORDINATOR:
            make_coordinator(user)
        self.stdout.write(self.style.SUCCESS(f"{username}: {membership.get_role_display()} at {found.name}"))
        if password:
            self.stdout.write(f"First password (shown once; ask them to change it): {password}")
