from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = "Grading"

    def ready(self) -> None:
        from django.conf import settings

        from verifier_worker import registry

        # Once at start-up, in the web process and in every worker: extra backends join the one table, with
        # their queue and label, so routing, the forms and the cascade's stages all find them.
        registry.register_extra(settings.VERIFIER_EXTRA_BACKENDS)
