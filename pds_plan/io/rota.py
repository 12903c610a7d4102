"""Read a rota CSV (ours, or one made by hand in Excel) into assignments, with located errors."""

from __future__ import annotations

from pathlib import Path

from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.errors import InputError, Problem, display_path
from pds_plan.io.schemas import PinRow
from pds_plan.io.tables import Findings, load_table


class RotaRow(PinRow):
    """A rota row has the columns of a pin: date, period, site_id, radiologist_id (others are ignored)."""


def load_rota(path: Path, scenario: Scenario) -> list[Assignment]:
    findings = Findings()
    table = load_table(Path(path), RotaRow, findings)
    sites = {s.site_id for s in scenario.sites}
    radiologists = {r.radiologist_id for r in scenario.radiologists}
    name = display_path(path)
    assignments = []
    for line, row in table.rows:
        if row.site_id not in sites:
            findings.errors.append(
                Problem(name, f"unknown site '{row.site_id}' (not in the scenario)", line, "site_id")
            )
        if row.radiologist_id not in radiologists:
            findings.errors.append(
                Problem(
                    name, f"unknown radiologist '{row.radiologist_id}' (not in the scenario)", line, "radiologist_id"
                )
            )
        assignments.append(Assignment(row.date, row.period, row.site_id, row.radiologist_id))
    if findings.errors:
        raise InputError(findings.errors)
    return assignments
