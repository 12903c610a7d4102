"""What a rota costs, per site, per radiologist and for the region, against the no-pooling alternative.

Settings: the scenario's ``[costs]`` table, in euros::

    [costs]
    allowance_night = 150           # on-call allowance of one night (one per radiologist on call, however many sites)
    allowance_saturday = 75         # of one Saturday afternoon
    allowance_sunday_holiday = 150  # of one Sunday or public-holiday day
    fee_per_remote_exam = 20        # per exam read on call by a radiologist from another hospital (home != site)
    platform_per_year = 0           # flat teleradiology platform cost per year, counted pro rata of the horizon

The DEFAULTS ARE PLACEHOLDERS, to be replaced by the planner with the region's own figures. For orders of magnitude
only: the arrêté du 8 juillet 2025 amending the arrêté du 30 avril 2003 sets, from 1 November 2025, a flat astreinte
allowance per night or two half-days that each public establishment fixes between 70 € and 280 € (as reported by
SFMU/APM and APPA news, July 2025; not checked against the Journal officiel text); a Saturday afternoon is taken as
half of it. No public figure was found for a fee per remotely read exam; 20 € and a zero platform cost are
arbitrary.

Pooled (the rota):
- a duty (one radiologist on call in one period, `pds_plan.analysis.workload.Duty`) earns one allowance of its
  period kind; that allowance is charged to the sites of the duty in proportion to the exams each is expected to
  request in that period (equal parts when none is expected);
- each exam of a site read on call (`Reading.read_on_call_share`: the others are reported the next day by the
  site's own radiologists) by a radiologist whose home_site is another site costs the fee, charged to the
  requesting site and paid to the radiologist;
- the platform cost, platform_per_year × days of the horizon / 365, is shared across the PDS sites in proportion to
  their expected exams over the horizon;
- periods left uncovered by the rota cost nothing.

No pooling (every PDS site its own radiologist every period): one allowance per site period of the calendar, no
remote fee, no platform. Each site's allowances are shared among its own radiologists (home_site = the site,
credentialed for it) in proportion to their fair-share weights (FTE × available share of the horizon,
`pds_plan.domain.rota.fair_share_weights`); a site without such radiologists leaves its allowances unassigned
(`Costs.region["no_pooling_unassigned"]`).

`difference` columns are pooled − no pooling: negative when pooling costs less (or pays a radiologist less).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd

from pds_plan.analysis.workload import Workload
from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.demand import mean_exams_per_period, read_on_call_per_period
from pds_plan.domain.model import CostSettings, Scenario
from pds_plan.domain.rota import fair_share_weights

DAYS_PER_YEAR = 365
COST_COLUMNS = [
    "scope", "id", "periods", "expected_exams", "remote_exams", "allowances", "remote_fees", "platform", "total",
    "no_pooling_total", "difference",
]  # fmt: skip


def placeholder_costs(scenario: Scenario) -> list[str]:
    """The tariffs the scenario's ``[costs]`` table leaves at their placeholder default (`Scenario.costs` holds
    them all, validated by the scenario loader)."""
    return [f.name for f in fields(CostSettings) if f.name not in scenario.costs_given]


@dataclass(frozen=True)
class Costs:
    settings: CostSettings
    per_site: pd.DataFrame  # COST_COLUMNS without scope; id = site_id
    per_radiologist: pd.DataFrame  # id = radiologist_id; total = income
    region: Mapping[str, float]

    def frame(self) -> pd.DataFrame:
        """costs.csv: one row per site, per radiologist and one for the region (scope = site, radiologist, region)."""
        region = pd.DataFrame([{"id": "region", **{k: v for k, v in self.region.items() if k in COST_COLUMNS}}])
        parts = [
            self.per_site.assign(scope="site"),
            self.per_radiologist.drop(columns=["home_site"]).assign(scope="radiologist"),
            region.assign(scope="region"),
        ]
        frame = pd.concat(parts, ignore_index=True)[COST_COLUMNS]
        return frame.astype({"periods": int})

    def settings_dict(self) -> dict[str, Any]:
        return asdict(self.settings)


def costs(scenario: Scenario, report: Workload, settings: CostSettings | None = None) -> Costs:
    """Cost per site, income per radiologist and regional totals of the rota behind `report`, pooled and without
    pooling (module docstring), at the scenario's tariffs unless `settings` are given."""
    settings = settings or scenario.costs
    means = mean_exams_per_period(scenario)
    read_on_call = read_on_call_per_period(scenario)
    calendar = build_calendar(scenario)
    pds = [s.site_id for s in scenario.pds_sites]

    allowances: dict[str, float] = defaultdict(float)
    fees: dict[str, float] = defaultdict(float)
    remote: dict[str, float] = defaultdict(float)
    income_allowances: dict[str, float] = defaultdict(float)
    income_fees: dict[str, float] = defaultdict(float)
    income_remote: dict[str, float] = defaultdict(float)
    income_exams: dict[str, float] = defaultdict(float)
    income_periods: dict[str, int] = defaultdict(int)
    for duty in report.duties:
        allowance = settings.allowance(duty.kind)
        exams = {s: means.get((s, duty.kind), 0.0) for s in duty.site_ids}
        total = sum(exams.values())
        home = scenario.radiologist(duty.radiologist_id).home_site
        r = duty.radiologist_id
        income_allowances[r] += allowance
        income_periods[r] += 1
        for s in duty.site_ids:
            allowances[s] += allowance * (exams[s] / total if total > 0 else 1 / len(duty.site_ids))
            income_exams[r] += exams[s]
            if s != home:
                read = read_on_call.get((s, duty.kind), 0.0)
                remote[s] += read
                fees[s] += read * settings.fee_per_remote_exam
                income_remote[r] += read
                income_fees[r] += read * settings.fee_per_remote_exam

    horizon_exams: dict[str, float] = defaultdict(float)
    periods: dict[str, int] = defaultdict(int)
    no_pooling: dict[str, float] = defaultdict(float)
    for p in calendar:
        horizon_exams[p.site_id] += means.get((p.site_id, p.kind), 0.0)
        periods[p.site_id] += 1
        no_pooling[p.site_id] += settings.allowance(p.kind)
    platform_total = settings.platform_per_year * scenario.days / DAYS_PER_YEAR
    exams_total = sum(horizon_exams.values())
    platform = {s: platform_total * (horizon_exams[s] / exams_total if exams_total > 0 else 1 / len(pds)) for s in pds}
    site_rows = []
    for s in pds:
        total = allowances[s] + fees[s] + platform[s]
        site_rows.append(
            {
                "id": s,
                "periods": periods[s],
                "expected_exams": horizon_exams[s],
                "remote_exams": remote[s],
                "allowances": allowances[s],
                "remote_fees": fees[s],
                "platform": platform[s],
                "total": total,
                "no_pooling_total": no_pooling[s],
                "difference": total - no_pooling[s],
            }
        )

    # No pooling: each site's allowances shared among its own credentialed radiologists, by fair-share weight.
    eligible = sorted(r.radiologist_id for r in scenario.radiologists if r.sites & set(pds))
    weights = fair_share_weights(scenario, eligible) if eligible else {}
    no_pooling_income: dict[str, float] = defaultdict(float)
    unassigned = 0.0
    for s in pds:
        own = [
            r for r in eligible if scenario.radiologist(r).home_site == s and scenario.radiologist(r).may_read_for(s)
        ]
        weight = sum(weights[r] for r in own)
        if not own or weight <= 0:
            unassigned += no_pooling[s]
            continue
        for r in own:
            no_pooling_income[r] += no_pooling[s] * weights[r] / weight
    radiologist_rows = []
    for r in sorted(set(eligible) | set(income_periods)):
        income = income_allowances[r] + income_fees[r]
        radiologist_rows.append(
            {
                "id": r,
                "home_site": scenario.radiologist(r).home_site,
                "periods": income_periods[r],
                "expected_exams": income_exams[r],
                "remote_exams": income_remote[r],
                "allowances": income_allowances[r],
                "remote_fees": income_fees[r],
                "platform": 0.0,
                "total": income,
                "no_pooling_total": no_pooling_income[r],
                "difference": income - no_pooling_income[r],
            }
        )

    pooled_allowances = sum(allowances.values())
    pooled_total = pooled_allowances + sum(fees.values()) + platform_total
    no_pooling_total = sum(no_pooling.values())
    region = {
        "periods": float(len(report.duties)),
        "expected_exams": exams_total,
        "remote_exams": sum(remote.values()),
        "allowances": pooled_allowances,
        "remote_fees": sum(fees.values()),
        "platform": platform_total,
        "total": pooled_total,
        "no_pooling_total": no_pooling_total,
        "difference": pooled_total - no_pooling_total,
        "no_pooling_site_periods": float(len(calendar)),
        "no_pooling_unassigned": unassigned,
    }
    site_frame = pd.DataFrame(site_rows, columns=[c for c in COST_COLUMNS if c != "scope"])
    radiologist_frame = pd.DataFrame(
        radiologist_rows, columns=["id", "home_site", *[c for c in COST_COLUMNS if c not in ("scope", "id")]]
    )
    return Costs(settings, site_frame, radiologist_frame, region)


def describe_settings(settings: CostSettings, defaults: list[str]) -> list[str]:
    """One line per setting, saying whether it comes from the scenario's [costs] or is a placeholder default."""
    return [
        f"{name} = {value:g} € ({'PLACEHOLDER default' if name in defaults else 'scenario [costs]'})"
        for name, value in asdict(settings).items()
    ]
