"""The dashboard's share of issue 12: a Save that fails says why in a sentence, a visitor cannot
write unless editing is switched on, and data shown in tooltips and captions stays text."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker import add
from tracker.errors import FileChanged

from .helpers import REPO, open_dashboard


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    return functools.partial(open_dashboard, monkeypatch)


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


ARTICLE = (
    "Azerbaijani troops entered the Kalbajar district on 25 November, the Defence Ministry said. "
    "The weather in Baku was mild all week."
)


def test_the_dashboard_is_read_only_unless_editing_is_switched_on(open_app: Callable[..., AppTest], data_root: Path):
    before = sorted(p.name for p in (data_root / "evidence").rglob("*"))
    at = open_app(data_root, page="views/suggest.py", edit=False)
    at.text_area(key="suggest_text").input(ARTICLE).run()
    assert "passages bear on a provision" in " ".join(s.value for s in at.subheader)  # still readable
    keys = {w.key for w in [*at.button, *at.checkbox, *at.text_input, *at.date_input]}
    assert "suggest_save" not in keys and not any(str(k).startswith("accept_") for k in keys)
    assert any("read-only" in i.value for i in at.info)
    assert sorted(p.name for p in (data_root / "evidence").rglob("*")) == before


def test_a_pasted_article_is_capped(open_app: Callable[..., AppTest], data_root: Path):
    at = open_app(data_root, page="views/suggest.py")
    at.text_area(key="suggest_text").input("word " * 120_000).run()  # 600,000 characters: over the cap
    assert at.error and "at most" in at.error[0].value
    assert not at.subheader


def test_a_pasted_article_is_stored_only_with_a_saved_passage(open_app: Callable[..., AppTest], data_root: Path):
    from datetime import date

    articles = data_root / "evidence" / "articles"
    before = sorted(p.name for p in articles.iterdir())
    at = open_app(data_root, page="views/suggest.py")
    at.text_area(key="suggest_text").input(ARTICLE).run()
    at.checkbox(key="accept_0").check().run()
    at.text_input(key="suggest_title").input("Troops enter Kalbajar")
    at.text_input(key="suggest_outlet").input("Test Wire")
    at.date_input(key="suggest_published").set_value(date(2020, 11, 26))
    at.text_input(key="claimant_0").input("Test Wire defence correspondent")
    at.selectbox(key="side_0").set_value("azerbaijan")
    at.date_input(key="date_0").set_value(date(2020, 6, 1))  # before the agreement: the passage is refused
    at.button(key="suggest_save").click().run()
    assert not at.exception
    assert at.error and "would not validate" in at.error[0].value
    assert sorted(p.name for p in articles.iterdir()) == before  # the article was not stored either


def test_a_short_title_in_the_filter_help_stays_text(open_app: Callable[..., AppTest], data_root: Path):
    from .helpers import edit

    path = data_root / "provisions" / "nov-2020.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("  short_title:"))
    edit(path, line, '  short_title: "![x](https://example.invalid/x.png) [click](https://example.invalid)"')
    at = open_app(data_root, page="views/overview.py")
    help_text = next(m.help for m in at.multiselect if m.key == "agreement")
    assert "![x](" not in help_text and "](https" not in help_text
    assert "\\!\\[x\\]" in help_text


def test_streamlit_listens_on_this_machine_only():
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


@pytest.mark.parametrize("text", ["see https://example.invalid/x now", "www.example.invalid", "mail a@b.example"])
def test_bare_urls_in_data_are_not_auto_linked(text: str, monkeypatch: pytest.MonkeyPatch):
    """Markdown (GFM) turns a bare 'https://…', 'www.…' or e-mail address into a link; escaped, none matches."""
    import importlib
    import sys

    monkeypatch.syspath_prepend(str(REPO / "dashboard"))
    ui = importlib.import_module("ui")
    escaped = ui.esc(text)
    assert "://" not in escaped and "www." not in escaped and "b.example" not in escaped
    del sys.modules["ui"]
