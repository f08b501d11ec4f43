"""The verification core. Plain Python: importable and testable without Django.

The Celery glue lives in the Django project (`tutor/celery.py`, `grading/tasks.py`); nothing here imports it.
"""
