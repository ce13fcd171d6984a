"""The status engine: each provision's status as of any date, with the evidence that produced it.

The rules are those of docs/methodology.md (v2), in the same order; an analyst can apply them by hand.
Labels and sentences for people are in tracker/present.py, not here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from .columns import R2, R3_DISPUTED, R3_IMPLEMENTED, R4_DISPUTED, R4_LATEST, WINDOW_DAYS
from .deadlines import FRESHNESS_MONTHS, Due, TermState, deadline_state, due_as_of, stale_before, term_as_of
from .gcpause import collector_paused, promote_results, promote_to_oldest
from .models import (
    ActorRole,
    Assessment,
    Contest,
    DatePrecision,
    DeadlineState,
    Obligation,
    Rule,
    Stance,
    Status,
)
from .present import DEADLINE_LABELS, STATUS_LABELS  # noqa: F401 - re-exported for older importers
from .store import Dataset, EvidenceItem

if TYPE_CHECKING:
    from .timelines import Columns

__all__ = [
    "FRESHNESS_MONTHS",
    "Claim",
    "Derived",
    "PartyView",
    "ProvisionStatus",
    "Rule",
    "SupersessionInEffect",
    "all_statuses",
    "derived_history",
    "derived_status",
    "party_views",
    "provision_status",
    "signed_later",
    "status_history",
    "supersedes",
]

# Rules R2-R4 and their constants (gravity, the 30-day window) live in tracker/timelines.py, applied to
# every provision at once; R1, the assessments, freshness and the rest of a status are applied here.
CURRENT_WINDOW = timedelta(days=WINDOW_DAYS)
_T = TypeVar("_T")


class _Deferred:
    """A field of a frozen dataclass worked out when first read, then kept on the instance.

    A status call at 100k passages makes 1,000 statuses; the cited claims, the party check, the counts
    and the sides cost about half of it and most callers read few of them (a count of statuses reads
    none). An instance made by `_deferred` lacks those fields and holds instead what is needed to make them
    (one tuple: few objects for the collector); reading such a field calls `make(instance, context)`
    once, which returns that field's value and may return others (stored too). The values are stored
    in the instance's __dict__, where they shadow this descriptor from then on. Equality, hashing, repr
    and dataclasses.replace read fields by attribute, so they see the same values as an eager instance;
    pickling works them all out first. Instances made by the dataclass's own __init__ are eager."""

    __slots__ = ("make", "name")

    def __init__(self, name: str, make: Callable[[Any, Any], dict[str, Any]]):
        self.name, self.make = name, make

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        state = obj.__dict__
        state.update(self.make(obj, state["_deferred"]))
        return state[self.name]


def _deferrable(cls: type, makers: dict[str, Callable[[Any, Any], dict[str, Any]]]) -> None:
    """Let the fields named in `makers` of the frozen dataclass `cls` be deferred (see _Deferred).
    Installed after the dataclass is made, so that its __init__ keeps the plain defaults."""
    for name, make in makers.items():
        setattr(cls, name, _Deferred(name, make))
    names = tuple(makers)

    def __getstate__(self: object) -> dict[str, object]:
        for name in names:
            getattr(self, name)
        return {k: v for k, v in self.__dict__.items() if k != "_deferred"}

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - a method set on a class made elsewhere
    setattr(cls, "_deferred_fields", names)  # noqa: B010


def _deferred(cls: type[_T], context: object, fields: dict[str, Any]) -> _T:
    """An instance of the frozen dataclass `cls` whose deferrable fields will be made from `context` when
    first read, the others given (`fields`, which becomes the instance's __dict__: not copied), without
    the dataclass's __init__: it sets each of twenty fields through object.__setattr__, and a status call
    makes 1,000 statuses at 100k passages.
    The caller gives every field but the deferrable ones (tests/test_differential.py checks the set)."""
    obj = object.__new__(cls)
    fields["_deferred"] = context
    object.__setattr__(obj, "__dict__", fields)
    return obj


@dataclass(frozen=True)
class Claim:
    """A dated, non-context passage as the engine sees it."""

    id: str
    date: date
    side: str
    stance: Stance
    precision: DatePrecision

    @classmethod
    def of(cls, item: EvidenceItem) -> Claim:
        e = item.evidence
        assert isinstance(e.event_date, date)
        return cls(e.id, e.event_date, e.side, e.stance, e.date_precision)

    def describe(self, name: Callable[[str], str] = str) -> str:
        return f"{self.id} ({name(self.side)}: {self.stance.value}, {self.date.isoformat()})"


