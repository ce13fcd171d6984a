"""The data model. These pydantic models are the schema of every YAML file: they validate
the data, generate the JSON Schemas in `schemas/` and document each field."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

# --------------------------------------------------------------------------- vocabularies


class Stance(StrEnum):
    """What a passage says about a provision (see docs/methodology.md)."""

    IMPLEMENTED = "implemented"
    PROGRESS = "progress"
    STALLED = "stalled"
    DISPUTED = "disputed"
    VIOLATED = "violated"
    CONTEXT = "context"


class Status(StrEnum):
    """The status of a provision as of a date (see docs/methodology.md)."""

    IMPLEMENTED = "implemented"
    IN_PROGRESS = "in-progress"
    NOT_STARTED = "not-started"
    STALLED = "stalled"
    DISPUTED = "disputed"
    VIOLATED = "violated"
    LAPSED = "lapsed"
    NO_EVIDENCE = "no-evidence"


class Rule(StrEnum):
    """The rule of docs/methodology.md that set a derived status."""

    R1_NOT_IN_FORCE = "R1"
    R2_NO_CLAIM = "R2"
    R3_IMPLEMENTED = "R3"
    R3_DISPUTED = "R3-disputed"
    R4_LATEST = "R4"
    R4_DISPUTED = "R4-disputed"


class DeadlineState(StrEnum):
    MET = "met"
    MET_LATE = "met-late"
    MISSED = "missed"
    PENDING = "pending"
    UNKNOWN = "unknown"
    NONE = "none"


class Category(StrEnum):
    CEASEFIRE = "ceasefire"
    TERRITORY = "territory"
    PEACEKEEPING = "peacekeeping"
    MONITORING = "monitoring"
    WITHDRAWAL = "withdrawal"
    TRANSPORT = "transport"
    DISPLACEMENT = "displacement"
    PRISONERS = "prisoners"
    INSTITUTIONS = "institutions"
    BORDERS = "borders"
    HUMANITARIAN = "humanitarian"
    POLITICAL = "political"
    ECONOMIC = "economic"
    OTHER = "other"


class Obligation(StrEnum):
    """One-off obligations stay implemented once done; ongoing ones follow the latest evidence."""

    ONE_OFF = "one-off"
    ONGOING = "ongoing"


class Reading(StrEnum):
    """How close the stored text is to the signed original."""

    OFFICIAL_TRANSLATION = "official-translation"
    PRESS_QUOTATION = "press-quotation"
    CLOSE_READING = "close-reading"


class DatePrecision(StrEnum):
    """How exactly `event_date` is known."""

    DAY = "day"
    MONTH = "month"
    ON_OR_BEFORE = "on-or-before"
    APPROXIMATE = "approximate"


class Verification(StrEnum):
    """How far a reported event was checked (the timeline's V, V* and UNVERIFIED)."""

    READ = "read"
    DATE_INFERRED = "date-inferred"
    UNVERIFIED = "unverified"


class EvidenceKind(StrEnum):
    """Verbatim quotes are checked against a stored article; reported events are only summarised from a URL."""

    QUOTE = "quote"
    EVENT = "event"


class ActorKind(StrEnum):
    STATE = "state"
    AUTHORITY = "authority"
    ORGANISATION = "organisation"
    GENERIC = "generic"


class ActorRole(StrEnum):
    """Whether an actor is a side (see docs/methodology.md, "Who is a side").

    A party is a party to the conflict or to an agreement tracked: its claims are a side's claims.
    An observer (media, courts, monitors, UN bodies, the ICRC, the EU, other third parties) reports:
    its claims count toward a status, but it is never "a side"."""

    PARTY = "party"
    OBSERVER = "observer"


class AgreementStage(StrEnum):
    """A stage in an agreement's life, each with a date (`Agreement.stages`)."""

    SIGNED = "signed"
    INITIALLED = "initialled"
    IN_FORCE = "in-force"
    SUPERSEDED_IN_PART = "superseded-in-part"
    ENDED = "ended"


class LinkType(StrEnum):
    """How an agreement relates to another (`Agreement.links`)."""

    IMPLEMENTS = "implements"
    REFERENCES = "references"
    SUPERSEDES_IN_PART = "supersedes-in-part"


# --------------------------------------------------------------------------- field types

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Id = Annotated[
    str,
    StringConstraints(pattern=_ID_PATTERN, max_length=80),
    Field(description="A stable identifier: letters, digits, '.', '_' or '-'."),
]
Text = Annotated[str, StringConstraints(min_length=1)]
# A provision's title is our own short label, read in full in every table (at 1400 px the Overview's title
# column holds about 75 characters); the verbatim words are in `text`.
TITLE_MAX = 75
Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=TITLE_MAX),
    Field(
        description=f"Our short label for the provision, at most {TITLE_MAX} characters; the verbatim words: `text`."
    ),
]
_DURATION = re.compile(r"^(\d+) (day|days|month|months|year|years)$")


