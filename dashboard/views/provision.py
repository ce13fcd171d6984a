"""Provision: the verbatim text, deadlines, the status with its reasons and history, and the evidence."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
import ui

from tracker import present
from tracker.models import ReportedEvent
from tracker.present import DEADLINE_LABELS, STATUS_LABELS
from tracker.status import derived_history, provision_status, status_history, supersedes

view = ui.current()
ds = view.dataset
ids = list(ds.provisions)
# The id lives in the URL as ?id=nov2020-1 (a bound selectbox would put the whole label there).
wanted = st.query_params.get("id")
pid = st.selectbox(
    "Provision",
    ids,
    index=ids.index(wanted) if wanted in ids else 0,
    key="provision_pick",
    format_func=lambda i: ui.provision_label(view, i),
)
st.query_params["id"] = pid
p = ds.provisions[pid]
# A provision of an agreement signed after the date is in no table (methodology v2), but its page still
# opens, saying that it did not exist yet.
s = view.statuses.get(pid) or provision_status(ds, pid, view.as_of)
agreement = ds.agreement_of(pid)

st.title(f"{ui.esc(p.id)}: {ui.esc(p.title)}")
st.caption(
    f"{ui.esc(agreement.title)} ({agreement.date}) · point {p.point}{ui.esc(p.clause or '')} · "
    f"{p.category.value} · {p.obligation.value} obligation · parties obliged: "
    + ", ".join(ui.esc(ds.actor_name(a)) for a in p.parties)
)

# ----- lineage: what replaced this provision, and what it replaced
lineage = ui.lineage_lines(view, [pid])
replaces = [
    f"{ui.esc(pid)} {ui.esc(present.supersedes_phrase(older, sup, ds.actor_name))}"
    for older, sup in supersedes(ds, pid, view.as_of)
]
if lineage or replaces:
    lines = [f"- {line}" for line in lineage + replaces]
    st.info(
        "**Lineage** (a supersession is not a status: the status below is still derived)\n\n" + "\n".join(lines),
        icon=":material/account_tree:",
    )

# ----- the text
st.markdown("> " + ui.esc(p.text))
if p.english:
    note = present.rendering_note(p.language)
    st.markdown(f"**{ui.esc(note[:1].upper() + note[1:])}**\n\n> " + ui.esc(p.english))
source = next((src for src in agreement.sources if src.id == p.translation), None)
reading = present.READING_LABELS[p.reading]
st.caption(
    f"Text: {reading}, from "
    + (ui.md_link(source.title, source.url) if source else ui.esc(p.translation))
    + (f". {ui.esc(p.reading_note)}" if p.reading_note else "")
)
for v in p.variants:
    st.markdown("**Variant** — " + ui.md_link(v.source, v.url) + "\n\n> " + ui.esc(v.text))
    if v.note:
        st.caption(ui.esc(v.note))
if p.note:
    st.caption(ui.esc(p.note))

# ----- deadline and term
if p.deadline and s.due:
    line = f"**Deadline** {s.due.date} — {DEADLINE_LABELS[s.deadline_state]} as of {view.as_of}"
    if s.due.amendment:
        a = s.due.amendment
        line += f" (moved from {s.due.original} on {a.decided} by {ui.md_link(a.source, a.url)})"
    st.markdown(line)
    if p.deadline.basis:
        st.caption(ui.esc(p.deadline.basis))
if s.term:
    computed = " (computed; assumes no notice was given)" if s.term.number and s.term.ended is None else ""
    st.markdown(f"**Term** — {ui.esc(present.term_sentence(s.term, p.term) + computed)}.")

# ----- status
st.subheader("Status as of " + view.as_of.isoformat())
name = ds.actor_name
if s.assessment:
    assessed = s.assessment
    left, right = st.columns(2)
    left.markdown(
        f"**Assessed: {ui.badge(s.status)}** since {assessed.date}"
        + (f" · ⌛ {ui.freshness(s)}" if ui.freshness(s) else "")
    )
    left.caption(
        f"{ui.esc(assessed.analyst)} ({ui.esc(assessed.id)}): {ui.esc(assessed.rationale)}"
        + (f" Evidence: {ui.esc(', '.join(assessed.evidence))}." if assessed.evidence else "")
    )
    right.markdown(f"**Derived from the evidence: {ui.badge(s.derived.status)}**")
    right.caption(ui.esc(s.explain(name)))
else:
    st.markdown(f"**{ui.badge(s.status)}**" + (f" · ⌛ {ui.freshness(s)}" if ui.freshness(s) else ""))
    st.caption(ui.esc(s.explain(name)))
if s.one_sided:
    st.warning(f"This status {ui.esc(present.one_party_warning(s, name))}.", icon="⚠️")

# ----- status over time
start = agreement.effective
changes = status_history(ds, pid, view.as_of)
derived = derived_history(ds, pid, view.as_of)
if view.as_of >= start:
    segments = []
    status_lines = [("status", changes)]
    if ds.assessments_for(pid):  # the derived line differs only where an analyst has assessed
        status_lines.append(("derived from evidence", [(d, x.status) for d, x in derived]))
    for label, points in status_lines:
        for i, (day, status) in enumerate(points):
            end = points[i + 1][0] if i + 1 < len(points) else view.as_of + timedelta(days=1)
            segments.append({"line": label, "start": day, "end": end, "status": status})
    # Plain HTML bands, not a chart: a Vega chart was the costliest thing the browser did for this page
    # (its library, the spec's compilation, a canvas and a resize observer), for two lines of a few
    # segments. Each segment's dates are in its tooltip and in the list of periods below it.
    st.html(ui.status_bands_html(segments, start, view.as_of))

# ----- evidence
items = [ds.evidence[i] for i in s.evidence_ids] + [ds.evidence[i] for i in s.undated_ids]
later = len(ds.evidence_for(pid)) - len(items)
st.subheader(f"Evidence ({len(items)} on or before {view.as_of}" + (f"; {later} later" if later else "") + ")")
reason_ids = {c.id for c in s.reasons}
# The evidence behind the status first, then the rest newest first; ten unless all are asked for: a long
# list of bordered cards is most of what the browser draws on this page.
FIRST = 6
dated = [ds.evidence[i] for i in reversed(s.evidence_ids)]  # newest first; the undated last
ordered = [i for i in dated if i.id in reason_ids] + [i for i in dated if i.id not in reason_ids]
ordered += [ds.evidence[i] for i in s.undated_ids]
shown_all = len(ordered) <= FIRST or st.checkbox(
    f"Show all {len(ordered)} (the first {FIRST} are shown: the evidence behind the status, then the newest)",
    key="all_evidence",
    bind="query-params",
)
# The cards in one HTML element (ui.cards_html), escaped with ui.h: as Streamlit elements each was a
# bordered container and a markdown element, for the browser to mount and parse before the page is full.
h = ui.h
cards = []
for item in ordered if shown_all else ordered[:FIRST]:
    e = item.evidence
    when = e.event_date if isinstance(e.event_date, str) else e.event_date.isoformat()
    if e.date_precision.value != "day":
        when += f" ({e.date_precision.value})"
    tag = "reported event" if item.is_event else "verbatim quote"
    reason = " · <b>behind the status</b>" if e.id in reason_ids else ""
    parts = [
        f"<b>{h(e.id)}</b> · {h(when)} · <b>{h(e.stance.value)}</b> · {h(e.claimant)} "
        f"[{h(name(e.side))}] · <i>{tag}</i>{reason}"
    ]
    small = []  # which parts are in small grey text
    if isinstance(e, ReportedEvent):
        flag = "" if e.verification.value == "read" else f" Verification: <b>{h(e.verification.value)}</b>."
        small.append(len(parts))
        parts.append(
            "⚠ Reported event: our summary of a report we do not store, so it cannot be checked word for "
            "word; weaker than a verbatim quote." + flag
        )
        parts.append(h(e.summary))
        if e.quotation:
            parts.append("Quoted in the report: “" + h(e.quotation) + "”")
        small.append(len(parts))
        parts.append(
            f"{h(e.outlet)}, published {h(e.published)} · "
            + " · ".join(ui.html_link(f"link {n + 1}", u) for n, u in enumerate(e.urls))
        )
    else:
        article = ds.articles.get(item.source_id or "")
        if article is not None and item.span is not None:
            before, quote, after = ui.quote_context(article, item.span.start, item.span.end)
            parts.append(f"{h(before)} {ui.HIGHLIGHT_START}{h(quote)}{ui.HIGHLIGHT_END} {h(after)}")
        else:
            parts.append("“" + h(e.quote) + "”")
        src = ds.sources[item.source_id or ""]
        place = f"{ds.article_files.get(src.id, src.text)}:{item.span.line}:{item.span.column}" if item.span else ""
        small.append(len(parts))
        parts.append(ui.html_link(src.title, src.url) + f" — {h(src.outlet)}, {h(src.published)} · {h(place)}")
    if e.note:
        small.append(len(parts))
        parts.append("Note: " + h(e.note))
    cards.append("".join(f'<p class="at-small">{x}</p>' if i in small else f"<p>{x}</p>" for i, x in enumerate(parts)))
if cards:
    st.html(ui.cards_html(cards))
if not items:
    st.info(f"{STATUS_LABELS[s.status].capitalize()}: nothing on or before {view.as_of} bears on this provision.")
