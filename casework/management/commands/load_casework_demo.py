from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casework import demo


class Command(BaseCommand):
    help = (
        "Load a demo threat assessment case, Safe Schools Act notice and hand-off (after load_demo). "
        "Demo only: never on a real site."
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo casework is for local runs only (DEBUG is off).")
        if demo.load():
            self.stdout.write(self.style.SUCCESS("Demo casework loaded (Principal Park is the Clayton designee)."))
        else:
            self.stdout.write("Casework already exists; the demo was not loaded again.")
