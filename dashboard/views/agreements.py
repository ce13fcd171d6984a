"""Agreements: each agreement's stages and dates, its links to the others, the supersessions of its
provisions and who contests them, and its provisions' statuses."""

from __future__ import annotations

import streamlit as st
import ui

from tracker import present

view = ui.current()
ds = view.dataset
titles = {aid: a.short_title for aid, a in ds.agreements.items()}
h = ui.h  # every value from the data is escaped for HTML
st.title("Agreements")

existing = [a for a in ds.agreements.values() if a.date <= view.as_of]
later = len(ds.agreements) - len(existing)
st.caption(
    f"{ui.plural(len(existing), 'agreement')} signed or initialled by {view.as_of}"
    + (f"; {ui.plural(later, 'agreement')} of a later date not shown" if later else "")
    + ". Stages and links are as recorded in the data, each with its date; a supersession is not a status: "
    "the provision's own status is still derived, and shown beside it."
)

# Links point both ways: "jan2021 implements nov2020" is also shown on nov2020, as "jan2021 implements".
incoming: dict[str, list[str]] = {}
for a in existing:
    for link in a.links:
        incoming.setdefault(link.agreement, []).append(
            f"{h(a.short_title)} ({h(a.id)}) {h(present.LINK_VERBS[link.type])} this agreement"
            + (f" — {h(link.note)}" if link.note else "")
        )


# The whole list in one HTML element: as Streamlit elements, each agreement was eight to ten (headings,
# markdown, captions, an expander), each a component for the browser to mount and markdown to parse.
# The provisions of each are in a <details> box, closed, as the expander was.
out = [
    "<style>.at-agreements h3{margin:1.5rem 0 0.5rem 0;font-size:1.5rem;font-weight:600}"
    ".at-agreements p,.at-agreements ul{margin:0 0 0.5rem 0;line-height:1.6}"
    ".at-agreements .at-small{font-size:0.875rem;opacity:0.75}"
    ".at-agreements details{border:1px solid rgba(128,128,128,0.3);border-radius:0.5rem;padding:0.5rem 1rem;"
    "margin:0.5rem 0}"
    ".at-agreements summary{cursor:pointer}"
    ".at-agreements hr{border:none;border-top:1px solid rgba(128,128,128,0.3);margin:1.25rem 0}</style>"
    '<div class="at-agreements">'
]
for a in existing:
    stages = [s for s in a.stages if s.date <= view.as_of]
    if stages:  # 'superseded in part 2025-08-08' without its date
        current = present.stage_phrase(stages[-1]).rsplit(" ", 1)[0]
    else:
        current = "in force" if a.effective <= view.as_of else "signed"
    out.append(f"<h3>{h(a.short_title)} ({h(a.id)})</h3>")
    out.append(f"<p><b>{h(a.title)}</b> · stage as of {view.as_of}: <b>{h(current)}</b></p>")
    lines = []
    if stages:
        for s in stages:
            where = ui.html_link(s.source or "source", s.url) if (s.source or s.url) else ""
            lines.append(
                h(present.stage_phrase(s)) + (f" · {where}" if where else "") + (f" · {h(s.note)}" if s.note else "")
            )
    else:
        lines.append(h(present.stages_text(a)) + (f" at {h(a.place)}" if a.place else ""))
        if a.in_force and a.in_force <= view.as_of:
            lines.append(f"{a.in_force} — in force")
    future = len(a.stages) - len(stages)
    if future:
        lines.append(f"({ui.plural(future, 'later stage')} after {view.as_of})")
    out.append(ui.bullets(lines))
    signatories = "; ".join(f"{h(s.name)} ({h(s.role)})" for s in a.signatories)
    texts = ", ".join(ui.html_link(s.title, s.url) for s in a.sources)
    out.append(f'<p class="at-small">Signatories: {signatories}. Texts: {texts}</p>')

    links = [
        h(present.link_phrase(link, lambda other: titles.get(other, other)))
        + (f" — {h(link.note)}" if link.note else "")
        for link in a.links
    ] + incoming.get(a.id, [])
    if links:
        out.append("<p><b>Links</b></p>" + ui.bullets(links))

    pids = [pid for pid, agreement in ds.provision_agreement.items() if agreement == a.id]
    lineage = ui.lineage_lines(view, pids, escape=h)
    if lineage:
        out.append("<p><b>Superseded in part</b></p>" + ui.bullets(lineage))

    statuses = [view.statuses[pid] for pid in pids if pid in view.statuses]
    if statuses:
        counts = present.counts_line(statuses, symbols=True)
        items = [
            f"<b>{h(ui.badge(s.status))}</b> since {s.since or '—'}"
            + (f" ({present.STALE_MARK} {h(fresh)})" if (fresh := ui.freshness(s)) else "")
            + f' · <a href="{h(ui.provision_href(view.as_of, s.provision_id))}">{h(s.provision_id)}</a>: '
            + h(ds.provisions[s.provision_id].title)
            for s in statuses
        ]
        out.append(
            f"<details><summary>{h(ui.plural(len(statuses), 'provision'))}: {h(counts)}</summary>"
            + ui.bullets(items)
            + "</details>"
        )
    elif not pids:
        out.append('<p class="at-small">Recorded for its stage and links only: no provision of it is tracked.</p>')
    if a.note:
        out.append(f'<p class="at-small">{h(a.note)}</p>')
    out.append("<hr>")
out.append("</div>")
st.html("".join(out))
