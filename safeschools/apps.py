from django.apps import AppConfig


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
