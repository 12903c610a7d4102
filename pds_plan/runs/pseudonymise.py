"""A run fit to share outside the ARS: every radiologist's name and id replaced by a stable pseudonym.

GDPR data minimisation: a committee, a consultant or another region reading a rota needs to see that duties are
spread fairly, not who holds them. `pseudonymise` rewrites the `Run` object once, and the ordinary writers and outputs
(run folder, exports, calendars, map, plots, report) draw that run, so no output needs to know about pseudonyms and
none can forget one. A pseudonym is a keyed hash (HMAC-SHA256) of the id: the same key gives the same pseudonyms run
after run, so shared rotas can be compared over time, and without the key nobody can recompute them from a staff
list. The key stays with the ARS (`pds_plan.io.pseudonym_key`). Home sites, FTE and credentials stay: they are what
the rota is judged by, and in a small hospital they may still point to a person, so this is pseudonymisation, not
anonymisation (GDPR art. 4(5)).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from pds_plan.domain.model import Radiologist, Scenario
from pds_plan.domain.rota import Assignment
from pds_plan.domain.run import Run, in_order
from pds_plan.errors import Problem

PSEUDONYMISED_NOTE = (
    "pseudonymised: radiologists' names and ids replaced by stable pseudonyms (a keyed hash whose key stays with "
    "the ARS)"
)
ID_PREFIX = "RAD-"
NAME_PREFIX = "Radiologue "
CODE_DIGITS = 8  # 32 bits: a collision among a region's radiologists is a one-in-millions event, handled anyway

# Columns of the run's tables that hold a radiologist id, and those that hold the name of the id in another column
# (the name is taken from the id, so that two radiologists of the same name keep two pseudonyms).
ID_COLUMNS = ("radiologist_id", "before", "after")  # before and after: replan's changes.csv
NAME_COLUMNS = {"radiologist_name": "radiologist_id", "before_name": "before", "after_name": "after"}
# Columns of sites and pools: public hospitals, left as they are even if some radiologist id happened to equal a
# site id.
SITE_COLUMNS = frozenset({"site_id", "site_ids", "site_name", "sites", "home_site", "pool_id", "site"})


def pseudonym_codes(key: bytes, radiologist_ids: Iterable[str]) -> dict[str, str]:
    """The code of each id: the first hex digits of HMAC-SHA256(key, id), more digits if two ids would share one."""
    if not key:
        raise ValueError("a pseudonym key must not be empty")
    ids = sorted(set(radiologist_ids))
    digests = {i: hmac.new(key, i.encode("utf-8"), hashlib.sha256).hexdigest() for i in ids}
    for digits in range(CODE_DIGITS, 65, 4):
        codes = {i: digest[:digits] for i, digest in digests.items()}
        if len(set(codes.values())) == len(codes):
            return codes
    raise AssertionError("two radiologist ids with the same SHA-256 digest")  # pragma: no cover


class Pseudonyms:
    """The pseudonyms of one run's radiologists under one key, and their replacement in any text."""

    def __init__(self, key: bytes, radiologists: Iterable[Radiologist], other_ids: Iterable[str] = ()) -> None:
        people = list(radiologists)
        codes = pseudonym_codes(key, [r.radiologist_id for r in people] + list(other_ids))
        self.ids = {i: ID_PREFIX + code for i, code in codes.items()}
        self.names_by_id = {i: NAME_PREFIX + code for i, code in codes.items()}
        # A name in free text (a rule-check message) is found by itself; of two radiologists of the same name the
        # first gives the replacement, which still names neither.
        names: dict[str, str] = {}
        for r in people:
            if r.name.strip():
                names.setdefault(r.name, self.names_by_id[r.radiologist_id])
        self.replacements = {**names, **self.ids}
        # One pass, longest first, whole words only: "R1" is not replaced inside "R10", and a pseudonym put in is
        # never replaced again.
        tokens = sorted(self.replacements, key=len, reverse=True)
        self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, tokens)) + r")(?!\w)") if tokens else None

    def id(self, radiologist_id: str) -> str:
        return self.ids.get(radiologist_id, self.text(radiologist_id))

    def name_of(self, radiologist_id: str) -> str:
        return self.names_by_id.get(radiologist_id, self.text(radiologist_id))

    def text(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: self.replacements[m.group(0)], text)

    def value(self, value: Any) -> Any:
        """Any JSON-like value (the solver's record, the design, the analysis) with every text pseudonymised, keys
        included (a record may be keyed by radiologist id)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        return value

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A table of the run with its radiologist ids and names pseudonymised, one row per radiologist put in
        pseudonym order (the order of the original ids would follow the staff list, often alphabetical by name)."""
        out = frame.copy()
        for column in out.columns:
            if column in SITE_COLUMNS:
                continue
            name_source = NAME_COLUMNS.get(str(column))
            if column in ID_COLUMNS:
                out[column] = frame[column].map(lambda v: self.id(v) if isinstance(v, str) else v)
            elif name_source is not None and name_source in frame.columns:
                out[column] = frame[name_source].map(lambda v: self.name_of(v) if isinstance(v, str) and v else "")
            elif column == "id" and "scope" in frame.columns:  # costs.csv: sites, radiologists and the region
                people = frame["scope"] == "radiologist"
                out.loc[people, column] = frame.loc[people, column].map(lambda v: self.id(str(v)))
            elif frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                out[column] = frame[column].map(lambda v: self.text(v) if isinstance(v, str) else v)
        out.columns = [self.text(c) if isinstance(c, str) else c for c in out.columns]
        return _in_pseudonym_order(out)


