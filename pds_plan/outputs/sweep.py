"""sweep.csv and the Pareto plot of a sweep: radiologists on call per night against the worst site's turnaround
share and the cost, the variants no other beats on all three marked."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pds_plan.io.spreadsheet import csv_text
from pds_plan.io.writers import atomic_write_bytes, atomic_write_text

SWEEP_CSV = "sweep.csv"
PARETO_PNG = "pareto.png"


def non_dominated(rows: pd.DataFrame) -> pd.Series:
    """True for the variants no other variant beats on every count: fewer radiologists on call per night, a
    higher worst-site share within the target, a lower cost (at least as good on all, better on one)."""
    done = rows.dropna(subset=["on_call_per_night", "worst_site_sla_share", "cost_total_eur"])
    marks: dict[object, bool] = dict.fromkeys(rows.index, False)
    for index, row in done.iterrows():
        beaten = (
            (done["on_call_per_night"] <= row["on_call_per_night"])
            & (done["worst_site_sla_share"] >= row["worst_site_sla_share"])
            & (done["cost_total_eur"] <= row["cost_total_eur"])
            & (
                (done["on_call_per_night"] < row["on_call_per_night"])
                | (done["worst_site_sla_share"] > row["worst_site_sla_share"])
                | (done["cost_total_eur"] < row["cost_total_eur"])
            )
        )
        marks[index] = not bool(beaten.any())
    return pd.Series(marks, dtype=bool)


def pareto_png(rows: pd.DataFrame) -> bytes:
    """Two panels sharing the x axis (radiologists on call per night): worst-site share, and cost; non-dominated
    variants filled and labelled, the others hollow; failed variants are not drawn."""
    figure = Figure(figsize=(11.7, 5.2), layout="constrained")
    FigureCanvasAgg(figure)
    done = rows.dropna(subset=["on_call_per_night", "worst_site_sla_share", "cost_total_eur"])
    best = non_dominated(rows).to_dict()
    for number, (column, label, scale) in enumerate(
        (("worst_site_sla_share", "worst site: share of reports within target (%)", 100.0),
         ("cost_total_eur", "total cost (k€)", 0.001)), start=1
    ):  # fmt: skip
        ax = figure.add_subplot(1, 2, number)
        for index, row in done.iterrows():
            front = bool(best[index])
            ax.scatter(row["on_call_per_night"], row[column] * scale, s=60 if front else 40,
                       facecolors="#2c7fb8" if front else "none", edgecolors="#2c7fb8", zorder=3)  # fmt: skip
            if front:
                ax.annotate(str(row["variant"]), (row["on_call_per_night"], row[column] * scale), fontsize=7,
                            xytext=(4, 4), textcoords="offset points")  # fmt: skip
        if column == "worst_site_sla_share":
            for target in sorted(set(pd.to_numeric(done["sla_target"], errors="coerce").dropna())):
                ax.axhline(target * 100, color="#d7301f", linestyle="--", linewidth=1)
        ax.set_xlabel("radiologists on call per night (mean)")
        ax.set_ylabel(label)
        ax.grid(color="#e0e0e0", linewidth=0.6)
    figure.suptitle("Sweep: filled points are not beaten on all of on-call, turnaround and cost", fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


def write_sweep(rows: pd.DataFrame, out: Path) -> list[Path]:
    """sweep.csv (one row per variant, with `pareto` marking the non-dominated ones) and pareto.png, atomically;
    both describe the whole sweep, so they are replaced at each run of it."""
    out = Path(out)
    table = rows.assign(pareto=non_dominated(rows)) if len(rows) else rows
    return [
        atomic_write_text(out / SWEEP_CSV, csv_text(table), force=True),
        atomic_write_bytes(out / PARETO_PNG, pareto_png(rows), force=True),
    ]
