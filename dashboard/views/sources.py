"""Sources: the articles and reports the evidence comes from, and whose word each status rests on."""

from __future__ import annotations

from collections import Counter

import streamlit as st
import ui

from tracker import present

view = ui.current()
ds = view.dataset
st.title("Sources")


# ----- stored articles: those published by the date, or with a passage dated by then
per_source = Counter(
    item.source_id for item in ds.evidence.values() if not item.is_event and ui.dated_by(item, view.as_of)
)
articles = [
    src
    for src in ds.sources.values()
    if (src.published != "unknown" and src.published <= view.as_of)
    or (src.published == "unknown" and per_source.get(src.id))
]
later = len(ds.sources) - len(articles)
st.subheader(f"Articles stored verbatim ({len(articles)})")
st.caption(
    f"Every quote from these articles is checked word for word against the stored text. Passages: those dated on "
    f"or before {view.as_of}." + (f" {ui.plural(later, 'article')} published later not shown." if later else "")
)
# Tables in HTML whose words wrap (ui.html_table): the grids cut titles and sides at 1400 px. The id (and
# the stored file, under evidence/articles/) comes last.
st.html(
    ui.html_table(
        [
            {
                "title": src.title,
                "outlet": src.outlet,
                "published": str(src.published),
                "passages": per_source.get(src.id, 0),
                "lang.": src.language,
                "link": src.url or "",
                "source": src.id,
            }
            for src in articles
        ],
        nowrap=("published", "source"),
        numbers=("passages",),
        links=("link",),
        widths={"title": "45%"},
    )
)

# ----- reported events, by outlet
events = [item.evidence for item in ds.evidence.values() if item.is_event and ui.dated_by(item, view.as_of)]
if events:
    st.subheader(f"Reported events ({len(events)} on or before {view.as_of})")
    st.caption(
        "Events summarised in our own words from reports at a URL; the report's text is not stored, so "
        "they are weaker evidence than quotes. Unverified or date-inferred items are counted apart."
    )
    by_outlet: dict[str, Counter[str]] = {}
    for e in events:
        by_outlet.setdefault(e.outlet, Counter())[e.verification.value] += 1  # type: ignore[union-attr]  # events only
    st.html(
        ui.html_table(
            [
                {
                    "outlet": outlet,
                    "events": sum(c.values()),
                    **{k: c.get(k, 0) for k in ("read", "date-inferred", "unverified")},
                }
                for outlet, c in sorted(by_outlet.items(), key=lambda kv: -sum(kv[1].values()))
            ],
            numbers=("events", "read", "date-inferred", "unverified"),
            max_height=400,  # a box that scrolls: the statuses' table below stays near
        )
    )

# ----- whose claims each status rests on
st.subheader(f"Whose claims each status rests on, as of {view.as_of}")
rows = []
for pid, s in view.statuses.items():
    sides = sorted({c.side for c in s.reasons})
    kinds = Counter("event" if ds.evidence[c.id].is_event else "quote" for c in s.reasons)
    sources = sorted(
        {ds.evidence[c.id].source_id or "reported event" for c in s.reasons},
    )
    rows.append(
        {
            "provision": pid,
            "status": ui.status_cell(s),
            "rests on": ", ".join(ds.actor_name(a) for a in sides) or "—",
            # One party only (observers such as the media are never a side: methodology v2).
            "warning": "⚠ one party only" if s.one_sided else "",
            "reasons": ", ".join(c.id for c in s.reasons),
            "quotes / events": f"{kinds.get('quote', 0)} / {kinds.get('event', 0)}" if s.reasons else "",
            "sources": ", ".join(sources),
        }
    )
one_sided = sum(1 for r in rows if r["warning"])
if one_sided:
    st.warning(
        f"{one_sided} of {len(rows)} statuses rest on claims of one party only (observers' reports, such as "
        "the media's, are never a side): read them as that party's account until another side's claim or an "
        "observer's report is linked.",
        icon="⚠️",
    )
st.html(
    ui.html_table(
        rows,
        href=lambda row: ui.provision_href(view.as_of, row["provision"]),
        nowrap=("provision", "status", "quotes / events"),
        notes={"status": present.STALE_NOTE},
    )
)
