"""The caches behind fast re-validation and fast statuses, and proof that they never serve stale data.

- store: each file's parse and validation is kept, keyed by its path and working directory, and used
  only when the file's bytes have the same BLAKE2b digest; where each quote was found in each text
  is kept by quote and digest of the text. Each load replaces both with what it used.
- status: each provision's timeline is kept on the dataset, for the very provision, agreement and
  evidence list it was made from.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import status, store
from tracker.problems import display_path
from tracker.store import Dataset, load
from tracker.timelines import Columns

from .helpers import REPO, TODAY, D, edit

EVIDENCE = "evidence/russian-ministers-visit.yaml"
ARTICLE = "evidence/articles/000_6b2447b7a3177c8d.txt"


def snapshot(root: Path) -> tuple[list[str], dict[str, tuple[object, ...]]]:
    """What a load says: every problem, and every piece of evidence with what matters about it."""
    dataset, problems = load(root, today=TODAY)
    evidence = {
        i: (
            item.evidence,
            item.span,
            str(item.where),
            dataset.where.get(("evidence", i)),
        )
        for i, item in {**dataset.evidence, **dataset.unconfirmed}.items()
    }
    return [str(p) for p in problems], evidence


def same_size_same_mtime(path: Path, old: str, new: str) -> None:
    """Edit `path` so that neither its size nor its modification time changes."""
    assert len(old.encode()) == len(new.encode())
    before = path.stat()
    edit(path, old, new)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


# --------------------------------------------------------------------------- only what changed is parsed


def test_loading_again_parses_nothing_and_gives_the_same_answer(data_root: Path, parses: list[str]):
    first = snapshot(data_root)
    assert len(parses) == len(store.data_files(data_root))
    parses.clear()
    assert snapshot(data_root) == first
    assert parses == []


def test_after_one_file_changed_only_that_file_is_parsed(data_root: Path, parses: list[str]):
    snapshot(data_root)
    parses.clear()
    edit(data_root / EVIDENCE, "    stance: implemented", "    stance: implemnted")
    found, _ = snapshot(data_root)
    assert parses == ["russian-ministers-visit.yaml"]
    assert len(found) == 1 and "'implemnted' is not a valid stance" in found[0]


def test_an_edit_that_keeps_size_and_mtime_is_seen(data_root: Path, parses: list[str]):
    # The cache is keyed by content: an mtime-and-size key would serve the old date here.
    path = data_root / EVIDENCE
    _, before = snapshot(data_root)
    line = next(ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("    event_date: 2020-"))
    changed = line.replace("2020-", "2021-")
    same_size_same_mtime(path, line, changed)
    parses.clear()
    _, after = snapshot(data_root)
    assert parses == ["russian-ministers-visit.yaml"]
    assert before != after
    moved = [i for i in after if before[i][0] != after[i][0]]
    assert len(moved) == 1 and str(after[moved[0]][0].event_date).startswith("2021-")  # type: ignore[attr-defined]


def test_an_article_edit_that_keeps_size_and_mtime_is_seen(data_root: Path):
    # Where a quote was found is cached by the digest of the article's bytes, not by its path or time.
    article = data_root / ARTICLE
    assert snapshot(data_root)[0] == []
    text = article.read_text(encoding="utf-8")
    assert "Shoygu stated that" in text
    same_size_same_mtime(article, "Shoygu stated that", "Shoygu sTated that")
    found = snapshot(data_root)[0]
    assert len(found) == 1 and "quote not found in" in found[0] and "sTated" in found[0]


def test_a_file_that_breaks_and_is_mended_is_reported_then_not(data_root: Path, parses: list[str]):
    path = data_root / EVIDENCE
    original = path.read_bytes()
    clean = snapshot(data_root)
    path.write_bytes(original + b"  - id: [unclosed\n")
    assert any("YAML syntax error" in p for p in snapshot(data_root)[0])
    path.write_bytes(original)
    parses.clear()
    assert snapshot(data_root) == clean
    assert parses == ["russian-ministers-visit.yaml"]


def test_deleted_and_added_files_are_seen(data_root: Path):
    path = data_root / EVIDENCE
    with_it = snapshot(data_root)[1]
    copy = path.read_bytes()
    path.unlink()
    without = snapshot(data_root)[1]
    assert set(with_it) - set(without) and set(without) < set(with_it)
    (data_root / "evidence" / "renamed.yaml").write_bytes(copy)
    found, back = snapshot(data_root)
    assert found == [] and set(back) == set(with_it)
    assert all("renamed.yaml" in back[i][2] for i in set(with_it) - set(without))


def test_the_same_bytes_at_another_path_are_parsed_for_that_path(data_root: Path):
    path = data_root / EVIDENCE
    snapshot(data_root)
    twin = data_root / "evidence" / "zz-twin.yaml"
    shutil.copyfile(path, twin)
    found = snapshot(data_root)[0]
    assert found and all("duplicate" in p for p in found)
    assert any(p.startswith(display_path(twin)) for p in found)
    assert any(p.startswith(display_path(path)) for p in found)


def test_problems_name_files_from_the_current_working_directory(data_root: Path, monkeypatch: pytest.MonkeyPatch):
    edit(data_root / EVIDENCE, "    stance: implemented", "    stance: implemnted")
    monkeypatch.chdir(data_root.parent)
    (first,) = snapshot(data_root)[0]
    assert first.startswith("data/evidence/russian-ministers-visit.yaml:")
    monkeypatch.chdir(data_root)
    (second,) = snapshot(data_root)[0]
    assert second.startswith("evidence/russian-ministers-visit.yaml:")


def test_the_cache_holds_only_the_files_of_the_last_root(data_root: Path, tmp_path: Path):
    other = tmp_path / "other"
    shutil.copytree(data_root, other)
    load(data_root, today=TODAY)
    assert {Path(p) for p, _cwd in store.CACHE.files} == set(store.data_files(data_root))
    load(other, today=TODAY)
    assert {Path(p) for p, _cwd in store.CACHE.files} == set(store.data_files(other))


def test_a_problem_found_later_is_placed_exactly_in_a_cached_file(data_root: Path):
    # Cached files keep only the places of items and ids; any other place is found again from the
    # bytes that were parsed. A reference broken in another file must still point at the right spot.
    path = data_root / EVIDENCE
    expected = snapshot(data_root)
    assert expected[0] == []
    nov = data_root / "provisions" / "nov-2020.yaml"
    edit(nov, "  - id: nov2020-3\n", "  - id: nov2020-3x\n")
    found = snapshot(data_root)[0]
    text = path.read_text(encoding="utf-8")
    offset = text.index("nov2020-3", text.index("evidence:"))
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    assert f"{display_path(path)}:{line}:{column}: unknown provision 'nov2020-3'" in "\n".join(found)


# --------------------------------------------------------------------------- property: warm == cold


EDITS = [
    ("    stance: implemented", "    stance: violated"),
    ("    stance: implemented", "    stance: implemnted"),
    ("    side: russia", "    side: rusia"),
    ("    event_date: 2020-11-22", "    event_date: 2020-11-23"),
    ("    event_date: 2020-11-22", "    event_date: 2019-11-22"),
    ("  - id: E001", "  - id: E002"),
    ("evidence:\n", "evidence:\n  - id: [\n"),
    ('    quote: "Shoygu', '    quote: "Shoigu'),
    ("source:\n", "source:\n  title: twice\n"),
]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(EDITS), st.booleans(), st.booleans()), min_size=1, max_size=6))
def test_a_warm_load_always_says_what_a_cold_load_says(tmp_path_factory: pytest.TempPathFactory, steps):
    root = tmp_path_factory.mktemp("data")
    for sub in ("provisions", "evidence"):
        shutil.copytree(REPO / sub, root / sub, dirs_exist_ok=True)
    path = root / EVIDENCE
    original = path.read_bytes()
    for (old, new), keep_time, revert in steps:
        text = path.read_text(encoding="utf-8")
        if revert:
            path.write_bytes(original)
        elif old in text:
            before = path.stat()
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            if keep_time:  # the worst case for a cache that trusted modification times
                os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        warm = snapshot(root)
        store.clear_cache()
        assert warm == snapshot(root)


# --------------------------------------------------------------------------- status timelines


def test_a_status_as_of_a_date_ignores_all_later_evidence(scenario):
    # The timeline is built from all the evidence once; the status at a date must be exactly the status
    # of a dataset that holds only the evidence known by then.
    claims = [
        ("E1", "2020-02-01", "east", "progress"),
        ("E2", "2020-02-01", "west", "stalled"),
        ("E3", "2020-03-05", "east", "implemented", "on-or-before"),
        ("E4", "2020-03-20", "west", "disputed"),
        ("E5", "2020-05-01", "west", "implemented"),
        ("E6", "2020-05-01", "east", "context"),
        ("E7", "unknown", "east", "violated"),
    ]
    for obligation in ("one-off", "ongoing"):
        full = scenario(claims, obligation=obligation)
        day = D("2020-01-01")
        while day < D("2020-06-30"):
            known = [c for c in claims if c[1] == "unknown" or D(c[1]) <= day]
            assert status.provision_status(full, "p", day) == status.provision_status(
                scenario(known, obligation=obligation), "p", day
            ), (obligation, day)
            assert status.derived_history(full, "p", day) == status.derived_history(
                scenario(known, obligation=obligation), "p", day
            )
            day += timedelta(days=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claims=st.lists(
        st.tuples(
            st.dates(min_value=date(2019, 12, 1), max_value=date(2020, 12, 31)),
            st.sampled_from(["east", "west", "media"]),
            st.sampled_from(["implemented", "progress", "stalled", "disputed", "violated", "context"]),
        ),
        max_size=25,
    ),
    obligation=st.sampled_from(["one-off", "ongoing"]),
    day=st.dates(min_value=date(2019, 12, 1), max_value=date(2021, 3, 1)),
)
def test_any_status_equals_the_status_from_the_evidence_known_at_that_date(scenario, claims, obligation, day):
    numbered = [(f"E{n:02d}", d.isoformat(), side, stance) for n, (d, side, stance) in enumerate(claims)]
    full = scenario(numbered, obligation=obligation)
    known = scenario([c for c in numbered if D(c[1]) <= day], obligation=obligation)
    assert status.provision_status(full, "p", day) == status.provision_status(known, "p", day)
    assert status.status_history(full, "p", day) == status.status_history(known, "p", day)


def test_a_replaced_provision_gets_a_new_timeline(scenario):
    ds: Dataset = scenario([("E1", "2020-02-01", "east", "implemented"), ("E2", "2020-03-01", "west", "progress")])
    assert status.provision_status(ds, "p", D("2020-06-30")).status.value == "implemented"  # one-off: stays done
    ds.provisions["p"] = ds.provisions["p"].model_copy(update={"obligation": "ongoing"})
    assert status.provision_status(ds, "p", D("2020-06-30")).status.value == "in-progress"  # ongoing: the latest


def test_timelines_live_on_the_dataset_and_loading_again_starts_afresh(data_root: Path):
    first, _ = load(data_root, today=TODAY)
    status.all_statuses(first, D("2021-06-30"))
    assert Columns in first._timelines
    second, _ = load(data_root, today=TODAY)
    assert Columns not in second._timelines  # only the evidence columns the loader filled
    assert status.all_statuses(second, D("2021-06-30")) == status.all_statuses(first, D("2021-06-30"))
