"""Draft review: flag duplication and contradiction between a draft and the existing plans.

``Reviewer(services).review(text_or_path, province=None, against=None)`` compares a draft
with the plans of the corpus; ``Reviewer(services).audit(doc_id)`` checks one plan
against itself. Both return a :class:`ReviewReport` (``to_dict()`` for JSON,
``to_text()`` for reading).
"""

from troly.review.draft import ReviewError, docx_available, parse_draft, read_draft_bytes
from troly.review.model import FieldDiff, Finding, ReviewReport
from troly.review.reviewer import Reviewer

__all__ = [
    "FieldDiff",
    "Finding",
    "ReviewError",
    "ReviewReport",
    "Reviewer",
    "docx_available",
    "parse_draft",
    "read_draft_bytes",
]
