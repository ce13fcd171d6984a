"""Which provisions a passage bears on, and the stance it takes: learned from everything labelled.

Each passage is matched against every provision **in force on the article's date** (an agreement
signed later is never proposed: validation would refuse the stub, and the passage cannot bear on
it). The score of a provision is made of four explainable parts (docs/suggest.md gives the
measured quality and the script that measures it):

- **keywords**: the provision's hand-written `keywords:`, and the general vocabulary of its
  category (vocabulary.CATEGORY_TERMS), found in the passage (phrases whole);
- **text**: words shared with the provision's title, text and variant texts;
- **learned**: words that the items linked to the provision use markedly more often than other text;
- **nearest**: the cosine similarity (IDF-weighted words) to the most similar item linked to it;
- **vote**: the share of the passage's ten most similar items (weighted by similarity) linked to it.

"Items" are every confirmed quote and every reported event (summary and quotation) of the data:
each confirmation teaches the next suggestion. A proposal whose matched words are all generic
(vocabulary.GENERIC: "priority", "humanitarian", "return"...) is dropped. Every word counts by its
rarity (IDF) over the training texts and the stored articles; keywords and text words also count by
how few provisions share them, so siblings with the same text (6a/6b) are told apart by their own
words. Before matching, spellings in `provisions/aliases.yaml` are read as their term. The stance is
guessed by a small logistic regression (stance.py). The fitted model is cached by a digest of what
it is fitted on, in memory and (for the CLI) in the data root's signed disk cache, so the model
refits exactly when the data or this code changes.

Suggestions are not evidence: stubs.py writes them as passages marked `unconfirmed: true`,
which validation checks but the status engine never sees until an analyst removes the mark.
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from ..diskcache import DiskCache
from ..models import Category, Stance
from ..store import Dataset
from . import rerank as rr
from .kernel import Gate, StanceKernel, bag
from .passages import Passage, split_passages
from .stance import STANCE_CUES, STANCES, StanceItem, StanceModel, stance_cues
from .vocabulary import CATEGORY_TERMS, GENERIC
from .words import _WORD, Reader, Token, fold, stem

__all__ = ["STANCES", "STANCE_CUES", "stance_cues"]

# The items that vote for a passage's provisions: its ten most similar.
VOTERS = 10
# The items linked to a provision whose stances inform the stance guess for it: its five most similar.
STANCE_NEIGHBOURS = 5
# A second stance is shown beside the first when the first is less likely than this.
SHOW_SECOND_BELOW = 0.6
# Sixth pass, an experiment, measured and dropped (docs/suggest.md; kept off here so that
# `bench_suggest.py --stance-rules --own-year-out` can reproduce the figures reported): a training
# EVENT's neighbours leave out the events of its own year, as a training quote's leave out its own
# article's quotes (a new year's event finds nothing of that year in the data). With the adopted
# rule it left the year split at 65.2% and lowered the article split from 75.0% to 73.2%.
NEIGHBOURS_LEAVE_OUT_OWN_YEAR = False


@dataclass(frozen=True)
class Weights:
    """How the parts of the score are combined (docs/suggest.md)."""

    text: float = 0.25  # weight of words shared with the provision text (keywords weigh 1)
    learned: float = 0.5  # weight of the words learned from linked items
    nearest: float = 4.0  # weight of the similarity to the nearest linked item (0..1)
    vote: float = 2.0  # weight of the similarity-weighted vote of the ten nearest items (0..1)
    threshold: float = 4.0  # a provision is proposed when its raw score reaches this
    relative: float = 0.0  # ... and at least this share of the passage's best score
    stance_l2: float = 30.0  # stance: L2 regularisation of the logistic regression
    stance_cue: float = 2.0  # stance: prior weight of a cue phrase toward its stance
    stance_near: float = 3.0  # stance: scale of the nearest items' stances as features (0: unused)
    stance_context: float = 0.0  # stance: added to the log-odds of `context` after the fit
    keywords: bool = True  # use the hand-written keywords at all (off: an ablation)
    # Text weight for a provision that has no keywords (a new agreement typed in without them):
    # there the provision's own words are all there is to match. Not chosen by the benchmark
    # (every bundled provision has keywords): set by hand, as in the first version.
    text_without_keywords: float = 0.25
    # The re-ranker (rerank.py): logistic-regression coefficients over the candidates' features, and
    # the probability a candidate needs to be proposed. Empty: the weighted sum above and `threshold`.
    rerank: tuple[float, ...] = ()
    cutoff: float = 0.5
    # The relevance gate (kernel.Gate): a passage whose gate score is under this gets no proposal.
    # None: no gate. Chosen by the benchmark in the folds, like the threshold (0.2 on all the data).
    gate: float | None = 0.2
    # Share of the stance kernel's probabilities (kernel.StanceKernel) mixed into the regression's.
    stance_kernel: float = 0.0


# Chosen by benchmarks/bench_suggest.py on all the data (it prints them as "runtime defaults"). The
# evaluation in docs/suggest.md does not use them: it chooses the weights again inside every fold.
DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Example:
    """An item already labelled by an analyst: its text, provisions and stance, and who said it."""

    text: str
    provisions: tuple[str, ...]
    stance: Stance
    source: str = ""  # the source id of a quote, the event id of a reported event
    side: str | None = None
    kind: str = "quote"  # quote | event
    when: date | None = None  # the event date, when known


@dataclass
class Parts:
    """The parts of one provision's score for one passage, and the words behind each."""

    keyword: float = 0.0
    text: float = 0.0
    learned: float = 0.0
    nearest: float = 0.0
    vote: float = 0.0
    has_keywords: bool = True
    specific: bool = False  # some matched word is not generic
    terms: dict[str, float] = field(default_factory=dict)

    def raw(self, w: Weights) -> float:
        return (
            (self.keyword if w.keywords else 0.0)
            + text_weight(w, self.has_keywords) * self.text
            + w.learned * self.learned
            + w.nearest * self.nearest
            + w.vote * self.vote
        )

    def add(self, surface: str, weight: float) -> None:
        if weight > 0:
            self.terms[surface] = self.terms.get(surface, 0.0) + weight


