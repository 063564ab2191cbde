from django.apps import AppConfig


class SafeSchoolsConfig(AppConfig):
    name = "safeschools"
    verbose_name = "Safe Schools Partnership"

    def ready(self) -> None:
        from safeschools import checks  # noqa: F401  (registers the deploy checks)
