"""`newsevents evaluate extraction`: see the module's command."""

from flows.evaluate.app import evaluate_app  # noqa: F401
