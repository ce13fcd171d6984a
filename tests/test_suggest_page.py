"""The Add evidence page (dashboard/views/suggest.py): the in-force date it uses, said on the page,
and the second stance shown beside the first when the first is under 60%."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from .helpers import REPO

APP = REPO / "dashboard" / "app.py"

ARTICLE = (
    "The border commission on delimitation and demarcation of the state border met in Moscow. "
    "Humanitarian matters remain a priority for everyone involved."
)


def open_page(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_ROOT", str(REPO))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("views/suggest.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def captions(at: AppTest) -> str:
    """The captions as shown (markdown escapes removed)."""
    return " ".join(c.value.replace("\\", "") for c in at.caption)


def proposed_ids(at: AppTest) -> set[str]:
    return {pid for frame in at.dataframe if "provision" in frame.value.columns for pid in frame.value["provision"]}


@pytest.mark.parametrize(("published", "sochi"), [(date(2021, 6, 1), False), (date(2022, 6, 1), True)])
def test_the_page_proposes_only_provisions_in_force_on_the_date_given(
    monkeypatch: pytest.MonkeyPatch, published: date, sochi: bool
) -> None:
    at = open_page(monkeypatch)
    at.text_area(key="suggest_text").input(ARTICLE).run()
    at.date_input(key="suggest_published").set_value(published).run()
    assert not at.exception
    assert f"in force on {published.isoformat()} (the publication date given)" in captions(at)
    assert any(p.startswith("sochi2021") for p in proposed_ids(at)) == sochi


def test_the_page_says_it_uses_today_without_a_date_and_shows_the_stance_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page(monkeypatch)
    at.text_area(key="suggest_text").input(ARTICLE).run()
    assert f"in force on {date.today().isoformat()} (today" in captions(at)
    frames = [f.value for f in at.dataframe if "provision" in f.value.columns]
    assert frames and all({"stance guess", "confidence", "or", "its confidence"} <= set(f.columns) for f in frames)
    for f in frames:
        shown = f["or"] != ""
        assert (f.loc[shown, "confidence"] < 0.6).all() and (f.loc[~shown, "confidence"] >= 0.6).all()
