"""The `tracker` command: a thin layer over the library (store, status, export, schema)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import click

from . import present
from .errors import FileSystemError, InvalidData, TrackerError, message_of
from .models import DatePrecision, DeadlineState, ReportedEvent, Stance, Status, Verification, default_event_date
from .present import DEADLINE_LABELS
from .status import ProvisionStatus, all_statuses, party_views, provision_status, signed_later, supersedes
from .store import Dataset, check, default_root, load, valid_files
from .textsafe import CONTROL, clean_output
from .validate.hints import did_you_mean, unknown

STATUS_COLOURS = {
    Status.IMPLEMENTED: "green",
    Status.IN_PROGRESS: "cyan",
    Status.NOT_STARTED: "white",
    Status.STALLED: "yellow",
    Status.DISPUTED: "magenta",
    Status.VIOLATED: "red",
    Status.LAPSED: "bright_black",
    Status.NO_EVIDENCE: "white",
}


class DateParam(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date; write YYYY-MM-DD, e.g. 2021-06-30", param, ctx)


class _LazyHelpOption(click.Option):
    """An option whose help text is made only when help is shown, so that the module it quotes is not
    imported by every command (start-up is most of what `tracker validate` costs on the bundled data)."""

    def __init__(self, *args: Any, lazy_help: Callable[[], str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_help = lazy_help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = self.lazy_help()
        return super().get_help_record(ctx)


def _root_option(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--no-cache",
        is_flag=True,
        expose_value=False,
        callback=_no_cache,
        envvar="TRACKER_NO_CACHE",
        help="Parse every file again, neither reading nor writing the cache on disk (.tracker-cache/).",
    )(func)
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        envvar="TRACKER_ROOT",
        help="Data root holding provisions/ and evidence/ (default: this repository's data).",
    )(func)


def _force_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")(func)


def _output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--output FILE (or '-') and --force, as every command that writes a file takes them."""
    func = _force_option(func)
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        default=None,
        help="File to write ('-' or nothing: standard output); an existing file only with --force.",
    )(func)


def _write_output(output: Path | None, data: bytes | memoryview, force: bool) -> bool:
    """Write to `output` (never clobbering: atomic.write_output), or to standard output for None or
    '-'; True if a file was written."""
    from .atomic import write_output

    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return False
    write_output(output, bytes(data), force=force)
    return True


def _as_of_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of", "as_of", type=DateParam(), default=None, help="Date to compute the status for (default: today)."
    )(func)


# The cache on disk (tracker/diskcache.py) is used unless --no-cache or TRACKER_NO_CACHE=1 says not to.
_USE_DISK_CACHE = [True]


def _no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _USE_DISK_CACHE[0] = False


def _load(root: Path | None) -> Dataset:
    """Load the data, or raise InvalidData with every problem (printed by _Tracker.invoke)."""
    dataset, problems = load(root, persistent=_USE_DISK_CACHE[0])
    if problems:
        raise InvalidData(problems)
    return dataset


# Commands that write: their refusals end with "nothing was written".
_WRITERS = {"add-source", "add-evidence", "confirm", "suggest"}


class _Refused(click.ClickException):
    """A TrackerError as the CLI shows it: InvalidData as one located problem per line and a count,
    anything else as one line 'error: ...'; exit 1 either way."""

    def __init__(self, exc: BaseException, command: str | None):
        self.exc = exc
        if isinstance(exc, InvalidData):
            files = len({p.file for p in exc.problems})
            after = "nothing was written" if command in _WRITERS else "nothing else was done"
            lines = [str(p) for p in exc.problems]
            lines.append(f"{len(exc.problems)} problem(s) in {files} file(s); {after}.")
            message = "\n".join(lines)
        else:
            message = f"error: {message_of(exc)}"
        super().__init__(message)

    def show(self, file: Any = None) -> None:
        click.echo(clean_output(self.format_message()), err=True)


