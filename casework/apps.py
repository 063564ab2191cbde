from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Cases and notices")

    def ready(self) -> None:
        # Registers the daily casework job with safeschools.schedule and the wording of
        # casework alerts with reports.notifications.emails, in every process.
        from casework import alerts, jobs, tip_panel  # noqa: F401
        from reports.triage import detail

        # Casework's panel on the tip page is read with the tip (no query of its own).
        if tip_panel.annotations not in detail.PAGE_ANNOTATIONS:
            detail.PAGE_ANNOTATIONS.append(tip_panel.annotations)
