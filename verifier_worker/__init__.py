"""The verification core. Plain Python: importable and testable without Django.

The Celery glue lives in `verifier_worker.celery`; nothing here imports it.
"""