class _Tracker(click.Group):
    """The one place where the library's errors become messages: a TrackerError (and an OSError the
    library did not name) is printed without a traceback, and the command exits 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            raise _Refused(exc, ctx.invoked_subcommand) from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):  # `tracker ... | head`: not an error
                sys.stderr.close()
                raise SystemExit(1) from None
            raise _Refused(FileSystemError.of(exc, None, "use"), ctx.invoked_subcommand) from None


@click.group(cls=_Tracker, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="accord-tracker")
def main() -> None:
    """Accord Tracker: is each provision of a peace agreement being carried out, and who says so?"""
    _USE_DISK_CACHE[0] = True  # each invocation starts with the cache on (tests run many in one process)


@main.command()
@_root_option
def validate(root: Path | None) -> None:
    """Check every YAML file and quote; print each problem as file:line:column."""
    summary, files, problems = check(root, persistent=_USE_DISK_CACHE[0])
    if problems:
        raise InvalidData(problems)
    click.echo(f"OK: {summary} in {files} files; every quote found in its article.")


# --------------------------------------------------------------------------- status


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: dict[int, int] | None = None) -> list[str]:
    widths = widths or {}
    cols = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for i, cap in widths.items():
        cols[i] = min(cols[i], cap)

    def cell(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = ["  ".join(cell(h, cols[i]).ljust(cols[i]) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in cols))
    for row in rows:
        lines.append("  ".join(cell(v, cols[i]).ljust(cols[i]) for i, v in enumerate(row)).rstrip())
    return lines


def _deadline_cell(s: ProvisionStatus) -> str:
    if s.due:
        return s.due.date.isoformat()
    if s.term:
        return present.term_cell(s.term)
    return "-"


def _print_status_rows(dataset: Dataset, statuses: Sequence[ProvisionStatus]) -> None:
    rows = []
    for s in statuses:
        rows.append(
            [
                s.provision_id,
                dataset.provisions[s.provision_id].title,
                present.status_cell(s),
                s.since.isoformat() if s.since else "-",
                (s.latest_claim.isoformat() if s.latest_claim else "-") + (f" {present.STALE_MARK}" if s.stale else ""),
                _deadline_cell(s),
                DEADLINE_LABELS[s.deadline_state] if s.deadline_state != DeadlineState.NONE else "-",
                str(len(s.evidence_ids)),
                present.rests_on_sides(s),
                ", ".join(sup.provision_id + ("?" if sup.contested else "") for sup in s.superseded_by) or "-",
            ]
        )
    lines = _table(
        [
            "PROVISION",
            "TITLE",
            "STATUS",
            "SINCE",
            "NEWEST CLAIM",
            "DEADLINE",
            "DEADLINE STATE",
            "EVIDENCE",
            "RESTS ON",
            "SUPERSEDED BY",
        ],
        rows,
        widths={1: 46},
    )
    click.echo(lines[0])
    click.echo(lines[1])
    for s, line in zip(statuses, lines[2:], strict=True):
        label = present.status_cell(s)
        click.echo(line.replace(label, click.style(label, fg=STATUS_COLOURS[s.status]), 1))


@main.command()
@_root_option
@_as_of_option
@click.option("--agreement", help="Only this agreement (its id, e.g. nov2020).")
@click.option("--party", help="Only the obligations of this party (an actor id, e.g. armenia).")
def status(root: Path | None, as_of: date | None, agreement: str | None, party: str | None) -> None:
    """Status of every provision as of a date, grouped by agreement."""
    dataset = _load(root)
    as_of = as_of or date.today()
    _check_choice("agreement", agreement, dataset.agreements)
    _check_choice("party", party, dataset.actors)
    statuses = all_statuses(dataset, as_of, agreement=agreement, party=party)
    later = signed_later(dataset, as_of, agreement=agreement, party=party)
    if party:
        view = next((v for v in party_views(dataset, as_of) if v.actor_id == party), None)
        click.echo(
            f"Obligations of {dataset.actor_name(party)} as of {as_of}: {len(statuses)} provision(s)"
            + (f"; {len(view.evidence_concerning)} passage(s) concern its conduct" if view else "")
        )
        click.echo("")
    for agreement_id, agreement_model in dataset.agreements.items():
        group = [s for s in statuses if s.agreement_id == agreement_id]
        if not group:
            continue
        click.echo(click.style(f"{agreement_model.short_title} ({agreement_id}) — as of {as_of}", bold=True))
        _print_status_rows(dataset, group)
        click.echo("")
    if not statuses:
        click.echo("No provisions match." + (f" {present.signed_later_line(len(later))}" if later else ""))
        return
    click.echo(present.total_line(statuses))
    if later:
        click.echo(present.signed_later_line(len(later)))
    if any(s.assessment for s in statuses):
        click.echo(present.ASSESSED_NOTE)
    if any(s.stale for s in statuses):
        click.echo(present.STALE_NOTE)
    if any(s.superseded_by for s in statuses):
        click.echo("SUPERSEDED BY: a provision of a later agreement replaces it (not a status); '?' contested.")
    click.echo(present.NO_EVIDENCE_NOTE)


def _check_choice(what: str, value: str | None, known: dict[str, Any]) -> None:
    if value is not None and value not in known:
        raise click.BadParameter(unknown(what, value, known), param_hint=f"--{what}")


# --------------------------------------------------------------------------- show


def _wrap(text: str, indent: str = "  ") -> str:
    return "\n".join(
        textwrap.fill(p, width=96, initial_indent=indent, subsequent_indent=indent)
        for p in text.splitlines()
        if p.strip()
    )


@main.command()
@click.argument("provision_id")
@_root_option
@_as_of_option
def show(provision_id: str, root: Path | None, as_of: date | None) -> None:
    """The text, deadlines, status with reasons, and evidence of one provision."""
    dataset = _load(root)
    as_of = as_of or date.today()
    if provision_id not in dataset.provisions:
        raise click.BadParameter(unknown("provision", provision_id, dataset.provisions), param_hint="PROVISION_ID")
    p = dataset.provisions[provision_id]
    agreement = dataset.agreement_of(provision_id)
    s = provision_status(dataset, provision_id, as_of)
    source = next((t for t in agreement.sources if t.id == p.translation), None)
    out = click.echo
    out(click.style(f"{p.id} — {p.title}", bold=True))
    point = f"point {p.point}" + (f", clause {p.clause}" if p.clause else "")
    out(f"{agreement.short_title} ({agreement.id}), {point}; {p.category.value}; {p.obligation.value} obligation")
    out(f"Parties obliged: {', '.join(dataset.actor_name(a) for a in p.parties)}")
    out("")
    out(f"Agreement: {present.stages_text(agreement)}")
    for link in agreement.links:
        out(f"  {present.link_phrase(link, lambda a: dataset.agreements[a].short_title)}")
    out("")
    out("Text:" if p.language == "en" else f"Text ({p.language}):")
    out(_wrap(f"“{p.text}”"))
    reading = present.READING_LABELS[p.reading]
    out(
        f"  — {reading}, {source.title if source else p.translation}"
        + (f" <{source.url}>" if source and source.url else "")
    )
    if p.english:
        out(present.rendering_note(p.language).capitalize() + ":")
        out(_wrap(f"“{p.english}”"))
    if p.reading_note:
        out(_wrap(f"Note on the text: {p.reading_note}"))
    for v in p.variants:
        out("Variant:")
        out(_wrap(f"“{v.text}” — {v.source}" + (f" <{v.url}>" if v.url else "")))
        if v.note:
            out(_wrap(v.note))
    out("")
    if p.deadline:
        d = p.deadline
        original = s.due.original if s.due else None
        out(f"Deadline: {s.due.date if s.due else '-'} — {DEADLINE_LABELS[s.deadline_state]} as of {as_of}")
        if d.basis:
            out(_wrap(d.basis))
        for a in d.amendments:
            out(f"  amended {original} → {a.due} on {a.decided} ({a.source})" + (f" <{a.url}>" if a.url else ""))
    if s.term:
        out(f"Term: {present.term_sentence(s.term, p.term)}")
    out("")
    if agreement.date > as_of:
        out(f"Not shown in status tables as of {as_of}: {agreement.id} was signed on {agreement.date}.")
    out(
        click.style(
            f"Status as of {as_of}: {present.status_since(s)}",
            fg=STATUS_COLOURS[s.status],
            bold=True,
        )
    )
    # freshness() already names the newest claim; saying it twice ("(stale); stale: newest claim ...") read as noise.
    out(f"  {present.freshness(s) if s.stale else present.latest_claim_text(s)}")
    for sup in s.superseded_by:
        out(f"  {present.supersession_phrase(sup, dataset.actor_name)} (not a status)")
        if sup.note:
            out(_wrap(f"note: {sup.note}", "    "))
    for older, sup in supersedes(dataset, provision_id, as_of):
        out(f"  {present.supersedes_phrase(older, sup, dataset.actor_name)}")
    if s.assessment:
        assessed = s.assessment
        out(
            f"  assessed by {assessed.analyst} on {assessed.date} ({assessed.id}): "
            f"{_wrap(assessed.rationale, '').strip()}"
        )
        out(f"  derived from the evidence: {s.explain(dataset.actor_name)}")
    else:
        out(f"  {s.explain(dataset.actor_name)}")
    if s.one_sided:
        out(f"  ! this status {present.one_party_warning(s, dataset.actor_name)}")
    out("")
    items = [dataset.evidence[i] for i in s.evidence_ids] + [dataset.evidence[i] for i in s.undated_ids]
    later = len(dataset.evidence_for(provision_id)) - len(items)
    out(f"Evidence ({len(items)} on or before {as_of}" + (f"; {later} later" if later else "") + "):")
    for item in items:
        e = item.evidence
        out(f"- {present.evidence_line(item, dataset.actor_name)}")
        if isinstance(e, ReportedEvent):
            # Weaker than a quote: nobody can check these words against a stored text.
            flag = "" if e.verification == Verification.READ else f"; {e.verification.value}"
            out(click.style(f"    REPORTED EVENT (our summary{flag}, not a verified quote):", dim=True))
            out(_wrap(e.summary, "    "))
            if e.quotation:
                out(_wrap(f"quoted in the report: “{e.quotation}”", "    "))
            out(f"    {e.outlet}, {e.published}; " + " ".join(f"<{u}>" for u in e.urls))
        else:
            src = dataset.sources[item.source_id or ""]
            where = (
                f"{dataset.article_files.get(src.id, src.text)}:{item.span.line}:{item.span.column}"
                if item.span
                else src.text
            )
            out(_wrap(f"“{e.quote}”", "    "))
            out(f"    {src.title} — {src.outlet}, {src.published}; {where}")
        if e.note:
            out(_wrap(f"note: {e.note}", "    "))


# --------------------------------------------------------------------------- history


def _history() -> Any:
    from . import history

    return history


def _parse_dates(value: str | None) -> list[date]:
    from . import history

    if not value:
        return list(history.CHECKPOINTS)
    dates = []
    for part in value.split(","):
        try:
            dates.append(date.fromisoformat(part.strip()))
        except ValueError:
            raise click.BadParameter(
                f"'{part.strip()}' is not a date; write dates as YYYY-MM-DD separated by commas, "
                "e.g. 2021-06-30,2022-12-31",
                param_hint="--dates",
            ) from None
    return sorted(set(dates))


@main.command(name="history")
@_root_option
@click.option(
    "--dates",
    cls=_LazyHelpOption,
    default=None,
    metavar="D1,D2,...",
    lazy_help=lambda: (
        "Comma-separated dates (default: the checkpoints "
        + ", ".join(d.isoformat() for d in _history().CHECKPOINTS)
        + ")."
    ),
)
@click.option(
    "--output",
    "-o",
    cls=_LazyHelpOption,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    lazy_help=lambda: (
        f"File to write, e.g. {_history().DEFAULT_PATH} ('-' or nothing: standard output); "
        "an existing file only with --force."
    ),
)
@_force_option
def history_command(root: Path | None, dates: str | None, output: Path | None, force: bool) -> None:
    """Every provision's status, since when, deadline and evidence ids at several dates, as Markdown."""
    history = _history()
    when = _parse_dates(dates)
    dataset = _load(root)
    text = history.render(dataset, when)
    if _write_output(output, text.encode("utf-8"), force):
        click.echo(
            f"wrote the status of {len(dataset.provisions)} provisions at {len(when)} date(s) to {output}", err=True
        )


