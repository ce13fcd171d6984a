"""Overview: every provision's status and deadline as of the chosen date, the trend over time, and
each party's obligations, with filters."""

from __future__ import annotations

import streamlit as st
import ui

from tracker import present
from tracker.models import Category, DeadlineState, Status
from tracker.present import DEADLINE_LABELS

view = ui.current()
ds = view.dataset
st.title("Is the agreement being carried out?")
st.caption(
    f"Every provision as of **{view.as_of.isoformat()}**, derived from "
    f"{ui.plural(ds.quote_count, 'verbatim quote')} and "
    f"{ui.plural(len(ds.evidence) - ds.quote_count, 'reported event')}. "
    "Click a row to open the provision with its evidence."
)

parties_obliged = sorted({a for p in ds.provisions.values() for a in p.parties}, key=ds.actor_name)
categories = [c.value for c in Category if any(p.category == c for p in ds.provisions.values())]
columns = st.columns(4)
agreements = ui.filter_choice(
    columns[0],
    "Agreement",
    list(ds.agreements),
    "agreement",
    "All agreements",
    # A tooltip renders markdown: a short title is data, escaped like everywhere else.
    help="Agreements by id: " + "; ".join(f"{a} = {ui.esc(ag.short_title)}" for a, ag in ds.agreements.items()),
)
chosen_categories = ui.filter_choice(columns[1], "Category", categories, "category", "All categories")
party = columns[2].selectbox(
    "Party obliged",
    parties_obliged,
    index=None,
    key="party",
    format_func=ds.actor_name,
    bind="query-params",
    placeholder="All parties",
)
chosen_statuses = ui.filter_choice(columns[3], "Status", [s.value for s in Status], "status", "All statuses")

shown = [
    s
    for pid, s in view.statuses.items()
    if (not agreements or s.agreement_id in agreements)
    and (not chosen_categories or ds.provisions[pid].category.value in chosen_categories)
    and (party is None or party in ds.provisions[pid].parties)
    and (not chosen_statuses or s.status.value in chosen_statuses)
]

# ----- counts per status: a table of bars in HTML, not a chart (each chart is a vega view the browser
# compiles and draws; this page already has the trend)
left, right = st.columns([2, 3])
with left:
    st.subheader(f"{len(shown)} of {ui.plural(len(view.statuses), 'provision')}")
    counted = {st_: sum(1 for s in shown if s.status == st_) for st_ in Status}
    st.html(ui.status_counts_html(counted))
with right:
    st.subheader("Deadlines")
    # Missed and pending first: they are what a reader looks for; met ones last.
    urgency = {
        DeadlineState.MISSED: 0,
        DeadlineState.PENDING: 1,
        DeadlineState.UNKNOWN: 2,
        DeadlineState.MET_LATE: 3,
        DeadlineState.MET: 4,
    }
    deadline_rows = sorted(
        (s for s in shown if s.due is not None),
        key=lambda s: (urgency.get(s.deadline_state, 5), s.due.date if s.due else None),
    )
    if deadline_rows:
        # A box of about seven rows that scrolls; a click on a row opens the provision.
        st.html(
            ui.html_table(
                [
                    {
                        "state": DEADLINE_LABELS[s.deadline_state],
                        "due": s.due.date.isoformat() if s.due else "",
                        "provision": s.provision_id,
                        "amended": f"from {s.due.original}" if s.due and s.due.amendment else "",
                    }
                    for s in deadline_rows
                ],
                href=lambda row: ui.provision_href(view.as_of, row["provision"]),
                nowrap=("state", "due", "provision"),
                max_height=270,
            )
        )
        missed = sum(1 for s in deadline_rows if s.deadline_state == DeadlineState.MISSED)
        pending = sum(1 for s in deadline_rows if s.deadline_state == DeadlineState.PENDING)
        st.caption(f"{ui.plural(len(deadline_rows), 'deadline')}: {missed} missed, {pending} pending, listed first.")
    else:
        st.caption("No provision shown has a deadline.")

# ----- the trend
st.subheader("Over time")
chosen_agreements, chosen_parties = agreements or None, [party] if party else None
trend = view.trend(agreements=chosen_agreements, parties=chosen_parties)
stale_note = "Faded bands are **stale**: the status rests on claims more than 12 months old at that date."
if trend.empty:
    st.caption("No agreement shown was signed by this date.")
