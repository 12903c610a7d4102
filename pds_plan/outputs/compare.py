"""compare.csv, compare.md and compare.png: runs side by side, from `pds_plan.runs.compare.compare`."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pds_plan.io.spreadsheet import csv_text
from pds_plan.io.writers import atomic_write_bytes, atomic_write_text, refuse_to_overwrite

COMPARE_FILES = ("compare.csv", "compare.md", "compare.png")

# How compare.md and the terminal show each column (values stay unrounded in compare.csv).
PERCENT = {"gap", "worst_site_sla_share", "regional_sla_share", "sla_target"}
RATIO = {
    "fairness_max_over_min", "fairness_within_groups", "fairness_floor", "baseline_max_over_min",
    "fairness_hours_max_over_min", "baseline_hours_max_over_min",
}  # fmt: skip
ONE_DECIMAL = {"on_call_per_night"}


def shown(column: str, value: object) -> str:
    """One cell as people read it: rounded once, here."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if column in PERCENT:
        return f"{float(value):.1%}"  # type: ignore[arg-type]
    if column in RATIO:
        return f"{float(value):.2f}"  # type: ignore[arg-type]
    if column in ONE_DECIMAL:
        return f"{float(value):.1f}"  # type: ignore[arg-type]
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


def markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    rows = ["| " + " | ".join(shown(c, row[c]).replace("|", "\\|") for c in table.columns) + " |"
            for row in table.to_dict("records")]  # fmt: skip
    return "\n".join([header, rule, *rows]) + "\n"


def chart(table: pd.DataFrame) -> bytes:
    """Three panels, one bar per run: radiologists on call per night, worst site's share within the target, cost."""
    figure = Figure(figsize=(11.7, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    panels = (
        ("on_call_per_night", "radiologists on call per night", 1.0),
        ("worst_site_sla_share", "worst site: share of reports within target", 100.0),
        ("cost_total_eur", "total cost, k€: pooled and without pooling", 0.001),
    )
    labels = list(table["run"])
    rows = list(range(len(labels)))
    for number, (column, title, scale) in enumerate(panels, start=1):
        ax = figure.add_subplot(1, 3, number)
        values = pd.to_numeric(table[column], errors="coerce") * scale  # a missing figure draws no bar, not a 0
        if column == "cost_total_eur":
            without = pd.to_numeric(table["cost_no_pooling_eur"], errors="coerce") * scale
            ax.barh([r - 0.2 for r in rows], values, height=0.4, color="#2c7fb8", label="pooled")
            ax.barh([r + 0.2 for r in rows], without, height=0.4, color="#bdbdbd", label="without pooling")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
        else:
            ax.barh(rows, values, color="#2c7fb8")
        if column == "worst_site_sla_share":
            for target in sorted(set(pd.to_numeric(table["sla_target"], errors="coerce").dropna())):
                ax.axvline(target * 100, color="#d7301f", linestyle="--", linewidth=1)
            lowest = values.min()
            ax.set_xlim(max(0.0, float(lowest) - 10) if pd.notna(lowest) else 0.0, 100)
        ax.set_yticks(rows, labels if number == 1 else [""] * len(rows))
        ax.set_title(title, fontsize=9)
        ax.invert_yaxis()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


def write_compare(table: pd.DataFrame, out: Path | str, force: bool = False) -> list[Path]:
    """Write the three files into `out` (created if needed), each atomically; existing ones refused first."""
    out = Path(out)
    for name in COMPARE_FILES:
        refuse_to_overwrite(out / name, force)
    out.mkdir(parents=True, exist_ok=True)
    return [
        atomic_write_text(out / "compare.csv", csv_text(table), force=force),
        atomic_write_text(out / "compare.md", markdown(table), force=force),
        atomic_write_bytes(out / "compare.png", chart(table), force=force),
    ]
