"""The rules that choose the stance weights inside the training folds (evaluate.STANCE_RULES), on
toy folds whose accuracies are given, and the vectorised count they use."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest

from tracker.models import Stance
from tracker.store import load_valid
from tracker.suggest import build_model, examples_from
from tracker.suggest import evaluate as ev
from tracker.suggest.stance import STANCES

from .helpers import REPO


@dataclass
class ToyFold:
    """An inner fold that answers with given right counts (default: `base`) out of 100 pairs."""

    kind: str
    right_by: dict
    base: int = 50
    pairs: int = 100

    def right(self, shape, mix) -> int:
        return self.right_by.get((shape, mix), self.right_by.get(shape, self.base))


SHAPES = [(1.0, 0.0, 0.0), (3.0, 0.0, 0.0), (10.0, 0.0, 0.0)]
MIXES = [(0.0, 0.0), (-1.0, 0.0), (0.0, 0.5)]


def folds(best: int, others: int, spread: int) -> list[ToyFold]:
    """Two folds of each kind; shape (1, 0, 0) scores `best` on average, the rest `others`, and the
    folds differ by +-`spread` (what makes the standard error)."""
    out = []
    for kind in ("articles", "events"):
        for sign in (1, -1):
            out.append(ToyFold(kind, {SHAPES[0]: best + sign * spread}, base=others + sign * spread))
    return out


@pytest.mark.parametrize(
    ("best", "others", "spread", "rule", "expected"),
    [
        (60, 58, 10, "one-se", SHAPES[2]),  # 2 points apart, folds 20 apart: noise, the most regularised
        (60, 58, 0, "one-se", SHAPES[0]),  # no spread: the best
        (60, 58, 10, "fourth-pass", SHAPES[0]),
        (60, 58, 10, "no-mix", SHAPES[0]),
    ],
)
def test_the_shape_each_rule_chooses(best, others, spread, rule, expected):
    shape, _ = ev.STANCE_RULES[rule](folds(best, others, spread), SHAPES, MIXES, "events")
    assert shape == expected


@pytest.mark.parametrize(
    ("rule", "spread", "expected"),
    [
        ("one-se", 10, (0.0, 0.0)),
        ("one-se", 0, (-1.0, 0.0)),
        ("fourth-pass", 10, (-1.0, 0.0)),
        ("no-mix", 0, (0.0, 0.0)),
    ],
)
def test_the_offset_and_share_each_rule_chooses(rule, spread, expected):
    # The offset -1 is 3 points better on the tested kind (events); the article folds would say otherwise.
    toy = [
        ToyFold("events", {(s, (-1.0, 0.0)): 53 + sign * spread for s in SHAPES}, base=50 + sign * spread)
        for sign in (1, -1)
    ] + [ToyFold("articles", {(s, (-1.0, 0.0)): 0 for s in SHAPES})]
    assert ev.STANCE_RULES[rule](toy, SHAPES, MIXES, "events")[1] == expected


def test_smoothing_prefers_a_plateau_to_a_lone_spike():
    grid = [[0.0, 1.0, 2.0, 3.0, 4.0]]
    values = {(0.0,): 0.9, (1.0,): 0.1, (2.0,): 0.65, (3.0,): 0.7, (4.0,): 0.5}
    smooth = ev._smoothed(values, grid)
    assert max(smooth, key=lambda k: smooth[k]) == (3.0,)


@pytest.mark.parametrize(
    ("denial", "obstruction", "expected"),
    [(False, False, Stance.VIOLATED), (True, False, Stance.IMPLEMENTED), (False, True, Stance.VIOLATED)],
)
def test_the_vectorised_methodology_rules(denial, obstruction, expected):
    probs = np.full((1, len(STANCES)), 0.125)
    probs[0, STANCES.index(Stance.VIOLATED)] = 0.3
    probs[0, STANCES.index(Stance.IMPLEMENTED)] = 0.2
    out = ev._methodology(probs, np.array([denial]), np.array([obstruction]))
    assert abs(out.sum() - 1) < 1e-9 and STANCES[int(np.argmax(out))] == expected


@pytest.fixture(scope="module")
def held_out_year():
    """A model fitted without one year's events, and that year's (passage, provision) pairs."""
    dataset = load_valid(REPO)
    everything = examples_from(dataset)
    year = max(y for e in everything if e.kind == "event" and (y := ev.event_year(e)) is not None)
    test = [e for e in everything if e.kind == "event" and ev.event_year(e) == year]
    train = [e for e in everything if not (e.kind == "event" and ev.event_year(e) == year)]
    model = build_model(dataset, examples=train)
    prepared = ev.prepare(model, ev.event_passages(test))
    return model, prepared, ev.stance_table(model, prepared, ev.majority_stance(train))


@pytest.mark.parametrize(("offset", "share"), [(0.0, 0.0), (-1.0, 0.0), (0.5, 0.5)])
def test_the_vectorised_count_gives_what_the_model_guesses(held_out_year, offset: float, share: float):
    """The rules count with table_right; the splits score with Model.stances: the same pairs right."""
    model, prepared, table = held_out_year
    model = model.with_weights(dataclasses.replace(model.weights, stance_context=offset, stance_kernel=share))
    expected = ev.stance_counts(model, prepared, table.majority).stance_right
    assert ev.table_right(table, ev.table_logits(model, table), offset, share) == expected
