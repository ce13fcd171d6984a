"""Timeline: every dated piece of evidence and every deadline on one time axis, by provision."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
import ui

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
# The marks are made once per date and choice of agreements and shared between sessions (tens of ms of
# Python at 10k pieces, on every visit before).
pids, points, deadlines = view.timeline_marks(agreements)

# Thirty provisions a page, about what the first screen holds: at 10k passages the 100 provisions' 10,000
# marks were one chart of 2,400 px that the browser took 1.3-1.8x a bare page to draw; the others are a
# page away, in the same order.
PER_PAGE = 30
# The axis runs from the first signature shown to the chosen date, whatever the marks: at the end of 2020
# the months of 2020 fill the width instead of piling up at the left edge. The same on every page.
starts = [ds.agreement_of(pid).date for pid in pids]
first = min(starts + ([date.fromisoformat(points["date"].min())] if len(points) else []), default=view.as_of)
pages = (len(pids) - 1) // PER_PAGE + 1 if pids else 1
if pages > 1:
    number = st.columns(4)[0].number_input(
        f"Provisions, page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key="timeline_page"
    )
    shown_pids = pids[(number - 1) * PER_PAGE : number * PER_PAGE]
    wanted = set(shown_pids)
    points = points[points["provision"].isin(wanted)]
    deadlines = deadlines[deadlines["provision"].isin(wanted)]
    st.caption(
        f"Provisions {(number - 1) * PER_PAGE + 1}-{(number - 1) * PER_PAGE + len(shown_pids)} of {len(pids)}."
    )
    pids = shown_pids

if not len(points) and not len(deadlines):
    st.info(f"Nothing dated on or before {view.as_of}.")
else:
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
    if len(points):
        datasets["quotes"] = points[~points["event"]].drop(columns="event")
        datasets["events"] = points[points["event"]].drop(columns="event")
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
    if len(deadlines):
        datasets["deadlines"] = deadlines
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
    pieces = points["id"].nunique() if len(points) else 0
    st.caption(
        f"{ui.plural(pieces, 'dated piece')} of evidence ({ui.plural(len(points), 'mark')}: a piece bearing on "
        f"several provisions has a mark on each) and {ui.plural(len(deadlines), 'deadline mark')}"
        + (" on this page's provisions." if pages > 1 else ".")
    )