# --------------------------------------------------------------------------- add and suggest


def _split_ids(values: Sequence[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


_FIELD_OPTIONS = [
    click.option("--quote", help="The exact words of the article (typographic quotes and spaces may differ)."),
    click.option("--provision", "provisions", multiple=True, help="A provision id (repeat it, or use commas)."),
    click.option("--stance", type=click.Choice([s.value for s in Stance])),
    click.option("--claimant", help="Who says it, e.g. 'Sergey Lavrov, Russian Foreign Minister'."),
    click.option("--side", help="The actor id the claimant speaks for (e.g. russia, media)."),
    click.option("--concern", "concerns", multiple=True, help="An actor id whose conduct it is about (repeat)."),
    click.option("--event-date", help="The date of the event, YYYY-MM-DD or 'unknown'."),
    click.option("--date-precision", type=click.Choice([p.value for p in DatePrecision])),
    click.option("--note", help="A note in our own words."),
]


def _field_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_FIELD_OPTIONS):
        func = option(func)
    return func


def _field_values(given: dict[str, Any]) -> dict[str, Any]:
    """The values of _FIELD_OPTIONS as a command receives them, with the lists of ids split."""
    return given | {"provisions": _split_ids(given["provisions"]), "concerns": _split_ids(given["concerns"])}


class _Completion:
    """Tab completion of `options` while prompting, where readline is available on a terminal."""

    def __init__(self, options: Sequence[str]):
        self.options = list(options)
        self.saved: tuple[Any, str] | None = None

    def __enter__(self) -> None:
        if not sys.stdin.isatty():
            return
        try:
            import readline
        except ImportError:  # Windows without pyreadline: prompts still work, without completion
            return
        self.saved = (readline.get_completer(), readline.get_completer_delims())

        def complete(text: str, state: int) -> str | None:
            matches = [o for o in self.options if o.startswith(text)]
            return matches[state] if state < len(matches) else None

        readline.set_completer(complete)
        readline.set_completer_delims(" ,")
        readline.parse_and_bind("bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete")

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            import readline

            readline.set_completer(self.saved[0])
            readline.set_completer_delims(self.saved[1])


def _ask_ids(label: str, known: dict[str, Any], default: str | None, *, optional: bool = False) -> list[str]:
    while True:
        with _Completion(list(known)):
            answer = click.prompt(
                label,
                default=default if default is not None else ("" if optional else None),
                show_default=bool(default),
            )
        ids = _split_ids([answer])
        missing = [i for i in ids if i not in known]
        if not missing and (ids or optional):
            return ids
        for ident in missing:
            click.echo(f"  unknown id '{ident}'" + did_you_mean(ident, known))
        if not ids:
            click.echo("  give at least one")


def _ask_evidence(dataset: Dataset, fields: dict[str, Any]) -> dict[str, Any]:
    """Ask for every field not given, with completions and the suggestions for the quote."""
    from . import quotes
    from .suggest import suggest as suggest_passages

    out = click.echo
    if not fields["source_id"]:
        out("Sources: " + ", ".join(dataset.sources))
        with _Completion(list(dataset.sources)):
            fields["source_id"] = click.prompt("Source", type=click.Choice(list(dataset.sources)), show_choices=False)
    article = dataset.articles.get(fields["source_id"], "")
    quote = fields["quote"]
    while not quote or quotes.find(quote, article) is None:
        if quote:
            from .validate.checks import closest_passage  # here: it imports rapidfuzz, which only this needs

            out(clean_output("  not found in the article" + closest_passage(quotes.nearest(quote, article))))
        quote = click.prompt("Quote (exact words of the article)")
    fields["quote"] = quote
    proposals = sorted((p for s in suggest_passages(dataset, quote) for p in s.proposals), key=lambda p: -p.score)
    proposals = list({p.provision_id: p for p in reversed(proposals)}.values())[::-1][:3]
    if proposals:
        out(
            "  suggested: "
            + "; ".join(
                f"{p.provision_id} {p.score:.2f} ({p.stance.value} {p.stance_confidence:.0%}: "
                f"{', '.join(p.matched_terms[:3])})"
                for p in proposals
            )
        )
    if not fields["provisions"]:
        out("Provisions: " + ", ".join(dataset.provisions))
        default = ",".join(p.provision_id for p in proposals) or None
        fields["provisions"] = _ask_ids("Provision ids (comma-separated)", dataset.provisions, default)
    stances = [s.value for s in Stance]
    if not fields["stance"]:
        guess = next((p.stance.value for p in proposals if p.provision_id in fields["provisions"]), None)
        with _Completion(stances):
            fields["stance"] = click.prompt("Stance", type=click.Choice(stances), default=guess)
    if not fields["claimant"]:
        fields["claimant"] = click.prompt("Claimant (who says it)")
    if not fields["side"]:
        out("Sides: " + ", ".join(dataset.actors))
        fields["side"] = _ask_ids("Side (the actor the claimant speaks for)", dataset.actors, None)[0]
    if not fields["concerns"]:
        fields["concerns"] = _ask_ids(
            "Concerns (actor ids, comma-separated; empty for none)", dataset.actors, "", optional=True
        )
    published = dataset.sources[fields["source_id"]].published
    if not fields["event_date"]:
        default_date = published.isoformat() if isinstance(published, date) else "unknown"
        while True:
            answer = click.prompt("Event date (YYYY-MM-DD or unknown)", default=default_date)
            try:
                fields["event_date"] = answer if answer == "unknown" else date.fromisoformat(answer)
                break
            except ValueError:
                out("  write YYYY-MM-DD, e.g. 2021-06-30, or unknown")
        if not fields["date_precision"]:
            same = isinstance(published, date) and fields["event_date"] == published
            precisions = [p.value for p in DatePrecision]
            with _Completion(precisions):
                fields["date_precision"] = click.prompt(
                    "Date precision",
                    type=click.Choice(precisions),
                    default=default_event_date(published)[1].value if same else DatePrecision.DAY.value,
                )
    if fields["note"] is None:
        fields["note"] = click.prompt("Note (optional)", default="", show_default=False) or None
    return fields


@main.command(name="add-source")
@click.argument("file_or_text")
@click.option("--title", required=True, help="The headline, or a descriptive title.")
@click.option("--outlet", required=True, help="The outlet, or 'unknown' when the text does not name it.")
@click.option("--published", required=True, help="Publication date, YYYY-MM-DD or 'unknown'.")
@click.option("--url", default=None, help="Where the article was read (http or https).")
@click.option("--language", default="en", show_default=True, help="Two- or three-letter language code.")
@click.option("--byline", default=None, help="Byline and date exactly as printed, if any.")
@click.option("--id", "source_id", default=None, help="The source id (default: made from the title).")
@click.option("--encoding", default=None, help="The file's encoding when it is not UTF-8 (e.g. cp1252).")
@_root_option
def add_source_command(file_or_text: str, root: Path | None, **fields: Any) -> None:
    """Store an article (a file, '-' for standard input, or the text itself) and print its new id."""
    # `fields`: the options above, named as add.SourceFields names them, passed on as they are.
    from .add import add_source

    data: str | bytes
    if file_or_text == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            is_file = Path(file_or_text).is_file()
        except (OSError, ValueError):  # a long text is no file name
            is_file = False
        if is_file:
            data = Path(file_or_text).read_bytes()
        elif not any(c.isspace() for c in file_or_text.strip()):
            raise click.BadParameter(
                f"no file '{file_or_text}'; give a file, '-' for standard input, or the text", param_hint="FILE_OR_TEXT"
            )
        else:
            data = file_or_text
    new_id = add_source(root or default_root(), data, **fields)
    click.echo(new_id)
    click.echo(f"stored as evidence/{new_id}.yaml; next: tracker suggest --source {new_id}", err=True)


@main.command(name="add-evidence")
@click.option("--source", "source_id", help="The source id the passage is quoted from.")
@_field_options
@click.option("--unconfirmed", is_flag=True, help="Mark it unconfirmed: checked, but not counted.")
@click.option("--id", "evidence_id", default=None, help="The evidence id (default: the next free one).")
@click.option("--interactive", "-i", is_flag=True, help="Ask for every field not given, with completions.")
@_root_option
def add_evidence_command(
    source_id: str | None,
    unconfirmed: bool,
    evidence_id: str | None,
    interactive: bool,
    root: Path | None,
    **given: Any,
) -> None:
    """Append a quoted passage to its source's YAML file, checked first, and print its id.

    The event date defaults to the source's publication date, marked on-or-before."""
    from .add import add_evidence, source_file
    from .problems import display_path

    dataset = _load(root)
    fields: dict[str, Any] = {"source_id": source_id, **_field_values(given)}
    if source_id is not None:
        _check_choice("source", source_id, dataset.sources)
    if interactive:
        fields = _ask_evidence(dataset, fields)
    else:
        missing = [
            f"--{name.replace('_id', '').rstrip('s')}"
            for name in ("source_id", "quote", "provisions", "stance", "claimant", "side")
            if not fields[name]
        ]
        if missing:
            raise click.UsageError(f"missing {', '.join(missing)} (or use --interactive)")
    if not fields["event_date"]:
        when, precision = default_event_date(dataset.sources[fields["source_id"]].published)
        fields["event_date"] = when
        if not fields["date_precision"]:
            fields["date_precision"] = precision.value
    new_id = add_evidence(
        dataset.root,
        fields["source_id"],
        quote=fields["quote"],
        provisions=fields["provisions"],
        stance=fields["stance"],
        claimant=fields["claimant"],
        side=fields["side"],
        concerns=fields["concerns"],
        event_date=fields["event_date"],
        date_precision=fields["date_precision"] or "day",
        note=fields["note"],
        unconfirmed=unconfirmed,
        evidence_id=evidence_id,
    )
    click.echo(new_id)
    where = display_path(source_file(dataset, fields["source_id"]))
    click.echo(f"added to {where}" + (" as unconfirmed" if unconfirmed else ""), err=True)


@main.command(name="confirm")
@click.argument("evidence_id")
@_field_options
@_root_option
def confirm_command(evidence_id: str, root: Path | None, **given: Any) -> None:
    """Confirm a suggested (unconfirmed) passage, with any corrections: from now on it counts."""
    from .add import confirm_evidence

    # Only the fields given change: no option (None) and no ids ([]) leave the stored value.
    changes = {k: v for k, v in _field_values(given).items() if v is not None and v != []}
    # today=None (the real date) named, so that the checker knows none of the fields fills it.
    confirm_evidence(root or default_root(), evidence_id, today=None, **changes)
    click.echo(f"{evidence_id} confirmed; it now counts toward the status of its provisions.")


def _print_suggestions(dataset: Dataset, suggestions: Sequence[Any]) -> None:
    bearing = 0
    for n, s in enumerate(suggestions, 1):
        p = s.passage
        text = p.text if len(p.text) <= 300 else p.text[:299] + "…"
        text = clean_output(text)  # article text: an ESC in it must not reach the terminal
        if not s.proposals:
            click.echo(click.style(f"{n}. chars {p.start}-{p.end}: bears on no provision", dim=True))
            click.echo(click.style(_wrap(text, "   "), dim=True))
            continue
        bearing += 1
        click.echo(click.style(f"{n}. chars {p.start}-{p.end}", bold=True))
        click.echo(_wrap(text, "   "))
        rows = [
            [
                q.provision_id,
                dataset.provisions[q.provision_id].title,
                f"{q.score:.2f}",
                q.stance_text(),
                ", ".join(q.matched_terms[:5]),
            ]
            for q in s.proposals
        ]
        for line in _table(["PROVISION", "TITLE", "SCORE", "STANCE GUESS", "MATCHED"], rows, widths={1: 40}):
            click.echo("   " + line)
    click.echo("")
    click.echo(f"{len(suggestions)} passages: {bearing} bear on a provision, {len(suggestions) - bearing} on none.")
    click.echo(
        "Suggestions are not evidence. Add a passage with `tracker add-evidence`, or write them all as "
        "unconfirmed stubs with `tracker suggest --source ID --write` and confirm each with `tracker confirm`."
    )


@main.command(name="suggest")
@click.argument("article", required=False)
@click.option("--source", "source_id", help="Use the stored article of this source instead of ARTICLE.")
@click.option("--top", default=3, show_default=True, type=click.IntRange(1, 10), help="Proposals per passage.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: per passage its text, span and proposals.")
@click.option("--yaml", "as_yaml", is_flag=True, help="Print unconfirmed evidence stubs, ready to edit.")
@click.option("--write", is_flag=True, help="With --source: append the stubs to the source's file, unconfirmed.")
@click.option(
    "--date",
    "article_date",
    type=DateParam(),
    default=None,
    help="The article's date: only provisions of agreements signed by then are proposed. "
    "Default: the source's publication date with --source, else today.",
)
@_root_option
def suggest_command(
    article: str | None,
    source_id: str | None,
    top: int,
    as_json: bool,
    as_yaml: bool,
    write: bool,
    article_date: date | None,
    root: Path | None,
) -> None:
    """For each passage of an article (a file, '-' or standard input), the provisions it may bear on.
    Only provisions in force on the article's date are proposed; the date used is said in the output."""
    import json

    from .add import add_evidence_items, decode_article, source_file
    from .diskcache import DiskCache
    from .problems import display_path
    from .suggest import new_stubs, stub_items, stubs_yaml, suggest

    if as_json and (as_yaml or write):
        raise click.UsageError("--json cannot be combined with --yaml or --write")
    if write and not source_id:
        raise click.UsageError("--write needs --source: the stubs are written to that source's file")
    if article and source_id:
        raise click.UsageError("give ARTICLE or --source, not both")
    dataset = _load(root)
    if source_id:
        _check_choice("source", source_id, dataset.sources)
        if source_id not in dataset.articles:
            raise click.UsageError(f"source '{source_id}' has no stored text")
        text = dataset.articles[source_id]
    elif article and article != "-":
        path = Path(article)
        if not path.is_file():
            raise click.BadParameter(f"no file '{article}'", param_hint="ARTICLE")
        try:
            text = decode_article(path.read_bytes())
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="ARTICLE") from None
    else:
        if article is None and sys.stdin.isatty():
            raise click.UsageError("give an ARTICLE file, '-' for standard input, or --source ID")
        try:
            text = decode_article(sys.stdin.buffer.read())
        except ValueError as exc:
            raise click.UsageError(f"standard input: {exc}") from None
    published = dataset.sources[source_id].published if source_id else None
    if article_date is not None:
        when, why = article_date, "the date given"
    elif isinstance(published, date):
        when, why = published, "the source's publication date"
    else:
        when = date.today()
        why = "today; the source's publication date is unknown" if source_id else "today"
        why += ": give --date for an older article"
    in_force = f"Proposing the provisions in force on {when.isoformat()} ({why})."
    # The fitted model is kept in the data root's disk cache, as the parsed data is (unless --no-cache).
    disk = DiskCache.for_root(dataset.root) if _USE_DISK_CACHE[0] else None
    suggestions = suggest(dataset, text, top=top, when=when, disk=disk)
    if as_json or as_yaml:
        click.echo(in_force, err=True)  # standard output stays machine-readable
    if as_json:
        # json.dumps escapes C0 controls itself, but not DEL and C1 with ensure_ascii=False.
        dumped = json.dumps([s.to_dict() for s in suggestions], ensure_ascii=False, indent=2)
        click.echo(CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped))
    elif write:
        assert source_id is not None
        event_when, precision = default_event_date(dataset.sources[source_id].published)
        proposed = stub_items(suggestions, event_date=event_when, date_precision=precision.value)
        items = new_stubs(dataset, source_id, proposed)
        if len(items) < len(proposed):
            click.echo(
                f"{len(proposed) - len(items)} suggested passages are already recorded with the same "
                "provisions and stance; they are left out"
            )
        if not items:
            click.echo("no new passage bears on a provision; nothing was written")
            return
        ids = add_evidence_items(dataset.root, source_id, items)
        click.echo(
            f"appended {present.plural(len(ids), 'unconfirmed passage')} "
            f"({ids[0] if len(ids) == 1 else f'{ids[0]} to {ids[-1]}'}) to "
            f"{display_path(source_file(dataset, source_id))}; "
            f"{'it does' if len(ids) == 1 else 'they do'} not count until confirmed:"
        )
        click.echo("check each, then `tracker confirm ID` (with --stance, --claimant, --side... to correct it).")
    elif as_yaml:
        # Control characters become \\xNN, which YAML's double-quoted strings read back as the same character.
        click.echo(clean_output(stubs_yaml(dataset, suggestions, source_id=source_id)), nl=False)
    else:
        click.echo(in_force)
        _print_suggestions(dataset, suggestions)


