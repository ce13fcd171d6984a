"""`tracker suggest`: passages, proposals, stance guesses, stubs, speed, and the benchmark script."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from click.testing import CliRunner

from tracker import suggest as sg
from tracker.cli import main
from tracker.models import Stance
from tracker.store import load, load_valid

from .helpers import REPO

FIXTURES = REPO / "tests" / "fixtures"


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
            assert text[p.start : p.end] == p.text and p.text == p.text.strip() and "\n" not in p.text


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
    assert ids[0] == "nov2020-6c" and len(ids) <= 3, ids
    scores = [p.score for p in only.proposals]
    assert scores == sorted(scores, reverse=True) and all(0.5 <= s < 1 for s in scores)
    top = only.proposals[0]
    assert "Lachin corridor" in top.matched_terms and top.stance == Stance.IMPLEMENTED, (top.matched_terms, top.stances)
    assert 0 < top.stance_confidence <= 1
    assert set(only.to_dict()) == {"text", "start", "end", "proposals"}
    assert set(only.to_dict()["proposals"][0]) == {
        "provision_id",
        "score",
        "stance",
        "stance_confidence",
        "second_stance",
        "matched_terms",
    }


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("Azerbaijani forces shelled Armenian positions in violation of the ceasefire.", Stance.VIOLATED),
        ("Work on the monitoring centre is under way and preparations are continuing.", Stance.PROGRESS),
    ],
)
def test_clear_cue_phrases_drive_the_stance_guess(dataset, text: str, stance: Stance):
    first = sg.suggest(dataset, text)[0].proposals[0]
    assert first.stance == stance


def test_everything_labelled_is_learned_from_and_unconfirmed_suggestions_never(dataset):
    examples = sg.examples_from(dataset)
    assert len(examples) == len(dataset.evidence)
    assert {e.kind for e in examples} == {"quote", "event"}
    unconfirmed = {item.evidence.quote for item in dataset.unconfirmed.values()}  # type: ignore[union-attr]
    assert not unconfirmed & {e.text for e in examples}


def test_a_new_labelled_item_teaches_the_next_suggestion(dataset):
    text = "Inspectors from the zorblat quorvex commission visited the site."
    assert "nov2020-5" not in proposed(dataset, text)[0]
    taught = sg.examples_from(dataset) + [
        sg.Example(
            f"The zorblat quorvex commission {verb} its work.", ("nov2020-5",), Stance.PROGRESS, f"X{i}", kind="event"
        )
        for i, verb in enumerate(("began", "continued"))
    ]
    model = sg.build_model(dataset, examples=taught)
    first = model.suggest(text)[0].proposals[0]
    assert first.provision_id == "nov2020-5" and "zorblat" in first.matched_terms


def test_the_model_is_refitted_exactly_when_what_it_learns_from_changes(dataset):
    import dataclasses

    assert sg.model_for(dataset) is sg.model_for(dataset)
    some_event = next(i for i, item in dataset.evidence.items() if item.is_event)
    fewer = dataclasses.replace(dataset, evidence={k: v for k, v in dataset.evidence.items() if k != some_event})
    assert sg.digest(fewer) != sg.digest(dataset) and sg.model_for(fewer) is not sg.model_for(dataset)


def test_stubs_are_unconfirmed_valid_evidence_items(dataset):
    suggestions = sg.suggest(dataset, dataset.articles["russian-ministers-visit"])
    text = sg.stubs_yaml(dataset, suggestions, source_id="russian-ministers-visit")
    assert text.count("    unconfirmed: true\n") == text.count("  - id: ") > 0
    assert "  - id: E017\n" in text and "    event_date: unknown\n" in text  # the source has no date
    for item in sg.stub_items(suggestions):
        assert item["unconfirmed"] is True and item["claimant"] == sg.STUB_CLAIMANT
        assert item["quote"] in dataset.articles["russian-ministers-visit"]


# --------------------------------------------------------------------------- speed and the benchmark


def test_work_for_an_article_is_one_pass_per_passage(dataset, monkeypatch):
    """Bounded work, not a clock (speed is measured in benchmarks/bench_suggest.py): each passage is
    scored once, and the stance model is asked only about the provisions proposed."""
    text = " ".join(" ".join(dataset.articles.values()).split()[:2000])
    model = sg.build_model(dataset)
    calls = {"parts": 0, "stances": 0}
    parts, stances = model.parts, model.stances

    def count_parts(*a, **k):
        calls["parts"] += 1
        return parts(*a, **k)

    def count_stances(*a, **k):
        calls["stances"] += 1
        return stances(*a, **k)

    monkeypatch.setattr(model, "parts", count_parts)
    monkeypatch.setattr(model, "stances", count_stances)
    result = model.suggest(text)
    assert result and calls["parts"] == len(result)
    assert calls["stances"] == sum(len(s.proposals) for s in result) <= 3 * len(result)


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
def test_the_suggest_benchmark_runs_and_says_whether_its_defaults_match_the_library():
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_suggest.py"), "--quick", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    for heading in ("## leave one article out", "## leave one year out", "stance confusion", "## Speed"):
        assert heading in proc.stdout
    assert "DEFAULT_WEIGHTS" in proc.stdout and "whole process" in proc.stdout


# --------------------------------------------------------------------------- issue 16


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Baku handed over twelve Armenian detainees", {"nov2020-8"}),
        ("tents across the Lachin corridor and turned back every lorry", {"nov2020-6c", "nov2020-6e"}),
        ("troops on the two sides traded fire along the line of contact", {"nov2020-1"}),
    ],
)
def test_a_new_article_gets_the_right_provision_first_for_each_event(dataset, words: str, expected: set[str]):
    text = (FIXTURES / "suggest-new-article.txt").read_text(encoding="utf-8")
    (passage,) = [s for s in sg.suggest(dataset, text, when=date(2021, 6, 1)) if words in s.passage.text]
    assert passage.proposals and passage.proposals[0].provision_id in expected, passage.to_dict()


@pytest.mark.parametrize(
    ("words", "provision", "stance"),
    [
        # A blockade is an act contrary to the corridor clauses (methodology: `violated`), however
        # often the data's denials say "the road is open" about the same provisions.
        ("tents across the Lachin corridor and turned back every lorry", "nov2020-6c", Stance.VIOLATED),
        ("tents across the Lachin corridor and turned back every lorry", "nov2020-6e", Stance.VIOLATED),
        ("troops on the two sides traded fire along the line of contact", "nov2020-1", Stance.VIOLATED),
        # Twelve detainees handed over: a step toward the exchange of all (methodology: `progress`).
        ("Baku handed over twelve Armenian detainees", "nov2020-8", Stance.PROGRESS),
    ],
)
def test_the_new_article_s_events_get_the_methodology_s_stance(dataset, words: str, provision: str, stance: Stance):
    text = (FIXTURES / "suggest-new-article.txt").read_text(encoding="utf-8")
    (passage,) = [s for s in sg.suggest(dataset, text, when=date(2021, 6, 1)) if words in s.passage.text]
    (proposal,) = [p for p in passage.proposals if p.provision_id == provision]
    assert proposal.stance == stance, proposal.stances


@pytest.mark.parametrize(
    ("text", "batch"),
    [
        ("Azerbaijan freed 15 Armenian detainees in return for a map.", True),
        ("Two Azerbaijani servicemen held in Armenia were repatriated.", True),
        ("Baku handed over the Aghdam district on 20 November.", False),  # a district, not a batch of people
        ("Russia deployed 1,960 troops.", False),  # a deployment, not a handover
    ],
)
def test_a_batch_of_people_handed_over_is_a_cue_toward_progress(text: str, batch: bool):
    assert bool(sg.stance_cues(text)[Stance.PROGRESS]) == batch


@pytest.mark.parametrize(
    ("text", "act", "speech"),
    [
        ("The corridor reopened on Monday.", True, False),
        ("The minister said the corridor would reopen.", False, True),
        ("Ten prisoners were released, the ministry said.", True, True),
        ("Talks went on in Moscow.", False, False),
    ],
)
def test_reports_of_acts_and_of_words_are_told_apart(text: str, act: bool, speech: bool):
    from tracker.suggest.stance import act_and_speech

    assert act_and_speech(text) == (act, speech)


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("Protesters blocked the road and turned back every lorry.", True),
        ("Azerbaijan denied that the road was blocked.", False),  # a denial: compliance
        ("The corridor remained open to traffic.", False),
        ("From 10:30 the corridor was closed by protesters.", True),  # said of the route
        ("The road had been blocked since Monday.", True),
    ],
)
def test_a_reported_obstruction_is_never_guessed_implemented(dataset, text: str, reported: bool):
    from tracker.suggest.stance import reports_obstruction

    assert reports_obstruction(text) == reported
    model = sg.model_for(dataset)
    stances = dict(model.stances(text, model.reader.stems(text), "nov2020-6e"))
    assert (stances[Stance.IMPLEMENTED] == 0.0) == reported


@pytest.mark.parametrize(
    "text",
    [
        "Yerevan denied the allegations.",
        "The spokesman rejected claims from Baku that the peacekeepers were failing in their duties.",
        "Armenia said it had no troops in Karabakh.",
    ],
)
def test_a_denial_is_guessed_a_claim_of_compliance_never_context(dataset, text: str):
    """Methodology v2: a party denying a breach claims the provision is observed: neither a dispute,
    a breach, a stall nor background (only `implemented` or `progress` keep any probability)."""
    from tracker.suggest.stance import denies_breach

    assert denies_breach(text)
    model = sg.model_for(dataset)
    stances = dict(model.stances(text, model.reader.stems(text), "nov2020-4a"))
    assert all(stances[s] == 0.0 for s in (Stance.CONTEXT, Stance.DISPUTED, Stance.VIOLATED, Stance.STALLED))


def test_the_new_article_s_unrelated_paragraph_bears_on_nothing(dataset):
    text = (FIXTURES / "suggest-new-article.txt").read_text(encoding="utf-8")
    (weather,) = [s for s in sg.suggest(dataset, text, when=date(2021, 6, 1)) if "weather" in s.passage.text]
    assert weather.bears_on_nothing


@pytest.mark.parametrize(
    "text",
    [
        "Azerbaijan handed over 15 Armenian detainees in return for maps of minefields.",
        "The captives were flown home from Baku on Friday.",
        "Both sides said the hostages would be freed soon.",
        "The exchange took place at the border under Russian mediation.",
        "Eleven Armenian soldiers were repatriated on Monday.",
    ],
)
def test_words_for_prisoners_point_to_point_8(dataset, text: str):
    assert proposed(dataset, text)[0][:1] == ["nov2020-8"]


@pytest.mark.parametrize(
    "text",
    [
        "Humanitarian matters remain a priority for everyone involved.",
        "The minister spoke of return and of humanitarian needs as the first priority.",
    ],
)
def test_generic_words_alone_never_carry_a_proposal(dataset, text: str):
    assert proposed(dataset, text) == [[]]


@pytest.mark.parametrize(
    ("when", "sochi_allowed"), [(date(2021, 6, 1), False), (date(2021, 11, 26), True), (None, True)]
)
def test_only_provisions_in_force_on_the_article_s_date_are_proposed(dataset, when, sochi_allowed: bool):
    text = "The bilateral commission on delimitation and demarcation of the state border met in Moscow."
    ids = [p.provision_id for s in sg.suggest(dataset, text, when=when) for p in s.proposals]
    assert any(i.startswith("sochi2021") for i in ids) == sochi_allowed, ids
    for pid in ids:
        assert when is None or dataset.agreement_of(pid).date <= when


@pytest.mark.slow
def test_write_never_writes_a_stub_that_validation_refuses(data_root):
    """Over every stored article: `suggest --source ID --write` writes its stubs, and the data root
    still validates (an agreement signed after the article is never proposed)."""
    dataset = load_valid(data_root)
    for source_id in sorted(dataset.articles):
        result = CliRunner().invoke(main, ["suggest", "--source", source_id, "--write", "--root", str(data_root)])
        assert result.exit_code == 0, result.output
        assert "appended" in result.output or "nothing was written" in result.output, result.output
    reloaded, problems = load(data_root)
    assert problems == [] and reloaded.unconfirmed


def test_the_same_text_gets_the_same_scores_from_a_file_and_from_its_source(dataset, tmp_path):
    source_id = sorted(dataset.articles)[0]
    path = tmp_path / "article.txt"
    path.write_bytes(dataset.articles[source_id].encode("utf-8"))
    published = dataset.sources[source_id].published
    when = published.isoformat() if isinstance(published, date) else "2024-01-01"
    args = ["--json", "--date", when, "--root", str(REPO)]
    by_source = CliRunner().invoke(main, ["suggest", "--source", source_id, *args])
    by_file = CliRunner().invoke(main, ["suggest", str(path), *args])
    assert by_source.exit_code == by_file.exit_code == 0
    assert json.loads(by_source.stdout) == json.loads(by_file.stdout)


def test_the_output_says_which_date_decides_what_is_in_force():
    text = "Armenian forces left Kelbajar on 25 November."
    today = CliRunner().invoke(main, ["suggest", "-", "--root", str(REPO)], input=text)
    assert f"in force on {date.today().isoformat()} (today: give --date" in today.output
    given = CliRunner().invoke(main, ["suggest", "-", "--date", "2021-02-01", "--root", str(REPO)], input=text)
    assert "in force on 2021-02-01 (the date given)" in given.output


@pytest.mark.parametrize(
    ("text", "denial"),
    [
        ("The envoy said the claims of a blockade were groundless.", True),
        ("The minister said Armenia had no armed formations in Karabakh.", True),
        ("The ministry said it was fully complying with the statement.", True),
        ("The ministry reported a blockade of the road.", False),
        ("Claims of a new offensive spread on Monday.", False),
    ],
)
def test_denials_are_recognised_in_either_order_and_as_plain_compliance(text: str, denial: bool):
    assert sg.denies_breach(text) == denial


@pytest.mark.parametrize(
    "text",
    [
        "The defence ministry denied violating the ceasefire and called the reports of shelling false.",
        "There are no Armenian troops in Karabakh, the ministry said, rejecting the accusation.",
    ],
)
def test_a_denial_of_a_breach_is_guessed_as_compliance(dataset, text: str):
    first = sg.suggest(dataset, text)[0].proposals[0]
    assert first.stance == Stance.IMPLEMENTED, first.stances


@pytest.mark.parametrize(
    ("stances", "shown"),
    [
        (((Stance.VIOLATED, 0.81), (Stance.CONTEXT, 0.1)), "violated 81%"),
        (((Stance.CONTEXT, 0.48), (Stance.PROGRESS, 0.31)), "context 48% / progress 31%"),
    ],
)
def test_the_second_stance_is_shown_when_the_first_is_under_sixty_percent(stances, shown: str):
    p = sg.Proposal("nov2020-1", 0.7, stances[0][0], stances[0][1], ("x",), stances)
    assert p.stance_text() == shown
    second = p.to_dict()["second_stance"]
    assert (second is None) == (stances[0][1] >= sg.SHOW_SECOND_BELOW)


def test_stance_probabilities_are_a_distribution_over_every_stance(dataset):
    (only,) = sg.suggest(dataset, "Two soldiers were killed as the ceasefire was violated near Martuni.")
    for p in only.proposals:
        assert {s for s, _ in p.stances} == set(Stance)
        assert abs(sum(v for _, v in p.stances) - 1) < 1e-6 and p.stances[0] == (p.stance, p.stance_confidence)


@pytest.mark.parametrize(
    ("text", "bears"),
    [
        ("Prisoner exchange\nBaku handed over twelve Armenian detainees on Thursday.", [False, True]),
        ("40 prisoners of war were still held", [True]),  # a quote typed alone is no heading
    ],
)
def test_a_title_line_bears_on_nothing_but_a_lone_quote_is_read(dataset, text: str, bears: list[bool]):
    assert [not s.bears_on_nothing for s in sg.suggest(dataset, text)] == bears


def test_the_fitted_model_is_kept_on_disk_and_a_corrupt_entry_is_fitted_again(dataset, tmp_path):
    from tracker.diskcache import DiskCache
    from tracker.suggest import model as sm

    text = "Baku handed over twelve Armenian detainees to Yerevan on Thursday."
    disk = DiskCache(tmp_path)
    sm._MODELS.clear()
    first = [s.to_dict() for s in sg.suggest(dataset, text, disk=disk)]
    assert disk.writes == 1
    sm._MODELS.clear()
    assert [s.to_dict() for s in sg.suggest(dataset, text, disk=disk)] == first and disk.hits == 1
    (entry,) = [p for p in tmp_path.iterdir() if p.name.startswith("suggest-model")]
    entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")
    sm._MODELS.clear()
    assert [s.to_dict() for s in sg.suggest(dataset, text, disk=disk)] == first
    assert disk.misses == 2 and disk.writes == 2  # the first call's miss, then the corrupt entry
