"""Hand-written vocabulary of the suggester: general English of the subject, never taken from a
stored article. Two lists:

- CATEGORY_TERMS: words that mark a provision's subject, by the provision's `category` (so a new
  agreement's prisoner clause gets them too, without a keyword list of its own). They count like
  the provision's own `keywords:`.
- GENERIC: words that occur around every provision ("priority", "humanitarian", "return"). They may
  add to a score, but a proposal whose matched words are all generic is dropped: on their own they
  say nothing about which provision a passage bears on.
"""

from __future__ import annotations

from ..models import Category

CATEGORY_TERMS: dict[Category, tuple[str, ...]] = {
    # Issue 16: a prisoner exchange described as "handed 15 detainees" was read as a territory
    # handover; these are the ways reports speak of point 8.
    Category.PRISONERS: (
        "detainee",
        "detained",
        "captive",
        "captives",
        "hostage",
        "hostages",
        "prisoner",
        "prisoners",
        "POW",
        "exchange",
        "exchanged",
        "swap",
        "handed over",
        "repatriated",
        "repatriation of prisoners",
        "freed",
        "released",
        "sentenced",
        "trial",
        "military court",
    ),
    Category.CEASEFIRE: (
        "ceasefire",
        "clash",
        "clashes",
        "skirmish",
        "firefight",
        "shelling",
        "shelled",
        "fired",
        "killed",
        "wounded",
        "hostilities",
    ),
}

GENERIC: frozenset[str] = frozenset(
    """
    priority priorities humanitarian return returned returning issue issues process agreement agreements
    statement statements document documents side sides party parties region regional situation
    implementation implement implemented question questions important importance matter matters
    cooperation meeting meetings talks president minister ministers government official officials
    country countries armenia armenian armenians azerbaijan azerbaijani azerbaijanis russia russian
    baku yerevan moscow peace war conflict karabakh nagorno provision provisions point points
    progress work step steps people year years day days new first remain remains remaining
    position positions escalation
    """.split()  # noqa: SIM905 - a word list reads better as text
)
