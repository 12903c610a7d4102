"""Fairness of a rota: each radiologist's weighted load (points) and on-call hours against their fair share, and
the spread between them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from pds_plan.domain.calendar import build_calendar
from pds_plan.domain.model import Scenario
from pds_plan.domain.rota import Assignment, credential_groups, fair_share_weights, period_points


@dataclass(frozen=True)
class Fairness:
    per_radiologist: pd.DataFrame  # radiologist_id, group, duties, points, fair_share, deviation, points_per_fte_day
    spread_ratio: float  # max / min points per FTE-available day, among radiologists who may take PDS
    spread_points: float  # max - min normalised load (points for an average radiologist)
    zero_load: int  # radiologists who may take PDS and got none
    # The same ratio inside each group of radiologists linked by shared credentials, worst group: what a rota can
    # still even out. Between groups that share no site, loads are set by the sites' needs, not by the rota.
    spread_ratio_within_groups: float = float("nan")
    groups: int = 0
    # On-call hours per FTE-available day, max / min: a night is 14 h for 2 points and a Sunday day 10 h for 2, so a
    # rota even in points may not be even in hours.
    hours_spread_ratio: float = float("nan")
    hours_spread_ratio_within_groups: float = float("nan")

    def as_dict(self) -> dict[str, float | int]:
        # Unrounded: every display rounds once (a ratio of 1.355 rounded here and again on a plot read 1.36).
        return {
            "spread_ratio_max_min": self.spread_ratio,
            "spread_normalised_points": self.spread_points,
            "radiologists_without_duty": self.zero_load,
            "spread_ratio_within_credential_groups": self.spread_ratio_within_groups,
            "credential_groups": self.groups,
            "hours_spread_ratio_max_min": self.hours_spread_ratio,
            "hours_spread_ratio_within_credential_groups": self.hours_spread_ratio_within_groups,
        }


def fairness(scenario: Scenario, assignments: Iterable[Assignment]) -> Fairness:
    """On-call duties are counted once per radiologist and period time, whatever the number of sites covered."""
    periods = {p.key: p for p in build_calendar(scenario)}
    pds_sites = {s.site_id for s in scenario.pds_sites}
    # Who may take PDS at all: with fixed pools, a radiologist credentialed for no whole pool (and no site outside
    # pools) cannot be on call, so their empty load says nothing about the rota's fairness.
    eligible = sorted(
        r.radiologist_id for r in scenario.radiologists if scenario.coverable_sites(r.radiologist_id) & pds_sites
    )
    duties: dict[str, dict[tuple, int]] = defaultdict(dict)
    for a in assignments:
        period = periods[a.key]
        span = (period.start_utc, period.end_utc)
        duties[a.radiologist_id][span] = max(
            duties[a.radiologist_id].get(span, 0), period_points(period, scenario.points)
        )
    hours = {r: sum((end - start).total_seconds() / 3600 for start, end in spans) for r, spans in duties.items()}
    share = fair_share_weights(scenario, eligible)
    total_points = sum(sum(d.values()) for d in duties.values()) + sum(scenario.balances.get(r, 0.0) for r in eligible)
    total_share = sum(share.values()) or 1.0
    rows = []
    for r in eligible:
        # Points carried over from earlier rotas count as already done (scenario.balances).
        points = sum(duties[r].values()) + scenario.balances.get(r, 0.0)
        fair = total_points * share[r] / total_share
        available_days = share[r] / scenario.radiologist(r).fte * scenario.days
        rows.append(
            {
                "radiologist_id": r,
                "duties": len(duties[r]),
                "points": points,
                "fair_share": round(fair, 2),
                "deviation": round(points - fair, 2),
                "points_per_fte_day": round(points / (scenario.radiologist(r).fte * available_days), 4),
                "hours": round(hours.get(r, 0.0), 2),
                "hours_per_fte_day": round(hours.get(r, 0.0) / (scenario.radiologist(r).fte * available_days), 4),
            }
        )
    frame = pd.DataFrame(rows)
    group_of = credential_groups(scenario, eligible)
    if len(frame):
        frame.insert(1, "group", [group_of[r] for r in frame["radiologist_id"]])
    per_day = frame["points_per_fte_day"] if len(frame) else pd.Series([0.0])
    hours_per_day = frame["hours_per_fte_day"] if len(frame) else pd.Series([0.0])
    mean_share = total_share / max(len(eligible), 1)
    normalised = [
        float(points) * mean_share / share[r]
        for r, points in zip(frame.get("radiologist_id", []), frame.get("points", []), strict=True)
    ] or [0.0]
    return Fairness(
        per_radiologist=frame,
        spread_ratio=_ratio(per_day),
        spread_points=float(max(normalised) - min(normalised)),
        zero_load=int((frame["points"] == 0).sum()) if len(frame) else 0,
        spread_ratio_within_groups=_worst_within_groups(frame, "points_per_fte_day"),
        groups=len(set(group_of.values())),
        hours_spread_ratio=_ratio(hours_per_day),
        hours_spread_ratio_within_groups=_worst_within_groups(frame, "hours_per_fte_day"),
    )


def _ratio(values: pd.Series) -> float:
    """max / min; infinite when somebody has nothing."""
    return float(values.max() / values.min()) if values.min() > 0 else float("inf")


def _worst_within_groups(frame: pd.DataFrame, column: str) -> float:
    """The largest max / min inside a credential group of two or more radiologists (NaN: no such group)."""
    if not len(frame):
        return float("nan")
    return max((_ratio(g) for _, g in frame.groupby("group")[column] if len(g) > 1), default=float("nan"))