else:
    first_month = trend["month"].min().date()
    st.html(ui.trend_html(trend))
    st.caption(
        "Provisions by status at the end of each month since signature, each month drawn in its state at its end;"
        " the last band is the state at the chosen date"
        + (" (agreement and party filters apply)" if agreements or party else "")
        + ". "
        + stale_note
    )
    # The same per party obliged, drawn when opened (kept in the URL): a second chart of one small chart
    # per party is what the browser takes longest to draw on this page, and most readers come for the
    # overall trend and the table below.
    by_party = st.expander(
        "Over time, by party obliged (a provision obliging two parties counts for each)",
        key="party_trend",
        bind="query-params",
        icon=":material/stacked_line_chart:",
    )
    if by_party.open:
        per_party = view.trend(by="party", agreements=chosen_agreements, parties=chosen_parties)
        names = list(dict.fromkeys(per_party["group"]))
        with by_party:
            # One faceted chart, not one per party: each chart is a vega view the browser compiles and draws.
            across = max(1, min(len(names), 4))
            spec = ui.trend_spec(first_month, view.as_of, 130, legend=False)
            spec["width"] = max(120, 860 // across - 50)
            st.vega_lite_chart(
                per_party,
                {
                    "facet": {
                        "field": "group",
                        "type": "nominal",
                        "title": None,
                        "sort": names,
                        "header": {"labelFontSize": 13},
                    },
                    "columns": across,
                    "spec": spec,
                    "resolve": {"scale": {"y": "independent"}},
                },
            )

# ----- the table: every provision at once, its words wrapping; a click on a row opens it
rows = [
    {
        "provision": s.provision_id,
        "title": ds.provisions[s.provision_id].title,
        "status": ui.status_cell(s),
        "rests on": present.rests_on_sides(s, ds.actor_name) if s.reasons else "",
    }
    for s in shown
]
st.subheader("Provisions")
if not rows:
    st.info("No provision matches these filters.")
else:
    st.html(
        ui.html_table(
            rows,
            href=lambda row: ui.provision_href(view.as_of, row["provision"]),
            nowrap=("provision", "status"),  # a date never broken at its hyphens; titles and sides wrap
            widths={"title": "46%"},  # a title of at most 75 characters on one line at 1400 px
            notes={
                "status": present.ASSESSED_NOTE + " " + present.STALE_NOTE,
                "rests on": "Sides whose claims produce the status; observers (media, monitors, courts) count but "
                "are never a side",
            },
        )
    )

# ----- by party
st.subheader("By party obliged")
st.caption("Each party's obligations and how they stand: counts and the evidence about its conduct, never a score.")
obligations: dict[str, list] = {actor: [] for actor in ds.actors}  # in the order of actors.yaml
for s in shown:
    for actor in ds.provisions[s.provision_id].parties:
        if party is None or actor == party:
            obligations.setdefault(actor, []).append(s)
for actor, mine in obligations.items():
    if not mine:
        continue
    summary = present.counts_line(mine, symbols=True)
    # Each list is made when its expander is opened: at scale they are thousands of lines of escaped
    # text below the fold, and the evidence about each party's conduct is gathered only then.
    box = st.expander(
        f"{ui.esc(ds.actor_name(actor))} — {ui.plural(len(mine), 'obligation')}: {summary}",
        key=f"party_list_{actor}",
        on_change="rerun",
    )
    if not box.open:
        continue
    concerning = next((pv.evidence_concerning for pv in view.party_views() if pv.actor_id == actor), ())
    with box:
        st.caption(f"{ui.plural(len(concerning), 'piece')} of evidence on its conduct up to {view.as_of}.")
        # A list, not a table: collapsed tables still cost the browser a data grid each.
        lines = []
        for s in mine:
            latest = ", ".join(s.evidence_ids[-4:]) + (" …" if len(s.evidence_ids) > 4 else "")
            fresh = ui.freshness(s)
            lines.append(
                f"- **{ui.badge(s.status)}** since {s.since or '—'}"
                + (f" (⌛ {fresh})" if fresh else "")
                + f" · {ui.esc(s.provision_id)}: {ui.esc(ds.provisions[s.provision_id].title)}"
                + (f" · latest evidence: {ui.esc(latest)}" if latest else " · no evidence yet")
            )
        st.markdown("\n".join(lines))