def _parse_date(value: object) -> object:
    # YAML gives a date for well-formed dates; a malformed one stays a string (see yamlsource).
    if isinstance(value, datetime):
        raise ValueError("expected a date written YYYY-MM-DD, not a date and time")
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"'{value}' is not a valid date ({exc}); write YYYY-MM-DD") from None
        return _in_range(value)
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


# Dates in the data stay in this range, so that a period or a term added to one stays a date
# (a term starting 9999-01-01 crashed every command; see tests/test_bounds.py).
EARLIEST_DATE, LATEST_DATE = date(1800, 1, 1), date(2999, 12, 31)


def _in_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"{value} is out of range; write a date between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


Date = Annotated[
    date,
    BeforeValidator(_parse_date),
    Field(json_schema_extra={"type": "string", "format": "date"}),
]


def _parse_date_or_unknown(value: object) -> date | str:
    if value == "unknown":
        return "unknown"
    try:
        return _parse_date(value)  # type: ignore[return-value]  # a date, or ValueError
    except ValueError as exc:
        raise ValueError(f"{exc} (or 'unknown' when the date is not known)") from None


DateOrUnknown = Annotated[
    date | Literal["unknown"],
    PlainValidator(_parse_date_or_unknown),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, {"const": "unknown"}]}),
]


def _check_http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError(f"'{value}' is not an http(s) URL; links must start with http:// or https://")
    return value


HttpUrl = Annotated[str, AfterValidator(_check_http_url), Field(json_schema_extra={"pattern": "^https?://"})]
# At most a century: longer periods are typing errors, and would overflow the calendar.
_MAX_PERIOD = {"day": 36_500, "month": 1_200, "year": 100}


def _check_duration(value: str) -> str:
    match = _DURATION.match(value)
    if match is not None:
        n, unit = int(match.group(1)), match.group(2).rstrip("s")
        if n > _MAX_PERIOD[unit]:
            raise ValueError(
                f"'{value}' is longer than a century; write at most {_MAX_PERIOD[unit]:,} {unit}s (100 years)"
            )
    return value