# --------------------------------------------------------------------------- changes


@main.command(name="changes")
@_root_option
@click.option("--from", "start", type=DateParam(), default=None, help="First day (default: 30 days before --to).")
@click.option("--to", "end", type=DateParam(), default=None, help="Last day (default: today).")
@click.option("--provision", "provisions", multiple=True, help="Only this provision (repeat or comma-separate).")
@click.option("--agreement", "agreements", multiple=True, help="Only this agreement (repeat or comma-separate).")
@click.option("--format", "fmt", type=click.Choice(["text", "atom"]), default="text", show_default=True)
@click.option("--link", default=None, metavar="URL", help="With --format atom: the dashboard's address, for links.")
@_output_options
def changes_command(
    root: Path | None,
    start: date | None,
    end: date | None,
    provisions: tuple[str, ...],
    agreements: tuple[str, ...],
    fmt: str,
    link: str | None,
    output: Path | None,
    force: bool,
) -> None:
    """Every status change between two dates, newest first, with the claims or assessment behind it."""
    from datetime import timedelta

    from . import changes, feed

    end = end or date.today()
    start = start or end - timedelta(days=30)
    if start > end:
        raise click.BadParameter(f"--from {start} is after --to {end}; swap them", param_hint="--from")
    dataset = _load(root)
    wanted_provisions = _split_ids(provisions)
    wanted_agreements = _split_ids(agreements)
    for pid in wanted_provisions:
        _check_choice("provision", pid, dataset.provisions)
    for aid in wanted_agreements:
        _check_choice("agreement", aid, dataset.agreements)
    found = changes.changes(
        dataset, start, end, provision=wanted_provisions or None, agreement=wanted_agreements or None
    )
    if fmt == "atom":
        scope = ", ".join(wanted_provisions + wanted_agreements) or "every provision"
        data = feed.atom(
            dataset,
            found,
            updated=end,
            title_text=f"Accord Tracker: status changes ({scope})",
            link=link,
            link_for=(lambda c: feed.dashboard_link(link, c)) if link else None,
        )
    else:
        lines = [f"{len(found)} status change(s) from {start} to {end}, newest first."]
        for c in found:
            lines.append(f"{c.date}  {feed.title(dataset, c)}")
            lines.append(_wrap(feed.because(dataset, c), indent="            "))
        data = ("\n".join(lines) + "\n").encode("utf-8")
    if _write_output(output, data, force):
        click.echo(f"wrote {len(found)} change(s) to {output}", err=True)


