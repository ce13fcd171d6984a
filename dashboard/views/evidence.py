"""Evidence: every quote and reported event, searchable and filterable; a row opens its provision."""

from __future__ import annotations

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
stances = columns[0].multiselect(
    "Stance", sorted(frame["stance"].unique()) if len(frame) else [], key="stance", bind="query-params"
)
sides = columns[1].multiselect(
    "Side",
    sorted(frame["side"].unique()) if len(frame) else [],
    key="side",
    format_func=ds.actor_name,
    bind="query-params",
)
kinds = columns[2].multiselect(
    "Kind", ["quote", "event"], key="kind", bind="query-params", help="quote: verbatim, checked against the stored "
    "article; event: our summary of a report at a URL (weaker)"
)
provisions = columns[3].multiselect("Provision", list(ds.provisions), key="provision", bind="query-params")
sources = columns[4].multiselect(
    "Source", list(ds.sources), key="source", bind="query-params"
)
range_columns = st.columns(2)
lo = range_columns[0].date_input(
    "Event date from", value=ui.EARLIEST, min_value=ui.EARLIEST, max_value=view.as_of, key="from",
    format="YYYY-MM-DD", bind="query-params",
)
hi = range_columns[1].date_input(
    "to", value=view.as_of, min_value=ui.EARLIEST, max_value=view.as_of, key="to",
    format="YYYY-MM-DD", bind="query-params",
)

shown = frame
if len(shown):
    if text:
        needle = text.casefold()
        haystack = (
            shown[["evidence_id", "quote", "summary", "claimant", "note", "source_title", "outlet"]]
            .astype(str)
            .agg(" ".join, axis=1)
            .str.casefold()
        )
        shown = shown[haystack.str.contains(needle, regex=False)]
    if stances:
        shown = shown[shown["stance"].isin(stances)]
    if sides:
        shown = shown[shown["side"].isin(sides)]
    if kinds:
        shown = shown[shown["kind"].isin(kinds)]
    if provisions:
        shown = shown[shown["provision_ids"].str.split("; ").apply(lambda ids: bool(set(ids) & set(provisions)))]
    if sources:
        shown = shown[shown["source_id"].isin(sources)]
    dated = shown["event_date"].str.match(r"^\d{4}-\d{2}-\d{2}$")
    in_range = shown["event_date"].where(dated, "").between(lo.isoformat(), hi.isoformat())
    shown = shown[in_range | ~dated]

st.subheader(f"{len(shown)} shown")
table = shown.assign(
    text=shown["quote"].where(shown["kind"] == "quote", "[reported] " + shown["summary"]),
    kind=shown["kind"].map(ui.KIND_TEXT),
    side=shown["side"].map(ds.actor_name),
    link=shown["url"].str.split(" ").str[0],
) if len(shown) else shown.assign(text=[], link=[])
columns_shown = ["evidence_id", "event_date", "date_precision", "provision_ids", "stance", "side", "claimant",
                 "kind", "verification", "text", "outlet", "published", "link"]
table = table[[c for c in columns_shown if c in table.columns]]
ui.table_opening_provisions(
    table,
    lambda row: str(row["provision_ids"]).split("; ")[0],
    hide_index=True,
    width="stretch",
    key="evidence_table",
    column_config={
        "evidence_id": st.column_config.TextColumn("id"),
        "provision_ids": st.column_config.TextColumn("provisions"),
        "text": st.column_config.TextColumn("quote or summary", width="large"),
        "link": st.column_config.LinkColumn("source link", display_text="open", validate=r"^https?://"),
    },
)
st.caption("Select a row to open its (first) provision with the passage in context.")