def text_weight(w: Weights, has_keywords: bool) -> float:
    """The weight of the provision-text part: its own, or the fallback for a provision without keywords."""
    return w.text if has_keywords or not w.keywords else w.text_without_keywords


@dataclass(frozen=True)
class Proposal:
    """A provision a passage may bear on. `score` is in [0, 1): 0.5 at the proposal threshold.
    `stances` holds every stance with its probability, likeliest first."""

    provision_id: str
    score: float
    stance: Stance
    stance_confidence: float
    matched_terms: tuple[str, ...]
    stances: tuple[tuple[Stance, float], ...] = ()

    @property
    def second_stance(self) -> tuple[Stance, float] | None:
        """The runner-up stance, when the first is not clearly ahead (under 60%)."""
        if self.stance_confidence < SHOW_SECOND_BELOW and len(self.stances) > 1:
            return self.stances[1]
        return None

    def stance_text(self) -> str:
        """'implemented 82%' or, when unsure, 'context 48% / progress 31%'."""
        first = f"{self.stance.value} {self.stance_confidence:.0%}"
        second = self.second_stance
        return first if second is None else f"{first} / {second[0].value} {second[1]:.0%}"

    def to_dict(self) -> dict[str, Any]:
        second = self.second_stance
        return {
            "provision_id": self.provision_id,
            "score": round(self.score, 3),
            "stance": self.stance.value,
            "stance_confidence": round(self.stance_confidence, 3),
            "second_stance": None
            if second is None
            else {"stance": second[0].value, "probability": round(second[1], 3)},
            "matched_terms": list(self.matched_terms),
        }


@dataclass(frozen=True)
class PassageSuggestion:
    """A passage and its ranked proposals; none when it bears on no provision."""

    passage: Passage
    proposals: list[Proposal]

    @property
    def bears_on_nothing(self) -> bool:
        return not self.proposals

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.passage.text,
            "start": self.passage.start,
            "end": self.passage.end,
            "proposals": [p.to_dict() for p in self.proposals],
        }


def _role(dataset: Dataset, actor_id: str | None) -> str | None:
    """party | observer, from the actor's `role` when the data has it (methodology v2)."""
    actor = dataset.actors.get(actor_id or "")
    role = getattr(actor, "role", None)
    return str(getattr(role, "value", role)) if role else None


