"""The evidence as columns, filled by the loader as it registers each item (no numpy here: the loader
imports this module, and `tracker validate` should not pay for numpy's import)."""

from __future__ import annotations

from array import array
from datetime import date
from typing import TYPE_CHECKING

from .models import Stance

if TYPE_CHECKING:
    from .store import Dataset, EvidenceItem

# Stances as small integers, ordered by gravity: "violated > disputed > stalled > progress > implemented"
# (docs/methodology.md). 0 is context, which is never a claim.
GRAVITY = {
    Stance.CONTEXT: 0,
    Stance.IMPLEMENTED: 1,
    Stance.PROGRESS: 2,
    Stance.STALLED: 3,
    Stance.DISPUTED: 4,
    Stance.VIOLATED: 5,
}

# GRAVITY by the stance's text: a StrEnum member hashes in Python (Enum.__hash__), its text in C, and
# the loader looks a stance up once per piece of evidence.
_GRAVITY_OF_VALUE = {stance.value: gravity for stance, gravity in GRAVITY.items()}

POSITIVE_MAX = 2  # implemented, progress
NEGATIVE_MIN = 3  # stalled, disputed, violated
WINDOW_DAYS = 30  # R4: a position is current if dated within 30 days before the latest claim

# Rules as small integers; status.py maps them to its Rule names.
R2, R3_IMPLEMENTED, R3_DISPUTED, R4_DISPUTED, R4_LATEST = range(5)


class EvidenceColumns:
    """The counted evidence of a dataset as columns, filled by the loader as it registers each item (so
    that the first status call does not walk 100k pydantic models to copy their fields out).

    Holds, per item of `dataset.evidence` in its order: the item, its id, its event date as an ordinal
    (-1 when unknown), its stance's gravity (0 for context), its side and its provision ids."""

    def __init__(self) -> None:
        self.items: list[EvidenceItem] = []
        self.ids: list[str] = []
        # Typed arrays, which numpy reads without a copy (np.frombuffer).
        self.day = array("q")  # the event date's ordinal, -1 when unknown
        self.gravity = array("b")  # GRAVITY of the stance
        self.side = array("q")  # number of the side, in order of first appearance (see side_numbers)
        self.side_numbers: dict[str, int] = {}
        # One entry per (item, provision id it is linked to).
        self.link_item = array("q")
        self.link_provision = array("q")  # number of the provision id (see provision_numbers)
        self.provision_numbers: dict[str, int] = {}

    def add(self, item: EvidenceItem) -> None:
        e = item.evidence
        n = len(self.items)
        self.items.append(item)
        self.ids.append(e.id)
        when = e.event_date
        self.day.append(when.toordinal() if isinstance(when, date) else -1)
        self.gravity.append(_GRAVITY_OF_VALUE[e.stance._value_])
        sides = self.side_numbers
        self.side.append(sides.setdefault(e.side, len(sides)))
        numbers = self.provision_numbers
        for pid in e.provisions:
            self.link_item.append(n)
            self.link_provision.append(numbers.setdefault(pid, len(numbers)))

    @classmethod
    def of(cls, dataset: Dataset) -> EvidenceColumns:
        """For a dataset built by hand (or changed after loading): the columns of its evidence now."""
        columns = cls()
        for item in dataset.evidence.values():
            columns.add(item)
        return columns

    def matches(self, dataset: Dataset) -> bool:
        """Whether these are the columns of the dataset's evidence (the loader filled them as it went)."""
        return len(self.items) == len(dataset.evidence) and all(
            a is b for a, b in zip(self.items[:1] + self.items[-1:], _ends(dataset.evidence), strict=False)
        )


def _ends(evidence: dict[str, EvidenceItem]) -> list[EvidenceItem]:
    if not evidence:
        return []
    first = next(iter(evidence.values()))
    last = next(reversed(evidence.values()))
    return [first, last]
