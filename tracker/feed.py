"""The changes as an Atom feed (RFC 4287), so that a reader can subscribe to a provision, an
agreement or everything. Built with ElementTree, which escapes every text and attribute: nothing from
the data reaches the XML unescaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import date
from urllib.parse import quote, urlencode

from .changes import Change
from .present import STATUS_LABELS
from .store import Dataset

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry even escaped (C0 controls but tab, line feed, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEED_ID = "tag:accord-tracker.invalid,2020:changes"  # a tag URI: stable, and never dereferenced


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _label(status: object) -> str:
    return STATUS_LABELS[status] if status is not None else "listed"  # type: ignore[index]  # a Status when not None


def title(dataset: Dataset, change: Change) -> str:
    """One line: 'nov2020-6c Lachin corridor: implemented → disputed'."""
    p = dataset.provisions[change.provision_id]
    move = f"{_label(change.old)} → {_label(change.new)}" if change.old is not None else f"listed: {_label(change.new)}"
    return f"{change.provision_id} {p.title}: {move}"


def because(dataset: Dataset, change: Change, name: Callable[[str], str] | None = None) -> str:
    """Why, in one sentence: the assessment, or the claims with claimant, side, stance and date."""
    name = name or dataset.actor_name
    if not change.causes:
        if change.old is None:
            return f"The agreement ({change.agreement_id}) was signed on {change.date.isoformat()}."
        return "No claim: the rules give this status without evidence."
    parts = []
    for c in change.causes:
        if c.kind == "assessment":
            parts.append(f"assessment {c.id} by {c.claimant} ({c.date.isoformat()})")
        else:
            side = name(c.side) if c.side else "?"
            parts.append(f"{c.id} ({c.kind}; {c.claimant}, {side}: {c.stance}, {c.date.isoformat()})")
    return "Rests on " + "; ".join(parts) + "."


def atom(
    dataset: Dataset,
    found: Sequence[Change],
    *,
    updated: date,
    title_text: str = "Accord Tracker: status changes",
    link: str | None = None,
    link_for: Callable[[Change], str | None] | None = None,
) -> bytes:
    """An Atom document (UTF-8 bytes) with one entry per change, in the order given. `updated` is the
    feed's date (the end of the period); `link` the page it mirrors, `link_for` a page per change."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = FEED_ID
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _clean(title_text)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(max([updated, *(c.date for c in found)]))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Accord Tracker"
    if link:
        ET.SubElement(feed, f"{{{ATOM}}}link", href=link, rel="alternate")
    for change in found:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{FEED_ID}:{quote(change.key, safe='/')}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _clean(title(dataset, change))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(change.date)
        ET.SubElement(entry, f"{{{ATOM}}}category", term=change.agreement_id)
        ET.SubElement(entry, f"{{{ATOM}}}category", term=change.provision_id)
        target = link_for(change) if link_for else None
        if target:
            ET.SubElement(entry, f"{{{ATOM}}}link", href=target, rel="alternate")
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = _clean(because(dataset, change))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)


def dashboard_link(base: str, change: Change) -> str:
    """The dashboard's provision page for a change, at the change's date."""
    query = urlencode({"id": change.provision_id, "as_of": change.date.isoformat()})
    return f"{base.rstrip('/')}/provision?{query}"
