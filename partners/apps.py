from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partnership")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_delete, post_migrate, post_save

        from partners import checks  # noqa: F401  (registers the deploy checks)
        from partners.reach_changes import READ_BY_REACH, reach_changed

        for label in (*READ_BY_REACH, settings.AUTH_USER_MODEL):
            for signal in (post_save, post_delete):
                signal.connect(reach_changed, sender=label, dispatch_uid=f"reach-{label}-{id(signal)}")
        # A deploy runs migrate: no reach pickled by the previous code is read by the new.
        post_migrate.connect(reach_changed, sender=self, dispatch_uid="reach-deployed")
