"""What every page of the dashboard shares: the cached data, the as-of date, the status palette,
and escaping. Presentation only: every number comes from the `tracker` library."""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.navigation.page import Page

from tracker import changes, export, gcpause, present, trend
from tracker.models import ReportedEvent, Status
from tracker.problems import Problem
from tracker.status import PartyView, ProvisionStatus, all_statuses, party_views
from tracker.store import Dataset, EvidenceItem, default_root, load
from tracker.textsafe import clean_output

EARLIEST = date(2020, 1, 1)

# Colour-blind-safe hues (Okabe-Ito); each status also has a symbol (tracker/present.py), so it reads
# without colour too.
STATUS_COLOURS: dict[Status, str] = {
    Status.IMPLEMENTED: "#009E73",
    Status.IN_PROGRESS: "#56B4E9",
    Status.NOT_STARTED: "#BBBBBB",
    Status.STALLED: "#E69F00",
    Status.DISPUTED: "#CC79A7",
    Status.VIOLATED: "#D55E00",
    Status.LAPSED: "#777777",
    Status.NO_EVIDENCE: "#DDDDDD",
}
STATUS_STYLE: dict[Status, tuple[str, str]] = {s: (STATUS_COLOURS[s], present.STATUS_SYMBOLS[s]) for s in Status}
STANCE_COLOURS = {
    "implemented": "#009E73",
    "progress": "#56B4E9",
    "stalled": "#E69F00",
    "disputed": "#CC79A7",
    "violated": "#D55E00",
    "context": "#999999",
}
KIND_TEXT = {
    "quote": "verbatim quote",
    "event": "reported event (our summary, weaker)",
}


# The words come from the one presentation layer; these names are kept for the pages' brevity.
badge = present.badge  # '✔ implemented' (plain text: safe anywhere)
plural = present.plural  # '1 obligation', '2 obligations'


def status_domain() -> tuple[list[str], list[str]]:
    """Altair scale domain and range, so every chart colours statuses the same way."""
    return [badge(s) for s in STATUS_COLOURS], list(STATUS_COLOURS.values())


