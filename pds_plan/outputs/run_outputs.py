"""Everything a run folder shows people, drawn from the run: exports, map, plots and report.

All of it is in one language, French by default (`domain.language`); the run's pools_summary.csv, which the
run store writes with the run, has its notes in the language the pipeline was given (`runs.pipeline.plan`), French
by default too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from pds_plan.domain.language import DEFAULT_LANGUAGE, Language
from pds_plan.io.run_folder import RunFolder
from pds_plan.outputs.calendar_ics import render_ics_update
from pds_plan.outputs.exports import ICS_FOLDER, export_run
from pds_plan.outputs.maps import write_map
from pds_plan.outputs.plots import PlotKind, write_plot
from pds_plan.outputs.report import write_report
from pds_plan.outputs.rota_tables import write_files

EXPORTS_FOLDER = "exports"
MAP_FILE = "map.png"
REPORT_FILE = "report.html"
OUTPUT_STEPS = ("export", "map and plots", "report")


def plot_file(kind: PlotKind) -> str:
    return f"plot_{kind.value}.png"


@contextlib.contextmanager
def _quietly(_name: str) -> Iterator[None]:
    yield


def write_run_outputs(
    view: RunFolder,
    folder: Path,
    *,
    force: bool = False,
    on_step: Callable[[str], AbstractContextManager[Any]] | None = None,
    written: list[Path] | None = None,
    previous_calendars: Mapping[str, bytes] | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> list[Path]:
    """Write the exports, map, plots and report of a run into its folder; `written` (when given) grows as files
    are written, so that a caller interrupted half-way can say what is there. With `previous_calendars` (the
    published run's .ics files, for a replanned or swapped run), the calendars update those: same UIDs, SEQUENCE
    raised for moved events, cancelled ones kept as STATUS:CANCELLED, so that subscribed calendars follow. Their
    words, numbers and dates are in `language`."""
    step = on_step or _quietly
    written = [] if written is None else written
    assert view.scenario is not None, "a run's view carries its scenario (run_store.folder_view)"
    with step("export"):
        written += export_run(view, folder / EXPORTS_FOLDER, force=force, language=language)
        if previous_calendars:
            updates = render_ics_update(view, previous_calendars)
            written += write_files(folder / EXPORTS_FOLDER / ICS_FOLDER, updates, force=True)
    with step("map and plots"):
        written.append(write_map(view.scenario, folder / MAP_FILE, rota=view.rota, force=force, language=language))
        for kind in PlotKind:
            written.append(write_plot(kind, view, folder / plot_file(kind), force=force, language=language))
    with step("report"):
        written.append(write_report(view, folder / REPORT_FILE, lang=language, force=force))
    return written


def refresh_analysis_outputs(view: RunFolder, folder: Path, language: Language = DEFAULT_LANGUAGE) -> list[Path]:
    """After a run is analysed again: the pictures and the report that show the analysis, drawn anew where the
    folder has them (the exports show the rota only and stay as they are), in `language`."""
    written = []
    for kind in PlotKind:
        if (folder / plot_file(kind)).exists():
            written.append(write_plot(kind, view, folder / plot_file(kind), force=True, language=language))
    if (folder / REPORT_FILE).exists():
        written.append(write_report(view, folder / REPORT_FILE, lang=language, force=True))
    return written
