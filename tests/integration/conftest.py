from tests.integration.harness import celery_workers, redis_broker  # noqa: F401 - fixtures for this folder
