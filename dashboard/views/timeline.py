"""Timeline: every dated piece of evidence and every deadline on one time axis, by provision."""

from __future__ import annotations

from datetime import date
from typing import Any

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
    # The axis runs from the first signature shown to the chosen date, whatever the marks: at the end
    # of 2020 the months of 2020 fill the width instead of piling up at the left edge.
    first = min([ds.agreement_of(pid).date for pid in pids] + [date.fromisoformat(p["date"]) for p in points])
    # Vega-Lite written as dicts, not made with Altair: Altair validates every channel and the whole
    # layered spec against the schema when it is built and sent (about a third of this page's Python).
    x = {
        "field": "date",
        "type": "temporal",
        "title": None,
        "scale": {"domain": [first.isoformat(), view.as_of.isoformat()]},  # ISO days, as the marks
        "axis": ui.date_axis_spec(first, view.as_of),
    }
    y = {"field": "provision", "type": "nominal", "sort": pids, "title": None}
    encoding = {
        "x": x,
        "y": y,
        "color": {
            "field": "stance",
            "type": "nominal",
            "scale": {"domain": list(ui.STANCE_COLOURS), "range": list(ui.STANCE_COLOURS.values())},
        },
        # Dates that are approximate or inferred, and unverified reports, are drawn faint.
        "opacity": {"condition": {"test": "datum.caveat === ''", "value": 1.0}, "value": 0.4},
        "tooltip": [{"field": field, "type": "nominal"} for field in ("id", "provision", "date", "stance", "side")]
        + [{"field": "caveat", "type": "nominal", "title": "date or check"}],
    }
    datasets: dict[str, pd.DataFrame] = {"asof": pd.DataFrame({"date": [view.as_of.isoformat()]})}
    layers: list[dict[str, Any]] = []
    if points:
        frame = pd.DataFrame(points)
        datasets["quotes"] = frame[~frame["event"]].drop(columns="event")
        datasets["events"] = frame[frame["event"]].drop(columns="event")
        layers += [
            # The first layer zooms and pans along time (Altair's .interactive(bind_y=False)).
            {
                "data": {"name": "quotes"},
                "mark": {"type": "circle", "size": 80},
                "encoding": encoding,
                "params": [{"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}],
            },
            {
                "data": {"name": "events"},
                "mark": {"type": "point", "shape": "triangle-up", "size": 80, "filled": False, "strokeWidth": 2},
                "encoding": encoding,
            },
        ]
    if deadlines:
        datasets["deadlines"] = pd.DataFrame(deadlines)
        layers.append(
            {
                "data": {"name": "deadlines"},
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "size": 90,
                    "color": "black",
                    "filled": False,
                    "strokeWidth": 2,
                },
                "encoding": {
                    "x": x,
                    "y": y,
                    "tooltip": [{"field": f, "type": "nominal"} for f in ("provision", "what", "date", "state")],
                },
            }
        )
    layers.append(
        {
            "data": {"name": "asof"},
            "mark": {"type": "rule", "color": "gray", "strokeDash": [4, 4]},
            "encoding": {"x": x},
        }
    )
    st.vega_lite_chart(
        spec={"datasets": datasets, "layer": layers, "height": max(220, 24 * len(pids))},
        width="stretch",
    )
    pieces = len({p["id"] for p in points})
    st.caption(
        f"{ui.plural(pieces, 'dated piece')} of evidence ({ui.plural(len(points), 'mark')}: a piece bearing on "
        f"several provisions has a mark on each) and {ui.plural(len(deadlines), 'deadline mark')}."
    )
