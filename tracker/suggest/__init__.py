"""Suggests which provisions each passage of an article bears on, with a stance guess.

The package is split by concern: `passages` (splitting an article into exact spans), `words` (how
text is read: folding, aliases, stems), `model` (relevance and stance, learned from the data) and
`stubs` (suggestions written as unconfirmed evidence). docs/suggest.md describes the method and
gives its measured quality. Everything the CLI, the dashboard and the benchmark use is re-exported
here, so `from tracker.suggest import suggest` keeps working.
"""

from .model import (
    DEFAULT_WEIGHTS,
    STANCE_CUES,
    STANCES,
    Example,
    Model,
    Parts,
    PassageSuggestion,
    Proposal,
    Weights,
    build_model,
    examples_from,
    model_for,
    stance_cues,
    suggest,
    text_weight,
)
from .passages import MAX_QUOTATION, MIN_WORDS, Passage, split_passages
from .stubs import STUB_CLAIMANT, STUB_SIDE, stub_items, stubs_yaml
from .words import STOPWORDS, Reader, Token, fold, stem

__all__ = [
    "DEFAULT_WEIGHTS", "MAX_QUOTATION", "MIN_WORDS", "STANCES", "STANCE_CUES", "STOPWORDS", "STUB_CLAIMANT",
    "STUB_SIDE", "Example", "Model", "Parts", "Passage", "PassageSuggestion", "Proposal", "Reader", "Token",
    "Weights", "build_model", "examples_from", "fold", "model_for", "split_passages", "stance_cues", "stem",
    "stub_items", "stubs_yaml", "suggest", "text_weight",
]
