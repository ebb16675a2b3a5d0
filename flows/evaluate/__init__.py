"""`newsevents evaluate …`: measure extraction against gold data, by the shared scoring rules.

Each evaluation lives in its own module and registers one command on ``evaluate_app``.
"""

from flows.evaluate.app import evaluate_app
from flows.evaluate import extraction, statements, events, cameo, accuracy  # noqa: E402,F401  (register commands)

__all__ = ["evaluate_app"]
