"""The `tracker` command: a thin layer over the library (store, status, export, schema)."""

from __future__ import annotations

import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from . import export, history, schema
from .atomic import write_atomic
from .models import DeadlineState, ReportedEvent, Status, Verification
from .problems import closest
from .status import DEADLINE_LABELS, STATUS_LABELS, ProvisionStatus, all_statuses, party_views, provision_status
from .store import Dataset, default_root, load

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


def _root_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        envvar="TRACKER_ROOT",
        help="Data root holding provisions/ and evidence/ (default: this repository's data).",
    )(func)


def _as_of_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of", "as_of", type=DateParam(), default=None, help="Date to compute the status for (default: today)."
    )(func)


def _load(root: Path | None) -> Dataset:
    """Load the data or print every problem and exit 1."""
    dataset, problems = load(root)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        files = len({p.file for p in problems})
        click.echo(f"{len(problems)} problem(s) in {files} file(s); nothing else was done.", err=True)
        sys.exit(1)
    return dataset


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="accord-tracker")
def main() -> None:
    """Accord Tracker: is each provision of a peace agreement being carried out, and who says so?"""


@main.command()
@_root_option
def validate(root: Path | None) -> None:
    """Check every YAML file and quote; print each problem as file:line:column."""
    dataset = _load(root)
    click.echo(f"OK: {dataset.summary()} in {len(dataset.files)} files; every quote found in its article.")


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


def _status_cell(s: ProvisionStatus) -> str:
    return STATUS_LABELS[s.status] + ("*" if s.assessment else "")


def _deadline_cell(s: ProvisionStatus) -> str:
    if s.due:
        return s.due.date.isoformat()
    if s.term:
        return f"term to {s.term.end}"
    return "-"


def _print_status_rows(dataset: Dataset, statuses: Sequence[ProvisionStatus]) -> None:
    rows = []
    for s in statuses:
        rows.append(
            [
                s.provision_id,
                dataset.provisions[s.provision_id].title,
                _status_cell(s),
                s.since.isoformat() if s.since else "-",
                _deadline_cell(s),
                DEADLINE_LABELS[s.deadline_state] if s.deadline_state != DeadlineState.NONE else "-",
                str(len(s.evidence_ids)),
                ", ".join(sorted({c.side for c in s.reasons})) + (" (one side)" if s.one_sided else ""),
            ]
        )
    lines = _table(
        ["PROVISION", "TITLE", "STATUS", "SINCE", "DEADLINE", "DEADLINE STATE", "EVIDENCE", "RESTS ON"],
        rows,
        widths={1: 46},
    )
    click.echo(lines[0])
    click.echo(lines[1])
    for s, line in zip(statuses, lines[2:], strict=True):
        label = _status_cell(s)
        click.echo(line.replace(label, click.style(label, fg=STATUS_COLOURS[s.status]), 1))


def _counts_line(statuses: Sequence[ProvisionStatus]) -> str:
    counts = Counter(s.status for s in statuses)
    return " · ".join(f"{STATUS_LABELS[st]} {counts[st]}" for st in Status if counts[st])


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
        click.echo("No provisions match.")
        return
    click.echo(f"{len(statuses)} provisions: {_counts_line(statuses)}")
    if any(s.assessment for s in statuses):
        click.echo("* analyst assessment; `tracker show ID` gives the derived status beside it.")
    click.echo("'no evidence yet' means no passage has been linked, not that nothing was done.")


def _check_choice(what: str, value: str | None, known: dict[str, Any]) -> None:
    if value is not None and value not in known:
        near = closest(value, known)
        hint = f"; did you mean {' or '.join(near)}?" if near else f"; known: {', '.join(known)}"
        raise click.BadParameter(f"unknown {what} '{value}'{hint}", param_hint=f"--{what}")


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
        near = closest(provision_id, dataset.provisions)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise click.BadParameter(f"unknown provision '{provision_id}'{hint}", param_hint="PROVISION_ID")
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
    out("Text:")
    out(_wrap(f"“{p.text}”"))
    reading = p.reading.value.replace("-", " ")
    out(
        f"  — {reading}, {source.title if source else p.translation}"
        + (f" <{source.url}>" if source and source.url else "")
    )
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
        t = s.term
        renew = (
            f"renews for {p.term.renewal_years} years unless notice by {t.notice_by}"
            if p.term and t.renews
            else "does not renew"
        )
        out(f"Term: {'term ' + str(t.number) if t.number else 'first term (not begun)'} {t.start} → {t.end}; {renew}")
    out("")
    out(
        click.style(
            f"Status as of {as_of}: {STATUS_LABELS[s.status]}" + (f" since {s.since}" if s.since else ""),
            fg=STATUS_COLOURS[s.status],
            bold=True,
        )
    )
    if s.assessment:
        a = s.assessment
        out(f"  assessed by {a.analyst} on {a.date} ({a.id}): {_wrap(a.rationale, '').strip()}")
        out(f"  derived from the evidence: {s.explain(dataset.actor_name)}")
    else:
        out(f"  {s.explain(dataset.actor_name)}")
    if s.one_sided and s.reasons:
        out(f"  ! this status rests on claims from one side only ({dataset.actor_name(s.reasons[0].side)})")
    out("")
    items = [dataset.evidence[i] for i in s.evidence_ids] + [dataset.evidence[i] for i in s.undated_ids]
    later = len(dataset.evidence_for(provision_id)) - len(items)
    out(f"Evidence ({len(items)} on or before {as_of}" + (f"; {later} later" if later else "") + "):")
    for item in items:
        e = item.evidence
        when = e.event_date if isinstance(e.event_date, str) else e.event_date.isoformat()
        if e.date_precision.value != "day":
            when += f" ({e.date_precision.value})"
        out(f"- {e.id}  {when}  {e.stance.value.upper()}  {e.claimant} [{dataset.actor_name(e.side)}]")
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


def _parse_dates(value: str | None) -> list[date]:
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
    default=None,
    metavar="D1,D2,...",
    help="Comma-separated dates (default: the checkpoints "
    + ", ".join(d.isoformat() for d in history.CHECKPOINTS)
    + ").",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"File to write, e.g. {history.DEFAULT_PATH} (default: standard output).",
)
def history_command(root: Path | None, dates: str | None, output: Path | None) -> None:
    """Every provision's status, since when, deadline and evidence ids at several dates, as Markdown."""
    when = _parse_dates(dates)
    dataset = _load(root)
    text = history.render(dataset, when)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomic(output, text.encode("utf-8"))
    click.echo(f"wrote the status of {len(dataset.provisions)} provisions at {len(when)} date(s) to {output}", err=True)


# --------------------------------------------------------------------------- export and schema


@main.command(name="export")
@_root_option
@_as_of_option
@click.option("--table", type=click.Choice(["status", "evidence"]), default="status", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def export_command(root: Path | None, as_of: date | None, table: str, output: Path | None) -> None:
    """CSV of the status table or the evidence table, safe to open in a spreadsheet."""
    dataset = _load(root)
    as_of = as_of or date.today()
    frame = export.status_table(dataset, as_of) if table == "status" else export.evidence_table(dataset, as_of)
    data = export.csv_bytes(frame)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    write_atomic(output, data)
    click.echo(f"wrote {len(frame)} rows to {output}", err=True)


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
    folder = output_dir or (root or default_root()) / "schemas"
    changed = schema.write_schemas(folder)
    click.echo(f"{len(schema.SCHEMAS)} schemas in {folder}; {len(changed)} changed.")


if __name__ == "__main__":
    main()