Duration = Annotated[
    str,
    StringConstraints(pattern=_DURATION.pattern),
    AfterValidator(_check_duration),
    Field(description="A period such as '1 month' or '3 years'."),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


# --------------------------------------------------------------------------- actors


class Actor(_Model):
    """A state, authority or organisation that can be obliged, make a claim, or be acted upon."""

    id: Id
    name: Text
    kind: ActorKind
    role: ActorRole = Field(
        description="party: a party to the conflict or to an agreement tracked (a side); observer: media, "
        "courts, monitors, UN bodies and other third parties, whose reports count but who are never a side."
    )
    note: str | None = None


class ActorsFile(_Model):
    actors: list[Actor] = Field(min_length=1)


# --------------------------------------------------------------------------- agreements


class Signatory(_Model):
    name: Text
    role: Text
    actor: Id = Field(description="The actor id the signatory signs for.")


class TextSource(_Model):
    """Where a text of the agreement (or of one of its translations) was read."""

    id: Id = Field(description="Short label used by provisions, e.g. RU-MFA.")
    title: Text
    url: HttpUrl | None = None
    date: Date | None = None
    note: str | None = None


class Stage(_Model):
    """A dated stage of an agreement: signed, initialled, in force, superseded in part, ended."""

    stage: AgreementStage
    date: Date
    source: str | None = Field(None, description="Who or what records the stage, e.g. 'Kremlin.ru'.")
    url: HttpUrl | None = None
    note: str | None = None


class Link(_Model):
    """A typed link to another agreement (the January 2021 statement implements point 9 of Nov 2020)."""

    type: LinkType
    agreement: Id = Field(description="The id of the other agreement.")
    note: str | None = None


class Agreement(_Model):
    id: Id
    title: Text
    short_title: Text
    date: Date = Field(description="Date of signature (or of initialling, if never signed).")
    in_force: Date | None = Field(None, description="Date it took effect, if not the date of signature.")
    place: str | None = None
    signatories: list[Signatory] = Field(min_length=1)
    sources: list[TextSource] = Field(min_length=1)
    text_file: str | None = Field(
        None,
        description="The texts as read, relative to this YAML file; every provision text must appear in it.",
    )
    stages: list[Stage] = Field(default_factory=list, description="The agreement's stages, in date order.")
    links: list[Link] = Field(default_factory=list, description="Typed links to other agreements.")
    note: str | None = None

    @model_validator(mode="after")
    def _stages_in_order(self) -> Agreement:
        for before, after in zip(self.stages, self.stages[1:], strict=False):
            if after.date < before.date:
                raise ValueError(
                    f"stages must be in date order: '{after.stage.value}' ({after.date}) comes after "
                    f"'{before.stage.value}' ({before.date}); move it before"
                )
        return self

    @property
    def effective(self) -> Date:  # not `date`: inside this class that name is the field above
        return self.in_force or self.date


class TextVariant(_Model):
    """Another wording of the provision that circulated (e.g. the Gazakh clause of point 2)."""

    text: Text
    source: Text
    url: HttpUrl | None = None
    note: str | None = None


class Amendment(_Model):
    """A change of a deadline agreed after signature."""

    due: Date = Field(description="The new due date.")
    decided: Date = Field(description="When the change was agreed or announced.")
    source: Text = Field(description="Who announced it, where.")
    url: HttpUrl | None = None
    note: str | None = None


class Deadline(_Model):
    """A due date, given either as a date (`due`) or as a period (`within`) counted from `from`."""

    due: Date | None = None
    within: Duration | None = None
    from_: Date | None = Field(None, alias="from", description="Start of `within`; default: the agreement's date.")
    basis: str | None = Field(None, description="How the date follows from the text.")
    amendments: list[Amendment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way(self) -> Deadline:
        if (self.due is None) == (self.within is None):
            raise ValueError("a deadline needs exactly one of 'due' (a date) or 'within' (a period such as '3 years')")
        return self


class Term(_Model):
    """A term that renews itself unless notice is given (point 4: 5 years, renewing, 6 months' notice)."""

    start: Date
    # Bounded (a century; notice within it) so that no term leaves the calendar.
    years: int = Field(gt=0, le=100)
    renewal_years: int | None = Field(
        None, gt=0, le=100, description="Length of each tacit renewal; none if it does not renew."
    )
    notice_months: int = Field(0, ge=0, le=1_200, description="Notice needed before expiry to stop the renewal.")


class Contest(_Model):
    """Who says, from when, that a superseded provision still stands (Russia on point 9)."""

    actor: Id
    from_: Date = Field(alias="from", description="From when the actor contests the supersession.")
    evidence: list[Id] = Field(default_factory=list, description="Evidence ids the contest rests on.")
    note: str | None = None


class Supersession(_Model):
    """A provision of a later agreement that replaces this one from a date (not a status: shown beside it)."""

    provision: Id = Field(description="The id of the provision (of a later agreement) that supersedes this one.")
    from_: Date = Field(alias="from", description="From when it is superseded.")
    evidence: list[Id] = Field(default_factory=list, description="Evidence or assessment ids it rests on.")
    note: str | None = None
    contested: list[Contest] = Field(default_factory=list)


class Provision(_Model):
    id: Id
    point: int = Field(ge=0)
    clause: str | None = Field(None, description="Sub-clause letter where a point bundles several obligations.")
    title: Title
    text: Text = Field(description="Verbatim text, from the source named in `translation`.")
    translation: Id = Field(description="Id of the agreement source this text is taken from.")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")] = Field(
        "en", description="Language of `text` (ISO 639 code); `text` is verbatim in that language."
    )
    english: Text | None = Field(
        None, description="Our own English rendering when `text` is not English; always shown as ours."
    )
    reading: Reading = Reading.OFFICIAL_TRANSLATION
    reading_note: str | None = None
    variants: list[TextVariant] = Field(default_factory=list)
    category: Category
    parties: list[Id] = Field(min_length=1, description="Actors the provision obliges.")
    obligation: Obligation
    deadline: Deadline | None = None
    term: Term | None = None
    keywords: list[Text] = Field(
        default_factory=list,
        description="Words and phrases that signal the provision in an article (used by `tracker suggest`).",
    )
    superseded_by: list[Supersession] = Field(
        default_factory=list, description="Provisions of later agreements that replace this one, from a date."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _english_rendering(self) -> Provision:
        if self.language != "en" and self.english is None:
            raise ValueError(f"the text is in '{self.language}': add 'english', our own English rendering of it")
        if self.language == "en" and self.english is not None:
            raise ValueError("'english' is our rendering of a text in another language; set 'language' to it")
        return self


class AgreementFile(_Model):
    """One YAML file in provisions/: an agreement and its provisions (none for an agreement recorded only
    for its stages and links, such as an initialled, unsigned one)."""

    agreement: Agreement
    provisions: list[Provision] = Field(default_factory=list)


# --------------------------------------------------------------------------- evidence


class Source(_Model):
    """An article whose text is stored verbatim in the repository."""

    id: Id
    title: Text
    outlet: Text = Field(description="The outlet, or 'unknown' when the text does not name it.")
    published: DateOrUnknown
    byline: str | None = Field(None, description="Byline and date exactly as printed, if any.")
    url: HttpUrl | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
    text: Text = Field(description="Path of the article text, relative to this YAML file.")
    note: str | None = None


class Evidence(_Model):
    """A quoted passage of a source, linked to the provisions it bears on."""

    id: Id
    quote: Text = Field(description="Exact words of the article (typographic quotes and spaces may differ).")
    provisions: list[Id] = Field(min_length=1)
    stance: Stance
    claimant: Text = Field(description="Who says it, e.g. 'Sergey Shoigu' or 'the article's author'.")
    side: Id = Field(description="The actor the claimant speaks for (an actor id, e.g. third-party or media).")
    concerns: list[Id] = Field(default_factory=list, description="Actors whose conduct the passage is about.")
    event_date: DateOrUnknown = Field(description="Date of the event reported, not of publication.")
    date_precision: DatePrecision = DatePrecision.DAY
    unconfirmed: bool = Field(
        False,
        description="A suggestion not yet checked by an analyst: validated, but never counted toward a status.",
    )
    note: str | None = None


def default_event_date(published: date | str) -> tuple[date | str, DatePrecision]:
    """The event date of a passage when none is given: the source's publication date, marked on-or-before
    (the article reports what had happened by then), or 'unknown' when the publication date is unknown."""
    if isinstance(published, date):
        return published, DatePrecision.ON_OR_BEFORE
    return "unknown", DatePrecision.DAY


class SourceFile(_Model):
    """One YAML file in evidence/: an article and the passages linked from it."""

    source: Source
    evidence: list[Evidence] = Field(default_factory=list)


QUOTATION_MAX = 300


class ReportedEvent(_Model):
    """An event reported at a URL whose text is not stored here: weaker evidence than a verbatim quote."""

    id: Id
    summary: Text = Field(description="What was reported, in our own words (no copied sentences).")
    quotation: Annotated[str, StringConstraints(min_length=1, max_length=QUOTATION_MAX)] | None = Field(
        None, description="At most a short quotation from the report, shown in quotation marks."
    )
    urls: list[HttpUrl] = Field(min_length=1, description="Where the event was reported.")
    outlet: Text = Field(description="The outlet(s) of the URLs, or 'unknown'.")
    published: DateOrUnknown = Field(description="Publication date of the report, or 'unknown'.")
    provisions: list[Id] = Field(min_length=1)
    stance: Stance
    claimant: Text = Field(description="Who makes the claim, e.g. 'Azerbaijani MoD' or 'the reporting outlet'.")
    side: Id = Field(description="The actor the claimant speaks for.")
    concerns: list[Id] = Field(default_factory=list, description="Actors whose conduct the event is about.")
    event_date: DateOrUnknown = Field(description="Date of the event, not of the report.")
    date_precision: DatePrecision = DatePrecision.DAY
    verification: Verification = Field(
        description="read: seen in the source; date-inferred: read, but the date is inferred; unverified: not found."
    )
    note: str | None = None


class EventsFile(_Model):
    """A YAML file in evidence/ of events reported at URLs (no stored article text)."""

    events: list[ReportedEvent] = Field(min_length=1)


class Alias(_Model):
    """Spellings of one name or term that mean the same (Kalbajar, Kelbajar)."""

    term: Text
    spellings: list[Text] = Field(min_length=1)


class AliasesFile(_Model):
    aliases: list[Alias] = Field(min_length=1)


class Assessment(_Model):
    """An analyst's dated judgement that overrides the derived status from its date on."""

    id: Id
    provision: Id
    date: Date
    status: Status
    rationale: Text
    analyst: Text
    evidence: list[Id] = Field(default_factory=list)


class AssessmentsFile(_Model):
    assessments: list[Assessment] = Field(default_factory=list)


FILE_MODELS: dict[str, type[_Model]] = {
    "agreement": AgreementFile,
    "actors": ActorsFile,
    "source": SourceFile,
    "assessments": AssessmentsFile,
    "events": EventsFile,
    "aliases": AliasesFile,
}
