"""Grounded answers with citations, or a polite refusal (extractive; optional LLM).

The package is split by responsibility, each part readable and testable alone:

* :mod:`~troly.answerer.analysis` — what a question asks (cues, fields, periods, parts);
* :mod:`~troly.answerer.scope` — what the index holds (provinces, years, kinds);
* :mod:`~troly.answerer.evidence` — task rows, agency sections, sentence choice;
* :mod:`~troly.answerer.compose` — answer text, plain lead sentence, explanations;
* :mod:`~troly.answerer.refusal` — refusals and the topic → agency referral table;
* :mod:`~troly.answerer.followup` — follow-up questions;
* :mod:`~troly.answerer.docinfo` — questions about a plan as a document (number, signer);
* :mod:`~troly.answerer.items` — a prose section's items a), b), … quoted together;
* :mod:`~troly.answerer.legal` — a legal question answered from the laws' articles;
* :mod:`~troly.answerer.ranker` — the sentence-relevance model fitted on dev;
* :mod:`~troly.answerer.core` — :class:`Answerer`, which routes between them.
"""

from troly.answerer.analysis import deadline_periods
from troly.answerer.core import Answerer
from troly.answerer.scope import CorpusScope
from troly.composer import quote

__all__ = ["Answerer", "CorpusScope", "deadline_periods", "quote"]
