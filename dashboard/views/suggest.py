"""Suggest: paste an article, see which passages bear on which provisions, accept or reject each,
and save the accepted ones as evidence through the same checked, atomic write as `tracker add`."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import streamlit as st
import ui

from tracker import add, suggest
from tracker.errors import TrackerError
from tracker.models import DatePrecision, Stance

view = ui.current()
ds = view.dataset
st.title("From an article to evidence")
st.caption(
    "Paste an article (or pick a stored one). Each passage gets ranked provision suggestions with a stance "
    "guess; nothing is saved until you accept a passage, check its fields and press Save. Saved passages are "
    "checked exactly as `tracker validate` checks them, and written atomically."
)
# Read-only unless editing is switched on (ACCORD_TRACKER_EDIT=1): a reader who can reach the page
# must not be able to add evidence that counts at once. Without it, no Save control exists at all.
editing = ui.editing_enabled()
if not editing:
    st.info(ui.READ_ONLY_NOTE, icon=":material/lock:")

mode = st.radio("Article", ["Paste a new article", "A stored article"], horizontal=True, key="suggest_mode")
source_id: str | None = None
if mode == "A stored article":
    source_id = st.selectbox("Stored article", list(ds.sources), key="suggest_source")
    text = ds.articles.get(source_id or "", "")
else:
    text = st.text_area("Article text", height=220, key="suggest_text", placeholder="Paste the article here")
    meta = st.columns(4)
    title = meta[0].text_input("Title", key="suggest_title")
    outlet = meta[1].text_input("Outlet", key="suggest_outlet", placeholder="or 'unknown'")
    published = meta[2].date_input(
        "Published",
        value=None,
        min_value=ui.EARLIEST,
        max_value=date.today(),
        key="suggest_published",
        format="YYYY-MM-DD",
        disabled=bool(st.session_state.get("suggest_published_unknown")),
    )
    # The schema takes 'unknown' for an article that prints no date; a date picker cannot say it.
    meta[2].checkbox("Date unknown", key="suggest_published_unknown")
    url = meta[3].text_input("URL (http or https)", key="suggest_url")

if not text.strip():
    st.info("Paste an article above to see suggestions.")
    st.stop()
if source_id is None and len(text) > ui.MAX_PASTED_CHARS:
    st.error(
        f"The pasted text has {len(text):,} characters; at most {ui.MAX_PASTED_CHARS:,} are read here. "
        "Store a longer article with `tracker add-source`."
    )
    st.stop()


# Only provisions in force on the article's date are proposed (a later agreement cannot be what
# it bears on, and validation would refuse the passage): the source's publication date, the date
# typed for a pasted article, else today, said on the page.
if source_id is not None:
    stored_date = ds.sources[source_id].published
    when = stored_date if isinstance(stored_date, date) else date.today()
    why = "the source's publication date" if isinstance(stored_date, date) else "today: the source's date is unknown"
else:
    when = published or date.today()
    why = "the publication date given" if published else "today: give the publication date for an older article"


@st.cache_data(max_entries=8, show_spinner="Reading the article…")
def _suggestions(fingerprint: str, digest: str, article: str, when: date) -> list[suggest.PassageSuggestion]:
    del fingerprint, digest  # cache keys: the data (provisions, evidence learned from) and the text
    return suggest.suggest(ds, article, when=when)


found = _suggestions(view.fingerprint, hashlib.sha256(text.encode()).hexdigest(), text, when)
relevant = [(i, s) for i, s in enumerate(found) if s.proposals]
st.subheader(f"{len(relevant)} of {len(found)} passages bear on a provision")
st.caption(
    ui.esc(
        f"Provisions in force on {when.isoformat()} ({why}). When the likeliest stance is under "
        f"{suggest.SHOW_SECOND_BELOW:.0%}, the second likeliest is shown beside it."
    )
)

left, right = st.columns([1, 1])
with left:
    st.markdown("**The article**, suggested passages highlighted and numbered")
    parts, cursor = [], 0
    for i, s in relevant:
        parts.append(ui.esc(text[cursor : s.passage.start]))
        parts.append(f"**\\[{i + 1}\\]** :orange-background[{ui.esc(text[s.passage.start : s.passage.end])}]")
        cursor = s.passage.end
    parts.append(ui.esc(text[cursor:]))
    with st.container(height=700):
        st.markdown("".join(parts))

sides = list(ds.actors)
stances = [s.value for s in Stance]
with right, st.container(height=760):
    for i, s in relevant:
        top = s.proposals[0]
        with st.container(border=True):
            st.markdown(f"**\\[{i + 1}\\]** " + ui.esc(s.passage.text))
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "provision": p.provision_id,
                            "score": round(p.score, 2),
                            "stance guess": p.stance,
                            "confidence": round(p.stance_confidence, 2),
                            "or": p.second_stance[0] if p.second_stance else "",
                            "its confidence": round(p.second_stance[1], 2) if p.second_stance else None,
                            "matched": ", ".join(p.matched_terms),
                        }
                        for p in s.proposals
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
            accepted = editing and st.checkbox("Accept this passage", key=f"accept_{i}")
            if accepted:
                row = st.columns(2)
                row[0].multiselect("Provisions", list(ds.provisions), default=[top.provision_id], key=f"provisions_{i}")
                row[1].selectbox(
                    "Stance",
                    stances,
                    index=stances.index(top.stance) if top.stance in stances else 0,
                    key=f"stance_{i}",
                )
                row = st.columns(2)
                row[0].text_input("Claimant (who says it)", key=f"claimant_{i}")
                row[1].selectbox("Side", sides, index=None, format_func=ds.actor_name, key=f"side_{i}")
                row = st.columns(2)
                row[0].date_input(
                    "Event date",
                    value=None,
                    min_value=ui.EARLIEST,
                    max_value=date.today(),
                    key=f"date_{i}",
                    format="YYYY-MM-DD",
                )
                row[1].selectbox("Date precision", [p.value for p in DatePrecision], key=f"precision_{i}")
    if not relevant:
        st.caption("No passage of this article bears on a tracked provision.")

chosen = [i for i, _ in relevant if editing and st.session_state.get(f"accept_{i}")]


def _missing(meta: dict[str, object]) -> list[str]:
    needs = (("provisions", "provisions"), ("a claimant", "claimant"), ("a side", "side"), ("an event date", "date"))
    found_missing = []
    if source_id is None and not (meta["title"] and meta["outlet"] and meta["published"]):
        found_missing.append("the article needs a title, an outlet (or 'unknown') and a publication date")
    for i in chosen:
        lacking = [name for name, key in needs if not st.session_state.get(f"{key}_{i}")]
        if lacking:
            found_missing.append(f"[{i + 1}] needs " + ", ".join(lacking))
    return found_missing


def _save() -> None:
    """Runs before the next rerun (a button callback), so it may reset the widgets it used. It reads
    the widgets' values from the session state: they may have changed since this run drew them."""
    if not ui.editing_enabled():  # switched off since the page was drawn
        st.session_state["suggest_result"] = ("error", ui.READ_ONLY_NOTE, [])
        return
    state = st.session_state
    meta = {name: state.get(f"suggest_{name}") for name in ("title", "outlet", "published", "url")}
    if state.get("suggest_published_unknown"):
        meta["published"] = "unknown"
    missing = _missing(meta)
    if missing:
        st.session_state["suggest_result"] = ("error", "Nothing was saved: " + "; ".join(missing) + ".", [])
        return
    target = source_id
    try:
        items = [
            {
                "quote": found[i].passage.text,
                "provisions": list(st.session_state[f"provisions_{i}"]),
                "stance": st.session_state[f"stance_{i}"],
                "claimant": st.session_state[f"claimant_{i}"],
                "side": st.session_state[f"side_{i}"],
                "event_date": st.session_state[f"date_{i}"],
                "date_precision": st.session_state[f"precision_{i}"],
            }
            for i in chosen
        ]
        if target is None:  # the pasted article is stored only with the passages, all or nothing
            target, saved = add.add_source_with_evidence(
                ds.root,
                text,
                items,
                title=str(meta["title"]),
                outlet=str(meta["outlet"]),
                published=meta["published"],  # type: ignore[arg-type]  # the form's date or "unknown"
                url=str(meta["url"]) if meta["url"] else None,
            )
        else:
            saved = add.add_evidence_items(ds.root, target, items)
    except TrackerError as exc:  # FileChanged, DataBusy, FileSystemError, InvalidData...: a sentence, not a traceback
        st.session_state["suggest_result"] = ("error", exc, [])
        return
    for i in chosen:
        st.session_state[f"accept_{i}"] = False
    st.session_state["suggest_mode"] = "A stored article"
    st.session_state["suggest_source"] = target
    st.session_state["suggest_result"] = (
        "success",
        f"Saved {', '.join(saved)} to source {target}; they count from now on.",
        [],
    )


if editing:
    st.button(
        f"Save {len(chosen)} accepted passage(s) as evidence",
        type="primary",
        disabled=not chosen,
        on_click=_save,
        key="suggest_save",
    )
result = st.session_state.pop("suggest_result", None)
if result is not None:
    kind, message, problems = result
    if isinstance(message, BaseException):
        ui.show_error(message)
    else:
        (st.success if kind == "success" else st.error)(ui.esc(message))
    if problems:
        st.code("\n".join(problems), language=None, wrap_lines=True)