def _in_pseudonym_order(frame: pd.DataFrame) -> pd.DataFrame:
    if "radiologist_id" in frame.columns and frame["radiologist_id"].is_unique and len(frame):
        return frame.sort_values("radiologist_id", kind="stable").reset_index(drop=True)
    if {"scope", "id"} <= set(frame.columns):
        people = frame["scope"] == "radiologist"
        if people.any():
            # The radiologists' rows stay where they were among the sites' and the region's, in pseudonym order.
            order = frame.index.to_numpy().copy()
            order[people.to_numpy()] = frame[people].sort_values("id", kind="stable").index.to_numpy()
            return frame.loc[order].reset_index(drop=True)
    return frame


def _scenario(scenario: Scenario, names: Pseudonyms) -> Scenario:
    radiologists = sorted(
        (replace(r, radiologist_id=names.id(r.radiologist_id), name=names.name_of(r.radiologist_id))
         for r in scenario.radiologists),
        key=lambda r: r.radiologist_id,
    )  # fmt: skip
    return replace(
        scenario,
        radiologists=tuple(radiologists),
        availability=tuple(replace(a, radiologist_id=names.id(a.radiologist_id)) for a in scenario.availability),
        pins=tuple(replace(p, radiologist_id=names.id(p.radiologist_id)) for p in scenario.pins),
        balances={names.id(r): points for r, points in scenario.balances.items()},
        warnings=tuple(
            Problem(p.file, names.text(p.message), p.row, p.column) for p in scenario.warnings
        ),  # a warning may quote a row of radiologists.csv
        settings=names.value(dict(scenario.settings)),
    )


def _rota(assignments: Iterable[Assignment], names: Pseudonyms) -> tuple[Assignment, ...]:
    return in_order(replace(a, radiologist_id=names.id(a.radiologist_id)) for a in assignments)


def pseudonyms_of(run: Run, key: bytes) -> Pseudonyms:
    """The pseudonyms of every radiologist a run names (those of its scenario, and any id only its rotas hold)."""
    others = {a.radiologist_id for a in (*run.assignments, *run.baseline)}
    others |= {a.radiologist_id for a in run.scenario.availability} | set(run.scenario.balances)
    return Pseudonyms(key, run.scenario.radiologists, others)


def pseudonymise(run: Run, key: bytes) -> Run:
    """The same run, the same rota, with every radiologist's id and name replaced by a stable pseudonym wherever the
    run holds them: the scenario, both rotas, the solver's record and rule check, the key figures, the tables, the
    pool design and the notes. The run says so in its notes (summary.json and the report show it). The live solver
    objects (`details`) hold real ids and are dropped: nothing written draws them."""
    names = pseudonyms_of(run, key)
    figures = replace(
        run.figures, radiologists_excluded_ids=tuple(sorted(names.id(r) for r in run.figures.radiologists_excluded_ids))
    )
    notes = tuple(names.text(n) for n in run.notes)
    return replace(
        run,
        scenario=_scenario(run.scenario, names),
        assignments=_rota(run.assignments, names),
        baseline=_rota(run.baseline, names),
        solve=names.value(run.solve),
        violations=tuple(names.text(v) for v in run.violations),
        figures=figures,
        tables={name: names.frame(frame) for name, frame in run.tables.items()},
        analysis=names.value(run.analysis),
        design=names.value(run.design) if run.design is not None else None,
        design_table=names.frame(run.design_table) if run.design_table is not None else None,
        manifest=names.value(run.manifest),
        notes=notes if PSEUDONYMISED_NOTE in notes else (*notes, PSEUDONYMISED_NOTE),
        variant=names.value(run.variant) if run.variant is not None else None,
        details=None,
    )