@dataclass(frozen=True)
class Derived:
    """A status derived from the claims alone, the rule that set it and the claims it rests on."""

    status: Status
    rule: Rule
    reasons: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class SupersessionInEffect:
    """A supersession of a provision in effect at the as-of date, with the contests of it then in effect.
    Not a status: it is shown beside the status, which is still derived from the evidence."""

    provision_id: str  # the provision of the later agreement that supersedes this one
    agreement_id: str  # its agreement
    since: date
    evidence: tuple[str, ...]
    note: str | None
    contested: tuple[Contest, ...]  # only contests whose date is on or before the as-of date


@dataclass(frozen=True)
class ProvisionStatus:
    """One provision's status as of a date, with everything it rests on.

    A caller may rely on:
    - `status` is the status that holds: the latest assessment's on or before `as_of` if there is one
      (`assessment`), else the derived one (`derived`, always computed and kept beside it);
    - `since` and `derived_since` are never later than `as_of` (None when the agreement was not yet
      signed at `as_of`: all_statuses never returns such a status);
    - `derived.reasons` are the claims the rule used, newest first; `derived.rule` names the rule;
    - `latest_claim` is the date of the newest counting (dated, non-context) claim on or before `as_of`,
      None if none; `stale` is True when the status rests on claims older than the freshness window
      (FRESHNESS_MONTHS before `as_of`): never for lapsed, no evidence, not started, or a one-off once
      implemented (docs/methodology.md, "Freshness");
    - `one_party` is the one party (actor role `party`) the derived status rests on when its reasons hold
      claims of exactly one party and none of another party or of an observer, else None (`one_sided`);
    - `superseded_by` lists the supersessions in effect at `as_of` (not a status);
    - `term`, when the provision has one, stops renewing from the date it was assessed lapsed;
    - `evidence_ids` are every dated piece of evidence on or before `as_of` (context included), oldest
      first; `undated_ids` the undated ones, never counted.
    """

    provision_id: str
    agreement_id: str
    as_of: date
    status: Status
    since: date | None
    derived: Derived
    derived_since: date | None
    assessment: Assessment | None
    due: Due | None
    deadline_state: DeadlineState
    term: TermState | None
    counts: dict[Stance, int] = field(default_factory=dict)
    evidence_ids: tuple[str, ...] = ()
    undated_ids: tuple[str, ...] = ()
    sides: tuple[str, ...] = ()
    latest_claim: date | None = None
    stale: bool = False
    one_party: str | None = None
    superseded_by: tuple[SupersessionInEffect, ...] = ()
    starts: date | None = None  # under R1: the date the agreement takes effect (after `as_of`)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def reasons(self) -> tuple[Claim, ...]:
        return self.derived.reasons

    @property
    def one_sided(self) -> bool:
        """True when the status rests on the claims of one party only (see `one_party`)."""
        return self.one_party is not None

    def explain(self, name: Callable[[str], str] = str) -> str:
        """Why the derived status is what it is, citing evidence ids and dates (tracker.present.explain)."""
        from .present import explain  # present formats; this module only derives

        return explain(self, name)


# Worked out on first read (see _Deferred): the claims a rule cites, and the parts of a status that need
# them or a walk of the provision's evidence.
def _reasons(derived: Derived, context: tuple[Columns, int, int]) -> dict[str, Any]:
    engine, p, row = context
    return {"reasons": engine.reasons(p, row, Claim.of)}


def _counted(status: ProvisionStatus, context: tuple[Columns, int, int, Dataset]) -> dict[str, Any]:
    evidence_ids, counts = context[0].counted(context[1], context[2])
    return {"evidence_ids": evidence_ids, "counts": counts}


def _sides(status: ProvisionStatus, context: tuple[Columns, int, int, Dataset]) -> dict[str, Any]:
    return {"sides": context[0].sides_by(context[1], context[2])}


def _party(status: ProvisionStatus, context: tuple[Columns, int, int, Dataset]) -> dict[str, Any]:
    return {"one_party": _one_party(context[3], status.derived.reasons)}


def _undated(status: ProvisionStatus, context: tuple[Columns, int, int, Dataset]) -> dict[str, Any]:
    return {"undated_ids": context[0].undated_ids(context[1])}


_deferrable(Derived, {"reasons": _reasons})
_deferrable(
    ProvisionStatus,
    {"counts": _counted, "evidence_ids": _counted, "sides": _sides, "one_party": _party, "undated_ids": _undated},
)