class Model:
    """What suggest needs from the data, prepared once: the reader, word rarity, each provision's
    keywords and words, the words learned from linked items, the items' vectors, the stance model."""

    def __init__(
        self,
        dataset: Dataset,
        examples: Sequence[Example],
        background: Sequence[str],
        weights: Weights = DEFAULT_WEIGHTS,
        gate_passages: Sequence[tuple[str, bool]] = (),
    ):
        self.weights = weights
        self.digest = ""  # of the data it was fitted on, set by model_for
        self.provision_ids = list(dataset.provisions)
        self.in_force_from = {pid: dataset.agreement_of(pid).date for pid in self.provision_ids}
        self.category = {pid: p.category.value for pid, p in dataset.provisions.items()}
        self.roles = {a: _role(dataset, a) for a in dataset.actors}
        places = [
            w for p in dataset.provisions.values() for k in p.keywords for w in _WORD.findall(k) if w[:1].isupper()
        ]
        self.reader = Reader(dataset.aliases, places)
        read = self.reader.stems
        example_stems = [read(e.text) for e in examples]
        # Word rarity over the passages of the background articles and the training items.
        texts = [p.text for text in background for p in split_passages(text)]
        background_stems = {t: read(t) for t in texts}  # the gate reads the same passages again
        token_sets = [set(background_stems[t]) for t in texts] + [set(s) for s in example_stems]
        self._df = Counter(t for s in token_sets for t in s)
        self.n_background = len(token_sets)
        # Provision words (title, text, variants) and keywords, with how many provisions share each.
        self.words: dict[str, set[str]] = {}
        self.keywords: dict[str, list[tuple[str, ...]]] = {}
        for pid, p in dataset.provisions.items():
            body = " ".join([p.title, p.text, *(v.text for v in p.variants)])
            self.words[pid] = set(read(body))
            phrases = {tuple(read(k)) for k in (*p.keywords, *CATEGORY_TERMS.get(Category(p.category), ()))}
            self.keywords[pid] = sorted(k for k in phrases if k)
        self.has_keywords = {pid: bool(p.keywords) for pid, p in dataset.provisions.items()}
        # Keyword phrases by their first word: a passage looks up only the phrases its words start.
        self.phrases: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        for pid, keyword_phrases in self.keywords.items():
            for phrase in keyword_phrases:
                self.phrases[phrase[0]].append((pid, phrase))
        self.word_share = Counter(t for ws in self.words.values() for t in ws)
        self.generic = frozenset(stem(fold(w)) for w in GENERIC)
        self.keyword_share = Counter(k for ks in self.keywords.values() for k in set(ks))
        # Learned: words over-represented in the items linked to each provision.
        self.learned: dict[str, dict[str, float]] = defaultdict(dict)
        by_provision: dict[str, list[tuple[set[str], str]]] = defaultdict(list)
        for stems, e in zip(example_stems, examples, strict=True):
            for pid in e.provisions:
                by_provision[pid].append((set(stems), e.source))
        alpha = 0.5
        for pid, linked in by_provision.items():
            counts = Counter(t for tokens, _ in linked for t in tokens)
            sources: dict[str, set[str]] = defaultdict(set)
            for tokens, source in linked:
                for t in tokens:
                    sources[t].add(source)
            for t, c in counts.items():
                if c < 2 or len(sources[t]) < 2 or t in self.generic:
                    # One item, or one article's repeated quotes (names, its turns of phrase), is an
                    # anecdote, not a pattern; a generic word is no sign of any one provision.
                    continue
                inside = (c + alpha) / (len(linked) + 2 * alpha)
                outside = (self._df.get(t, 0) + alpha) / (self.n_background + 2 * alpha)
                score = math.log(inside / outside)
                if score > 0:
                    self.learned[pid][t] = score
        # Nearest item: unit IDF vectors of the training items, over their own vocabulary.
        vocab = sorted({t for s in example_stems for t in s})
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.idf_vector = np.array([self.idf(t) for t in vocab]) if vocab else np.zeros(0)
        self.items = np.zeros((len(examples), len(vocab)), dtype=np.float32)
        for r, stems in enumerate(example_stems):
            for t in set(stems):
                self.items[r, self.vocab[t]] = self.idf_vector[self.vocab[t]]
        norms = np.linalg.norm(self.items, axis=1, keepdims=True)
        self.items /= np.where(norms > 0, norms, 1.0)
        self.item_stems = [frozenset(s) for s in example_stems]
        # How often the training items link each provision: the re-ranker's prior.
        linked_count = Counter(pid for e in examples for pid in set(e.provisions))
        self.prior = {pid: linked_count[pid] / max(1, len(examples)) for pid in self.provision_ids}
        self.item_provisions = [e.provisions for e in examples]
        self.linked_items: dict[str, np.ndarray] = {
            pid: np.array([r for r, e in enumerate(examples) if pid in e.provisions], dtype=np.intp)
            for pid in self.provision_ids
        }
        self.item_stances = np.array([STANCES.index(e.stance) for e in examples], dtype=np.intp)
        # The stance model: one item per (example, provision). Its neighbours' stances are those of
        # the most similar OTHER items, from other sources (an article's own quotes out, as when the
        # article is new): what a new passage will see.
        item_sources = np.array([e.source for e in examples], dtype=object)
        event_years = np.array([e.when.year if e.kind == "event" and e.when else -1 for e in examples])
        self.stance_items: list[StanceItem] = []
        for r, (stems, e) in enumerate(zip(example_stems, examples, strict=True)):
            if not any(pid in self.category for pid in e.provisions):
                continue
            similarity = self.items @ self.items[r]
            similarity[item_sources == e.source] = 0.0
            if NEIGHBOURS_LEAVE_OUT_OWN_YEAR and e.kind == "event" and e.when:
                similarity[event_years == e.when.year] = 0.0
            for pid in e.provisions:
                if pid in self.category:
                    self.stance_items.append(
                        StanceItem(
                            e.text,
                            frozenset(stems),
                            pid,
                            self.category.get(pid, "other"),
                            e.side,
                            self.roles.get(e.side or ""),
                            e.kind,
                            e.stance,
                            self.neighbour_stances(similarity, pid),
                        )
                    )
        self.stance_model = self.fit_stance(weights)
        # The stance kernel learns from the same (item, provision) pairs; fitted when first used
        # (the shipped weights give it no share, so a one-shot command does not pay for it).
        self._kernel_pairs = [
            (r, pid, e.kind, e.stance) for r, e in enumerate(examples) for pid in e.provisions if pid in self.category
        ]
        # A box, not an attribute: copies made by with_weights share the fitted kernel.
        self._stance_kernel: list[StanceKernel] = []
        # The relevance gate: the background articles' passages (relevant when a quote covers them)
        # and every confirmed quote (relevant).
        gate_rows = [
            (background_stems[t] if t in background_stems else read(t), relevant) for t, relevant in gate_passages
        ]
        gate_rows += [(st, True) for st, e in zip(example_stems, examples, strict=True) if e.kind == "quote"]
        self.gate = Gate([bag(st) for st, _ in gate_rows], [r for _, r in gate_rows])

    @property
    def stance_kernel(self) -> StanceKernel:
        if not self._stance_kernel:
            pairs = self._kernel_pairs
            self._stance_kernel.append(
                StanceKernel(
                    self.items @ self.items.T,
                    [r for r, *_ in pairs],
                    [pid for _, pid, _, _ in pairs],
                    [self.category[pid] for _, pid, _, _ in pairs],
                    [kind for _, _, kind, _ in pairs],
                    [stance for *_, stance in pairs],
                )
            )
        return self._stance_kernel[0]

    def gate_score(self, stems: Sequence[str]) -> float:
        """How much a passage reads like the passages analysts linked to some provision (about 1)
        rather than those they left unlinked (about 0)."""
        return float(self.gate.score([bag(stems)])[0])

    def fit_stance(self, weights: Weights) -> StanceModel:
        return StanceModel(
            self.stance_items, l2=weights.stance_l2, cue_prior=weights.stance_cue, neighbours=weights.stance_near
        )

    def with_weights(self, weights: Weights) -> Model:
        """The same model with other weights (the stance model refitted if its regularisation
        changed): the evaluation tries many without refitting everything."""
        other = copy.copy(self)
        other.weights = weights

        def stance_weights(w: Weights) -> tuple[float, float, float]:
            return w.stance_l2, w.stance_cue, w.stance_near

        if stance_weights(weights) != stance_weights(self.weights):
            other.stance_model = self.fit_stance(weights)
        return other

    # ----- relevance

    def idf(self, token: str) -> float:
        return math.log((self.n_background + 1) / (self._df.get(token, 0) + 0.5))

    def in_force(self, when: date | None) -> list[str]:
        """The provisions whose agreement was signed on or before `when` (all when None)."""
        return [pid for pid in self.provision_ids if when is None or self.in_force_from[pid] <= when]

    def similarities(self, stems: Sequence[str]) -> np.ndarray:
        """The cosine similarity of a text to each training item (IDF-weighted words). A passage has
        a few dozen words: gathering their columns beats a product with the whole vocabulary."""
        cols = np.array(sorted({self.vocab[t] for t in stems if t in self.vocab}), dtype=np.intp)
        if not len(cols):
            return np.zeros(len(self.items))
        q = self.idf_vector[cols]
        return (self.items[:, cols] * (q / np.linalg.norm(q))).sum(axis=1)

    def parts(
        self, tokens: Sequence[Token], similarity: np.ndarray | None = None, when: date | None = None
    ) -> dict[str, Parts]:
        """The score parts of every provision in force with any match for a passage's tokens.
        `similarity` is the passage's cosine similarity to each training item (computed here if None)."""
        stems = [t.stem for t in tokens]
        present = set(stems)
        surface: dict[str, str] = {}
        for token in tokens:
            surface.setdefault(token.stem, token.surface)
        if similarity is None:
            similarity = self.similarities(stems)
        generic = self.generic
        votes: dict[str, float] = defaultdict(float)
        if len(similarity):
            nearest = np.argsort(-similarity, kind="stable")[:VOTERS]
            total = float(similarity[nearest].sum())
            for r in nearest:
                if total > 0 and similarity[r] > 0:
                    for pid in self.item_provisions[r]:
                        votes[pid] += float(similarity[r]) / total
        matched: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for i, t in enumerate(stems):
            for pid, phrase in self.phrases.get(t, ()):
                if len(phrase) == 1 or tuple(stems[i : i + len(phrase)]) == phrase:
                    matched[pid].add(phrase)
        found: dict[str, Parts] = {}
        for pid in self.in_force(when):
            parts = Parts(has_keywords=self.has_keywords[pid])
            for phrase in sorted(matched.get(pid, ())):
                weight = sum(self.idf(t) for t in phrase) / self.keyword_share[phrase]
                parts.keyword += weight
                parts.specific |= len(phrase) > 1 or phrase[0] not in generic
                parts.add(" ".join(dict.fromkeys(surface[t] for t in phrase)), weight)
            for t in present & self.words[pid]:
                weight = self.idf(t) / self.word_share[t]
                parts.text += weight
                parts.specific |= t not in generic
                parts.add(surface[t], weight * text_weight(self.weights, parts.has_keywords))
            learned = self.learned.get(pid)
            if learned:
                for t in present:
                    if t in learned:
                        parts.learned += learned[t]
                        parts.specific |= t not in generic
                        parts.add(surface[t], learned[t] * self.weights.learned)
            linked = self.linked_items[pid]
            if len(linked):
                best = int(linked[int(np.argmax(similarity[linked]))])
                sim = float(similarity[best])
                if sim > 0:
                    # The nearest item adds to the score but cannot make a passage specific: the
                    # words it shares may be any words. The provision's own words must match.
                    shared = present & self.item_stems[best]
                    parts.nearest = sim
                    for t in shared:
                        parts.add(
                            surface[t], (self.weights.nearest * sim + self.weights.vote * votes[pid]) * self.idf(t) / 10
                        )
            parts.vote = votes.get(pid, 0.0)
            # A candidate when one of the provision's own words (keyword, text or learned word) that
            # is not generic matched: generic words alone never carry a proposal, whatever the weights.
            if parts.specific and (parts.keyword or parts.text or parts.learned or parts.nearest):
                found[pid] = parts
        return found

    def candidates(self, parts: dict[str, Parts]) -> list[rr.Candidate]:
        """The re-ranker's view of a passage's candidates (rerank.Candidate), in provision order."""
        return [
            (pid, p.keyword, p.text, p.learned, p.nearest, p.vote, p.has_keywords, self.prior.get(pid, 0.0))
            for pid, p in sorted(parts.items())
        ]

    def rank(
        self, parts: dict[str, Parts], weights: Weights, top: int, gate: float = 1.0
    ) -> list[tuple[str, float, Parts]]:
        """The proposals for one passage, best first, with the score shown (0.5 at the threshold):
        with the re-ranker, probability at least the cut-off; without, raw score at least the
        threshold and at least `relative` of the best one; at most `top` of them. None when the
        passage's `gate` score is under the gate's threshold."""
        if weights.gate is not None and gate < weights.gate:
            return []
        if weights.rerank:
            return [
                (pid, prob / (prob + weights.cutoff), parts[pid])
                for pid, prob in rr.ranked(weights.rerank, self.candidates(parts), weights.cutoff, top)
            ]
        scored = sorted(((p.raw(weights), pid) for pid, p in parts.items()), key=lambda x: (-x[0], x[1]))
        if not scored or scored[0][0] < weights.threshold:
            return []
        best = scored[0][0]
        kept = [
            (pid, s / (s + weights.threshold), parts[pid])
            for s, pid in scored
            if s >= weights.threshold and s >= weights.relative * best
        ]
        return kept[:top]

    # ----- stance

    def neighbour_stances(self, similarity: np.ndarray, provision_id: str) -> tuple[float, ...]:
        """The stances of a text's nearest labelled items, similarity-weighted shares: of the
        STANCE_NEIGHBOURS nearest linked to the provision, then of the VOTERS nearest of all."""
        out: list[float] = []
        for pool, k in (
            (self.linked_items.get(provision_id, np.zeros(0, dtype=np.intp)), STANCE_NEIGHBOURS),
            (np.arange(len(similarity)), VOTERS),
        ):
            shares = np.zeros(len(STANCES))
            if len(pool):
                sims = similarity[pool]
                near = np.argsort(-sims, kind="stable")[:k]
                near = near[sims[near] > 0]
                if len(near):
                    np.add.at(shares, self.item_stances[pool[near]], sims[near])
                    shares /= shares.sum()
            out.extend(float(v) for v in shares)
        return tuple(out)

    def stance_item(
        self, text: str, stems: Iterable[str], provision_id: str, side: str | None = None, kind: str = "quote"
    ) -> StanceItem:
        stems = frozenset(stems)
        return StanceItem(
            text,
            stems,
            provision_id,
            self.category.get(provision_id, "other"),
            side,
            self.roles.get(side or ""),
            kind,
            None,
            self.neighbour_stances(self.similarities(list(stems)), provision_id),
        )

    def stances(
        self, text: str, stems: Iterable[str], provision_id: str, side: str | None = None, kind: str = "quote"
    ) -> list[tuple[Stance, float]]:
        """Every stance of a passage toward a provision with its probability, likeliest first: the
        regression's probabilities, mixed with the stance kernel's by `Weights.stance_kernel`."""
        stems = list(stems)
        item = self.stance_item(text, stems, provision_id, side, kind)
        probs = self.stance_model.probabilities([item], self.weights.stance_context)[0]
        share = self.weights.stance_kernel
        if share:
            near = self.stance_kernel.probabilities(
                self.similarities(stems)[None, :], [provision_id], [self.category.get(provision_id, "other")], [kind]
            )[0]
            probs = (1 - share) * probs + share * near
            probs = self.stance_model.apply_denial(text, probs)
        order = sorted(range(len(STANCES)), key=lambda i: (-probs[i], i))
        return [(STANCES[i], float(probs[i])) for i in order]

    def stance(self, text: str, stems: Iterable[str], provision_id: str) -> tuple[Stance, float]:
        """The likeliest stance of a passage toward a provision, and its probability."""
        return self.stances(text, stems, provision_id)[0]

    # ----- the whole article

    def suggest(
        self, text: str, *, top: int = 3, when: date | None = None, side: str | None = None
    ) -> list[PassageSuggestion]:
        """Every passage of `text` with up to `top` proposals among the provisions in force on `when`."""
        passages = split_passages(text)
        tokens = [self.reader.tokens(p.text) for p in passages]
        stems = [[t.stem for t in ts] for ts in tokens]
        out = []
        is_title = headings(text, passages)
        # The gate's scores of all passages at once (one product, not one per passage).
        gates = self.gate.score([bag(s) for s in stems]) if self.weights.gate is not None else np.ones(len(stems))
        for i, passage in enumerate(passages):
            if is_title[i]:
                out.append(PassageSuggestion(passage, []))
                continue
            ranked = self.rank(
                self.parts(tokens[i], self.similarities(stems[i]), when),
                self.weights,
                top,
                float(gates[i]),
            )
            proposals = []
            for pid, shown, parts in ranked:
                stances = self.stances(passage.text, stems[i], pid, side)
                terms = sorted(parts.terms.items(), key=lambda kv: (-kv[1], kv[0]))
                proposals.append(
                    Proposal(
                        provision_id=pid,
                        score=shown,
                        stance=stances[0][0],
                        stance_confidence=stances[0][1],
                        matched_terms=tuple(term for term, _ in terms[:6]),
                        stances=tuple(stances),
                    )
                )
            out.append(PassageSuggestion(passage, proposals))
        return out


