"""pds-plan volumes fit: volumes.csv and an arrival profile estimated from a PACS/RIS exam log."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pds_plan.analysis.volumes_fit import ExamStatus, VolumesFit, fit_volumes, profile_toml, volumes_csv
from pds_plan.cli.common import clean_errors, console, report_problems
from pds_plan.domain.model import PdsHours, PeriodKind
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.exam_log import ExamLog, load_exam_log, load_exam_log_with_sites
from pds_plan.io.scenario import load_scenario
from pds_plan.io.spreadsheet import neutralise_frame
from pds_plan.io.tables import parse_date
from pds_plan.io.writers import atomic_write_text, refuse_to_overwrite

VOLUMES_FILE = "volumes.csv"
PROFILE_FILE = "profile.toml"

volumes_app = typer.Typer(
    help="Estimate the scenario's exam volumes from what the hospitals really did.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _date_option(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise InputError([Problem(option, str(error))]) from None


def _read_log(exams: Path, sites: Path | None, scenario: Path | None) -> tuple[ExamLog, PdsHours]:
    if (sites is None) == (scenario is None):
        raise InputError(
            [Problem("--sites", "give the sites either as --sites SITES.csv or as --scenario SCENARIO.toml (one)")]
        )
    if scenario is not None:
        loaded = load_scenario(scenario)
        sites_file = display_path(loaded.input_files["sites"]) if "sites" in loaded.input_files else "sites.csv"
        return load_exam_log(exams, loaded.sites, sites_file), loaded.hours
    assert sites is not None
    return load_exam_log_with_sites(exams, sites), PdsHours()


def _mean(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def show_fit(log: ExamLog, fit: VolumesFit) -> None:
    """The fit in two tables: what became of the log's exams, and the mean exams per period of each site."""
    counts = fit.status_counts()
    periods = fit.periods_counted()
    pds_sites = sum(1 for s in log.sites if s.pds)
    overview = Table(
        title=f"Exam log {escape(log.name)}: {fit.start} to {fit.end} ({fit.days} days)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_header=False,
    )
    overview.add_column("what")
    overview.add_column("count", justify="right")
    overview.add_row("exams read", str(len(log.exams)))
    overview.add_row("exams in PDS time, counted", str(counts[ExamStatus.COUNTED]))
    overview.add_row("daytime exams, ignored", str(counts[ExamStatus.DAYTIME]))
    overview.add_row("exams in the 2 nights the log covers in part, ignored", str(counts[ExamStatus.CUT]))
    if counts[ExamStatus.OUTSIDE_SPAN]:
        overview.add_row("exams outside the span, ignored", str(counts[ExamStatus.OUTSIDE_SPAN]))
    if counts[ExamStatus.NO_PDS_SITE]:
        overview.add_row("exams of sites without PDS need, ignored", str(counts[ExamStatus.NO_PDS_SITE]))
    overview.add_row("PDS sites fitted", f"{fit.volumes['site_id'].nunique()} of {pds_sites}")
    overview.add_row("PDS periods counted, all sites", str(sum(periods.values())))
    overview.add_row("  nights", str(periods[PeriodKind.NIGHT]))
    overview.add_row("  Saturday afternoons", str(periods[PeriodKind.SATURDAY]))
    overview.add_row("  Sundays and public holidays", str(periods[PeriodKind.SUNDAY_HOLIDAY]))
    console.print(overview)

    per_site = Table(
        title="Mean exams per period, all modalities (periods counted in brackets)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for header in ("site", "exams", "per night", "per Saturday", "per Sunday/holiday"):
        per_site.add_column(header, justify="left" if header == "site" else "right", no_wrap=header == "site")
    for row in fit.per_site().to_dict("records"):
        cells = [f"{_mean(row[f'{kind.value}_mean'])} ({row[f'{kind.value}_periods']})" for kind in PeriodKind]
        per_site.add_row(escape(str(row["site_id"])), str(row["exams_counted"]), *cells)
    console.print(per_site)


@volumes_app.command("fit")
@clean_errors
def fit_command(
    exams: Annotated[
        Path, typer.Argument(help="Exam log exported from the PACS/RIS: columns site_id, modality, timestamp.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write volumes.csv and profile.toml into.")],
    sites: Annotated[
        Path | None, typer.Option("--sites", help="sites.csv of the region (PDS hours: the defaults).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Take the sites and PDS hours from this scenario instead.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First date the log covers (default: date of its first exam).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Last date the log covers, inclusive (default: its last exam's).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace volumes.csv and profile.toml if they exist.")] = False,
) -> None:
    """Estimate volumes.csv (mean exams per PDS period by site, modality and period) and the hour-of-day arrival
    profile from an exam log.

    Each exam is placed in the PDS period of its site holding it (public holidays of the site's département, local
    time Europe/Paris; timestamps ISO 8601 with or without offset, or DD/MM/YYYY HH:MM); daytime exams are counted
    out. The mean is the exams of a period kind over the number of such periods the log covers in whole (the night
    before its first date and the night of its last are left out). volumes.csv gets the input contract's columns plus
    exams, periods and std_error; profile.toml a [profile] table to copy into the scenario file.

    \b
    Examples:
      pds-plan volumes fit exams_2026.csv --sites data/lorraine/sites.csv --out data/lorraine/fitted
      pds-plan volumes fit exams.csv --scenario my-region.toml --out fitted --start 2026-01-01 --end 2026-12-31
    """
    first = _date_option(start, "--start")
    last = _date_option(end, "--end")
    if first is not None and last is not None and last < first:
        raise InputError([Problem("--end", f"{last} is before --start {first}")])
    if out.exists() and not out.is_dir():
        raise InputError([Problem("--out", f"{display_path(out)} is a file: expected a folder")])
    targets = [out / VOLUMES_FILE, out / PROFILE_FILE]
    for target in targets:  # before reading anything: a long log is not read for nothing
        refuse_to_overwrite(target, force)

    log, hours = _read_log(exams, sites, scenario)
    try:
        fit = fit_volumes(log.exams, log.sites, hours, first, last)
    except ValueError as error:
        raise InputError([Problem(log.name, str(error))]) from None

    if fit.volumes.empty:
        raise InputError([Problem(log.name, "nothing to fit: " + "; ".join(fit.notes or ("no exam of a PDS site",)))])
    about = f"from {log.name}, {fit.start} to {fit.end}"
    # volumes_csv rounds and renders; neutralised first, as csv_text does, since site ids come from the user's files.
    atomic_write_text(targets[0], volumes_csv(neutralise_frame(fit.volumes)), force=force)
    atomic_write_text(targets[1], profile_toml(fit.profile, hours, about), force=force)

    show_fit(log, fit)
    if scenario is not None:
        relative = Path(os.path.relpath(targets[0].resolve(), scenario.resolve().parent)).as_posix()
        use = f'set volumes = "{relative}" in the [data] table of {display_path(scenario)}'
    else:
        use = "set volumes = its path, relative to the scenario file, in the [data] table of the scenario"
    written = [
        f"Wrote {display_path(targets[0])} ({len(fit.volumes)} lines): to use it, {use}.",
        f"Wrote {display_path(targets[1])}: a scenario reads its arrival profile from its own [profile] table, "
        "so copy that table into the scenario file.",
    ]
    for line in written:
        console.print(escape(line))
    for note in [*fit.profile.notes(), *fit.notes]:
        console.print(f"[yellow]note:[/] {escape(note)}")
    report_problems(list(log.warnings), label="warning", style="bold yellow")
