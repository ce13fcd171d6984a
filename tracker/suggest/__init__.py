"""Suggests which provisions each passage of an article bears on, with a stance guess.

The package is split by concern: `passages` (splitting an article into exact spans), `words` (how
text is read: folding, aliases, stems), `vocabulary` (hand-written
subject words and generic words), `model` (relevance, learned from the data), `stance` (the stance guess) and
`stubs` (suggestions written as unconfirmed evidence). docs/suggest.md describes the method and
gives its measured quality. Everything the CLI, the dashboard and the benchmark use is re-exported
here, so `from tracker.suggest import suggest` keeps working.
"""

from .model import (
    DEFAULT_WEIGHTS,
    SHOW_SECOND_BELOW,
    Example,
    Model,
    Parts,
    PassageSuggestion,
    Proposal,
    Weights,
    build_model,
    digest,
    examples_from,
    model_for,
    suggest,
    text_weight,
)
from .passages import MAX_QUOTATION, MIN_WORDS, Passage, split_passages
from .stance import STANCE_CUES, STANCES, StanceModel, denies_breach, stance_cues
from .stubs import STUB_CLAIMANT, STUB_SIDE, new_stubs, stub_items, stubs_yaml
from .words import STOPWORDS, Reader, Token, fold, stem

__all__ = [
    "DEFAULT_WEIGHTS",
    "MAX_QUOTATION",
    "MIN_WORDS",
    "SHOW_SECOND_BELOW",
    "STANCES",
    "STANCE_CUES",
    "STOPWORDS",
    "STUB_CLAIMANT",
    "STUB_SIDE",
    "Example",
    "Model",
    "Parts",
    "Passage",
    "PassageSuggestion",
    "Proposal",
    "Reader",
    "StanceModel",
    "Token",
    "Weights",
    "build_model",
    "denies_breach",
    "digest",
    "examples_from",
    "fold",
    "model_for",
    "new_stubs",
    "split_passages",
    "stance_cues",
    "stem",
    "stub_items",
    "stubs_yaml",
    "suggest",
    "text_weight",
]
