"""The objective: fairness first, then requests, then stable pools and reading for one's own home site.

Every term is a named Penalty, so that a solved rota's objective can be broken down rule by rule for the planner.
Weights come from the scenario's [weights] table (domain.model.Weights documents their units).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from ortools.sat.python import cp_model

from pds_plan.domain.model import AvailabilityKind
from pds_plan.domain.rota import credential_groups, fair_share_weights
from pds_plan.optimise.rota_model import Penalty, RotaModel, link_or
from pds_plan.optimise.rules import capacity_tenths, peak_load_tenths

SCALE = 100  # normalised loads are in hundredths of a point, to keep every coefficient integer


def add_fairness(rota: RotaModel) -> None:
    """Each radiologist's weighted load, per FTE-available share, close to everybody else's.

    The spread (most loaded minus least loaded, normalised) and each one's distance to the mean are penalised;
    minimising only the maximum is not enough: it leaves some radiologists with almost nothing
    (measured on synthetic regions of 12-20 sites: max/min 10-33 against 1.02-1.15 with the spread penalised).
    """
    model, plan, weights = rota.model, rota.plan, rota.scenario.weights
    radiologists = sorted({r for r, _ in rota.on})
    if not radiologists:
        return
    share = {**fair_share_weights(rota.scenario, radiologists), **(rota.shares or {})}
    share = {r: share[r] for r in radiologists}
    mean_share = sum(share.values()) / len(share)
    windows_of: dict[str, list[int]] = defaultdict(list)
    for r, w in rota.on:
        windows_of[r].append(w)
    most_points = sum(w.points for w in plan.windows) + max(rota.carried.values(), default=0)
    normalised = {}
    for r in radiologists:
        factor = round(SCALE * mean_share / share[r])
        load = model.new_int_var(0, most_points * factor, f"load[{r}]")
        earned = sum(earned_in_window(rota, r, w) for w in windows_of[r])
        model.add(load == factor * (rota.carried.get(r, 0) + earned))
        normalised[r] = load
    top = max(most_points * round(SCALE * mean_share / s) for s in share.values())
    # Loads are evened out within each group of radiologists linked by shared credentials: between groups that
    # share no site nothing can be traded, and a global spread would only measure the sites' different needs.
    members: dict[str, list[str]] = defaultdict(list)
    for r, group in credential_groups(rota.scenario, radiologists).items():
        members[group].append(r)
    for group, team in sorted(members.items()):
        if len(team) < 2:
            continue
        highest = model.new_int_var(0, top, f"load_max[{group}]")
        lowest = model.new_int_var(0, top, f"load_min[{group}]")
        for r in team:  # minimised, so bounds are enough: highest >= every load >= lowest
            model.add(highest >= normalised[r])
            model.add(lowest <= normalised[r])
        rota.penalties.append(
            Penalty("fairness_spread", f"group of {group}", None, highest - lowest, weights.fairness_spread)
        )
        if weights.fairness_deviation:
            # Distances to a common level (free, so it settles at the median): a sum over everybody, which guides
            # the search better than the spread alone, where only the extremes count.
            level = model.new_int_var(0, top, f"load_level[{group}]")
            for r in team:
                distance = model.new_int_var(0, top, f"fair_distance[{r}]")
                model.add(distance >= normalised[r] - level)
                model.add(distance >= level - normalised[r])
                rota.penalties.append(Penalty("fairness_deviation", r, None, distance, weights.fairness_deviation))


def earned_in_window(rota: RotaModel, r: str, w: int) -> cp_model.LinearExpr:
    """The points r earns in window w: the most of the slots r covers there (a holiday at one of them counts)."""
    plan = rota.plan
    mine = [(plan.slot_points[s], rota.x[(r, s)]) for s in rota.slots_in_window.get((r, w), ())]
    levels = sorted({points for points, _ in mine})
    terms = [levels[0] * rota.on[(r, w)]]
    for lower, level in itertools.pairwise(levels):
        reaches = rota.model.new_bool_var(f"points_at_least[{r}|{plan.windows[w].start:%Y-%m-%dT%H:%M}Z|{level}]")
        link_or(rota.model, reaches, [x for points, x in mine if points >= level])
        terms.append((level - lower) * reaches)
    return cp_model.LinearExpr.sum(terms)


def add_requests(rota: RotaModel) -> None:
    """request_off days on call and request_on days off call each cost their weight."""
    scenario, model, plan = rota.scenario, rota.model, rota.plan
    windows_on_date: dict[tuple[str, dt.date], list] = defaultdict(list)
    for (r, w), on in rota.on.items():
        windows_on_date[(r, plan.windows[w].local_date)].append(on)
    for radiologist in scenario.radiologists:
        r = radiologist.radiologist_id
        for day in sorted(scenario.days_marked(r, AvailabilityKind.REQUEST_OFF)):
            ons = windows_on_date.get((r, day))
            if ons and scenario.weights.request_off:
                refused = model.new_bool_var(f"request_off_refused[{r}|{day}]")
                link_or(model, refused, ons)
                rota.penalties.append(Penalty("request_off_refused", r, day, refused, scenario.weights.request_off))
        for day in sorted(scenario.days_marked(r, AvailabilityKind.REQUEST_ON)):
            if not scenario.start <= day <= scenario.end or not scenario.weights.request_on:
                continue
            ons = windows_on_date.get((r, day), [])
            unmet = model.new_bool_var(f"request_on_unmet[{r}|{day}]")
            model.add(unmet + sum(ons) >= 1)
            rota.penalties.append(Penalty("request_on_unmet", r, day, unmet, scenario.weights.request_on))


def add_home_site_preference(rota: RotaModel) -> None:
    """A site read by someone from another hospital while one of its own radiologists could have, costs a little."""
    weight = rota.scenario.weights.away_from_home
    if not weight:
        return
    home_of = {r.radiologist_id: r.home_site for r in rota.scenario.radiologists}
    for slot, period in enumerate(rota.plan.slots):
        own = [rota.x[(r, slot)] for r in rota.candidates[slot] if home_of[r] == period.site_id]
        if own and len(own) < len(rota.candidates[slot]):
            rota.penalties.append(Penalty("read_away_from_home", period.site_id, period.date, 1 - sum(own), weight))


def add_stable_pools(rota: RotaModel) -> None:
    """The same grouping of sites night after night: each pair of sites ever read together by one radiologist
    costs its weight once, so the rota settles on a few stable groupings instead of a new mix every night."""
    weight = rota.scenario.weights.pool_pair
    if not weight:
        return
    model, plan = rota.model, rota.plan
    loads = peak_load_tenths(rota.scenario, plan)
    cap = capacity_tenths(rota.scenario)
    used: dict[tuple[str, str], cp_model.IntVar] = {}
    for window in plan.windows:
        if len(window.slots) < 2:
            continue
        for r in sorted({r for s in window.slots for r in rota.candidates[s]}):
            mine = sorted(
                (plan.slots[s].site_id, s, rota.x[(r, s)]) for s in rota.slots_in_window.get((r, window.index), ())
            )
            for i, (a, slot_a, xa) in enumerate(mine):
                for b, slot_b, xb in mine[i + 1 :]:
                    if loads is not None and loads[slot_a] + loads[slot_b] > cap:
                        continue  # the capacity rule never lets one radiologist read these two together
                    if (a, b) not in used:
                        used[(a, b)] = model.new_bool_var(f"pool_pair_used[{a}+{b}]")
                        rota.penalties.append(Penalty("pool_pair_used", f"{a}+{b}", None, used[(a, b)], weight))
                    model.add_bool_or([xa.Not(), xb.Not(), used[(a, b)]])


def add_on_call_duties(rota: RotaModel) -> None:
    """Each on-call duty (a radiologist on call in a period) costs a little: pooling sites frees radiologists."""
    weight = rota.scenario.weights.on_call_duty
    if weight:
        rota.penalties.append(Penalty("on_call_duties", "all radiologists", None, sum(rota.on.values()), weight))


SOFT_RULES = (add_fairness, add_requests, add_stable_pools, add_home_site_preference, add_on_call_duties)


def weighted_penalties(rota: RotaModel) -> cp_model.LinearExprT:
    """The soft rules' weighted sum: the objective of a weighted solve, and the staged objective's last stage."""
    return sum(p.weight * p.expression for p in rota.penalties)


def set_objective(rota: RotaModel) -> None:
    rota.model.minimize(weighted_penalties(rota))