# --------------------------------------------------------------------------- export and schema


@main.command(name="export")
@_root_option
@_as_of_option
@click.option("--table", type=click.Choice(["status", "evidence"]), default="status", show_default=True)
@_output_options
def export_command(root: Path | None, as_of: date | None, table: str, output: Path | None, force: bool) -> None:
    """CSV of the status table or the evidence table, safe to open in a spreadsheet."""
    import io

    from . import export  # here, not at the top; pandas is imported by the status table only (half a second)

    as_of = as_of or date.today()
    to_stdout = output is None or str(output) == "-"
    if table == "evidence":
        # Row by row, never a DataFrame: at 100k passages the table took more memory than the data. When
        # the disk cache knows the data root is valid as it is, one file at a time, not the whole dataset.
        files = valid_files(root) if _USE_DISK_CACHE[0] else None

        def write(out: BinaryIO) -> int:
            if files is not None:
                return export.write_evidence_csv_from_files(files, as_of, out)
            return export.write_evidence_csv(_load(root), as_of, out)

        if to_stdout:
            write(sys.stdout.buffer)
            return
        buffer = io.BytesIO()
        rows = write(buffer)
        data: bytes | memoryview = buffer.getbuffer()
    else:
        dataset = _load(root)
        frame = export.status_table(dataset, as_of)
        rows = len(frame)
        data = export.csv_bytes(frame)
    if _write_output(output, data, force):
        click.echo(f"wrote {rows} rows to {output}", err=True)


