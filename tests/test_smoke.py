import importlib
import sys


def test_verifier_core_imports_without_django_or_torch():
    # Given a fresh interpreter state for the core modules
    for name in [m for m in sys.modules if m.startswith("verifier_worker")]:
        del sys.modules[name]
    # When the core is imported
    importlib.import_module("verifier_worker.types")
    importlib.import_module("verifier_worker.registry")
    # Then no heavy ML library came with it
    assert "torch" not in sys.modules
    assert "vllm" not in sys.modules
