"""The re-ranker: which of a passage's candidate provisions to propose, learned from labelled passages.

The candidates and their score parts come from model.Model.parts (keywords, provision text,
learned words, nearest linked item, vote of the ten nearest). A fixed weighted sum of the parts with
one threshold ranked the right provision among the candidates but proposed only about half of them:
the parts' value depends on the passage (a vote of 0.3 means much when no other provision has one).
The re-ranker is a logistic regression over the parts, their size relative to the passage's best
candidate, and the provision's prior (how often the training items link it), fitted on candidate
lists the training model produced for passages it had NOT learned from (the inner folds of
evaluate.choose_weights), so it learns how the parts behave on unseen text. A provision is proposed
when its probability reaches the cut-off chosen on the same inner folds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# One candidate: (provision id, keyword, text, learned, nearest, vote, has_keywords, prior), prior
# being the share of training items linked to the provision.
Candidate = tuple[str, float, float, float, float, float, bool, float]

FEATURES = (
    "keyword",
    "text",
    "learned",
    "nearest",
    "vote",
    "prior",
    "keyword - best",
    "learned - best",
    "nearest - best",
    "vote - best",
    "first by nearest",
    "first by vote",
    "candidates",
    "passage's best nearest",
    "has keywords",
    "bias",
)


def features(candidates: Sequence[Candidate]) -> np.ndarray:
    """One row of FEATURES per candidate of one passage."""
    if not candidates:
        return np.zeros((0, len(FEATURES)))
    c = np.array(
        [
            [math.log1p(k), math.log1p(t), math.log1p(lr), nn, vo, math.log(pr + 1e-3), float(has)]
            for _, k, t, lr, nn, vo, has, pr in candidates
        ]
    )
    best = c.max(axis=0)
    n = len(candidates)
    return np.column_stack(
        [
            c[:, 0],
            c[:, 1],
            c[:, 2],
            c[:, 3],
            c[:, 4],
            c[:, 5],
            c[:, 0] - best[0],
            c[:, 2] - best[2],
            c[:, 3] - best[3],
            c[:, 4] - best[4],
            (c[:, 3] >= best[3]).astype(float),
            (c[:, 4] >= best[4]).astype(float),
            np.full(n, math.log(n)),
            np.full(n, best[3]),
            c[:, 6],
            np.ones(n),
        ]
    )


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 25) -> tuple[float, ...]:
    """L2-regularised logistic regression (the bias not shrunk) by Newton's method: a few thousand
    rows of 16 features, milliseconds."""
    if not len(x):
        return ()
    w = np.zeros(x.shape[1])
    shrink = np.full(x.shape[1], l2)
    shrink[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + shrink * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(shrink + 1e-6)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return tuple(float(v) for v in np.round(w, 4))


def probabilities(coefficients: Sequence[float], candidates: Sequence[Candidate]) -> np.ndarray:
    """The probability that each candidate is a provision the passage bears on."""
    if not candidates:
        return np.zeros(0)
    z = features(candidates) @ np.asarray(coefficients, dtype=float)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def ranked(
    coefficients: Sequence[float], candidates: Sequence[Candidate], cutoff: float, top: int
) -> list[tuple[str, float]]:
    """The proposals of one passage, best first: probability at least `cutoff`, at most `top`."""
    probs = probabilities(coefficients, candidates)
    order = sorted(range(len(candidates)), key=lambda i: (-probs[i], candidates[i][0]))
    return [(candidates[i][0], float(probs[i])) for i in order if probs[i] >= cutoff][:top]
