"""The dashboard's share of issue 12: a Save that fails says why in a sentence, a visitor cannot
write unless editing is switched on, and data shown in tooltips and captions stays text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker import add
from tracker.errors import FileChanged

from .helpers import REPO

APP = REPO / "dashboard" / "app.py"


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    def start(root: Path, page: str | None = None, *, edit: bool = True) -> AppTest:
        monkeypatch.setenv("TRACKER_ROOT", str(root))
        if edit:
            monkeypatch.setenv("ACCORD_TRACKER_EDIT", "1")
        else:
            monkeypatch.delenv("ACCORD_TRACKER_EDIT", raising=False)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield start


def test_save_shows_a_sentence_when_the_file_changed_meanwhile(
    open_app: Callable[..., AppTest], data_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def changed(*args: object, **kwargs: object) -> list[str]:
        raise FileChanged(data_root / "evidence" / "x.yaml", "changed on disk")

    monkeypatch.setattr(add, "add_evidence_items", changed)
    at = open_app(data_root, page="views/suggest.py")
    at.radio(key="suggest_mode").set_value("A stored article").run()
    accept = [c for c in at.checkbox if c.key and c.key.startswith("accept_")]
    assert accept, "the stored article should have a passage to accept"
    accept[0].check().run()
    i = accept[0].key.removeprefix("accept_")
    at.text_input(key=f"claimant_{i}").input("Someone")
    at.selectbox(key=f"side_{i}").set_value("russia")
    from datetime import date

    at.date_input(key=f"date_{i}").set_value(date(2021, 1, 1))
    at.button(key="suggest_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and "changed on disk since it was read" in at.error[0].value