_STATUSES = list(Status)  # by the engine's status codes (tracker/timelines.py)
_RULES = {
    R2: Rule.R2_NO_CLAIM,
    R3_IMPLEMENTED: Rule.R3_IMPLEMENTED,
    R3_DISPUTED: Rule.R3_DISPUTED,
    R4_DISPUTED: Rule.R4_DISPUTED,
    R4_LATEST: Rule.R4_LATEST,
}


def _engine(dataset: Dataset, provision_id: str) -> tuple[Columns, int]:
    """The dataset's timelines (tracker/timelines.py, where rules R2-R4 are applied), made on first use
    for every provision at once, and made again if a provision, its agreement, the evidence or the
    assessments are no longer the objects they were made from."""
    from .timelines import Columns  # here: numpy's import is a third of a command's start-up, and validate needs none

    engine = dataset._timelines.get(Columns)
    if engine is None or not engine.current(dataset, provision_id):
        with collector_paused():
            engine = dataset._timelines[Columns] = Columns(dataset)
            # The timelines live as long as the dataset: straight to the oldest generation, or the young
            # collections after this call walk them all (10-20 ms at 100k passages in the call itself, and
            # 0.1 s in whichever later call triggers the next middle-generation collection).
            promote_to_oldest()
    return engine, engine.index[provision_id]


def _derived_at(
    engine: Columns,
    p: int,
    row: int,
    code: int = -1,
    rule: int = -1,
    since: date | None = None,
    *,
    keep: bool = True,
) -> tuple[date, Derived]:
    """The derived status of a row of the timeline and the date it holds since.
    `code`, `rule`, `since`: the row's status code, rule code and since, when already read (Columns.states_at).
    `keep`: keep it once made, for a full history (tracker.changes, the trend), which asks for every
    earlier run again at each new date. A status leaves it to its caller (see _status)."""
    made = engine.derived[row]
    if made is None:
        if since is None:
            status, rule, since = engine.status_at(row)
        else:
            status = _STATUSES[code]
        made = (since, _deferred(Derived, (engine, p, row), {"status": status, "rule": _RULES[rule]}))
        if keep:
            engine.derived[row] = made
    return made


def _derived_row(
    engine: Columns,
    p: int,
    start: date,
    as_of: date,
    row: int,
    code: int = -1,
    rule: int = -1,
    since: date | None = None,
) -> tuple[date, Derived]:
    """The derived status at `as_of` and the date it holds since, given the provision's row of the
    timeline then (-1 for none) and the date its agreement takes effect: R1 here; R2-R4 from the row."""
    if as_of < start:
        return as_of, Derived(Status.NOT_STARTED, Rule.R1_NOT_IN_FORCE)
    if row < 0:
        return start, Derived(Status.NO_EVIDENCE, Rule.R2_NO_CLAIM)
    # Not kept: a status call at a new date makes a new derived status for nearly every provision; kept,
    # those of every date ever asked would stay in memory (1,000 a date at 100k passages, with their
    # reasons once read), each walked by every full collection of the cyclic collector. The caller keeps
    # the statuses it wants, and their derived statuses with them.
    return _derived_at(engine, p, row, code, rule, since, keep=False)


def _last_change(dataset: Dataset, provision_id: str, as_of: date) -> tuple[date, Derived, Columns, int]:
    """The derived status at `as_of` and the date it holds since (R1 here; R2-R4 from the timeline)."""
    engine, p = _engine(dataset, provision_id)
    start = dataset.agreement_of(provision_id).effective
    row = engine.row(p, as_of.toordinal()) if as_of >= start else -1
    since, derived = _derived_row(engine, p, start, as_of, row)
    return since, derived, engine, p


def derived_history(dataset: Dataset, provision_id: str, as_of: date) -> list[tuple[date, Derived]]:
    """The derived status at each date it changed, from the agreement's entry into force to `as_of`."""
    engine, p = _engine(dataset, provision_id)
    start = dataset.agreement_of(provision_id).effective
    if as_of < start:
        return [(as_of, Derived(Status.NOT_STARTED, Rule.R1_NOT_IN_FORCE))]
    before_any = (start, Derived(Status.NO_EVIDENCE, Rule.R2_NO_CLAIM))
    row = engine.row(p, as_of.toordinal())
    if row < 0:
        return [before_any]
    # Each earlier run with the reasons of its last day, as the rules gave them then.
    runs = [(engine.row_date(last), _derived_at(engine, p, last)[1]) for _, last in engine.runs_before(p, row)]
    return [before_any, *runs, _derived_at(engine, p, row)]


