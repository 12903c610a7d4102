"""The map command: a coverage map of a run folder (its pools and who reads whom) or of a scenario (sites, pools)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape

from pds_plan.bundled import resolve_scenario
from pds_plan.cli.common import clean_errors, console
from pds_plan.domain.language import Language
from pds_plan.domain.model import Scenario
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.run_store import folder_view, read_run
from pds_plan.io.scenario import load_scenario
from pds_plan.outputs.maps import FORMATS, parse_date, write_map


def load_map_source(source: Path) -> tuple[Scenario, pd.DataFrame | None]:
    """A run folder (its scenario as solved and its rota), or a scenario file or bundled scenario's name (no rota)."""
    if source.is_dir():
        run = read_run(source)
        return run.scenario, folder_view(run, source).rota
    return load_scenario(resolve_scenario(source)), None


@clean_errors
def map_command(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="RUN_OR_SCENARIO",
            help="Run folder written by `pds-plan solve`, a scenario file (.toml) or a bundled scenario's name.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The map file to write: .png, .svg or .pdf.")],
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="Show that night's actual assignment (YYYY-MM-DD or DD/MM/YYYY; a run folder only)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    lang: Annotated[
        Language, typer.Option("--lang", help="Language of the map's words: fr or en.", case_sensitive=False)
    ] = Language.FR,
) -> None:
    """Draw a coverage map (A4) of a run or a scenario, in Lambert-93 on the IGN département boundaries.

    PDS sites are sized by their expected PDS exams over the horizon and shaped by kind (CHU, CHR, CH, clinic, other);
    colours are pools. For a run, each site's most frequent pooling over the horizon, with a line to the home site
    of the radiologists who read it; with --date, that night's actual assignment. A scenario without a run shows
    its sites and, when it has a pools.csv, its pools. Its words, dates and numbers are French unless --lang en.

    \b
    Examples:
      pds-plan map runs/lorraine --out lorraine.png
      pds-plan map runs/lorraine --date 2027-01-15 --out night.pdf
      pds-plan map runs/lorraine --date 15/01/2027 --out night.png
      pds-plan map scenarios/lorraine-2027q1.toml --out sites.svg
      pds-plan map picardie-2027q1 --out picardie.png
      pds-plan map runs/lorraine --out lorraine-en.png --lang en
    """
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise typer.BadParameter(f"expected a .png, .svg or .pdf file, not {out.name!r}", param_hint="--out")
    day = parse_date(date)
    if out.exists() and not force:
        write_map_refused = f"{display_path(out)} already exists: choose another name or pass --force"
        raise InputError([Problem("--out", write_map_refused)])
    scenario, rota = load_map_source(source)
    if day is not None and rota is None:
        raise InputError([Problem("--date", "a date needs a run folder, not a scenario file")])
    written = write_map(scenario, out, rota=rota, date=day, force=force, language=lang)
    console.print(f"wrote {escape(display_path(written))}")
