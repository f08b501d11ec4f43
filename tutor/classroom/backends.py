"""Which checkers a teacher may choose for an assignment: the registry's configured, teacher-visible backends
(verifier_worker.registry), plus the site default. The assignment form and the problem-set importer both ask here."""

from __future__ import annotations

from django.conf import settings

from verifier_worker import registry
from verifier_worker.types import VerifierMisconfigured

# What the choices mean, in a teacher's words (the registry's labels are for admins).
TEACHER_LABELS = {
    "symbolic": "Step checker (arithmetic and algebra, no AI model)",
    "cascade": "Step checker first, then the AI verifier for what it cannot decide",
    "openai": "AI verifier on this school's model server",
    "vllm": "AI verifier on this server's GPU",
    "transformers": "AI verifier, small model on this server",
}


def label(name: str) -> str:
    if name in TEACHER_LABELS:
        return TEACHER_LABELS[name]
    try:
        return registry.spec(name).shown
    except VerifierMisconfigured:
        return name


def backend_choices(current: str = "") -> list[tuple[str, str]]:
    """(name, label) a teacher may pick here. Backends that cannot run on this server are not offered; the site
    default and an assignment's current backend stay listed so a form never silently changes them."""
    choices = [(name, label(name)) for name, _ in registry.teacher_choices(settings.VERIFIER_OPTIONS)]
    names = {name for name, _ in choices}
    default = settings.VERIFIER_DEFAULT_BACKEND
    if default not in names:
        choices.append((default, f"{label(default)} (site default)"))
        names.add(default)
    if current and current not in names:
        choices.append((current, f"{label(current)} (not set up on this server)"))
    return choices


def not_available_reason(name: str) -> str:
    """Why an assignment's checker cannot run here, in a teacher's words ("" when it can)."""
    reason = registry.not_configured_reason(name, settings.VERIFIER_OPTIONS)
    if not reason:
        return ""
    return (
        f"The checker chosen for this assignment ({label(name)}) is not set up on this server ({reason}). "
        "Choose another checker in the assignment's settings, or ask your site administrator to set it up."
    )