def derived_status(dataset: Dataset, provision_id: str, as_of: date) -> Derived:
    """derived_history(...)[-1][1], without building the history: the derived status at `as_of`."""
    return _last_change(dataset, provision_id, as_of)[1]


def status_history(dataset: Dataset, provision_id: str, as_of: date) -> list[tuple[date, Status]]:
    """The effective status (assessments applied) at each date it changed, up to `as_of`."""
    points: dict[date, Status] = {d: derived.status for d, derived in derived_history(dataset, provision_id, as_of)}
    assessments = sorted((a for a in dataset.assessments_for(provision_id) if a.date <= as_of), key=lambda a: a.date)
    merged: list[tuple[date, Status]] = []
    for day in sorted(set(points) | {a.date for a in assessments}):
        latest = [a for a in assessments if a.date <= day]
        status = latest[-1].status if latest else [s for d, s in sorted(points.items()) if d <= day][-1]
        if not merged or merged[-1][1] != status:
            merged.append((day, status))
    return merged


def provision_status(dataset: Dataset, provision_id: str, as_of: date) -> ProvisionStatus:
    """The status of one provision as of `as_of`, by the rules of docs/methodology.md.

    Evidence, assessments, supersessions and contests dated after `as_of` are ignored, so the result
    is what the record said on that day. Before the agreement's date of signature the provision does
    not exist yet: the status is not started (R1) with no `since`; all_statuses leaves it out."""
    engine, p = _engine(dataset, provision_id)
    return _status(dataset, engine, p, provision_id, as_of, *engine.state_of(p, as_of.toordinal()), stale_before(as_of))


def _status(
    dataset: Dataset,
    engine: Columns,
    p: int,
    provision_id: str,
    as_of: date,
    row: int,
    code: int,
    rule: int,
    since: date | None,
    latest_claim: date | None,
    other: int,
    old_before: date,
) -> ProvisionStatus:
    """provision_status, given the provision's row of the timeline at `as_of` (-1 for none), that row's
    status code, rule code, since and day (the newest counting claim's date), the day of the latest claim
    other than `implemented` (-1 for none), as Columns.states_at gives them, and the freshness window's
    start: all_statuses finds these for every provision at once. The engine is current for the
    provision (its objects are the dataset's)."""
    facts = engine.facts[p]
    if facts is None:
        facts = engine.facts[p] = _facts(engine, p)
    agreement_id, signed, effective, obligation, deadline, fixed_due, first_done, term, superseded = facts
    derived_since: date | None
    derived_since, derived = _derived_row(engine, p, effective, as_of, row, code, rule, since)
    starts = None
    if derived.rule == Rule.R1_NOT_IN_FORCE:
        # Not started since signature; before signature it has no "since" (nothing exists yet).
        derived_since = signed if signed <= as_of else None
        starts = effective
    assessment = None
    for a in engine.assessments_for(p):  # oldest first
        if a.date > as_of:
            break
        assessment = a
    if starts is not None or assessment is None:
        status, since = derived.status, derived_since
        assessment = None
    else:
        status, since = assessment.status, assessment.date

    if deadline is not None:
        due: Due | None = fixed_due or due_as_of(deadline, signed, as_of)
        assert due is not None
        # The first claim of implementation on or before `as_of`, and the last other claim after the due date.
        done = first_done if first_done is not None and first_done[0] <= as_of else None
        later = _date(other) if other > due.date.toordinal() else None
        state_of_deadline = deadline_state(due, as_of, done, later)
    else:
        due, state_of_deadline = None, DeadlineState.NONE
    ended = assessment.date if assessment is not None and assessment.status == Status.LAPSED else None
    return _deferred(
        ProvisionStatus,
        (engine, p, as_of.toordinal(), dataset),
        {
            "provision_id": provision_id,
            "agreement_id": agreement_id,
            "as_of": as_of,
            "status": status,
            "since": since,
            "derived": derived,
            "derived_since": derived_since,
            "assessment": assessment,
            "due": due,
            "deadline_state": state_of_deadline,
            "term": term_as_of(term, as_of, ended) if term else None,
            "latest_claim": latest_claim,
            "stale": _is_stale(status, assessment, obligation, latest_claim, old_before),
            "superseded_by": _supersessions(dataset, provision_id, as_of) if superseded else (),
            "starts": starts,
        },
    )