_CLOSERS = "\"')]\u201d\u2019\u00bb"


def is_heading(text: str) -> bool:
    """Short, with no sentence end: how a title or subheading reads ("Escalation", a headline)."""
    return len(text.split()) < 12 and text.rstrip(_CLOSERS)[-1:] not in ".!?:;\u2026"


def headings(text: str, passages: Sequence[Passage]) -> list[bool]:
    """Which passages of an article are titles or subheadings: a whole line that reads as one
    (is_heading), in a text of more than one passage. A heading names a subject without saying
    anything about it, so it bears on no provision; a single quote typed alone is no heading."""
    if len(passages) < 2:
        return [False] * len(passages)
    breaks = "\n\r\x85\u2028\u2029"

    def whole_line(p: Passage) -> bool:
        before = text[: p.start].rstrip(" \t")
        after = text[p.end :].lstrip(" \t")
        return (not before or before[-1] in breaks) and (not after or after[0] in breaks)

    return [is_heading(p.text) and whole_line(p) for p in passages]


def examples_from(
    dataset: Dataset,
    source_ids: Iterable[str] | None = None,
    *,
    events: bool = True,
    keep: Any = None,
) -> list[Example]:
    """Everything labelled in `dataset`, as examples: every confirmed quote (of the given sources
    only, if any) and, with `events`, every reported event (its summary and quotation). `keep`, if
    given, is a predicate on the example (the evaluation leaves a year of events out with it).
    Unconfirmed suggestions are never learned from."""
    wanted = set(source_ids) if source_ids is not None else None
    out = []
    for item in dataset.evidence.values():
        e = item.evidence
        when = e.event_date if isinstance(e.event_date, date) else None
        if item.is_event:
            if not events:
                continue
            text = e.summary + (" " + e.quotation if e.quotation else "")  # type: ignore[union-attr]  # an event
            example = Example(text, tuple(e.provisions), e.stance, e.id, e.side, "event", when)
        else:
            if item.source_id is None or (wanted is not None and item.source_id not in wanted):
                continue
            example = Example(
                e.quote,  # type: ignore[union-attr]  # a quote: the item has a source
                tuple(e.provisions),
                e.stance,
                item.source_id,
                e.side,
                "quote",
                when,
            )
        if keep is None or keep(example):
            out.append(example)
    return out


