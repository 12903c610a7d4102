"""pds-plan replan, swap and cover: a published rota that changes, with the fewest changes and every rule kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pds_plan.cli.common import clean_errors, console, errors
from pds_plan.cli.render import figures_table, report_infeasible
from pds_plan.domain.model import PeriodKind
from pds_plan.domain.run import Run
from pds_plan.errors import InfeasibleError, InputError, OutputExistsError, Problem, display_path
from pds_plan.io.absences import load_absences
from pds_plan.io.calendars import read_calendars
from pds_plan.io.run_store import folder_view, read_run, write_run
from pds_plan.io.tables import parse_date
from pds_plan.io.writers import folder_lock
from pds_plan.optimise.rota_model import SolveOptions
from pds_plan.outputs.exports import ICS_FOLDER
from pds_plan.outputs.run_outputs import EXPORTS_FOLDER, write_run_outputs
from pds_plan.runs.replan import Absence, SwapRefused, cover, points_of, replan, swap

PERIODS = {"night": PeriodKind.NIGHT, "nuit": PeriodKind.NIGHT, "saturday": PeriodKind.SATURDAY,
           "samedi": PeriodKind.SATURDAY, "sunday_holiday": PeriodKind.SUNDAY_HOLIDAY,
           "dimanche": PeriodKind.SUNDAY_HOLIDAY, "férié": PeriodKind.SUNDAY_HOLIDAY}  # fmt: skip


def _date(value: str, option: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def _refuse_existing(out: Path, force: bool) -> None:
    if out.exists() and not force:
        raise OutputExistsError(f"{display_path(out)} already exists: choose another folder or pass --force")


def write_derived(run: Run, published: Path, out: Path, force: bool) -> None:
    """The new run folder, its exports (the calendars as updates of the published ones), map, plots and report;
    then its changes on screen."""
    previous = read_calendars(published / EXPORTS_FOLDER / ICS_FOLDER)
    with folder_lock(out):
        write_run(run, out, force=force)
        write_run_outputs(folder_view(run, out), out, force=force, previous_calendars=previous)
    changes = run.tables["changes"]
    table = Table(title=f"{len(changes)} changed assignment(s)", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("date", "period", "site", "before", "after"):
        table.add_column(column, overflow="fold")
    for row in changes.to_dict("records"):
        table.add_row(row["date"], row["period"], escape(row["site_name"]), escape(row["before_name"]),
                      escape(row["after_name"]))  # fmt: skip
    console.print(table)
    console.print(figures_table(run.figures))
    console.print(
        f"wrote {escape(display_path(out))} (changes.csv, notifications.csv, exports with the calendars updated, "
        "report)"
    )


@clean_errors
def replan_command(
    run: Annotated[Path, typer.Argument(help="The published run folder.")],
    out: Annotated[Path, typer.Option("--out", help="The new run folder.")],
    absent: Annotated[str | None, typer.Option("--absent", help="The absent radiologist's id.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First absent day (YYYY-MM-DD or DD/MM/YYYY).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last absent day (default: the --from day).")] = None,
    absences: Annotated[
        Path | None, typer.Option("--absences", help="CSV of absences: radiologist_id, start, end.")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1.0, help="Seconds the solver may search.")] = 20.0,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """Replan a published rota after an absence, changing as few assignments as possible.

    Everything before --from stays as published; from --from on, the absent radiologists are off, and the new
    rota changes the fewest assignments (proven minimal when the solver proves it), then affects the fewest
    radiologists, then is as fair as it can be, keeping every hard rule and the run's pools. Writes a complete run
    folder whose manifest names the published one, with changes.csv, notifications.csv (who gains or loses which
    duty) and the exports. Exit 3, naming each duty nobody can take and why, when no rota keeps every rule; the
    published run is untouched.

    \b
    Examples:
      pds-plan replan runs/lorraine --absent LOR-R012 --from 2027-02-01 --to 2027-02-07 --out runs/lorraine-r1
      pds-plan replan runs/lorraine --absences sick.csv --out runs/lorraine-r2
    """
    _refuse_existing(out, force)
    found: list[Absence] = []
    if absences is not None:
        found += [Absence(r, s, e) for r, s, e in load_absences(absences)]
    if absent is not None:
        if start is None:
            raise typer.BadParameter("give the first absent day", param_hint="--from")
        first = _date(start, "--from")
        found.append(Absence(absent, first, _date(end, "--to") if end else first))
    if not found:
        raise InputError([Problem("replan", "give --absent RADIOLOGIST --from DATE, or --absences FILE")])
    published = read_run(run)
    begin = _date(start, "--from") if start and absent is None else None
    try:
        new = replan(published, found, begin, SolveOptions(time_limit=time_limit), parent_name=display_path(run))
    except InfeasibleError as error:
        report_infeasible(error)
        raise typer.Exit(error.exit_code) from None
    record = new.solve["replan"]
    console.print(
        f"{record['changes']} changed assignment(s), "
        + ("proven minimal" if record["changes_proven_minimal"] else "not proven minimal")
        + f"; {record['forced_changes']} forced by the absence; {record['radiologists_affected']} radiologist(s)"
        " affected"
    )
    write_derived(new, run, out, force)


@clean_errors
def swap_command(
    run: Annotated[Path, typer.Argument(help="The published run folder.")],
    first: Annotated[str, typer.Argument(help="The radiologist who gives their duties of --date.")],
    second: Annotated[str, typer.Argument(help="The radiologist who takes them (and gives theirs of --back).")],
    date: Annotated[str, typer.Option("--date", help="The day the first radiologist's duties start.")],
    out: Annotated[Path, typer.Option("--out", help="The new run folder.")],
    back: Annotated[str | None, typer.Option("--back", help="The day of the duties given back in return.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """An agreed swap: A's duties starting on --date go to B (and B's on --back to A).

    Checked against every hard rule and the pools by the independent checker: refused with exit 1, listing each
    rule it would break (credential, rest, block, pool, leave...), and nothing written; when accepted, a new run
    folder with changes.csv and the fairness change for both.

    \b
    Example:
      pds-plan swap runs/lorraine LOR-R012 LOR-R031 --date 2027-02-05 --back 2027-02-19 --out runs/lorraine-s1
    """
    _refuse_existing(out, force)
    published = read_run(run)
    day = _date(date, "--date")
    try:
        new = swap(published, first, second, day, _date(back, "--back") if back else None, display_path(run))
    except SwapRefused as refusal:
        errors.print(
            f"[bold red]swap refused:[/] it would break {len(refusal.violations)} hard rule(s); nothing written"
        )
        for violation in refusal.violations:
            errors.print(f"  [bold]{violation.rule}:[/] {escape(violation.message)}")
        raise typer.Exit(refusal.exit_code) from None
    before, after = points_of(published, (first, second)), points_of(new, (first, second))
    for r in (first, second):
        console.print(f"{escape(published.scenario.radiologist(r).name)} ({r}): {before[r]:g} → {after[r]:g} points")
    write_derived(new, run, out, force)


@clean_errors
def cover_command(
    run: Annotated[Path, typer.Argument(help="The run folder.")],
    site: Annotated[str, typer.Option("--site", help="The site id.")],
    date: Annotated[str, typer.Option("--date", help="The day of the duty.")],
    period: Annotated[
        str | None, typer.Option("--period", help="night, saturday or sunday_holiday (nuit, samedi, dimanche).")
    ] = None,
) -> None:
    """Who could take a duty without breaking a rule, fairest first, and why each other one cannot.

    Each candidate is proven against every hard rule by the independent checker, with the fairness spread of the
    rota after the move; each other radiologist credentialed for the site is listed with the rules the move would
    break. A site of a fixed pool moves with its pool.

    \b
    Example:
      pds-plan cover runs/lorraine --site lor_verdun --date 2027-02-03
    """
    kind = None
    if period is not None:
        kind = PERIODS.get(period.strip().lower())
        if kind is None:
            raise typer.BadParameter("expected night, saturday or sunday_holiday", param_hint="--period")
    loaded = read_run(run)
    found = cover(loaded, site, _date(date, "--date"), kind)
    scenario = loaded.scenario
    sites = " + ".join(scenario.site(s).name for s in found.duty.site_ids)
    holder = scenario.radiologist(found.duty.holder)
    console.print(
        f"[bold]{escape(sites)}[/], {found.duty.period.value} of {found.duty.date}: now {escape(holder.name)} "
        f"({holder.radiologist_id}); fairness max/min now {found.spread_now:.2f}"
    )
    table = Table(title=f"{len(found.candidates)} radiologist(s) could take it", title_justify="left",
                  box=box.SIMPLE_HEAD)  # fmt: skip
    for column in ("radiologist", "points", "vs fair share", "fairness after"):
        table.add_column(column, overflow="fold", justify="left" if column == "radiologist" else "right")
    for r, spread, before, after, deviation in found.candidates:
        name = escape(f"{scenario.radiologist(r).name} ({r})")
        table.add_row(name, f"{before:g} → {after:g}", f"{deviation:+.1f}", f"{spread:.2f}")
    console.print(table)
    if found.refused:
        console.print(f"[bold]{len(found.refused)} other credentialed radiologist(s) cannot:[/]")
        for r, why in found.refused.items():
            console.print(f"  {escape(scenario.radiologist(r).name)} ({r}): {escape(why)}")