def _facts(engine: Columns, p: int) -> tuple[Any, ...]:
    """What a status reads of a provision and its agreement whatever the date, in one tuple made once
    per timelines: the statuses of 1,000 provisions then read 1,000 small tuples made together, not
    2,000 models spread over the loaded dataset (a status cost 6 us at 100 provisions and 9 us at 1,000,
    CPU, most of the difference in reading those models). The due date is kept when no amendment can
    change it, and the first claim of implementation as (date, precision)."""
    provision, agreement = engine.made_from[p]
    deadline = provision.deadline
    fixed_due = due_as_of(deadline, agreement.date, agreement.date) if deadline and not deadline.amendments else None
    first = engine.first_implemented(p, Claim.of)
    return (
        agreement.id,
        agreement.date,
        agreement.effective,
        provision.obligation,
        deadline,
        fixed_due,
        (first.date, first.precision) if first is not None else None,
        provision.term,
        bool(provision.superseded_by),
    )


_date = date.fromordinal


# Statuses that do not decay with time: an end (lapsed), an absence (no evidence), a provision not yet
# in force. A one-off once implemented stays implemented (R3), so its old first report is not stale.
_NEVER_STALE = frozenset({Status.LAPSED, Status.NO_EVIDENCE, Status.NOT_STARTED})


def is_stale(
    status: Status,
    assessment: Assessment | None,
    obligation: Obligation,
    latest_claim: date | None,
    as_of: date,
) -> bool:
    """Freshness (docs/methodology.md): True when the status rests on nothing newer than the window.
    An assessment is a dated judgement, so its date counts as fresh as a claim of that day."""
    return _is_stale(status, assessment, obligation, latest_claim, stale_before(as_of))


def _is_stale(
    status: Status,
    assessment: Assessment | None,
    obligation: Obligation,
    latest_claim: date | None,
    old_before: date,
) -> bool:
    """is_stale, given the window's start (stale_before(as_of)): computed once per date, not per status."""
    if status in _NEVER_STALE:
        return False
    if status == Status.IMPLEMENTED and obligation == Obligation.ONE_OFF:
        return False  # done stays done (R3), whether derived or assessed
    newest = [d for d in (latest_claim, assessment.date if assessment else None) if d is not None]
    return bool(newest) and max(newest) < old_before


def role_of(dataset: Dataset, actor_id: str) -> ActorRole:
    """An actor's role; an id missing from actors.yaml (only in hand-built datasets, since loading
    refuses unknown actors) counts as a party, so that it is never taken for an independent report."""
    actor = dataset.actors.get(actor_id)
    return actor.role if actor is not None else ActorRole.PARTY


def _one_party(dataset: Dataset, reasons: Sequence[Claim]) -> str | None:
    """The one party whose claims the status rests on, when no other party and no observer is among
    the reasons (methodology v2: media, courts and monitors are never a side)."""
    parties = set()
    for claim in reasons:
        if role_of(dataset, claim.side) == ActorRole.OBSERVER:
            return None
        parties.add(claim.side)
    return parties.pop() if len(parties) == 1 else None


def _supersessions(dataset: Dataset, provision_id: str, as_of: date) -> tuple[SupersessionInEffect, ...]:
    return tuple(
        SupersessionInEffect(
            provision_id=sup.provision,
            agreement_id=dataset.provision_agreement.get(sup.provision, ""),
            since=sup.from_,
            evidence=tuple(sup.evidence),
            note=sup.note,
            contested=tuple(c for c in sup.contested if c.from_ <= as_of),
        )
        for sup in dataset.provisions[provision_id].superseded_by
        if sup.from_ <= as_of
    )


def supersedes(dataset: Dataset, provision_id: str, as_of: date) -> list[tuple[str, SupersessionInEffect]]:
    """The other side of the lineage: the older provisions that `provision_id` supersedes at `as_of`,
    each with its supersession (and the contests then in effect), in the order of the YAML files."""
    found = []
    for pid in dataset.provisions:
        for sup in _supersessions(dataset, pid, as_of):
            if sup.provision_id == provision_id:
                found.append((pid, sup))
    return found


def _selected(dataset: Dataset, agreement: str | None, party: str | None) -> Iterator[str]:
    for pid, provision in dataset.provisions.items():
        if (agreement is None or dataset.provision_agreement[pid] == agreement) and (
            party is None or party in provision.parties
        ):
            yield pid