def covered_passages(dataset: Dataset, source_id: str) -> list[tuple[Passage, bool, dict[str, set[Stance]]]]:
    """The passages of a stored article, whether each is a heading, and the provisions and stances
    its confirmed quotes give it: a passage bears on provision P when a quote linked to P covers at
    least half of the passage or half of the quote. The evaluation's gold and the gate's training
    rows both come from here."""
    article = dataset.articles[source_id]
    quotes = [
        item
        for item in dataset.evidence.values()
        if not item.is_event and item.source_id == source_id and item.span is not None
    ]
    passages = split_passages(article)
    out = []
    for p, heading in zip(passages, headings(article, passages), strict=True):
        gold: dict[str, set[Stance]] = defaultdict(set)
        for item in quotes:
            assert item.span is not None
            overlap = min(p.end, item.span.end) - max(p.start, item.span.start)
            if overlap > 0 and overlap >= 0.5 * min(p.end - p.start, item.span.end - item.span.start):
                for pid in item.evidence.provisions:
                    gold[pid].add(item.evidence.stance)
        out.append((p, heading, dict(gold)))
    return out


def build_model(
    dataset: Dataset,
    *,
    source_ids: Iterable[str] | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    examples: Sequence[Example] | None = None,
) -> Model:
    """A model learned from everything labelled in `dataset` (the quotes of `source_ids` only, when
    given: the evaluation leaves the article under test out) and its stored articles."""
    ids = list(source_ids) if source_ids is not None else list(dataset.articles)
    background = [dataset.articles[s] for s in ids if s in dataset.articles]
    # The gate learns from the articles that have quote evidence (an article nobody has read for
    # evidence yet says nothing about which passages matter).
    quoted = {item.source_id for item in dataset.evidence.values() if not item.is_event and item.source_id}
    gate_passages = [
        (p.text, bool(gold))
        for s in ids
        if s in dataset.articles and s in quoted
        for p, heading, gold in covered_passages(dataset, s)
        if not heading
    ]
    return Model(
        dataset,
        examples if examples is not None else examples_from(dataset, ids),
        background,
        weights,
        gate_passages,
    )


