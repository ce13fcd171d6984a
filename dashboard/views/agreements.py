"""Agreements: each agreement's stages and dates, its links to the others, the supersessions of its
provisions and who contests them, and its provisions' statuses."""

from __future__ import annotations

import streamlit as st
import ui

from tracker import present

view = ui.current()
ds = view.dataset
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
            f"{ui.esc(a.short_title)} ({ui.esc(a.id)}) {ui.esc(present.LINK_VERBS[link.type])} this agreement"
            + (f" — {ui.esc(link.note)}" if link.note else "")
        )

for a in existing:
    stages = [s for s in a.stages if s.date <= view.as_of]
    if stages:  # 'superseded in part 2025-08-08' without its date
        current = present.stage_phrase(stages[-1]).rsplit(" ", 1)[0]
    else:
        current = "in force" if a.effective <= view.as_of else "signed"
    st.subheader(f"{ui.esc(a.short_title)} ({ui.esc(a.id)})")
    st.markdown(f"**{ui.esc(a.title)}** · stage as of {view.as_of}: **{ui.esc(current)}**")
    lines = []
    if stages:
        for s in stages:
            where = ui.md_link(s.source or "source", s.url) if (s.source or s.url) else ""
            lines.append(
                f"- {ui.esc(present.stage_phrase(s))}"
                + (f" · {where}" if where else "")
                + (f" · {ui.esc(s.note)}" if s.note else "")
            )
    else:
        lines.append(f"- {ui.esc(present.stages_text(a))}" + (f" at {ui.esc(a.place)}" if a.place else ""))
        if a.in_force and a.in_force <= view.as_of:
            lines.append(f"- {a.in_force} — in force")
    future = len(a.stages) - len(stages)
    if future:
        lines.append(f"- ({ui.plural(future, 'later stage')} after {view.as_of})")
    st.markdown("\n".join(lines))
    signatories = "; ".join(f"{ui.esc(s.name)} ({ui.esc(s.role)})" for s in a.signatories)
    st.caption(f"Signatories: {signatories}. Texts: " + ", ".join(ui.md_link(s.title, s.url) for s in a.sources))

    def title_of(other: str) -> str:
        return ds.agreements[other].short_title if other in ds.agreements else other

    links = [
        ui.esc(present.link_phrase(link, title_of)) + (f" — {ui.esc(link.note)}" if link.note else "")
        for link in a.links
    ] + incoming.get(a.id, [])
    if links:
        st.markdown("**Links**\n\n" + "\n".join(f"- {line}" for line in links))

    pids = [pid for pid, agreement in ds.provision_agreement.items() if agreement == a.id]
    lineage = ui.lineage_lines(view, pids)
    if lineage:
        st.markdown("**Superseded in part**\n\n" + "\n".join(f"- {line}" for line in lineage))

    statuses = [view.statuses[pid] for pid in pids if pid in view.statuses]
    if statuses:
        counts = present.counts_line(statuses, symbols=True)
        with st.expander(f"{ui.plural(len(statuses), 'provision')}: {counts}"):
            st.markdown(
                "\n".join(
                    f"- **{ui.badge(s.status)}** since {s.since or '—'}"
                    + (f" ({present.STALE_MARK} {fresh})" if (fresh := ui.freshness(s)) else "")
                    + f" · {ui.esc(s.provision_id)}: {ui.esc(ds.provisions[s.provision_id].title)}"
                    for s in statuses
                )
            )
    elif not pids:
        st.caption("Recorded for its stage and links only: no provision of it is tracked.")
    if a.note:
        st.caption(ui.esc(a.note))
    st.divider()
