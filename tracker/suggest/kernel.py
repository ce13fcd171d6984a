"""Kernel ridge regression over TF-IDF vectors of words and word pairs, in numpy.

Two small supervised models of suggest use it (docs/suggest.md says what each gained):

- the **relevance gate** (`Gate`): does a passage of an article bear on any provision at all? It
  learns from the passages of the stored articles the model is fitted with (a passage some quote
  covers is relevant, the rest are not) and from the confirmed quotes themselves. A passage whose
  gate score is under `Weights.gate` gets no proposal, whatever its provision scores: the provision
  scores say *which* provision, the gate *whether any*.
- the **stance kernel** (`StanceKernel`): a second stance guess, from the stances of similar labelled
  (item, provision) pairs; the kernel is the cosine of the items' words plus terms for the same
  provision, the same category and the same kind of item. Its probabilities are mixed with the logistic
  regression's (stance.py) with `Weights.stance_kernel` (0: unused).

Both have a few hundred training rows, so the dual form (an n x n solve) costs milliseconds and no
new dependency (scikit-learn would bring the same computation and half a second of import time).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from ..models import Stance
from .stance import STANCES


def bag(stems: Sequence[str]) -> Counter[str]:
    """The words of a text and its adjacent word pairs (so "line of contact" is more than its words)."""
    out = Counter(stems)
    out.update(f"{a} {b}" for a, b in pairwise(stems))
    return out


class Tfidf:
    """Sublinear TF-IDF over the bags of the training texts; rows scaled to unit length. Terms of a
    single training text are left out: they relate a text to nothing else (and would make the
    matrices three times wider and the fit ten times slower)."""

    def __init__(self, bags: Sequence[Counter[str]]):
        df = Counter(k for b in bags for k in b)
        n = len(bags)
        kept = sorted(k for k, c in df.items() if c >= 2)
        self.index = {k: i for i, k in enumerate(kept)}
        self.idf = np.array([math.log((n + 1) / (df[k] + 1)) + 1.0 for k in kept], dtype=np.float32)

    def matrix(self, bags: Sequence[Counter[str]]) -> np.ndarray:
        x = np.zeros((len(bags), len(self.index)), dtype=np.float32)
        for r, b in enumerate(bags):
            for k, c in b.items():
                j = self.index.get(k)
                if j is not None:
                    x[r, j] = (1.0 + math.log(c)) * self.idf[j]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.where(norms > 0, norms, 1.0)


def _solve(kernel: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    return np.linalg.solve(kernel + ridge * np.eye(len(kernel)), y)


class Gate:
    """Whether a passage bears on any provision: kernel ridge on 1 (relevant) / 0 (not). The kernel
    is linear, so the fit is kept as one weight per term (X^T alpha): a passage is scored by a sum
    over its own terms, not a product with every training row."""

    RIDGE = 1.0  # fixed, not tuned: the threshold on the score is what the folds choose

    def __init__(self, bags: Sequence[Counter[str]], relevant: Sequence[bool]):
        self.tfidf = Tfidf(bags) if bags else None
        y = np.array([1.0 if r else 0.0 for r in relevant])
        self.mean = float(y.mean()) if len(y) else 1.0
        self.term_weights = np.zeros(0)
        if self.tfidf is not None and len(y):
            x = self.tfidf.matrix(bags)
            self.term_weights = x.T @ _solve(x @ x.T, y - self.mean, self.RIDGE)

    def score(self, bags: Sequence[Counter[str]]) -> np.ndarray:
        """About 1 for a passage like the relevant ones, about 0 for one like the rest."""
        if self.tfidf is None or not len(self.term_weights):
            return np.ones(len(bags))
        return self.tfidf.matrix(bags) @ self.term_weights + self.mean


class StanceKernel:
    """Stance probabilities from similar labelled (item, provision) pairs. The text part of the
    kernel is the cosine similarity of the items (Model.items: IDF-weighted words), which the model
    computes anyway; `item_of[r]` is the item of pair r."""

    RIDGE = 3.0
    SAME_PROVISION = 0.3
    SAME_CATEGORY = 0.15
    SAME_KIND = 0.3

    def __init__(
        self,
        item_similarity: np.ndarray,
        item_of: Sequence[int],
        provisions: Sequence[str],
        categories: Sequence[str],
        kinds: Sequence[str],
        stances: Sequence[Stance],
    ):
        self.item_of = np.array(item_of, dtype=np.intp)
        # Provisions, categories and kinds as integer codes: comparing codes is fast, strings not.
        self.codes: list[dict[str, int]] = [{}, {}, {}]
        self.own = [self._encode(i, v, grow=True) for i, v in enumerate((provisions, categories, kinds))]
        y = np.zeros((len(stances), len(STANCES)))
        for i, s in enumerate(stances):
            y[i, STANCES.index(s)] = 1.0
        self.mean = y.mean(axis=0) if len(y) else np.full(len(STANCES), 1.0 / len(STANCES))
        self.alpha = np.zeros((0, len(STANCES)))
        if len(y):
            text = item_similarity[np.ix_(self.item_of, self.item_of)]
            self.alpha = _solve(self._kernel(text, provisions, categories, kinds), y - self.mean, self.RIDGE)

    def _encode(self, which: int, values: Sequence[str], grow: bool = False) -> np.ndarray:
        codes = self.codes[which]
        if grow:
            return np.array([codes.setdefault(v, len(codes)) for v in values], dtype=np.intp)
        return np.array([codes.get(v, -1) for v in values], dtype=np.intp)

    def _kernel(
        self, text: np.ndarray, provisions: Sequence[str], categories: Sequence[str], kinds: Sequence[str]
    ) -> np.ndarray:
        k = text.astype(np.float64)
        for which, (values, weight) in enumerate(
            ((provisions, self.SAME_PROVISION), (categories, self.SAME_CATEGORY), (kinds, self.SAME_KIND))
        ):
            k += weight * (self._encode(which, values)[:, None] == self.own[which][None, :])
        return k

    def probabilities(
        self, similarity: np.ndarray, provisions: Sequence[str], categories: Sequence[str], kinds: Sequence[str]
    ) -> np.ndarray:
        """Per row, a distribution over STANCES (the regression's output clipped and rescaled).
        `similarity` holds each row's cosine similarity to every training item."""
        if not len(self.alpha):
            return np.tile(self.mean, (len(provisions), 1))
        raw = self._kernel(similarity[:, self.item_of], provisions, categories, kinds) @ self.alpha + self.mean
        raw = np.clip(raw, 1e-3, None)
        return raw / raw.sum(axis=1, keepdims=True)
