"""Overview: every provision's status and deadline as of the chosen date, by party, with filters."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
import ui

from tracker import present
from tracker.models import Category, Status
from tracker.status import DEADLINE_LABELS

view = ui.current()
ds = view.dataset
st.title("Is the agreement being carried out?")
st.caption(
    f"Every provision as of **{view.as_of.isoformat()}**, derived from "
    f"{ds.quote_count} verbatim quotes and {len(ds.evidence) - ds.quote_count} reported events. "
    "Select a row to open the provision with its evidence."
)

parties_obliged = sorted({a for p in ds.provisions.values() for a in p.parties}, key=ds.actor_name)
categories = [c.value for c in Category if any(p.category == c for p in ds.provisions.values())]
columns = st.columns(4)
agreements = columns[0].multiselect(
    "Agreement",
    list(ds.agreements),
    key="agreement",
    bind="query-params",
    help="Agreements by id: " + "; ".join(f"{a} = {ag.short_title}" for a, ag in ds.agreements.items()),
    placeholder="All agreements",
)
chosen_categories = columns[1].multiselect(
    "Category", categories, key="category", bind="query-params", placeholder="All categories"
)
party = columns[2].selectbox(
    "Party obliged",
    parties_obliged,
    index=None,
    key="party",
    format_func=ds.actor_name,
    bind="query-params",
    placeholder="Any party",
)
chosen_statuses = columns[3].multiselect(
    "Status",
    [s.value for s in Status],
    key="status",
    bind="query-params",
    placeholder="Any status",
)

shown = [
    s
    for pid, s in view.statuses.items()
    if (not agreements or s.agreement_id in agreements)
    and (not chosen_categories or ds.provisions[pid].category.value in chosen_categories)
    and (party is None or party in ds.provisions[pid].parties)
    and (not chosen_statuses or s.status.value in chosen_statuses)
]

# ----- counts per status
counts = pd.DataFrame(
    [{"status": ui.badge(st_), "provisions": sum(1 for s in shown if s.status == st_)} for st_ in Status]
)
domain, colours = ui.status_domain()
left, right = st.columns([2, 3])
with left:
    st.subheader(f"{len(shown)} of {len(view.statuses)} provisions")
    chart = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("provisions:Q", title="provisions", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("status:N", sort=domain, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=200)),
            color=alt.Color("status:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
            tooltip=["status", "provisions"],
        )
        .properties(height=8 * 30)
    )
    labels = chart.mark_text(align="left", dx=3).encode(text="provisions:Q", color=alt.value("gray"))
    st.altair_chart(chart + labels, width="stretch")
with right:
    st.subheader("Deadlines")
    deadline_rows = [s for s in shown if s.due is not None]
    if deadline_rows:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "provision": s.provision_id,
                        "due": s.due.date if s.due else None,
                        "state": DEADLINE_LABELS[s.deadline_state],
                        "amended": f"from {s.due.original}" if s.due and s.due.amendment else "",
                    }
                    for s in deadline_rows
                ]
            ),
            hide_index=True,
            width="stretch",
            height=8 * 30 + 20,
            column_config={"due": st.column_config.DateColumn("due", format="YYYY-MM-DD")},
        )
    else:
        st.caption("No provision shown has a deadline.")

# ----- the table
rows = []
for s in shown:
    p = ds.provisions[s.provision_id]
    rows.append(
        {
            "provision": p.id,
            "title": p.title,
            "status": ui.badge(s.status),
            "since": s.since,
            "deadline": DEADLINE_LABELS[s.deadline_state] if s.deadline_state.value != "none" else "",
            "evidence": len(s.evidence_ids),
            "sides": ", ".join(ds.actor_name(a) for a in sorted({c.side for c in s.reasons})),
            "one side only": "⚠ one side only" if s.one_sided and s.reasons else "",
            "assessed": "analyst assessment" if s.assessment else "derived",
            "parties": ", ".join(ds.actor_name(a) for a in p.parties),
            "agreement": s.agreement_id,
        }
    )
table = pd.DataFrame(rows)
st.subheader("Provisions")
if table.empty:
    st.info("No provision matches these filters.")
else:
    ui.table_opening_provisions(
        table,
        lambda row: row["provision"],
        hide_index=True,
        width="stretch",
        key="overview_table",
        height=35 * (len(table) + 1) + 3,  # every provision at once: no scrolling inside the table
        column_config={
            "title": st.column_config.TextColumn("title", width="medium"),
            "since": st.column_config.DateColumn("since", format="YYYY-MM-DD"),
            "evidence": st.column_config.NumberColumn("evidence", help="Dated evidence on or before the date"),
            "sides": st.column_config.TextColumn("status rests on", help="Sides whose claims produce the status"),
            "assessed": st.column_config.TextColumn("basis", help="Derived by the rules, or set by an analyst"),
        },
    )

# ----- by party
st.subheader("By party obliged")
st.caption("Each party's obligations and how they stand: counts and the evidence about its conduct, never a score.")
shown_ids = {s.provision_id for s in shown}  # a set: comparing statuses one by one is quadratic
for pv in view.party_views():
    if party is not None and pv.actor_id != party:
        continue
    mine = [s for s in pv.statuses if s.provision_id in shown_ids]
    if not mine:
        continue
    summary = present.counts_line(mine, symbols=True)
    with st.expander(f"{ui.esc(ds.actor_name(pv.actor_id))} — {present.plural(len(mine), 'obligation')}: {summary}"):
        st.caption(f"{len(pv.evidence_concerning)} pieces of evidence concern its conduct up to {view.as_of}.")
        # A list, not a table: collapsed tables still cost the browser a data grid each.
        lines = []
        for s in mine:
            latest = ", ".join(s.evidence_ids[-4:]) + (" …" if len(s.evidence_ids) > 4 else "")
            lines.append(
                f"- **{ui.badge(s.status)}** since {s.since or '—'} · {ui.esc(s.provision_id)}: "
                f"{ui.esc(ds.provisions[s.provision_id].title)}"
                + (f" · latest evidence: {ui.esc(latest)}" if latest else " · no evidence yet")
            )
        st.markdown("\n".join(lines))