@main.command(name="release")
@click.argument("output_dir", type=click.Path(path_type=Path))
@_root_option
@click.option(
    "--as-of", "as_of", type=DateParam(), default=None, help="Release date: statuses at this date (default: today)."
)
@click.option("--version", "version", default=None, help="Release version, e.g. 2026.1 (default: the release date).")
@click.option(
    "--previous",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="A previous release's folder: list what changed since it.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty folder that is not a release (other files stay).")
def release_command(
    output_dir: Path, root: Path | None, as_of: date | None, version: str | None, previous: Path | None, force: bool
) -> None:
    """Write a citable release: CSV/JSON tables with a data package, a SQLite database, the codebook,
    CITATION.cff and a static site. Refuses invalid data, and a non-empty OUTPUT_DIR that is not a release."""
    from .release import build, check_output

    # OutputRefused and NotARelease are TrackerErrors: _Tracker.invoke prints them, exit 1.
    check_output(output_dir, force=force)  # before loading: a refusal should not wait for the data
    dataset = _load(root)
    as_of = as_of or date.today()
    made = build(dataset, output_dir, as_of=as_of, version=version, previous=previous, force=force)
    shown = ("provisions", "evidence", "changes")
    tables = ", ".join(f"{n} {name}" for name, n in made.counts.items() if name in shown)
    click.echo(f"release {made.version} at {as_of} in {output_dir}: {len(made.files)} files ({tables})")
    if made.replaced:
        click.echo(f"replaced {len(made.replaced)} file(s) of the folder's previous content", err=True)


@main.command(name="schema")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the JSON Schemas (default: schemas/ in the data root).",
)
@_root_option
def schema_command(output_dir: Path | None, root: Path | None) -> None:
    """Write JSON Schemas for the YAML files (editors use them to complete and check fields)."""
    from . import schema

    folder = output_dir or (root or default_root()) / "schemas"
    changed = schema.write_schemas(folder)
    click.echo(f"{len(schema.SCHEMAS)} schemas in {folder}; {len(changed)} changed.")


if __name__ == "__main__":
    main()
