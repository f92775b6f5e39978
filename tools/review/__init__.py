"""`review_models`: the project's SQLModel code, read statically, against the checklist, the spec
and the database."""

from tools.review.render import render_review
from tools.review.report import ANSWER_BUDGET, ModelReview, review_models
from tools.review.results import ModelResult, ReviewFinding
from tools.review.rules import RULES

__all__ = [
    "ANSWER_BUDGET",
    "RULES",
    "ModelResult",
    "ModelReview",
    "ReviewFinding",
    "render_review",
    "review_models",
]
