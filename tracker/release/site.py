"""The static site of a release: plain HTML and CSS rendered with Jinja2 (autoescaped: every data string
is text, never markup), relative links only, so that it works from file:// and from any static host.

Pages: index.html (the overview at the release date, with the trend as an HTML/CSS chart),
agreements/<id>.html, provisions/<id>.html (text, status with reasons, freshness, lineage, every piece
of evidence with its quote highlighted in its sentences) and changes.html."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from .. import present
from ..changes import Change
from ..models import ReportedEvent, Status
from ..status import provision_status
from ..store import Dataset, EvidenceItem
from ..trend import monthly
from .changes import KINDS, Changes
from .tables import Table, agreements_in, provisions_in

TEMPLATES = Path(__file__).resolve().parent / "templates"
SITE = "site"
# Sentences around a quote: cut at a sentence end or a blank line, never more than this much each side.
CONTEXT_CHARS = 400
_SENTENCE_END = re.compile("[.!?\u2026][\"'\u201d\u2019\u00bb)]*\\s+|\n\\s*\n")
_HTTP = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
CHANGE_TITLES = {
    "status-changed": "Statuses changed",
    "provision-added": "Provisions added",
    "provision-removed": "Provisions removed",
    "evidence-added": "Evidence added",
    "evidence-corrected": "Evidence corrected",
    "evidence-removed": "Evidence removed",
    "assessment-added": "Assessments added",
    "assessment-corrected": "Assessments corrected",
    "assessment-removed": "Assessments removed",
}


def http_url(value: object) -> str | None:
    """The URL if it is http(s), else None: nothing else becomes a link (no javascript:, data:, file:)."""
    return value if isinstance(value, str) and _HTTP.match(value) else None


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name: nothing from data is markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["http_url"] = http_url
    env.filters["status_label"] = lambda code: present.status_label(Status(code)) if code else ""
    env.globals["status_codes"] = [s.value for s in Status]
    return env


@dataclass(frozen=True, slots=True)
class Highlight:
    """A quote in its sentences: text before, the quote, text after (each escaped by the template)."""

    before: str
    quote: str
    after: str


def highlight(article: str, start: int, end: int) -> Highlight:
    """The sentences that hold article[start:end], cut at most CONTEXT_CHARS from the quote each side."""
    left = max(0, start - CONTEXT_CHARS)
    ends = [m.end() for m in _SENTENCE_END.finditer(article, left, start)]
    # Without a sentence end in reach, cut at a space rather than inside a word.
    begin = ends[-1] if ends else (left if left == 0 else article.find(" ", left, start) + 1 or left)
    right = min(len(article), end + CONTEXT_CHARS)
    found = _SENTENCE_END.search(article, end, right)
    stop = found.end() if found else (right if right == len(article) else max(article.rfind(" ", end, right), end))
    prefix = "… " if not ends and left > 0 else ""
    suffix = " …" if not found and right < len(article) else ""
    return Highlight(prefix + article[begin:start].lstrip(), article[start:end], article[end:stop].rstrip() + suffix)


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """What a provision page shows of one piece of evidence. Attributes, not a dict: Jinja looks an
    attribute up first, and a page of a large release shows hundreds of these."""

    id: str
    kind: str
    stance: str
    claimant: str
    side: str
    concerns: tuple[str, ...]
    date: str
    note: str | None
    provisions: tuple[str, ...]
    outlet: str
    published: str
    links: tuple[str, ...]  # http(s) only: the template links them without the ext macro's check
    summary: str | None = None
    quotation: str | None = None
    verification: str | None = None
    quote: str | None = None
    source_title: str | None = None
    highlight: Highlight | None = None


def _evidence_view(dataset: Dataset, item: EvidenceItem) -> EvidenceView:
    e = item.evidence
    common: dict[str, Any] = {
        "id": e.id,
        "kind": item.kind.value,
        "stance": e.stance.value,
        "claimant": e.claimant,
        "side": dataset.actor_name(e.side),
        "concerns": tuple(dataset.actor_name(a) for a in e.concerns),
        "date": present.date_text(e.event_date, e.date_precision),
        "note": e.note,
        "provisions": tuple(e.provisions),
    }
    if isinstance(e, ReportedEvent):
        return EvidenceView(
            **common,
            outlet=e.outlet,
            published=str(e.published),
            links=tuple(u for u in e.urls if http_url(u)),
            summary=e.summary,
            quotation=e.quotation,
            verification=e.verification.value,
        )
    source = dataset.sources[item.source_id or ""]
    article = dataset.articles.get(source.id)
    url = http_url(source.url)
    return EvidenceView(
        **common,
        outlet=source.outlet,
        published=str(source.published),
        links=(url,) if url else (),
        quote=e.quote,
        source_title=source.title,
        highlight=highlight(article, item.span.start, item.span.end) if article and item.span else None,
    )


def _trend(dataset: Dataset, as_of: date, histories: Mapping[str, list[Change]] | None) -> list[dict[str, Any]]:
    """tracker/trend.py's monthly counts by status (the dashboard's trend), one bar per month end."""
    by_day: dict[date, dict[str, tuple[int, int]]] = {}
    for point in monthly(dataset, as_of, histories=histories):
        by_day.setdefault(point.when, {})[point.status.value] = (point.provisions, point.stale)
    return [
        {
            "date": day.isoformat(),
            "total": sum(n for n, _ in counts.values()),
            "stale": sum(stale for _, stale in counts.values()),
            "counts": [(s.value, counts.get(s.value, (0, 0))[0]) for s in Status],
        }
        for day, counts in sorted(by_day.items())
    ]


def write(
    folder: Path,
    dataset: Dataset,
    tables: Sequence[Table],
    *,
    as_of: date,
    version: str,
    changes: Changes,
    histories: Mapping[str, list[Change]] | None = None,
) -> list[str]:
    env = environment()
    out = folder / SITE
    (out / "provisions").mkdir(parents=True, exist_ok=True)
    (out / "agreements").mkdir(parents=True, exist_ok=True)
    files: list[str] = []

    def page(name: str, template: str, **context: Any) -> None:
        root = "../" * name.count("/")
        html = env.get_template(template).render(root=root, version=version, as_of=as_of.isoformat(), **context)
        (out / name).write_text(html, encoding="utf-8")
        files.append(f"{SITE}/{name}")

    by_name = {t.name: t for t in tables}
    statuses = {r["provision_id"]: r for r in by_name["statuses"].records}
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in by_name["status_history"].records:
        history[row["provision_id"]].append(row)
    agreements = agreements_in(dataset, as_of)
    present_ids = {a.id for a in agreements}
    provisions = provisions_in(dataset, as_of)
    by_agreement: dict[str, list[Any]] = defaultdict(list)
    for p in provisions:
        by_agreement[dataset.provision_agreement[p.id]].append(p)

    counts = Counter(r["status"] for r in statuses.values())
    trend = _trend(dataset, as_of, histories)
    page(
        "index.html",
        "index.html",
        agreements=[(a, by_agreement[a.id]) for a in agreements],
        statuses=statuses,
        counts=[(s.value, counts.get(s.value, 0)) for s in Status if counts.get(s.value)],
        signed_later=present.signed_later_line(len(dataset.provisions) - len(provisions))
        if len(dataset.provisions) > len(provisions)
        else None,
        stale_mark=present.STALE_MARK,
        stale_note=present.STALE_NOTE,
        assessed_note=present.ASSESSED_NOTE,
        no_evidence_note=present.NO_EVIDENCE_NOTE,
        total=len(statuses),
        trend=trend,
        changes=changes,
    )

    def title(aid: str) -> str:
        return dataset.agreements[aid].short_title if aid in dataset.agreements else aid

    for a in agreements:
        links = [(link, present.link_phrase(link, title)) for link in a.links]
        page(
            f"agreements/{a.id}.html",
            "agreement.html",
            agreement=a,
            provisions=by_agreement[a.id],
            statuses=statuses,
            stages=[(stage, present.stage_phrase(stage)) for stage in a.stages],
            links=links,
            shown=present_ids,
            actor=dataset.actor_name,
        )
    known = {p.id for p in provisions}
    views: dict[str, EvidenceView] = {}  # evidence bearing on several provisions is shown on each page

    def view(item: EvidenceItem) -> EvidenceView:
        found = views.get(item.id)
        if found is None:
            found = views[item.id] = _evidence_view(dataset, item)
        return found

    name = dataset.actor_name
    statuses_now = {p.id: provision_status(dataset, p.id, as_of) for p in provisions}
    # The newer side of each supersession, from the older provisions' statuses: status.supersedes scans
    # every provision for one, which is a scan per page.
    newer: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for pid, st in statuses_now.items():
        for sup in st.superseded_by:
            newer[sup.provision_id].append((pid, sup))
    for p in provisions:
        s = statuses_now[p.id]
        items = [
            i
            for i in dataset.evidence_for(p.id)
            if not isinstance(i.evidence.event_date, date) or i.evidence.event_date <= as_of
        ]
        items.sort(key=lambda i: (i.evidence.event_date if i.dated else date.min, i.id), reverse=True)
        page(
            f"provisions/{p.id}.html",
            "provision.html",
            provision=p,
            agreement=dataset.agreement_of(p.id),
            status=s,
            explanation=present.explain(s, name),
            assessed=present.status_with_derived(s) if s.assessment else None,
            one_party=present.one_party_warning(s, name),
            latest_claim=present.latest_claim_text(s),
            freshness=present.freshness(s),
            deadline=present.deadline_text(s),
            term=present.term_sentence(s.term, p.term) if s.term else None,
            reading=present.READING_LABELS[p.reading],
            rendering=present.rendering_note(p.language) if p.english else None,
            superseded=[(sup.provision_id, present.supersession_phrase(sup, name)) for sup in s.superseded_by],
            supersedes=[(older, present.supersedes_phrase(older, sup, name)) for older, sup in newer[p.id]],
            reasons={c.id for c in s.reasons},
            history=history.get(p.id, []),
            evidence=[view(i) for i in items],
            known=known,
            parties=[name(a) for a in p.parties],
        )
    page(
        "changes.html",
        "changes.html",
        changes=changes,
        groups=[(CHANGE_TITLES[k], changes.of(k)) for k in KINDS if changes.of(k)],
        known=known,
    )
    (out / "style.css").write_text((TEMPLATES / "style.css").read_text(encoding="utf-8"), encoding="utf-8")
    files.append(f"{SITE}/style.css")
    return files
