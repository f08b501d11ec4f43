from django.apps import AppConfig


class HandwritingConfig(AppConfig):
    name = "tutor.handwriting"
    label = "handwriting"
    verbose_name = "Handwritten solutions"
