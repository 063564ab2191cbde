from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partners.services import ImportRejected, import_schools, read_school_csv


class Command(BaseCommand):
    help = (
        "Load or update schools from a CSV file with the columns name, district, grade_band, "
        "police_agency (and optionally active). Missing districts and police agencies are "
        "created. Running it again with the same file changes nothing. A file with any bad "
        "row is rejected whole: every bad row is listed and nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, with a header row")

    def handle(self, *args, file: Path, verbosity: int, **options) -> None:
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                rows = read_school_csv(handle)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file}: not UTF-8 text") from None
        except ImportRejected as rejected:
            raise CommandError(f"{file}: {rejected.errors[0]}") from None

        show_progress = verbosity >= 1 and len(rows) >= 200

        def progress(done: int, total: int) -> None:
            if show_progress:
                sys.stderr.write(f"\r  {done}/{total} rows checked")
                if done == total:
                    sys.stderr.write("\n")

        try:
            result = import_schools(rows, progress=progress)
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(rejected.errors)} bad row(s); nothing was imported.") from None

        for name in result.agencies_created:
            self.stdout.write(f"created agency: {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"schools: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged (skipped); agencies created: {len(result.agencies_created)}"
            )
        )
