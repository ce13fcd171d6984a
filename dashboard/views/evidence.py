"""Evidence: every quote and reported event, searchable and filterable; a row opens its provision."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import ui

view = ui.current()
ds = view.dataset
st.title("Evidence")
frame = view.evidence_table()
st.caption(
    f"{len(frame)} pieces of evidence dated on or before {view.as_of} (and any undated). "
    "Verbatim quotes are checked word for word against the stored article; reported events are our "
    "summaries of reports at a URL, and are weaker."
)

text = st.text_input(
    "Search", key="q", bind="query-params", placeholder="words in the quote, summary, claimant, note or source"
)
columns = st.columns(5)
stances = ui.filter_choice(
    columns[0], "Stance", sorted(frame["stance"].unique()) if len(frame) else [], "stance", "All stances"
)
sides = ui.filter_choice(
    columns[1],
    "Side",
    sorted(frame["side"].unique()) if len(frame) else [],
    "side",
    "All sides",
    format_func=ds.actor_name,
)
kinds = ui.filter_choice(
    columns[2],
    "Kind",
    ["quote", "event"],
    "kind",
    "All kinds",
    help="quote: verbatim, checked against the stored article; event: our summary of a report at a URL (weaker)",
)
provisions = ui.filter_choice(columns[3], "Provision", list(ds.provisions), "provision", "All provisions")
sources = ui.filter_choice(columns[4], "Source", list(ds.sources), "source", "All sources")
range_columns = st.columns(2)
lo = ui.date_filter(range_columns[0], "Event date from", ui.EARLIEST, "from", view)
hi = ui.date_filter(range_columns[1], "to", view.as_of, "to", view)

# The filters make one mask and the rows are taken once: each `frame[mask]` copies every column (about
# 40 of them), 30 ms at 10k pieces, and with no filter set nothing is copied.
keep = None
if len(frame):
    conditions = []
    if text:
        needle = text.casefold()
        haystack = (
            frame[["evidence_id", "quote", "summary", "claimant", "note", "source_title", "outlet"]]
            .astype(str)
            .agg(" ".join, axis=1)
            .str.casefold()
        )
        conditions.append(haystack.str.contains(needle, regex=False))
    for column, values in (("stance", stances), ("side", sides), ("kind", kinds), ("source_id", sources)):
        if values:
            conditions.append(frame[column].isin(values))
    if provisions:
        wanted = set(provisions)
        conditions.append(frame["provision_ids"].str.split("; ").apply(lambda ids: bool(wanted.intersection(ids))))
    if lo > ui.EARLIEST or hi < view.as_of:  # undated pieces are kept: they have no date to be out of range
        dated = frame["event_date"].str.match(r"^\d{4}-\d{2}-\d{2}$")
        in_range = frame["event_date"].where(dated, "").between(lo.isoformat(), hi.isoformat())
        conditions.append(in_range | ~dated)
    for condition in conditions:
        keep = condition if keep is None else keep & condition
shown = frame if keep is None else frame[keep]

# Six cards a page: the first screen at 1400 x 1000 holds two or three, and the rest of the list is a
# page away. (As Streamlit elements, three components a card, 10 -> 6 cards took the page from
# 1.29-1.31x to 1.24-1.26x the bare page; they are one HTML element now.)
PER_PAGE = 6
head = st.columns([3, 1])
head[0].subheader(f"{len(shown)} shown")
layout = head[1].radio(
    "Show as",
    ["cards", "table"],
    horizontal=True,
    key="layout",
    bind="query-params",
    help="Cards put the words first; the table shows every column, one row per piece.",
)
if layout == "table":
    table = (
        shown.assign(
            text=shown["quote"].where(shown["kind"] == "quote", "[reported] " + shown["summary"]),
            kind=shown["kind"].map(ui.KIND_TEXT),
            side=shown["side"].map(ds.actor_name),
            link=shown["url"].str.split(" ").str[0],
        )
        if len(shown)
        else shown.assign(text=[], link=[])
    )
    columns_shown = [
        "evidence_id",
        "event_date",
        "text",
        "stance",
        "side",
        "claimant",
        "provision_ids",
        "date_precision",
        "kind",
        "verification",
        "outlet",
        "published",
        "link",
    ]
    table = table[[c for c in columns_shown if c in table.columns]]
    ui.table_opening_provisions(
        table,
        lambda row: str(row["provision_ids"]).split("; ")[0],
        hide_index=True,
        width="stretch",
        key="evidence_table",
        column_config={
            "evidence_id": st.column_config.TextColumn("id", width=70),
            "event_date": st.column_config.TextColumn("date", width=95),
            "provision_ids": st.column_config.TextColumn("provisions"),
            "text": st.column_config.TextColumn("quote or summary", width=420),
            "link": st.column_config.LinkColumn("source link", display_text="open", validate=r"^https?://"),
        },
    )
    st.caption("Click a row to open its (first) provision with the passage in context.")
elif len(shown):
    pages = (len(shown) - 1) // PER_PAGE + 1
    number = 1
    if pages > 1:
        number = st.columns(4)[0].number_input(
            f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key="evidence_page"
        )
    # Newest first (a reader comes for what was said lately); undated ones last.
    # Sorted on the three keys alone and only the page's rows taken (sorting the whole frame copies it).
    keys = pd.DataFrame(
        {
            "dated": shown["event_date"].str.match(r"^\d{4}-\d{2}-\d{2}$").to_numpy(),
            "date": shown["event_date"].to_numpy(),
            "id": shown["evidence_id"].to_numpy(),
        }
    )
    order = keys.sort_values(["dated", "date", "id"], ascending=False).index
    rows = shown.iloc[order[(number - 1) * PER_PAGE : number * PER_PAGE]]
    # The page's cards in one HTML element (ui.cards_html): the words, who said them, when and where, and
    # links that open each provision the piece bears on, at the date.
    cards = []
    for row in rows.itertuples(index=False):
        if row.kind == "quote":
            words = "“" + ui.h(row.quote) + "”"
        else:
            words = ui.h(row.summary) + (f" — quoted: “{ui.h(row.quotation)}”" if row.quotation else "")
        when = row.event_date + ("" if row.date_precision in ("day", "") else f" ({row.date_precision})")
        source = ui.html_link(row.source_title or row.outlet, row.url.split(" ")[0] if row.url else None)
        tag = "verbatim quote" if row.kind == "quote" else "reported event, our summary (weaker)"
        flag = f" · verification: <b>{ui.h(row.verification)}</b>" if row.verification not in ("", "read") else ""
        cards.append(
            f"<p>{words}</p>"
            f"<p><b>{ui.h(row.stance)}</b> · {ui.h(row.claimant)} [{ui.h(ds.actor_name(row.side))}] · "
            f"{ui.h(when)} · {ui.h(row.evidence_id)}</p>"
            f'<p class="at-small"><i>{tag}</i> · {source}, published {ui.h(row.published)}{flag}</p>'
            + ui.provision_links_html(view.as_of, str(row.provision_ids).split("; "), prefix="Open ")
        )
    st.html(ui.cards_html(cards))
    st.caption(f"Page {number} of {pages}, newest first. Open a provision to read each passage in its article.")
