"""Accord Tracker dashboard: `streamlit run dashboard/app.py`.

This file sets up what every page shares (the as-of date, the data, the downloads) and the
navigation; each page lives in views/. The date, the page and the filters live in the URL."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parent):  # `ui` and, from a source checkout, the `tracker` package
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import ui  # noqa: E402

st.set_page_config(page_title="Accord Tracker", page_icon=":material/balance:", layout="wide")

PAGES = [  # (file, title, icon); the url path is the file name
    ("overview", "Overview", ":material/dashboard:"),
    ("changes", "Changes", ":material/update:"),
    ("agreements", "Agreements", ":material/account_tree:"),
    ("provision", "Provision", ":material/description:"),
    ("evidence", "Evidence", ":material/search:"),
    ("sources", "Sources", ":material/newspaper:"),
    ("timeline", "Timeline", ":material/timeline:"),
    ("suggest", "Add evidence", ":material/add_notes:"),
]
pages = {
    name: st.Page(HERE / "views" / f"{name}.py", title=title, icon=icon, url_path=name, default=(name == "overview"))
    for name, title, icon in PAGES
}
st.session_state["_pages"] = pages
navigation = st.navigation(list(pages.values()))


today = date.today()
with st.sidebar:
    as_of = st.date_input(
        "As of",
        value=today,
        min_value=ui.EARLIEST,
        max_value=today,
        key="as_of",
        format="YYYY-MM-DD",
        help="Every status, count and table is computed as of this date. It is kept in the URL, so a link "
        "to this page reopens the same view.",
        bind="query-params",
    )

view, problems = ui.load_view(as_of)
st.session_state["_view"] = view
st.session_state["_problems"] = problems

with st.sidebar:
    if view is not None:
        stamp = as_of.isoformat()
        # In a popover: its buttons are drawn when it is opened, not on every page's first screen.
        with st.popover("Download CSV", icon=":material/download:"):
            st.caption("Identical to `tracker export --as-of " + stamp + "`:")
            # Built on click only: the export is the slowest thing on the page at scale.
            for table in ("status", "evidence"):
                st.download_button(
                    f"{table.capitalize()} CSV",
                    data=view.csv_download(table),
                    file_name=f"accord-{table}-{stamp}.csv",
                    mime="text/csv",
                    icon=":material/download:",
                    key=f"download_{table}",
                    # No rerun on a click: with one, the browser sends the rerun and the request for the
                    # file together, and now and then (25 of 70 clicks in a loop, 2026-11-26) the button
                    # stayed dead: no file was ever fetched, then or on any later click until it was
                    # redrawn. Without the rerun, 0 of 25. A download changes nothing on the page.
                    on_click="ignore",
                )
    st.caption(
        (ui.esc(view.dataset.summary()) + ". " if view is not None else "")
        + "Statuses follow the published rules in docs/methodology.md. "
        "'No evidence yet' never means 'not done'. Reported events (our summaries of reports at a URL) "
        "are weaker than verbatim quotes checked against a stored article, and are marked as such."
    )

navigation.run()