def digest(dataset: Dataset, weights: Weights = DEFAULT_WEIGHTS) -> str:
    """A digest of everything a model is fitted on: it changes exactly when a refit is needed."""
    h = hashlib.sha256(repr(weights).encode())
    for e in examples_from(dataset):
        h.update(repr((e.text, e.provisions, e.stance.value, e.source, e.side)).encode())
    for pid, p in dataset.provisions.items():
        h.update(
            repr(
                (
                    pid,
                    p.title,
                    p.text,
                    p.category.value,
                    p.keywords,
                    [v.text for v in p.variants],
                    dataset.agreement_of(pid).date,
                )
            ).encode()
        )
    for sid in sorted(dataset.articles):
        h.update(sid.encode())
        h.update(hashlib.sha256(dataset.articles[sid].encode()).digest())
    h.update(repr(sorted(dataset.aliases.items())).encode())
    h.update(repr(sorted((a, _role(dataset, a)) for a in dataset.actors)).encode())
    return h.hexdigest()


# Fitted models by digest of their data: a confirmation changes the digest, so the next suggestion
# is made by a model that learned from it. A few entries: the dashboard may hold two data versions.
_MODELS: dict[str, Model] = {}
_MAX_MODELS = 4


def _code_version() -> str:
    """A digest of the suggest package's code: a fitted model on disk is used only by the code that made it."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def model_for(dataset: Dataset, disk: DiskCache | None = None) -> Model:
    """The model of `dataset` with the default weights, fitted once per version of the data. With
    `disk` (the CLI's cache of the data root, tracker/diskcache.py), a one-shot process reads the
    model fitted by an earlier one on the same data and code instead of fitting it again: the entry
    is keyed by the data's digest and the code's, signed, and a corrupt, stale or foreign entry is a
    miss (the model is fitted and the entry rewritten)."""
    key = digest(dataset)
    model = _MODELS.get(key)
    name = DiskCache.name("suggest-model", key, _code_version()) if disk is not None else ""
    if model is None and disk is not None:
        entry = disk.get(name)
        if isinstance(entry, Model) and entry.digest == key:
            model = entry
    if model is None:
        model = build_model(dataset)
        model.digest = key
        if disk is not None:
            disk.put(name, model)
    while len(_MODELS) >= _MAX_MODELS:
        _MODELS.pop(next(iter(_MODELS)))
    _MODELS[key] = model
    return model


def suggest(
    dataset: Dataset,
    text: str,
    *,
    top: int = 3,
    model: Model | None = None,
    when: date | None = None,
    side: str | None = None,
    disk: DiskCache | None = None,
) -> list[PassageSuggestion]:
    """Every passage of `text` (see split_passages) with up to `top` proposals, best first: the
    provision id, a score in [0, 1) (0.5 at the threshold), the stances with their probabilities,
    and the words that drove the match. Only provisions of agreements signed on or before `when`
    (the article's date) are proposed; every one when `when` is None. A passage that bears on no
    provision has no proposals. The model is learned from `dataset` unless one is given (or read
    from `disk`, see model_for)."""
    return (model or model_for(dataset, disk)).suggest(text, top=top, when=when, side=side)
