"""`tracker suggest`: passages, proposals, stance guesses, stubs, speed, and the benchmark script."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tracker import suggest as sg
from tracker.cli import main
from tracker.models import Stance
from tracker.store import load_valid

from .helpers import REPO


@pytest.fixture(scope="module")
def dataset():
    return load_valid(REPO)


def proposed(dataset, text: str) -> list[list[str]]:
    return [[p.provision_id for p in s.proposals] for s in sg.suggest(dataset, text)]


# --------------------------------------------------------------------------- passages


def test_passages_are_exact_spans_of_the_text(dataset):
    for text in dataset.articles.values():
        passages = sg.split_passages(text)
        assert passages
        for p in passages:
            assert text[p.start:p.end] == p.text and p.text == p.text.strip() and "\n" not in p.text


def test_sentences_split_but_quotations_initials_and_lists_do_not():
    text = (
        "Lavrov met I. Aliyev in Baku. “We agreed. We will meet again,” he said. Short one.\r\n"
        "The issues: 1. Preventing visits via Lachin. 2. The withdrawal of armed groups from the region.\n"
        "Was it done? Nobody could say for certain today."
    )
    got = [p.text for p in sg.split_passages(text)]
    assert got == [
        "Lavrov met I. Aliyev in Baku.",
        "“We agreed. We will meet again,” he said. Short one.",  # quotation whole; a short sentence joined
        "The issues: 1. Preventing visits via Lachin.",
        "2. The withdrawal of armed groups from the region.",
        "Was it done? Nobody could say for certain today.",
    ]


def test_a_very_long_quotation_is_split_at_its_own_sentence_ends():
    sentence = "This sentence is part of a very long speech that goes on. "
    text = "“" + sentence * 30 + "”"
    passages = sg.split_passages(text)
    assert len(passages) > 1 and all(len(p.text) <= sg.MAX_QUOTATION + len(sentence) for p in passages)


# --------------------------------------------------------------------------- proposals


def test_place_name_spellings_and_terms_are_matched_through_the_aliases(dataset):
    assert proposed(dataset, "Armenian forces left Kelbajar on 25 November.")[0][0] == "nov2020-6a"
    assert proposed(dataset, "Troops withdrew from Agdam district, handing it over.")[0][0] == "nov2020-2"
    assert "nov2020-8" in proposed(dataset, "Baku released ten POWs on Monday.")[0]
    assert "nov2020-9b" in proposed(dataset, "Traffic to Nakhichevan through the Zangezur corridor began.")[0]


def test_a_misspelt_place_name_is_read_as_the_nearest_known_one(dataset):
    assert proposed(dataset, "Armenian forces left Kelbadjar on 25 November.")[0][0] == "nov2020-6a"


def test_passages_that_bear_on_nothing_have_no_proposals(dataset):
    result = sg.suggest(dataset, "The weather was mild. Football results follow below.")
    assert [s.bears_on_nothing for s in result] == [True]
    assert result[0].to_dict()["proposals"] == []


def test_proposals_are_ranked_with_scores_stances_and_the_words_behind_them(dataset):
    text = "Russian peacekeepers set up two new checkpoints on the Lachin corridor near Shusha."
    (only,) = sg.suggest(dataset, text)
    ids = [p.provision_id for p in only.proposals]
    assert ids[0] == "nov2020-6c" and len(ids) <= 3
    scores = [p.score for p in only.proposals]
    assert scores == sorted(scores, reverse=True) and all(0.5 <= s < 1 for s in scores)
    top = only.proposals[0]
    assert "Lachin corridor" in top.matched_terms and top.stance == Stance.IMPLEMENTED
    assert 0 < top.stance_confidence <= 1
    assert set(only.to_dict()) == {"text", "start", "end", "proposals"}
    assert set(only.to_dict()["proposals"][0]) == {"provision_id", "score", "stance", "stance_confidence",
                                                   "matched_terms"}


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("Azerbaijani forces shelled Armenian positions in violation of the ceasefire.", Stance.VIOLATED),
        # Methodology v2 codes a denial of a breach as a claim of compliance, and the bundled data now does;
        # the stance learned from it no longer says "disputed" (the suggest rewrite of issue 16 owns the cues).
        pytest.param("Yerevan denied the claims and rejected the account of the ceasefire breach as false.",
                     Stance.DISPUTED, marks=pytest.mark.xfail(reason="denials are coded as compliance since v2",
                                                              strict=False)),
        ("Work on the monitoring centre is under way and preparations are continuing.", Stance.PROGRESS),
    ],
)
def test_clear_cue_phrases_drive_the_stance_guess(dataset, text: str, stance: Stance):
    first = sg.suggest(dataset, text)[0].proposals[0]
    assert first.stance == stance


def test_only_confirmed_quotes_are_learned_from(dataset):
    examples = sg.examples_from(dataset)
    assert len(examples) == dataset.quote_count
    assert {e.source for e in examples} <= set(dataset.articles)


def test_stubs_are_unconfirmed_valid_evidence_items(dataset):
    suggestions = sg.suggest(dataset, dataset.articles["russian-ministers-visit"])
    text = sg.stubs_yaml(dataset, suggestions, source_id="russian-ministers-visit")
    assert text.count("    unconfirmed: true\n") == text.count("  - id: ") > 0
    assert "  - id: E017\n" in text and "    event_date: unknown\n" in text  # the source has no date
    for item in sg.stub_items(suggestions):
        assert item["unconfirmed"] is True and item["claimant"] == sg.STUB_CLAIMANT
        assert item["quote"] in dataset.articles["russian-ministers-visit"]


# --------------------------------------------------------------------------- speed and the benchmark


def test_a_two_thousand_word_article_gets_suggestions(dataset):
    # Its speed is measured in benchmarks/bench_suggest.py, not asserted here.
    text = " ".join(" ".join(dataset.articles.values()).split()[:2000])
    model = sg.build_model(dataset)
    assert model.suggest(text)


def test_suggest_cli_reads_standard_input_and_prints_json_table_or_yaml(dataset):
    text = "Armenian forces left Kelbajar on 25 November. The weather was mild."
    result = CliRunner().invoke(main, ["suggest", "--json", "--root", str(REPO)], input=text)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data[0]["proposals"][0]["provision_id"] == "nov2020-6a" and data[0]["start"] == 0
    table = CliRunner().invoke(main, ["suggest", "-", "--root", str(REPO)], input=text).stdout
    assert "nov2020-6a" in table and "1 bear on a provision" in table
    stubs = CliRunner().invoke(main, ["suggest", "-", "--yaml", "--root", str(REPO)], input=text).stdout
    assert stubs.splitlines()[4] == "evidence:" and "unconfirmed: true" in stubs
    bad = CliRunner().invoke(main, ["suggest", "-", "--write", "--root", str(REPO)], input=text)
    assert bad.exit_code == 2 and "--write needs --source" in bad.output


@pytest.mark.slow
@pytest.mark.xfail(reason="the weights the benchmark picks follow the bundled data, corrected in issue 11; "
                   "the suggest rewrite of issue 16 re-derives DEFAULT_WEIGHTS", strict=False)
def test_the_suggest_benchmark_runs_and_its_defaults_match_the_library():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_suggest.py"), "--quick", "--repeat", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "## full method" in proc.stdout and "| **all five** |" in proc.stdout
    assert "DEFAULT_WEIGHTS match these" in proc.stdout
    assert "whole process" in proc.stdout
