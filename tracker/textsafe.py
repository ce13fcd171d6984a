"""Text from the data or from an article, made harmless before it reaches a terminal: control
characters (C0 other than tab and line feed, DEL, C1; ESC among them) would let a stored article
or a crafted value move the cursor, recolour the screen or rewrite what was printed before."""

from __future__ import annotations

import re

# C0 except tab (09) and line feed (0A), DEL, and C1 (80-9F).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def clean_output(text: str) -> str:
    """`text` with each control character shown as its escape (ESC -> '\\x1b'), so nothing is hidden."""
    if not CONTROL.search(text):
        return text
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
