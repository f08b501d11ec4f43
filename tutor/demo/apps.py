from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py load_demo`: the showroom `make run` opens with. It sits above every other app (it fills them
    all), so no app depends on it."""

    name = "tutor.demo"
    label = "demo"
    verbose_name = "Demo data"
