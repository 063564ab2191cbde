from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDeviceConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDeviceConfig
from django_tasks_db.apps import TasksAppConfig


class SafeSchoolsConfig(AppConfig):
    name = "safeschools"
    verbose_name = "Safe Schools Partnership"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

        from safeschools import checks  # noqa: F401  (registers the deploy checks)
        from safeschools.page_cache import content_changed, deployed

        # Public pages are cached; a change to what they show starts a new generation.
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(content_changed, dispatch_uid=f"public-pages-{id(signal)}")
        # A deploy (which runs migrate) starts a new generation too: no page rendered from
        # the old templates is served after it.
        post_migrate.connect(deployed, dispatch_uid="public-pages-deployed")


# --- Section names in the admin ------------------------------------------------------
# Installed apps from libraries name their admin sections after their labels ("Otp_Totp").
# These subclasses change only the name people read; labels, tables and migrations stay.


class AuthenticatorAppsConfig(TOTPDeviceConfig):
    verbose_name = "Authenticator apps"


class RecoveryCodesConfig(StaticDeviceConfig):
    verbose_name = "Recovery codes"


class SignInLockoutsConfig(AxesConfig):
    verbose_name = "Sign-in lockouts"


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = "Background tasks"