def date_axis_spec(start: date, end: date) -> dict[str, Any]:
    """A time axis whose labels never repeat, as Vega-Lite: ticks on month boundaries, a few per chart
    ("%b %Y" on daily or weekly ticks printed the same month several times); days for a span under two
    months."""
    days = max(1, (end - start).days)
    if days < 62:
        return {"format": "%d %b %Y", "labelOverlap": True, "tickCount": {"interval": "week", "step": 1}}
    months = days // 30
    return {"format": "%b %Y", "labelOverlap": True, "tickCount": {"interval": "month", "step": max(1, months // 8)}}


def trend_spec(start: date, end: date, height: int, legend: bool) -> dict[str, Any]:
    """The Vega-Lite spec of a trend chart (provisions by status and freshness at each month end, stacked;
    the frame of View.trend), without its data. Written as a dict rather than made with Altair: Altair
    validates every spec against the Vega-Lite schema when it is sent, 10-25 ms a chart, at each new
    as-of date."""
    domain, colours = status_domain()
    return {
        # Each point is the state at a month end (the last one at the as-of date), drawn over the month it
        # ends: step-after drew it over the next month, so the state at the as-of date, the one the counts
        # above give, had no width and the chart's right edge showed the month before.
        "mark": {"type": "area", "interpolate": "step-before"},
        "height": height,
        "encoding": {
            "x": {"field": "month", "type": "temporal", "title": None, "axis": date_axis_spec(start, end)},
            "y": {
                "aggregate": "sum",
                "field": "provisions",
                "type": "quantitative",
                "stack": "zero",
                "title": "provisions",
                "axis": {"tickMinStep": 1},
            },
            "color": {
                "field": "status",
                "type": "nominal",
                "scale": {"domain": domain, "range": colours},
                "legend": {"title": None, "orient": "right"} if legend else None,
            },
            "opacity": {
                "field": "freshness",
                "type": "nominal",
                "scale": {"domain": ["current", "stale"], "range": [1.0, 0.35]},
                "legend": {"title": None} if legend else None,
            },
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                {"field": "month", "type": "temporal", "format": "%Y-%m-%d", "title": "at"},
                {"field": "status", "type": "nominal"},
                {"field": "freshness", "type": "nominal"},
                {"field": "provisions", "type": "quantitative"},
            ],
        },
    }


def status_counts_html(counted: dict[Status, int]) -> str:
    """Provisions per status as an HTML table: the status (symbol and word), a bar as long as its count
    relative to the largest, in the status's colour of every chart (STATUS_COLOURS; markdown's named
    colours gave the counts other hues than the trend beside them), and the count in figures.
    Nothing from the data goes in but statuses and numbers, and those are escaped too."""
    widest = max(counted.values(), default=0) or 1
    cell = "padding:0.3rem 0.75rem;border-bottom:1px solid rgba(49,51,63,0.1)"
    out = [
        '<table style="border-collapse:collapse;font-size:0.95rem;margin-bottom:0.5rem">',
        f'<tr><th style="{cell};text-align:left">status</th><th style="{cell};text-align:left">provisions</th></tr>',
    ]
    for status, n in counted.items():
        bar = (
            f'<span style="display:inline-block;width:{round(100 * n / widest)}px;height:0.8em;'
            f'background:{STATUS_COLOURS[status]};margin-right:0.4rem;vertical-align:-0.05em"></span>'
            if n
            else ""
        )
        out.append(
            f'<tr><td style="{cell}">{html.escape(badge(status))}</td>'
            f'<td style="{cell};white-space:nowrap">{bar}<b>{int(n)}</b></td></tr>'
        )
    out.append("</table>")
    return "".join(out)


def trend_html(frame: pd.DataFrame, height: int = 240) -> str:
    """The trend (the frame of View.trend for one group: provisions by status and freshness at each month
    end) as a stacked column chart in HTML: one column per month, drawn in its state at the month's end
    (the last at the as-of date), its parts stacked in the legend's order with the stale part of each
    status faded above the current one, in the colours of every chart (STATUS_COLOURS); each part says
    what it is when hovered. HTML, not a Vega chart: the browser sets it at once, where a Vega view is a
    large library to load and a chart to compile before the first screen is full. Nothing from the data
    goes in but dates, statuses and counts, and those are escaped too."""
    colours = {badge(s): STATUS_COLOURS[s] for s in STATUS_COLOURS}
    months = sorted(set(frame["month"]))
    parts: dict[Any, list[tuple[int, str, str, int]]] = {m: [] for m in months}
    for row in frame.itertuples(index=False):
        parts[row.month].append((int(row.order), str(row.status), str(row.freshness), int(row.provisions)))
    tallest = max((sum(n for *_, n in column) for column in parts.values()), default=0) or 1
    step = max(1, 10 ** (len(str(tallest)) - 1) // (2 if tallest < 2 * 10 ** (len(str(tallest)) - 1) else 1))
    ticks = list(range(0, tallest + 1, step))
    scale = height / tallest
    out = [
        '<div style="display:flex;gap:1rem;align-items:flex-start;font-size:0.8rem">',
        f'<div style="display:flex;flex:1;min-width:0"><div style="position:relative;width:2.2rem;height:{height}px">',
    ]
    for tick in ticks:
        out.append(
            f'<span style="position:absolute;right:0.3rem;bottom:{tick * scale:.1f}px;transform:translateY(50%);'
            f'opacity:0.7">{tick}</span>'
        )
    out.append('</div><div style="flex:1;min-width:0">')
    out.append(
        f'<div style="display:flex;align-items:flex-end;height:{height}px;border-left:1px solid rgba(128,128,128,0.5);'
        'border-bottom:1px solid rgba(128,128,128,0.5)">'
    )
    for month in months:
        when = month.date() if hasattr(month, "date") else month
        out.append('<div style="flex:1 1 0;display:flex;flex-direction:column-reverse">')
        for _, status, freshness, n in sorted(parts[month]):
            tip = html.escape(f"{when}: {status}, {freshness}: {n}", quote=True)
            fill = colours.get(status, "#999") + (";opacity:0.35" if freshness == "stale" else "")
            out.append(f'<div title="{tip}" style="height:{n * scale:.1f}px;background:{fill}"></div>')
        out.append("</div>")
    out.append('</div><div style="position:relative;height:1.2rem;opacity:0.7">')
    # A label at each January (or, over less than two years, every few months), under its column.
    span = len(months)
    marks = [
        (i, m)
        for i, m in enumerate(months)
        if (m.month == 1 if span > 24 else (m.month - 1) % max(1, span // 6) == 0) and i < span - 1
    ]
    for i, m in marks:
        label = m.strftime("%Y" if span > 24 else "%b %Y")
        out.append(
            f'<span style="position:absolute;left:{100 * (i + 0.5) / span:.2f}%;transform:translateX(-50%)">'
            f"{html.escape(label)}</span>"
        )
    out.append("</div></div></div>")
    out.append('<div style="line-height:1.6;white-space:nowrap">')
    for status, colour in colours.items():
        out.append(
            f'<div><span style="display:inline-block;width:0.7rem;height:0.7rem;border-radius:50%;'
            f'background:{colour};margin-right:0.35rem"></span>{html.escape(status)}</div>'
        )
    out.append(
        '<div style="margin-top:0.5rem"><span style="display:inline-block;width:0.7rem;height:0.7rem;background:#777;'
        'margin-right:0.35rem"></span>current</div><div><span style="display:inline-block;width:0.7rem;'
        'height:0.7rem;background:#777;opacity:0.35;margin-right:0.35rem"></span>stale</div>'
    )
    out.append("</div></div>")
    return "".join(out)


def timeline_html(pids: list[str], points: pd.DataFrame, deadlines: pd.DataFrame, start: date, end: date) -> str:
    """The Timeline in HTML: a row per provision (`pids`, in order), its pieces of evidence (`points`, of
    View.timeline_marks) at their event dates from `start` to `end` (the as-of date, the right edge, a
    dashed rule), coloured by stance (STANCE_COLOURS): a filled dot for a verbatim quote, a ring for a
    reported event (weaker), faint when the date is approximate or inferred or the report unverified;
    deadlines (`deadlines`) as black diamonds. Each mark says what it is when hovered. HTML, not a Vega
    chart: a chart of thousands of marks was the slowest first screen of the dashboard (the library to
    load, the spec to compile, every mark to draw). Every value from the data is escaped."""
    span = max(1, (end - start).days)

    def left(day: str) -> str:
        return f"{100 * min(max((date.fromisoformat(day) - start).days, 0), span) / span:.2f}%"

    stance_class = {stance: f"s{i}" for i, stance in enumerate(STANCE_COLOURS)}
    style = [
        ".at-tl{font-size:0.8rem}",
        ".at-tl .row{display:flex;align-items:center;height:22px}",
        ".at-tl .pid{width:7.5rem;flex:none;opacity:0.75;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
        # A mark at the as-of date reaches 5 px past the rule: inside the row's margin, not past the page.
        ".at-tl .track{position:relative;flex:1;height:22px;border-right:1px dashed #888;margin-right:6px;"
        "background:linear-gradient(rgba(128,128,128,0.15),rgba(128,128,128,0.15)) 0 50%/100% 1px no-repeat}",
        ".at-tl i{position:absolute;top:6px;width:10px;height:10px;margin-left:-5px;border-radius:50%;"
        "box-sizing:border-box}",
        ".at-tl i.e{background:transparent!important;border:2px solid}",
        ".at-tl i.f{opacity:0.4}",
        ".at-tl i.d{border:2px solid #000;border-radius:0;transform:rotate(45deg);background:transparent}",
        ".at-tl .axis{position:relative;height:1.2rem;margin-left:7.5rem;opacity:0.7}",
        ".at-tl .axis span{position:absolute;transform:translateX(-50%);white-space:nowrap}",
    ]
    for stance, colour in STANCE_COLOURS.items():
        style.append(f".at-tl i.{stance_class[stance]}{{background:{colour};border-color:{colour}}}")
    marks: dict[str, list[str]] = {pid: [] for pid in pids}
    for row in points.itertuples(index=False):
        if row.provision not in marks:
            continue
        kind = "q" if not row.event else "e"
        fade = " f" if row.caveat else ""
        tip = " · ".join(str(x) for x in (row.id, row.date, row.stance, row.side, row.caveat) if x)
        marks[row.provision].append(
            f'<i class="{kind} {stance_class.get(row.stance, "")}{fade}" style="left:{left(row.date)}" '
            f'title="{html.escape(tip, quote=True)}"></i>'
        )
    for row in deadlines.itertuples(index=False):
        if row.provision in marks:
            tip = html.escape(f"{row.what} {row.date} · {row.state}", quote=True)
            marks[row.provision].append(f'<i class="d" style="left:{left(row.date)}" title="{tip}"></i>')
    out = [f"<style>{''.join(style)}</style>", '<div class="at-tl">']
    for pid in pids:
        out.append(
            f'<div class="row"><span class="pid" title="{html.escape(pid, quote=True)}">{html.escape(pid)}</span>'
            f'<div class="track">{"".join(marks[pid])}</div></div>'
        )
    # Years (or months over less than two years) under the axis.
    if span > 730:
        ticks = [date(y, 1, 1) for y in range(start.year + 1, end.year + 1)]
        label = "%Y"
    else:
        months = [date(start.year + (start.month + k) // 12, (start.month + k) % 12 + 1, 1) for k in range(25)]
        months = [m for m in months if m <= end]
        ticks = months[:: max(1, len(months) // 8)]
        label = "%b %Y"
    out.append('<div class="axis">')
    for tick in ticks:
        out.append(f'<span style="left:{left(tick.isoformat())}">{html.escape(tick.strftime(label))}</span>')
    out.append("</div>")
    legend = " ".join(
        f'<span style="white-space:nowrap"><i style="position:static;display:inline-block;margin:0 0.3rem 0 0;'
        f'vertical-align:-1px" class="{stance_class[stance]}"></i>{html.escape(stance)}</span>'
        for stance in STANCE_COLOURS
    )
    out.append(
        f'<div style="margin-top:0.5rem;display:flex;flex-wrap:wrap;gap:0.25rem 1rem">{legend}'
        '<span style="white-space:nowrap"><i style="position:static;display:inline-block;margin:0 0.3rem 0 0;'
        'vertical-align:-1px" class="e s5"></i>reported event</span>'
        '<span style="white-space:nowrap"><i style="position:static;display:inline-block;margin:0 0.4rem 0 0.2rem;'
        'vertical-align:-1px" class="d"></i>deadline</span></div>'
    )
    out.append("</div>")
    return "".join(out)


def status_bands_html(segments: list[dict[str, Any]], start: date, end: date) -> str:
    """A provision's status over time as HTML: one band per line ("status", and "derived from evidence"
    when an analyst has assessed), each period a segment as wide as its days and coloured as on every
    chart (STATUS_COLOURS), with year (or month) marks below and the periods in words under each band.
    `segments`: {"line", "start", "end" (the day after the last), "status"} in date order per line.
    Nothing from the data goes in but dates and statuses, and those are escaped too."""
    last = end + timedelta(days=1)
    span = max(1, (last - start).days)

    def period(seg: dict[str, Any]) -> str:  # '2021-03-02 to 2022-12-11', or '2022-12-12' for the current one
        return f"{seg['start']}" + ("" if seg["end"] > end else f" to {seg['end'] - timedelta(days=1)}")

    def left(day: date) -> float:
        return 100 * min(max((day - start).days, 0), span) / span

    if span > 730:
        marks = [date(y, 1, 1) for y in range(start.year + 1, last.year + 1)]
        label = "%Y"
    else:
        months = [date(start.year + (start.month + k) // 12, (start.month + k) % 12 + 1, 1) for k in range(24)]
        step = max(1, len([m for m in months if m < last]) // 8)
        marks = [m for m in months if m < last][::step]
        label = "%b %Y"
    grid = "display:grid;grid-template-columns:auto 1fr;gap:6px 10px;align-items:center"
    out = ['<div style="font-size:0.85rem;margin:0.25rem 0 0.75rem 0">']
    out.append('<div style="font-weight:600;margin-bottom:0.4rem">Status over time</div>')
    out.append(f'<div style="{grid}">')
    lines = list(dict.fromkeys(seg["line"] for seg in segments))
    words = []
    for line in lines:
        mine = [seg for seg in segments if seg["line"] == line]
        out.append(f'<div style="color:#555">{html.escape(line)}</div>')
        out.append('<div style="display:flex;height:24px;border-radius:4px;overflow:hidden;background:#f0f2f6">')
        if mine and mine[0]["start"] > start:  # before the first period: nothing to show (not a status)
            out.append(f'<div style="flex:{(mine[0]["start"] - start).days} 0 0"></div>')
        for seg in mine:
            days = max(1, (min(seg["end"], last) - max(seg["start"], start)).days)
            tip = html.escape(f"{badge(seg['status'])}: {period(seg)}", quote=True)
            colour = STATUS_COLOURS[seg["status"]]
            out.append(f'<div title="{tip}" style="flex:{days} 0 0;background:{colour};min-width:2px"></div>')
        out.append("</div>")
        periods = " · ".join(f"{badge(seg['status'])} {period(seg)}" for seg in reversed(mine))
        words.append(f"<div>{html.escape(line)}, newest first: {html.escape(periods)}</div>")
    out.append('<div></div><div style="position:relative;height:1.1rem;color:#777">')
    for mark in marks:
        at = left(mark)
        shift = "-100%" if at > 95 else "0" if at < 5 else "-50%"  # labels at the edges stay inside
        out.append(
            f'<span style="position:absolute;left:{at:.2f}%;transform:translateX({shift})">'
            f"{html.escape(mark.strftime(label))}</span>"
        )
    out.append("</div></div>")
    out.append('<div style="color:#777;margin-top:0.4rem">' + "".join(words) + "</div></div>")
    return "".join(out)


# --------------------------------------------------------------------------- tables in HTML

# Tables of words are HTML (st.html), not data grids: a grid draws on a canvas with fixed column widths,
# so a long title or a list of sides was cut at 1400 px ("Media, Organization for S"), and each grid is
# the heaviest component a page mounts. Here the words wrap, and the browser only sets HTML.
_TABLE_STYLE = (
    "<style>"
    ".at-table{border-collapse:collapse;width:100%;font-size:0.875rem;line-height:1.4}"
    ".at-table th{text-align:left;font-weight:600;padding:0.35rem 0.5rem;"
    "border-bottom:1px solid rgba(128,128,128,0.45);vertical-align:bottom}"
    ".at-table td{padding:0.3rem 0.5rem;border-bottom:1px solid rgba(128,128,128,0.2);vertical-align:top;"
    "overflow-wrap:break-word}"
    ".at-table td.at-nowrap{white-space:nowrap;overflow-wrap:normal}"
    ".at-table td.at-num{text-align:right;white-space:nowrap}"
    # A row that opens a provision: its cells are links, as wide and tall as the cell.
    ".at-table td.at-link{padding:0}"
    ".at-table td.at-link>a{display:block;padding:0.3rem 0.5rem;color:inherit;text-decoration:none}"
    ".at-table tr:hover td.at-link{background:rgba(128,128,128,0.1)}"
    ".at-table th[title]{text-decoration:underline dotted;cursor:help}"
    "</style>"
)


def provision_href(as_of: date, pid: str) -> str:
    """The provision page's URL, relative to the app, at the as-of date (left out when it is today, the
    page's default, as the date widget leaves it out of the URL)."""
    query = {"id": pid} | ({} if as_of == date.today() else {"as_of": as_of.isoformat()})
    return "provision?" + urlencode(query)


def html_table(
    rows: list[dict[str, Any]],
    *,
    href: Callable[[dict[str, Any]], str | None] | None = None,
    nowrap: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    notes: dict[str, str] | None = None,
    links: tuple[str, ...] = (),
    widths: dict[str, str] | None = None,
    max_height: int | None = None,
) -> str:
    """A table of `rows` (dicts, the keys are the columns) as HTML whose words wrap. Every value is
    escaped. `href(row)`: a URL inside the app (built here, never from data) that every cell of the row
    opens, so that a click anywhere on a row opens it. `links`: columns holding a URL, shown as an
    'open' link when it is http(s) (safe_url), else as nothing. `notes`: a column's explanation, as
    the header's tooltip. `widths`: a column's share of the table, e.g. {"title": "46%"}.
    `max_height`: scroll inside a box of that height (px)."""
    if not rows:
        return ""
    columns = list(rows[0])
    notes = notes or {}
    out = [_TABLE_STYLE]
    if max_height:
        out.append(f'<div style="max-height:{int(max_height)}px;overflow-y:auto">')
    out.append('<table class="at-table">')
    if widths:
        out.append("<colgroup>")
        for column in columns:
            share = widths.get(column)
            out.append(f'<col style="width:{html.escape(share, quote=True)}">' if share else "<col>")
        out.append("</colgroup>")
    out.append("<thead><tr>")
    for column in columns:
        note = notes.get(column)
        tip = f' title="{html.escape(note, quote=True)}"' if note else ""
        align = ' style="text-align:right"' if column in numbers else ""
        out.append(f"<th{tip}{align}>{html.escape(column)}</th>")
    out.append("</tr></thead><tbody>")
    for row in rows:
        target = href(row) if href else None
        out.append("<tr>")
        for column in columns:
            value = row[column]
            classes = ["at-nowrap"] if column in nowrap else ["at-num"] if column in numbers else []
            if column in links:  # its own link (a link inside a link is not HTML)
                url = safe_url(str(value)) if value else None
                text = f'<a href="{html.escape(url, quote=True)}" target="_blank">open</a>' if url else ""
            else:
                text = html.escape("" if value is None else str(value))
            if target is not None and column not in links:
                classes.append("at-link")
                text = f'<a href="{html.escape(target, quote=True)}">{text}</a>'
            cls = f' class="{" ".join(classes)}"' if classes else ""
            out.append(f"<td{cls}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if max_height:
        out.append("</div>")
    return "".join(out)


# Cards (a bordered box per item: a change, a piece of evidence) in one HTML element for the whole list:
# as Streamlit elements, each card was a bordered container, a markdown element and its links, three to
# five components for the browser to mount and markdown for it to parse, before the first screen was full.
_CARD_STYLE = (
    "<style>"
    ".at-card{border:1px solid rgba(128,128,128,0.3);border-radius:0.5rem;padding:0.75rem 1rem;"
    "margin-bottom:0.75rem;line-height:1.6;overflow-wrap:break-word}"
    ".at-card p{margin:0 0 0.5rem 0}"
    ".at-card .at-small{font-size:0.875rem;opacity:0.75}"
    ".at-card .at-open{display:flex;flex-wrap:wrap;gap:0.25rem 1rem;font-size:0.875rem}"
    "</style>"
)


# A quote inside its article's text, in the highlight markdown's :orange-background[] gave it.
HIGHLIGHT_START = '<mark style="background:rgba(255,164,33,0.3);color:inherit;padding:0 0.1em"><b>'
HIGHLIGHT_END = "</b></mark>"


# Pages are run by Streamlit as fresh module namespaces on every rerun. A function defined in a page
# refers to that namespace (its globals) and the namespace to it: a reference cycle, so the namespace
# and everything it holds (the View with a date's statuses, the rows of a table) outlived the rerun
# until a full collection of the cyclic collector found it, which then walked and freed all of them at
# once (0.1-0.3 s in one rerun at 100k passages, after some dates). The small functions pages need
# live here instead, in a module that is imported once.


def _table_csv(table: str, root: str, fingerprint: str, today: date, as_of: date) -> bytes:
    dataset, _ = _load(root, fingerprint, today)
    if table == "status":
        return export.csv_bytes(export.status_table(dataset, as_of))
    return export.csv_bytes(_evidence_table(root, fingerprint, today, as_of))


def dated_by(item: EvidenceItem, as_of: date) -> bool:
    """Dated on or before `as_of`, or undated (an undated passage is listed everywhere)."""
    when = item.evidence.event_date
    return not isinstance(when, date) or when <= as_of


def bullets(lines: list[str]) -> str:
    """An HTML list of `lines`, which are HTML already (escaped by the caller)."""
    return "<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"


def h(text: object) -> str:
    """Text from the data, safe inside HTML (st.html): every markup character escaped."""
    return html.escape(str(text), quote=True)


def html_link(label: str, url: str | None) -> str:
    """An HTML link (a new tab) with an escaped label, or just the label when the URL is not http(s)."""
    good = safe_url(url)
    if good is None:
        return h(label)
    return f'<a href="{h(good)}" target="_blank">{h(label)}</a>'


def provision_links_html(as_of: date, pids: list[str], prefix: str = "") -> str:
    """A row of links that open these provisions at the date (in this tab), as a card's last line."""
    links = "".join(f'<a href="{h(provision_href(as_of, pid))}">{h(prefix + pid)}</a>' for pid in pids)
    return f'<div class="at-open">{links}</div>'


def cards_html(cards: list[str]) -> str:
    """Cards of HTML (already escaped by the caller, with h and html_link) in one element."""
    return _CARD_STYLE + "".join(f'<div class="at-card">{card}</div>' for card in cards)


# --------------------------------------------------------------------------- escaping

# Markdown and Streamlit's own syntax (:red[...], :emoji:, $latex$) that text from a YAML file or
# an article could use to become a link, an image, a colour or a formula.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$=^])")


def esc(text: object) -> str:
    """Text from the data, safe inside st.markdown: HTML escaped, markdown syntax made literal."""
    escaped = html.escape(str(text), quote=False)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    # A bare 'https://…' would become a link (GFM autolinks); with its slashes escaped too it stays text.
    escaped = escaped.replace("\\://", "\\:\\/\\/")
    # A line break would end an emphasis or a list item early; keep each value on its line.
    return escaped.replace("\n", " ")


def small(markdown: str) -> str:
    """Markdown (already escaped) in small grey text, as st.caption shows it, for use inside a larger
    markdown element: one element instead of two."""
    return f":small[:gray[{markdown}]]"


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None (the schema already refuses others; this is the belt)."""
    if url and re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE):
        return url
    return None


def md_link(label: str, url: str | None) -> str:
    """A markdown link with an escaped label, or just the label when the URL is not http(s)."""
    good = safe_url(url)
    if good is None:
        return esc(label)
    # Parentheses and spaces in the URL would end the markdown link early.
    target = good.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{esc(label)}]({target})"


# --------------------------------------------------------------------------- data


# --------------------------------------------------------------------------- editing

EDIT_ENV = "ACCORD_TRACKER_EDIT"
READ_ONLY_NOTE = (
    "This dashboard is read-only: nothing can be saved from it. An analyst running it on their own "
    f"machine switches editing on with the environment variable {EDIT_ENV}=1 (or `edit = true` under "
    "[accord_tracker] in .streamlit/secrets.toml)."
)
# A pasted article larger than this is not read (suggestions and the stored copy); `tracker
# add-source` takes up to the loader's limit.
MAX_PASTED_CHARS = 500_000


def editing_enabled() -> bool:
    """Whether this dashboard may write: only when switched on explicitly, by the environment variable
    ACCORD_TRACKER_EDIT=1 or the key `edit = true` under [accord_tracker] in .streamlit/secrets.toml."""
    if os.environ.get(EDIT_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    try:
        return st.secrets.get("accord_tracker", {}).get("edit") is True
    except Exception:  # no secrets file: Streamlit raises its own error types here
        return False


def data_root() -> Path:
    return default_root()


def _fingerprint(root: Path) -> str:
    """A digest of every data file's path, modification time and size: the cache key, so an edit to
    a YAML file or an article shows on the next rerun while clicks never re-parse anything."""
    digest = hashlib.blake2b(digest_size=16)
    folders = [root / sub for sub in ("provisions", "evidence")]
    while folders:
        folder = folders.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))
            elif entry.is_file():
                stat = entry.stat()
                digest.update(f"{entry.path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    # One short string: Streamlit hashes cache arguments slowly, element by element.
    return digest.hexdigest()


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(root: str, fingerprint: str, today: date) -> tuple[Dataset, list[Problem]]:
    del fingerprint  # part of the cache key only
    loaded = load(Path(root), today=today)
    # This process lives long and keeps the dataset: move it out of the cyclic collector's reach, so that
    # a full collection (triggered by the objects each rerun makes) no longer walks millions of
    # long-lived objects (0.3-1 s at 100k passages). Reference counting still frees a dataset dropped
    # from the cache; only the collection of cycles among these objects is given up.
    gcpause.freeze_for_good()
    return loaded


# The statuses of the last four dates asked (were 64): a date asked again among them is instant, and
# every status kept is walked by each full collection of the cyclic collector (the loaded dataset is
# frozen out of its reach, these are not): at 100k passages a date's statuses and what they cite are
# about 14,000 objects, and 60 dates kept made collections of 0.2-0.3 s, each inside some rerun.
@st.cache_resource(max_entries=4, show_spinner=False)
def _statuses(root: str, fingerprint: str, today: date, as_of: date) -> list:
    dataset, _ = _load(root, fingerprint, today)
    return all_statuses(dataset, as_of)


@st.cache_resource(max_entries=4, show_spinner=False)  # as _statuses: they hold the same statuses
def _party_views(root: str, fingerprint: str, today: date, as_of: date) -> list:
    dataset, _ = _load(root, fingerprint, today)
    return party_views(dataset, as_of, _statuses(root, fingerprint, today, as_of))


@st.cache_resource(max_entries=16, show_spinner=False)
def _evidence_table(root: str, fingerprint: str, today: date, as_of: date) -> pd.DataFrame:
    dataset, _ = _load(root, fingerprint, today)
    return export.evidence_table(dataset, as_of)


def trend_frame(
    dataset: Dataset,
    as_of: date,
    by: str = "all",
    agreements: tuple[str, ...] | None = None,
    parties: tuple[str, ...] | None = None,
    statuses: list[ProvisionStatus] | None = None,
) -> pd.DataFrame:
    """Provisions by status and freshness at each month end (tracker.trend.monthly), one row per band
    drawn (zero counts left out), in the frame trend_spec reads. `statuses`: every status at `as_of`,
    when computed already (the last point is read from them)."""
    # tracker.trend keeps every month end's statuses per loaded dataset: a new date only cuts them.
    points = trend.monthly(dataset, as_of, by=by, agreements=agreements, parties=parties, statuses=statuses)  # type: ignore[arg-type]  # `by` is a Grouping
    order = {status: i for i, status in enumerate(STATUS_COLOURS)}
    rows = []
    for p in points:
        if not p.provisions:
            continue
        name = "all" if p.group == "all" else dataset.actor_name(p.group) if by == "party" else p.group
        rank = order[p.status] * 2  # stacked in the order of the legend, the stale part above the current
        if p.provisions - p.stale:
            rows.append((p.when, name, badge(p.status), "current", p.provisions - p.stale, rank))
        if p.stale:
            rows.append((p.when, name, badge(p.status), "stale", p.stale, rank + 1))
    frame = pd.DataFrame(rows, columns=["month", "group", "status", "freshness", "provisions", "order"])
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


@st.cache_resource(max_entries=32, show_spinner=False)
def _trend(
    root: str,
    fingerprint: str,
    today: date,
    as_of: date,
    by: str,
    agreements: tuple[str, ...] | None,
    parties: tuple[str, ...] | None,
) -> pd.DataFrame:
    dataset, _ = _load(root, fingerprint, today)
    statuses = _statuses(root, fingerprint, today, as_of)  # made by load_view before any page: a cache hit
    return trend_frame(dataset, as_of, by, agreements, parties, statuses)


@st.cache_resource(max_entries=16, show_spinner=False)
def _changes(root: str, fingerprint: str, today: date, start: date, end: date) -> list[changes.Change]:
    dataset, _ = _load(root, fingerprint, today)
    return changes.changes(dataset, start, end)


@st.cache_resource(max_entries=16, show_spinner=False)
def _timeline_marks(
    root: str, fingerprint: str, today: date, as_of: date, agreements: tuple[str, ...] | None
) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    dataset, _ = _load(root, fingerprint, today)
    statuses = {s.provision_id: s for s in _statuses(root, fingerprint, today, as_of)}
    return timeline_marks(dataset, as_of, statuses, agreements)


def timeline_marks(
    ds: Dataset, as_of: date, statuses: dict[str, ProvisionStatus], agreements: tuple[str, ...] | None
) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """The Timeline's provisions (of the agreements chosen, signed by `as_of`), its marks (one per dated
    piece of evidence and provision it bears on) and its deadline marks."""
    # Only provisions of agreements signed by the date: nothing is drawn before it exists.
    pids = [
        pid
        for pid in ds.provisions
        if (not agreements or ds.provision_agreement[pid] in agreements) and ds.agreement_of(pid).date <= as_of
    ]
    points: list[dict[str, Any]] = []
    for pid in pids:
        for item in ds.evidence_for(pid):
            e = item.evidence
            when = e.event_date
            if not isinstance(when, date) or when > as_of:  # undated: not on a time axis
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
        s = statuses.get(pid)  # None for a provision of an agreement signed after the date
        if s is not None and s.due is not None:
            deadlines.append(
                {"provision": pid, "date": s.due.date.isoformat(), "what": "deadline", "state": s.deadline_state.value}
            )
            if s.due.amendment:
                deadlines.append(
                    {
                        "provision": pid,
                        "date": s.due.original.isoformat(),
                        "what": "original deadline",
                        "state": "amended",
                    }
                )
    columns = ["provision", "date", "id", "stance", "event", "side", "caveat"]
    return (
        pids,
        pd.DataFrame(points, columns=columns),
        pd.DataFrame(deadlines, columns=["provision", "date", "what", "state"]),
    )


@dataclass(frozen=True)
class View:
    """What a page needs: the data, the date, and every status at that date."""

    dataset: Dataset
    as_of: date
    statuses: dict[str, ProvisionStatus]
    fingerprint: str

    def csv_download(self, table: str) -> Callable[[], bytes]:
        """The CSV of the `table` ("status" or "evidence") at the date, built when called (a download's
        data, built only when it is clicked). It holds the data's cache key, not this View: Streamlit
        keeps a download's callable in a structure that only the cyclic collector frees, and a View kept
        there held a date's statuses until a full collection (see the note above dated_by)."""
        return functools.partial(_table_csv, table, str(self.dataset.root), self.fingerprint, date.today(), self.as_of)

    def evidence_table(self) -> pd.DataFrame:
        """Shared between sessions: filter it into a new frame, never change it in place."""
        return _evidence_table(str(self.dataset.root), self.fingerprint, date.today(), self.as_of)

    def party_views(self) -> list[PartyView]:
        return _party_views(str(self.dataset.root), self.fingerprint, date.today(), self.as_of)

    def trend(
        self, by: str = "all", agreements: list[str] | None = None, parties: list[str] | None = None
    ) -> pd.DataFrame:
        """Provisions by status and freshness at each month end (tracker.trend), for a chart.
        Shared between sessions: never change it in place."""
        return _trend(
            str(self.dataset.root),
            self.fingerprint,
            date.today(),
            self.as_of,
            by,
            tuple(agreements) if agreements else None,
            tuple(parties) if parties else None,
        )

    def timeline_marks(self, agreements: list[str]) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
        """The Timeline's provisions, marks and deadline marks (ui.timeline_marks), shared between sessions:
        never change them in place."""
        return _timeline_marks(
            str(self.dataset.root),
            self.fingerprint,
            date.today(),
            self.as_of,
            tuple(agreements) if agreements else None,
        )

    def changes(self, start: date) -> list[changes.Change]:
        """Every status change from `start` to the as-of date, newest first (tracker.changes)."""
        return _changes(str(self.dataset.root), self.fingerprint, date.today(), start, self.as_of)


def load_view(as_of: date) -> tuple[View | None, list[Problem]]:
    root = data_root()
    fingerprint = _fingerprint(root)
    today = date.today()
    dataset, problems = _load(str(root), fingerprint, today)
    if problems:
        return None, problems
    statuses = {s.provision_id: s for s in _statuses(str(root), fingerprint, today, as_of)}
    return View(dataset, as_of, statuses, fingerprint), []


def show_problems(problems: list[Problem]) -> None:
    """The same located messages as `tracker validate`, as text, instead of any page content."""
    files = len({p.file for p in problems})
    st.error(
        f"The data has {len(problems)} problem(s) in {files} file(s), so no status is shown. "
        "Fix them in the YAML files (the same list as `tracker validate` prints); "
        "this page reloads the data on the next interaction."
    )
    st.code("\n".join(str(p) for p in problems), language=None, wrap_lines=True)


def show_error(exc: BaseException, what: str = "Nothing was saved") -> None:
    """The one message component for an error of the library: a sentence, and the located problems
    of an InvalidData as text (the same lines as the CLI prints). Never a traceback."""
    from tracker.errors import InvalidData, message_of

    if isinstance(exc, InvalidData):
        st.error(esc(f"{what}: the data would not validate ({len(exc.problems)} problem(s))."))
        st.code(clean_output("\n".join(str(p) for p in exc.problems)), language=None, wrap_lines=True)
    else:
        st.error(esc(f"{what}: {message_of(exc)}"))


def current() -> View:
    """The view set up by app.py for this run; a page stops here when the data is invalid."""
    view = st.session_state.get("_view")
    if view is None:
        show_problems(st.session_state.get("_problems", []))
        st.stop()
    return view


def page(name: str) -> Page:
    """A page registered by app.py, for links and switching."""
    return st.session_state["_pages"][name]


def table_opening_provisions(
    table: pd.DataFrame, provision_of: Callable[[pd.Series], str], **dataframe_args: Any
) -> None:
    """A table in which a click on any cell of a row opens the provision `provision_of(row)`. The
    as-of date goes along by itself: its widget, bound to the URL, is on every page (and may not be
    set here)."""
    selection = st.dataframe(table, on_select="rerun", selection_mode="single-cell", **dataframe_args)
    chosen = selection.selection if selection else None
    picked = list(chosen.rows) if chosen else []
    if chosen and not picked and chosen.cells:
        picked = [chosen.cells[0][0]]
    if picked:
        pid = provision_of(table.iloc[picked[0]])
        st.switch_page(page("provision"), query_params={"id": pid})


def filter_choice(where: Any, label: str, options: Any, key: str, placeholder: str, **extra: Any) -> list[Any]:
    """A multiselect filter kept in the URL (so a filtered page is a link); nothing chosen means all."""
    return where.multiselect(label, options, key=key, bind="query-params", placeholder=placeholder, **extra)


def date_filter(
    where: Any, label: str, value: date, key: str, view: View, lowest: date = EARLIEST, **extra: Any
) -> date:
    """A date filter kept in the URL, from `lowest` to the as-of date (nothing after it exists yet)."""
    return where.date_input(
        label,
        value=value,
        min_value=lowest,
        max_value=view.as_of,
        key=key,
        format="YYYY-MM-DD",
        bind="query-params",
        **extra,
    )


def freshness(s: ProvisionStatus) -> str:
    """Beside a status: '' when fresh, else why it is stale (tracker/present.py)."""
    return present.freshness(s)


def status_cell(s: ProvisionStatus) -> str:
    """The status in one table cell: symbol and words, since when, '*' when assessed, '⌛' when stale."""
    cell = badge(s.status) + (present.ASSESSED_MARK if s.assessment else "")
    cell += f" since {s.since}" if s.since else ""
    return cell + (" · stale" if s.stale else "")  # no ⌛ in the grid: canvas fonts often lack it


def lineage_lines(view: View, pids: list[str], escape: Callable[[object], str] = esc) -> list[str]:
    """'nov2020-9a superseded by wash2025-3 (wash2025) from 2025-08-08; contested by Russia from ...' for
    each supersession in effect at the as-of date (ProvisionStatus.superseded_by), escaped for markdown
    (esc) or, with `escape=h`, for HTML."""
    name = view.dataset.actor_name
    return [
        f"{escape(pid)} {escape(present.supersession_phrase(sup, name))}"
        + (f" — {escape(sup.note)}" if sup.note else "")
        for pid in pids
        if pid in view.statuses
        for sup in view.statuses[pid].superseded_by
    ]


def provision_label(view: View, pid: str) -> str:
    p = view.dataset.provisions[pid]
    return f"{pid} — {p.title}"


_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'\u201d\u2019)\]]*\s+|\n+")


def quote_context(text: str, start: int, end: int, sentences: int = 1, reach: int = 600) -> tuple[str, str, str]:
    """The quote inside its sentence and `sentences` sentences either side: (before, quote, after)."""
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    starts = [m.end() for m in _BOUNDARY.finditer(text, lo, start)]
    i = len(starts) - 1 - sentences
    first = starts[i] if i >= 0 else lo
    ends = [m.start() for m in _BOUNDARY.finditer(text, end, hi)]
    last = ends[sentences] if len(ends) > sentences else hi
    before = ("…" if first == lo and lo > 0 else "") + text[first:start]
    after = text[end:last] + ("…" if last == hi and hi < len(text) else "")
    return before, text[start:end], after
