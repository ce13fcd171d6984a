"""Timeline: every dated piece of evidence and every deadline on one time axis, by provision."""

from __future__ import annotations

from datetime import date

import streamlit as st
import ui

view = ui.current()
ds = view.dataset
st.title("Timeline")
st.caption(
    "Each mark is a piece of evidence at its event date, coloured by stance: filled dots are verbatim "
    "quotes, rings are reported events (weaker); faint marks have an approximate or inferred date, "
    "or are unverified. Black diamonds are deadlines; the dashed rule at the right is "
    f"the chosen date ({view.as_of}). Hover over a mark for what it is."
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
    st.caption(f"Provisions {(number - 1) * PER_PAGE + 1}-{(number - 1) * PER_PAGE + len(shown_pids)} of {len(pids)}.")
    pids = shown_pids

if not len(points) and not len(deadlines):
    st.info(f"Nothing dated on or before {view.as_of}.")
else:
    st.html(ui.timeline_html(pids, points, deadlines, first, view.as_of))
    pieces = points["id"].nunique() if len(points) else 0
    st.caption(
        f"{ui.plural(pieces, 'dated piece')} of evidence ({ui.plural(len(points), 'mark')}: a piece bearing on "
        f"several provisions has a mark on each) and {ui.plural(len(deadlines), 'deadline mark')}"
        + (" on this page's provisions." if pages > 1 else ".")
    )
