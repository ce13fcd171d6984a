"""Words as the suggester reads them: folded, alias spellings read as their term, near-misses
of place names read as the place, stemmed, stop words dropped."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself s t d ll m re
    ve said says say told stated added according
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# Letters that Unicode does not decompose to a base letter (schwa, dotless i, barred l, o and d, sharp s).
_SPECIAL = str.maketrans(
    {
        "\u0259": "e",
        "\u018f": "E",
        "\u0131": "i",
        "\u0142": "l",
        "\u0141": "L",
        "\u00f8": "o",
        "\u00d8": "O",
        "\u0111": "d",
        "\u00df": "ss",
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without diacritics: 'Kəlbəcər' -> 'kelbecer', 'Şoyqu' -> 'soyqu'."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper, the same for articles and provisions: 'peacekeepers' and
    'peacekeeping' -> 'peacekeep', 'violations' and 'violated' -> 'violat'."""
    w = word
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("ies") and len(w) > 5:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and re.search(r"[aeiouy]", w[: -len(suffix)]):
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    # "-ation", "-ate(d)" and "-ating" meet at the verb's base: delimitation, delimiting -> delimit;
    # violation, violated -> viol.
    if w.endswith("at") and len(w) >= 6:
        w = w[:-2]
    for suffix, keep in (
        ("ation", ""),
        ("ition", "it"),
        ("tion", "t"),
        ("sion", "s"),
        ("ment", ""),
        ("ness", ""),
        ("ful", ""),
        ("ly", ""),
        ("al", ""),
        ("er", ""),
        ("or", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) + len(keep) >= 4:
            w = w[: -len(suffix)] + keep
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


@dataclass(frozen=True)
class Token:
    stem: str
    surface: str


class Reader:
    """Reads text as a sequence of tokens: words folded, alias spellings read as their term,
    near-misses of place names read as the place, stemmed, stop words dropped."""

    def __init__(self, aliases: dict[str, tuple[str, ...]], places: Iterable[str] = ()):
        # spelling (folded words) -> the term's folded words; longest spellings tried first
        self.spellings: dict[tuple[str, ...], tuple[str, ...]] = {}
        for term, spellings in aliases.items():
            target = tuple(fold(w) for w in _WORD.findall(term))
            for spelling in (term, *spellings):
                words = tuple(fold(w) for w in _WORD.findall(spelling))
                if words:
                    self.spellings[words] = target
        # Indexed by first word, longest first: most words start no spelling at all.
        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = defaultdict(list)
        for words, target in sorted(self.spellings.items(), key=lambda kv: -len(kv[0])):
            self.by_first[words[0]].append((words, target))
        # Fuzzy matching only against names (capitalised single words), never ordinary words.
        names = {words[0] for words in self.spellings if len(words) == 1}
        names |= {fold(p) for p in places}
        self.names = sorted(n for n in names if len(n) >= 5 and not n.isdigit())
        self._near: dict[str, str | None] = {}

    def _near_name(self, word: str) -> str | None:
        if word not in self._near:
            found = process.extractOne(word, self.names, scorer=fuzz.ratio, score_cutoff=87)
            self._near[word] = found[0] if found else None
        return self._near[word]

    def tokens(self, text: str) -> list[Token]:
        raw = [(m.group(), fold(m.group())) for m in _WORD.finditer(text)]
        out: list[Token] = []
        i = 0
        n = len(raw)
        while i < n:
            surface, word = raw[i]
            matched = False
            for words, target in self.by_first.get(word, ()):
                size = len(words)
                if i + size <= n and all(raw[i + k][1] == words[k] for k in range(1, size)):
                    joined = " ".join(s for s, _ in raw[i : i + size])
                    out += [Token(stem(w), joined) for w in target if w not in STOPWORDS]
                    i += size
                    matched = True
                    break
            if matched:
                continue
            if surface[:1].isupper() and len(word) >= 5 and word not in STOPWORDS and self.names:
                near = self._near_name(word)
                if near is not None and near != word:
                    target = self.spellings.get((near,), (near,))
                    out += [Token(stem(w), surface) for w in target]
                    i += 1
                    continue
            if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
                out.append(Token(stem(word), surface))
            i += 1
        return out

    def stems(self, text: str) -> list[str]:
        return [t.stem for t in self.tokens(text)]
