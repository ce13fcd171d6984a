"""Changes: every status change between two dates, newest first, with the claims or assessment that
caused it; filterable, linkable by URL, and downloadable as an Atom feed."""

from __future__ import annotations

import functools
from datetime import timedelta

import streamlit as st
import ui

from tracker import feed
from tracker.models import Status

PER_PAGE = 10  # the rest paged

view = ui.current()
ds = view.dataset
st.title("What changed, and why")

first_signed = min((a.date for a in ds.agreements.values()), default=ui.EARLIEST)
earliest = max(ui.EARLIEST, min(first_signed, view.as_of))
default_from = max(earliest, view.as_of - timedelta(days=365))
columns = st.columns([1, 2, 2, 2])
start = ui.date_filter(
    columns[0],
    "Changed from",
    default_from,
    "changed_from",
    view,
    lowest=earliest,
    help="The list runs from this date to the As of date in the sidebar.",
)
agreements = ui.filter_choice(columns[1], "Agreement", list(ds.agreements), "agreement", "All agreements")
provisions = ui.filter_choice(
    columns[2],
    "Provision",
    [p for p in ds.provisions if not agreements or ds.provision_agreement[p] in agreements],
    "provision",
    "All provisions",
)
new_statuses = ui.filter_choice(columns[3], "New status", [s.value for s in Status], "status", "All statuses")
sides = ui.filter_choice(
    st, "Caused by a claim of", list(ds.actors), "side", "All sides and analysts", format_func=ds.actor_name
)

found = [
    c
    for c in view.changes(start)
    if (not agreements or c.agreement_id in agreements)
    and (not provisions or c.provision_id in provisions)
    and (not new_statuses or c.new.value in new_statuses)
    and (not sides or set(c.sides) & set(sides))
]
st.caption(
    f"{ui.plural(len(found), 'status change')} from {start} to {view.as_of}, newest first. A change is a day on "
    "which a provision's status differs from the day before; each lists what it rests on: an analyst's "
    "assessment, or the claims (quotes and reported events) behind the new status, those of that day first. "
    'A provision appears as "listed" when its agreement is signed.'
)
st.download_button(
    "Atom feed of this list",
    # Made when clicked: the feed of every change listed is work the page need not do to show them.
    data=functools.partial(feed.atom, ds, found, updated=view.as_of, title_text="Accord Tracker: status changes"),
    file_name=f"accord-changes-{start}-{view.as_of}.xml",
    mime="application/atom+xml",
    icon=":material/rss_feed:",
    key="download_feed",
    on_click="ignore",  # no rerun: see the CSV downloads in app.py (a rerun with the click could kill the button)
    help="The same list as `tracker changes --format atom`, to subscribe to in a feed reader.",
)

if not found:
    st.info(f"No status changed from {start} to {view.as_of} with these filters.")
else:
    pages = (len(found) - 1) // PER_PAGE + 1
    number = 1
    if pages > 1:
        number = st.columns(4)[0].number_input(
            f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key="changes_page"
        )
    # The page's cards in one HTML element (ui.cards_html); a card's link opens the provision at the date.
    cards = []
    for change in found[(number - 1) * PER_PAGE : number * PER_PAGE]:
        p = ds.provisions[change.provision_id]
        move = (
            f"{ui.h(ui.badge(change.old))} → <b>{ui.h(ui.badge(change.new))}</b>"
            if change.old is not None
            else f"listed: <b>{ui.h(ui.badge(change.new))}</b>"
        )
        cards.append(
            f"<p><b>{change.date}</b> · {ui.h(change.provision_id)}: {ui.h(p.title)} · {move}</p>"
            f'<p class="at-small">{ui.h(feed.because(ds, change))}</p>'
            + ui.provision_links_html(view.as_of, [change.provision_id], prefix="Open ")
        )
    st.html(ui.cards_html(cards))
