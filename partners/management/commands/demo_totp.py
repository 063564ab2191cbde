from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from partners import demo


class Command(BaseCommand):
    help = (
        "Print the current 6-digit sign-in code of a demo staff account, so that the demo can "
        "be tried without a phone. Refuses any account not created by load_demo."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        device = demo.demo_device(username)
        if device is None:
            raise CommandError(f"{username!r} is not a demo account created by load_demo; no code printed.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        remaining = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"valid for about {remaining} more seconds; each code works once")
