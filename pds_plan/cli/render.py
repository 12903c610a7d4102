"""Rich renderings of library results for the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from pds_plan.analysis.summary import ScenarioSummary
from pds_plan.cli.common import errors
from pds_plan.domain.run import KeyFigures
from pds_plan.errors import InfeasibleError
from pds_plan.runs import RunResult

PER_SITE_HEADERS = {
    "site_id": "site",
    "departement": "dép.",
    "pds_periods": "periods",
    "pds_hours": "hours",
    "credentialed": "may read",
    "periods_under_2_available": "periods <2 free",
    "expected_exams": "exams",
}


def frame_table(frame: pd.DataFrame, title: str | None = None, index: bool = False) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    if index:
        table.add_column(str(frame.index.name or ""), style="bold")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left", no_wrap=numeric or column == "site")
    for label, row in frame.iterrows():
        cells = [str(label)] if index else []
        cells += [f"{v:g}" if isinstance(v, float) else str(v) for v in row]
        table.add_row(*cells)
    return table


def show_summary(console: Console, summary: ScenarioSummary) -> None:
    console.print(
        Panel.fit(
            f"[bold]{summary.name}[/]  {summary.start} → {summary.end} ({summary.days} days)\n"
            f"PDS periods: {summary.pds_periods}   PDS hours: {summary.pds_hours:g}\n"
            f"Radiologists: {summary.radiologists}   FTE: {summary.fte:g}",
            title="Scenario",
        )
    )
    console.print(frame_table(summary.sites_by_kind, "Sites by kind", index=True))
    console.print(frame_table(summary.sites_by_departement, "Sites by département", index=True))
    short = summary.per_site.rename(columns=PER_SITE_HEADERS)
    console.print(frame_table(short, "PDS sites: hours, credential coverage and expected exams over the horizon"))
    thin = summary.per_site[summary.per_site["periods_under_2_available"] > 0]
    if thin.empty:
        console.print("Every PDS period has at least 2 credentialed radiologists available.")
    else:
        console.print(
            f"[yellow]{len(thin)} site(s) have PDS periods with fewer than 2 credentialed radiologists available.[/]"
        )


def show_run(console: Console, result: RunResult, folder: Path) -> None:
    summary = result.summary()
    gap = summary["gap"]
    lines = [
        f"[bold]{summary['scenario']}[/]  method: {summary['method']}  status: [bold]{summary['status']}[/]"
        + ("" if summary["proven_optimal"] or result.outcome is None else " (not proven optimal)"),
    ]
    if summary["note"]:
        lines.append(f"[yellow]{summary['note']}[/]")
    if summary.get("interrupted"):
        lines.append("[yellow]stopped by Ctrl-C: the best rota found is kept[/]")
    if summary.get("stages"):
        lines += _stage_lines(summary["stages"], summary["wall_time_seconds"])
    elif summary["objective"] is not None:
        lines.append(
            f"objective {summary['objective']:,.0f}   best bound {summary['best_bound']:,.0f}   "
            f"gap {gap:.1%}   {summary['wall_time_seconds']:.1f} s"
        )
    fair, base = summary["fairness"], summary["greedy_baseline"]["fairness"]
    floor = summary.get("fairness_floor") or {}
    lines.append(
        f"fairness (max/min points per FTE-available day): {fair['spread_ratio_max_min']:.2f}"
        f"   greedy baseline: {base['spread_ratio_max_min']:.2f}"
    )
    lines.append(
        f"on-call hours (max/min per FTE-available day): {fair['hours_spread_ratio_max_min']:.2f}"
        f"   greedy baseline: {base['hours_spread_ratio_max_min']:.2f}"
    )
    if fair["credential_groups"] > 1:
        lines.append(
            f"  within the {fair['credential_groups']} groups of radiologists sharing credentials: "
            f"{fair['spread_ratio_within_credential_groups']:.2f} in points, "
            f"{fair['hours_spread_ratio_within_credential_groups']:.2f} in hours   greedy: "
            f"{base['spread_ratio_within_credential_groups']:.2f}, "
            f"{base['hours_spread_ratio_within_credential_groups']:.2f}"
        )
    lowest = floor.get("spread_ratio_at_least")
    if lowest is not None:
        within = floor.get("spread_ratio_within_credential_groups_at_least")
        lines.append(
            f"no rota under these credentials is more even than {lowest:.2f}"
            + (f", {within:.2f} within groups" if fair["credential_groups"] > 1 and within is not None else "")
        )
    elif floor.get("note"):
        lines.append(f"fairness floor: {floor['note']}")
    check = summary["rule_check"]["violations"]
    lines.append("rule check: no violation" if not check else f"[bold red]rule check: {check} violation(s)[/]")
    lines.append(f"written to {folder}")
    console.print(Panel.fit("\n".join(lines), title="Rota"))
    breakdown = summary["objective_breakdown"]
    if breakdown:
        table = Table(title="Objective, rule by rule", title_justify="left")
        for column in ("rule", "terms", "count", "examples"):
            table.add_column(column)
        for rule, item in breakdown.items():
            table.add_row(rule, str(item["terms"]), str(item["count"]), "; ".join(item["examples"][:3]))
        console.print(table)


STAGE_WORDS = {
    "largest_load": "largest load",
    "smallest_load": "smallest load",
    "hours_spread": "hours spread",
    "preferences": "preferences",
}


def _stage_lines(stages: list[dict[str, Any]], seconds: float | None) -> list[str]:
    """The staged objective, one line per stage: its value, the bound proven and the gap (the first stage's gap is
    the run's). Months of a horizon solved month by month are summed up in one line."""
    whole = [s for s in stages if s.get("part") is None]
    months = sorted({s["part"] for s in stages if s.get("part") is not None})
    lines = [f"solved in {len(whole) or len({s['name'] for s in stages})} stages, {seconds or 0:.1f} s"]
    if months and not whole:
        lines[0] += f", month by month ({months[0]} to {months[-1]}), no bound over the whole horizon"
    for stage in whole:
        unit = {"points": " points", "hours": " h"}.get(stage["unit"], "")
        if stage["objective"] is None:
            lines.append(f"  {STAGE_WORDS.get(stage['name'], stage['name'])}: no better rota found ({stage['status']})")
            continue
        bound = "" if stage["bound"] is None else f", bound {stage['bound']:,.2f}{unit}, gap {stage['gap']:.1%}"
        lines.append(
            f"  {STAGE_WORDS.get(stage['name'], stage['name'])}: {stage['objective']:,.2f}{unit}{bound}"
            + ("  (proven)" if stage["status"] == "OPTIMAL" else "")
        )
    return lines


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def figure_rows(figures: KeyFigures) -> list[tuple[str, str]]:
    """The key figures of a run as the terminal shows them (rounded here, once)."""
    status = figures.status + (" (proven optimal)" if figures.proven_optimal else "")
    if figures.gap is not None:
        status += f", gap {figures.gap:.1%}" + (" on the largest load" if figures.gap_of == "largest_load" else "")
    rows = [
        ("rota", status),
        ("rule check", f"{figures.violations} violation(s)"),
        (
            "on call per night",
            f"{figures.on_call_per_night:.1f} radiologists for {figures.pds_sites} PDS sites "
            f"({figures.pooled_sites} read with another site most of the time)",
        ),
    ]
    if figures.worst_site_sla_share is not None:
        below = (
            "every grouping meets the target"
            if not figures.pools_below_target
            else f"{figures.pools_below_target} grouping(s) below target: "
            + "; ".join(figures.pools_below_target_names)
        )
        rows.append(
            (
                f"reports within {figures.sla_minutes:g} min",
                f"worst site {figures.worst_site_name} {_share(figures.worst_site_sla_share)} "
                f"(target {figures.sla_target:.1%}); {below}; region {_share(figures.regional_sla_share)}",
            )
        )
    measures = [("fairness (max/min load)", figures.fairness_max_over_min, figures.baseline_max_over_min,
                 figures.fairness_floor),
                ("  in on-call hours", figures.fairness_hours_max_over_min, figures.baseline_hours_max_over_min,
                 None)]  # fmt: skip
    if figures.credential_groups > 1:  # with one group the two measures are the same figure
        measures.append(("  within credential groups", figures.fairness_within_groups,
                         figures.baseline_within_groups, figures.fairness_floor_within_groups))  # fmt: skip
    for label, value, baseline, floor in measures:
        if value is not None:
            parts = [f"greedy {_ratio(baseline)}"] + ([f"no rota below {floor:.2f}"] if floor is not None else [])
            rows.append((label, f"{_ratio(value)} ({', '.join(parts)})"))
    excluded = f"{figures.radiologists_excluded} of {figures.radiologists}"
    if figures.radiologists_excluded:
        excluded += " credentialed for no PDS site or whole pool: " + ", ".join(figures.radiologists_excluded_ids)
    rows.append(("radiologists who cannot be on call", excluded))
    rows.append(
        (
            "daytime days lost to rest",
            f"{figures.daytime_days_lost:,.0f} ({figures.daytime_days_lost_without_pooling:,.0f} without pooling)",
        )
    )
    rows.append(
        ("cost", f"{figures.cost_total_eur:,.0f} € pooled, {figures.cost_no_pooling_eur:,.0f} € without pooling")
    )
    return rows


def figures_table(figures: KeyFigures) -> Table:
    table = Table(box=box.SIMPLE, show_header=False, padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in figure_rows(figures):
        table.add_row(name, escape(value))
    return table


def report_infeasible(error: InfeasibleError) -> None:
    errors.print("[bold red]infeasible:[/] no rota satisfies every hard rule")
    for line in error.explanation:
        errors.print(f"  - {escape(line)}")
    for line in error.suggestions:
        errors.print(f"  [bold]suggestion:[/] {escape(line)}")
