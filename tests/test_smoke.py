import subprocess
import sys


def test_verifier_core_and_registry_import_without_django_or_ml_libraries():
    # Given a fresh interpreter (so nothing imported by other tests counts)
    code = (
        "import sys\n"
        "import verifier_worker.types, verifier_worker.registry, verifier_worker.segmentation\n"
        "import verifier_worker.config, verifier_worker.evaluation, verifier_worker.backends.openai\n"
        "heavy = [m for m in ('django', 'torch', 'vllm', 'transformers') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    # When the verifier core is imported
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    # Then neither Django nor any ML library came with it
    assert result.stdout.strip() == ""


def test_the_web_process_never_imports_ml_libraries():
    # Given a fresh interpreter running the Django project's URLconf and every view module
    code = (
        "import os, sys, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tutor.settings.test'\n"
        "django.setup()\n"
        "import tutor.urls, grading.views, grading.services, tutor.classroom.views\n"
        "print(','.join(m for m in ('torch', 'vllm', 'transformers') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
