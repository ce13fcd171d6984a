"""Timeline: every dated piece of evidence and every deadline on one time axis, by provision."""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
import ui

from tracker.models import ReportedEvent

view = ui.current()
ds = view.dataset
st.title("Timeline")
st.caption(
    "Each mark is a piece of evidence at its event date, coloured by stance: filled circles are verbatim "
    "quotes, hollow triangles are reported events (weaker); faint marks have an approximate or inferred date, "
    "or are unverified. Black diamonds are deadlines; a grey rule marks "
    f"the chosen date ({view.as_of})."
)
agreements = ui.filter_choice(st, "Agreement", list(ds.agreements), "agreement", "All agreements")
# Only provisions of agreements signed by the date: nothing is drawn before it exists.
pids = [
    pid
    for pid in ds.provisions
    if (not agreements or ds.provision_agreement[pid] in agreements) and ds.agreement_of(pid).date <= view.as_of
]

points: list[dict[str, Any]] = []  # one record per mark, for the chart
for pid in pids:
    for item in ds.evidence_for(pid):
        e = item.evidence
        when = e.event_date
        if not isinstance(when, date) or when > view.as_of:  # undated: not on a time axis
            continue
        # Few, short fields: every one is sent to the browser for every mark (10k marks at 10k passages).
        checked = e.verification.value if isinstance(e, ReportedEvent) else "read"
        caveat = ", ".join(
            x
            for x in (
                e.date_precision.value if e.date_precision.value != "day" else "",
                checked if checked != "read" else "",
            )
            if x
        )
        points.append(
            {
                "provision": pid,
                "date": when.isoformat(),
                "id": e.id,
                "stance": e.stance.value,
                "event": item.is_event,
                "side": ds.actor_name(e.side),
                "caveat": caveat,
            }
        )
deadlines = []
for pid in pids:
    s = view.statuses.get(pid)  # None for a provision of an agreement signed after the date
    if s is not None and s.due is not None:
        deadlines.append(
            {"provision": pid, "date": s.due.date.isoformat(), "what": "deadline", "state": s.deadline_state.value}
        )
        if s.due.amendment:
            deadlines.append(
                {"provision": pid, "date": s.due.original.isoformat(), "what": "original deadline", "state": "amended"}
            )

if not points and not deadlines:
    st.info(f"Nothing dated on or before {view.as_of}.")
else:
    order = pids
    y = alt.Y("provision:N", sort=order, title=None)
    stance_scale = alt.Scale(domain=list(ui.STANCE_COLOURS), range=list(ui.STANCE_COLOURS.values()))
    # The axis runs from the first signature shown to the chosen date, whatever the marks: at the end
    # of 2020 the months of 2020 fill the width instead of piling up at the left edge.
    first = min([ds.agreement_of(pid).date for pid in pids] + [date.fromisoformat(p["date"]) for p in points])
    x_scale = alt.Scale(domain=[first.isoformat(), view.as_of.isoformat()])  # ISO days, as the marks
    x = alt.X("date:T", title=None, scale=x_scale, axis=ui.date_axis(first, view.as_of))
    encoding = {
        "x": x,
        "y": y,
        "color": alt.Color("stance:N", scale=stance_scale),
        # Dates that are approximate or inferred, and unverified reports, are drawn faint.
        "opacity": alt.condition(alt.datum.caveat == "", alt.value(1.0), alt.value(0.4)),
        "tooltip": ["id", "provision", "date:N", "stance", "side", alt.Tooltip("caveat:N", title="date or check")],
    }
    frame = pd.DataFrame(points)
    quotes_only = frame[~frame["event"]].drop(columns="event") if points else frame
    events_only = frame[frame["event"]].drop(columns="event") if points else frame
    marks = [
        alt.Chart(quotes_only).mark_circle(size=80).encode(**encoding),
        alt.Chart(events_only).mark_point(shape="triangle-up", size=80, filled=False, strokeWidth=2).encode(**encoding),
    ]
    layers = marks if points else []
    if deadlines:
        layers.append(
            alt.Chart(pd.DataFrame(deadlines))
            .mark_point(shape="diamond", size=90, color="black", filled=False, strokeWidth=2)
            .encode(x=x, y=y, tooltip=["provision", "what", "date:N", "state"])
        )
    layers.append(
        alt.Chart(pd.DataFrame({"date": [view.as_of.isoformat()]}))
        .mark_rule(color="gray", strokeDash=[4, 4])
        .encode(x=x)
    )
    chart = alt.layer(*layers).properties(height=max(220, 24 * len(order))).interactive(bind_y=False)
    st.altair_chart(chart, width="stretch")
    pieces = len({p["id"] for p in points})
    st.caption(
        f"{ui.plural(pieces, 'dated piece')} of evidence ({ui.plural(len(points), 'mark')}: a piece bearing on "
        f"several provisions has a mark on each) and {ui.plural(len(deadlines), 'deadline mark')}."
    )
