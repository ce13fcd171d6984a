"""The two kernel models of suggest (tracker/suggest/kernel.py): the relevance gate and the stance
kernel, on toy data, and the gate's effect on proposals."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tracker import suggest as sg
from tracker.models import Stance
from tracker.store import load_valid
from tracker.suggest.kernel import Gate, StanceKernel, Tfidf, bag
from tracker.suggest.stance import STANCES

from .helpers import REPO


@pytest.fixture(scope="module")
def model():
    return sg.build_model(load_valid(REPO))


def test_a_bag_holds_words_and_adjacent_pairs():
    assert bag(["line", "contact", "line"]) == {"line": 2, "contact": 1, "line contact": 1, "contact line": 1}


def test_terms_of_a_single_training_text_are_left_out_of_the_vectors():
    tfidf = Tfidf([bag(["a", "b"]), bag(["a", "c"])])
    assert set(tfidf.index) == {"a"}
    assert np.allclose(np.linalg.norm(tfidf.matrix([bag(["a", "z"]), bag(["z"])]), axis=1), [1.0, 0.0])


@pytest.mark.parametrize(
    ("query", "relevant"),
    [(["detainee", "exchang", "border"], True), (["weather", "cafe", "warm"], False)],
)
def test_the_gate_scores_passages_like_linked_ones_above_passages_like_unlinked_ones(query, relevant: bool):
    rows = [
        (["detainee", "exchang"], True),
        (["detainee", "border"], True),
        (["exchang", "border"], True),
        (["weather", "cafe"], False),
        (["cafe", "warm"], False),
        (["weather", "warm"], False),
    ]
    gate = Gate([bag(r) for r, _ in rows], [y for _, y in rows])
    assert (gate.score([bag(query)])[0] > 0.5) == relevant


def test_a_gate_with_nothing_to_learn_from_lets_everything_through():
    assert Gate([], []).score([bag(["anything"])]).tolist() == [1.0]


@pytest.mark.parametrize(("provision", "expected"), [("p1", Stance.VIOLATED), ("p2", Stance.PROGRESS)])
def test_the_stance_kernel_follows_similar_pairs_of_the_same_provision(provision: str, expected: Stance):
    # Two items, identical words: only the provision tells their stances apart.
    similarity = np.ones((2, 2))
    kernel = StanceKernel(
        similarity, [0, 1], ["p1", "p2"], ["c", "c"], ["event", "event"], [Stance.VIOLATED, Stance.PROGRESS]
    )
    probs = kernel.probabilities(np.ones((1, 2)), [provision], ["c"], ["event"])[0]
    assert abs(probs.sum() - 1) < 1e-9 and STANCES[int(np.argmax(probs))] == expected


@pytest.mark.parametrize(("gate", "any_proposal"), [(None, True), (5.0, False)])
def test_a_passage_under_the_gate_gets_no_proposal(model, gate, any_proposal: bool):
    model = model.with_weights(dataclasses.replace(model.weights, gate=gate))
    (only,) = model.suggest("Baku handed over twelve Armenian detainees to Yerevan on Thursday.")
    assert bool(only.proposals) == any_proposal


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_mixing_in_the_stance_kernel_keeps_a_distribution(model, share: float):
    model = model.with_weights(dataclasses.replace(model.weights, stance_kernel=share))
    text = "Two soldiers were killed as the ceasefire was violated near Martuni."
    stances = model.stances(text, model.reader.stems(text), "nov2020-1")
    assert {s for s, _ in stances} == set(Stance) and abs(sum(v for _, v in stances) - 1) < 1e-6
