"""pds-plan pools design: which sites one radiologist on call can read together.

The terminal speaks English, as every command's does; the files people read (pools_summary.csv's notes) are in
French unless --lang en.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pds_plan.analysis.pool_design import DesignSettings, PoolDesign, design_pools
from pds_plan.analysis.pool_notes import note_text, notes_text
from pds_plan.analysis.sla import DEFAULT_CV
from pds_plan.cli.common import clean_errors, console, scenario_or_default
from pds_plan.domain.demand import mean_exams_per_period
from pds_plan.domain.language import Language
from pds_plan.domain.model import PeriodKind
from pds_plan.errors import display_path
from pds_plan.io.scenario import load_scenario
from pds_plan.outputs.plots import short_site_names
from pds_plan.outputs.pool_design import write_pool_design

pools_app = typer.Typer(help="Design pools of sites read together by one radiologist on call.", no_args_is_help=True)


def count_of(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def show_design(out: Console, design: PoolDesign) -> None:
    names = short_site_names((s.site_id for s in design.scenario.sites), design.scenario)
    means = mean_exams_per_period(design.scenario)
    settings = design.settings
    table = Table(
        title=(
            f"Pools of {escape(design.scenario.name)}: share of reports within {settings.sla_minutes:g} min "
            f"(target {settings.sla_target:.0%}), worst period kind"
        ),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for header, justify in (
        ("pool", "left"),
        ("sites", "left"),
        ("exams", "right"),
        ("read", "right"),
        ("peak", "right"),
        ("share", "right"),
        ("p90'", "right"),
        ("rad.", "right"),
        ("km", "right"),
    ):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for pool in design.pools:
        figures = pool.figures
        worst = figures.worst
        read = sum(r.expected_exams for r in figures.sla.values() if r.kind == PeriodKind.NIGHT)
        exams = sum(means.get((s, PeriodKind.NIGHT), 0.0) for s in figures.site_ids)
        table.add_row(
            pool.pool_id,
            escape(" + ".join(names[s] for s in figures.site_ids)),
            f"{exams:.1f}",
            f"{read:.1f}",
            f"{max((r.peak_utilisation for r in figures.sla.values()), default=0):.2f}",
            ("-" if worst is None else f"{worst.share_within_target:.1%}")
            + ("" if pool.meets_sla else " [bold red]![/]"),
            "-" if worst is None else f"{max(r.p90_minutes for r in figures.sla.values()):.0f}",
            str(len(figures.radiologists)),
            f"{figures.spread_km:.0f}",
        )
    out.print(table)
    out.print(
        "exams: a mean night's exams (volumes.csv); read: those read on call; peak: reading utilisation at the "
        "peak hour; share: worst period kind; p90': 90th percentile of turnaround; rad.: radiologists credentialed "
        "for every site; ! below the target"
    )
    for site, note in sorted(design.unpoolable.items()):
        why = note_text(note, Language.EN)
        out.print(f"[bold red]cannot be covered:[/] {escape(names.get(site, site))}: {escape(why)}")
    for site, notes in sorted(design.explanations.items()):
        why = notes_text(notes, Language.EN)
        out.print(f"[bold]alone:[/] {escape(names.get(site, site))}: {escape(why)}")
    idle = design.idle_radiologists()
    if idle:
        out.print(
            f"[bold]note:[/] {len(idle)} of {len(design.scenario.radiologists)} radiologists hold credentials for "
            "every site of no pool, so with these pools fixed they cannot be on call: "
            + escape(", ".join(idle[:8]) + (", ..." if len(idle) > 8 else ""))
        )
    covered = len(design.scenario.pds_sites) - len(design.unpoolable)
    out.print(
        f"{count_of(len(design.pools), 'radiologist')} on call at once for {count_of(covered, 'PDS site')} "
        f"({covered - len(design.pools)} fewer than one per site); "
        f"{sum(1 for p in design.pools if p.meets_sla)} of {count_of(len(design.pools), 'pool')} meet the target; "
        f"{count_of(design.candidates_tried, 'candidate pool')} tried, {design.candidates_allowed} allowed, "
        f"{'proven optimal' if design.optimal else 'best found'} in {design.seconds:.1f} s."
    )


@pools_app.command("design")
@clean_errors
def design_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario TOML file, or a bundled scenario's name (picardie-2027q1); the bundled Lorraine scenario "
            "when omitted."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for pools.csv, pools_summary.csv, pools_design.json.")] = (
        Path("pools")
    ),
    max_sites: Annotated[
        int | None,
        typer.Option("--max-sites", min=1, help="Sites per pool at most (default: the scenario's max_sites rule)."),
    ] = None,
    sla_minutes: Annotated[float, typer.Option("--sla-minutes", min=1.0, help="Turnaround target, minutes.")] = 30.0,
    sla_target: Annotated[
        float, typer.Option("--sla-target", min=0.0, max=1.0, help="Share of reports within the target.")
    ] = 0.95,
    min_radiologists: Annotated[
        int,
        typer.Option(
            "--min-radiologists", min=1, help="At least this many radiologists credentialed for every site of a pool."
        ),
    ] = 3,
    replications: Annotated[int, typer.Option("--replications", min=10, help="Simulated periods per pool.")] = 400,
    cv: Annotated[float, typer.Option("--cv", min=0.0, help="Coefficient of variation of reading times.")] = DEFAULT_CV,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the simulation and the solver.")] = 0,
    lang: Annotated[
        Language,
        typer.Option(
            "--lang",
            help="Language of the notes of pools_summary.csv (why a site stays alone): fr or en. The terminal and "
            "pools_design.json stay in English.",
            case_sensitive=False,
        ),
    ] = Language.FR,
    force: Annotated[bool, typer.Option("--force", help="Replace the files if they exist.")] = False,
) -> None:
    """Partition the PDS sites into pools that one radiologist on call can read within the turnaround target.

    Candidate pools (up to --max-sites sites) need --min-radiologists credentialed for all their sites, stay under
    the scenario's peak reading limit and meet --sla-target in a turnaround simulation of every period kind. CP-SAT
    then chooses the fewest pools (radiologists on call at once), then the most compact ones. pools.csv can be
    given to solve: add `pools = "PATH/pools.csv"` under [data] in the scenario. pools_summary.csv says why each
    site left alone is alone, in French unless --lang en.

    \b
    Examples:
      pds-plan pools design --out runs/lorraine-pools
      pds-plan pools design scenarios/picardie-2027q1.toml --max-sites 3 --sla-target 0.95 --out runs/pic-pools
      pds-plan pools design --out runs/lorraine-pools-en --lang en
    """
    path = scenario_or_default(scenario)
    loaded = load_scenario(path)
    settings = DesignSettings(
        max_sites=max_sites,
        sla_minutes=sla_minutes,
        sla_target=sla_target,
        min_radiologists=min_radiologists,
        replications=replications,
        seed=seed,
        cv=cv,
    )
    design = design_pools(loaded, settings)
    written = write_pool_design(design, out, force=force, language=lang)
    show_design(console, design)
    for file in written:
        console.print(f"wrote {escape(display_path(file))}")
    console.print(
        escape(f'to solve with these pools, add under [data] of the scenario: pools = "{written[0].resolve()}"')
    )