def all_statuses(
    dataset: Dataset, as_of: date, *, agreement: str | None = None, party: str | None = None
) -> list[ProvisionStatus]:
    """The status of every provision that exists at `as_of` (its agreement signed on or before it),
    optionally of one agreement or of the provisions obliging one party, in the order of the agreements'
    dates and then of the YAML files. Provisions of agreements signed later are left out (count them
    with signed_later); every status returned has `since` on or before `as_of`."""
    with collector_paused():
        pids = [pid for pid in _selected(dataset, agreement, party) if dataset.agreement_of(pid).date <= as_of]
        statuses = _statuses(dataset, pids, as_of)
        promote_results()  # alive, kept by the caller: not walked by the next young collection
    return statuses


def _statuses(dataset: Dataset, pids: list[str], as_of: date) -> list[ProvisionStatus]:
    """provision_status for each of `pids`, with every provision's row at `as_of` found at once (one
    numpy searchsorted, Columns.states_at) instead of a bisect and reads per provision, and the freshness
    window's start computed once."""
    if not pids:
        return []
    engine, _ = _engine(dataset, pids[0])
    if not engine.current_for(dataset, pids):
        engine, _ = _engine(dataset, next(pid for pid in pids if not engine.current(dataset, pid)))
    index = engine.index
    ps = [index[pid] for pid in pids]
    rows, codes, rules, sinces, days, others = engine.states_at(ps, as_of.toordinal())
    old_before = stale_before(as_of)
    return [
        _status(dataset, engine, p, pid, as_of, row, code, rule, since, day, other, old_before)
        for pid, p, row, code, rule, since, day, other in zip(
            pids, ps, rows, codes, rules, sinces, days, others, strict=True
        )
    ]


def signed_later(dataset: Dataset, as_of: date, *, agreement: str | None = None, party: str | None = None) -> list[str]:
    """Ids of the provisions all_statuses leaves out at `as_of`: their agreements were signed later."""
    return [pid for pid in _selected(dataset, agreement, party) if dataset.agreement_of(pid).date > as_of]


class _Concerning:
    """Per actor, the dated evidence concerning its conduct (ids and days, in the dataset's order),
    made in one pass over the evidence once per loaded dataset: each new as-of date then only cuts
    it (the pass took 0.1 s of each dashboard rerun at 100k passages)."""

    def __init__(self, dataset: Dataset):
        self.evidence, self.evidence_len = dataset.evidence, len(dataset.evidence)
        ids: dict[str, list[str]] = defaultdict(list)
        days: dict[str, list[int]] = defaultdict(list)
        for item in dataset.evidence.values():
            e = item.evidence
            if e.concerns and isinstance(e.event_date, date):
                day = e.event_date.toordinal()
                for actor_id in e.concerns:
                    ids[actor_id].append(item.id)
                    days[actor_id].append(day)
        import numpy as np  # here, as for the timelines: validate never needs it

        self.by_actor = {a: (np.array(ids[a], dtype=object), np.array(days[a], dtype=np.int64)) for a in ids}

    @classmethod
    def of(cls, dataset: Dataset) -> _Concerning:
        kept: dict[Any, Any] = dataset._timelines
        made: _Concerning | None = kept.get(cls)
        if made is None or made.evidence is not dataset.evidence or made.evidence_len != len(dataset.evidence):
            made = kept[cls] = cls(dataset)
        return made

    def up_to(self, as_of: date) -> dict[str, list[str]]:
        day = as_of.toordinal()
        return defaultdict(list, {a: ids[days <= day].tolist() for a, (ids, days) in self.by_actor.items()})


@dataclass(frozen=True)
class PartyView:
    """One party's obligations and how they stand: counts and evidence, never a bare score."""

    actor_id: str
    statuses: tuple[ProvisionStatus, ...]
    counts: dict[Status, int]
    evidence_concerning: tuple[str, ...]


def party_views(dataset: Dataset, as_of: date, statuses: Sequence[ProvisionStatus] | None = None) -> list[PartyView]:
    """Each obliged party's statuses, counts and the evidence about its conduct up to `as_of`.
    Pass `statuses` (every provision's, at `as_of`) when they are already computed."""
    if statuses is None:
        statuses = all_statuses(dataset, as_of)
    concerning = _Concerning.of(dataset).up_to(as_of)
    views = []
    for actor_id in dataset.actors:
        mine = tuple(s for s in statuses if actor_id in dataset.provisions[s.provision_id].parties)
        if not mine:
            continue
        views.append(PartyView(actor_id, mine, dict(Counter(s.status for s in mine)), tuple(concerning[actor_id])))
    return views
