"""Which sites one radiologist can read together: pools that keep the 30-minute target, chosen with CP-SAT.

A candidate pool is a set of up to `max_sites` PDS sites such that
- enough radiologists hold a credential for every one of its sites (`min_radiologists`) to staff a rota;
- the expected reading minutes at peak hour of its sites stay under the scenario's limit, the rule `solve` applies
  (`Rules.max_peak_reading_minutes_per_hour`), so that `solve` accepts the pool;
- one reader meets the turnaround target: in a seeded simulation of each period kind of the horizon, the share of
  reports within `sla_minutes` is at least `sla_target` (`analysis.sla.simulate_pool`).
Candidates are built by size; a set is not tried when one of its subsets failed already (adding a site only adds
exams and removes credentialed radiologists). Every site is also a candidate on its own, whatever its figures,
since every PDS site must be covered: a site that fails alone is kept alone and explained.

What the design says about a pool or a site (why it is refused, why it stays alone) is structured, never worded
here: small frozen dataclasses with their numbers (`Refusal`, `PoolNote`), which `pds_plan.analysis.pool_notes`
words in French or English for the files people read.

The partition (`optimise.pool_partition`) then chooses the fewest pools, that is the fewest radiologists on call at
once, and among those the most compact: the kilometres between the sites of each pool, plus a penalty for each
pair of sites in different GHTs and for each pair in different départements.

The same evaluation says which groupings of sites the optimiser may not form itself when the scenario has no pools
(`turnaround_limits`): the minimal groupings that some radiologist could read together and that miss the target.
Both share a cache of simulations (`analysis.workload.SlaCache`), as the analysis of the rota can: each grouping
and period kind is simulated once, and every turnaround figure of a run comes from that one simulation.

Staffing is counted in nights, the bulk of PDS time (a Saturday afternoon or a Sunday day is usually one block
with the night after it): a pool needs a radiologist every night of the horizon, and a radiologist can be on call
at most one night in two of the days they are available, since with 11 hours of rest two nights cannot follow each
other; fewer when the scenario sets a monthly limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar

from pyproj import Geod

from pds_plan.analysis.profile import ArrivalProfile, scenario_profile
from pds_plan.analysis.sla import DEFAULT_CV, DEFAULT_REPLICATIONS, DEFAULT_TARGET_MINUTES, SlaResult, simulate_pool
from pds_plan.analysis.workload import SlaCache
from pds_plan.domain.calendar import Period, build_calendar
from pds_plan.domain.demand import mean_exams_per_period, peak_reading_minutes_per_hour
from pds_plan.domain.model import PeriodKind, PoolMember, Scenario, Site, TurnaroundLimits
from pds_plan.errors import PdsPlanError
from pds_plan.optimise.pool_partition import Candidate, NoPartition, partition_sites
from pds_plan.optimise.rota_model import month_limit

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class DesignSettings:
    max_sites: int | None = None  # None: the scenario's max_sites_per_radiologist
    sla_minutes: float = DEFAULT_TARGET_MINUTES
    sla_target: float = 0.95
    min_radiologists: int = 3  # credentialed for every site of a pool of two or more sites
    replications: int = DEFAULT_REPLICATIONS  # the analysis's too, so that a shared SlaCache serves both
    seed: int = 0
    cv: float = DEFAULT_CV
    km_other_ght: float = 30.0  # added per pair of sites in different GHTs
    km_other_departement: float = 30.0  # added per pair of sites in different départements
    time_limit: float = 30.0


class RefusalKind(StrEnum):
    """Why a candidate pool may not be chosen."""

    FEW_CREDENTIALED = "few_credentialed"
    OVER_PEAK_LIMIT = "over_peak_limit"
    BELOW_TARGET = "below_target"


@dataclass(frozen=True)
class FewCredentialed:
    """Fewer radiologists credentialed for every site of the pool than a rota needs (`min_radiologists`)."""

    radiologists: int
    required: int
    kind: ClassVar[RefusalKind] = RefusalKind.FEW_CREDENTIALED


@dataclass(frozen=True)
class OverPeakLimit:
    """The pool's expected reading minutes in its busiest hour exceed the scenario's limit (`solve`'s rule)."""

    peak_minutes: float
    limit: float
    kind: ClassVar[RefusalKind] = RefusalKind.OVER_PEAK_LIMIT


@dataclass(frozen=True)
class BelowTarget:
    """One reader keeps too few reports within the turnaround target: `share` within `minutes` in the pool's worst
    period kind, under the `target` share."""

    share: float
    period: PeriodKind
    minutes: float
    target: float
    kind: ClassVar[RefusalKind] = RefusalKind.BELOW_TARGET


Refusal = FewCredentialed | OverPeakLimit | BelowTarget


class NoteKind(StrEnum):
    """What the design says about a site."""

    TOO_BUSY_ALONE = "too_busy_alone"
    KEPT_ALONE = "kept_alone"
    SHORT_STAFFED = "short_staffed"
    NO_CREDENTIAL = "no_credential"


@dataclass(frozen=True)
class TooBusyAlone:
    """A site that misses the target even read alone (`refusal`): it needs a second reader or on-site cover."""

    refusal: Refusal
    kind: ClassVar[NoteKind] = NoteKind.TOO_BUSY_ALONE


@dataclass(frozen=True)
class RefusedPairs:
    """How many pairs with a site were refused for one reason."""

    reason: RefusalKind
    pairs: int


@dataclass(frozen=True)
class KeptAlone:
    """Why a site that one reader can cover alone stays alone: the `partners` it could be paired with, better used
    in another pool or alone (pairing it would not lower the number of radiologists on call), and the pairs with it
    that were refused, by reason, the most frequent first. Neither: there is no other site to pool it with."""

    partners: int
    refused_pairs: tuple[RefusedPairs, ...] = ()
    kind: ClassVar[NoteKind] = NoteKind.KEPT_ALONE


@dataclass(frozen=True)
class ShortStaffed:
    """A site alone with fewer credentialed radiologists than a pool would need (`min_radiologists`)."""

    radiologists: int
    required: int
    kind: ClassVar[NoteKind] = NoteKind.SHORT_STAFFED


@dataclass(frozen=True)
class NoCredential:
    """No radiologist holds a credential (convention) for the site: nobody can read it, it is in no pool."""

    kind: ClassVar[NoteKind] = NoteKind.NO_CREDENTIAL


PoolNote = TooBusyAlone | KeptAlone | ShortStaffed | NoCredential


@dataclass(frozen=True)
class PoolFigures:
    """A candidate pool and what was found about it."""

    site_ids: tuple[str, ...]
    radiologists: tuple[str, ...]  # credentialed for every site
    sla: dict[PeriodKind, SlaResult]
    peak_reading_minutes: float  # per hour, the busiest period kind, as `solve`'s capacity rule counts them
    spread_km: float
    cost: int
    nights: int  # nights of the horizon the pool must cover
    refused: Refusal | None = None  # why it may not be chosen (None: it may)

    @property
    def worst(self) -> SlaResult | None:
        return min(self.sla.values(), key=lambda r: r.share_within_target) if self.sla else None


@dataclass(frozen=True)
class DesignedPool:
    pool_id: str
    figures: PoolFigures
    meets_sla: bool
    notes: tuple[PoolNote, ...] = ()  # why a site is alone (`analysis.pool_notes` words them)


@dataclass(frozen=True)
class PoolDesign:
    scenario: Scenario
    settings: DesignSettings
    pools: tuple[DesignedPool, ...]
    unpoolable: dict[str, PoolNote]  # site -> why no radiologist can read it at all
    explanations: dict[str, tuple[PoolNote, ...]]  # site -> why it stays alone (its pool's notes)
    candidates_tried: int
    candidates_allowed: int
    optimal: bool
    seconds: float
    kinds: tuple[PeriodKind, ...] = field(default=())

    def members(self) -> tuple[PoolMember, ...]:
        return tuple(PoolMember(p.pool_id, s) for p in self.pools for s in p.figures.site_ids)

    def with_pools(self) -> Scenario:
        """The scenario with these pools fixed, as `solve` will read them from pools.csv."""
        return replace(self.scenario, pools=self.members())

    @property
    def on_call_at_night(self) -> int:
        return len(self.pools)

    def idle_radiologists(self) -> tuple[str, ...]:
        """Radiologists credentialed for every site of no pool: with these pools fixed, they cannot be on call."""
        able = {r for p in self.pools for r in p.figures.radiologists}
        return tuple(sorted(r.radiologist_id for r in self.scenario.radiologists if r.radiologist_id not in able))


class PoolDesignError(PdsPlanError):
    """No partition of the sites can be staffed: even the fewest `pools` that keep the turnaround target need
    `nights` on call, and the `radiologists` credentialed for them can take at most `capacity`. The message (in
    English, as every error of the command line) gives the numbers."""

    exit_code = 2

    def __init__(self, pools: int, nights: int, radiologists: int, capacity: int) -> None:
        self.pools, self.nights, self.radiologists, self.capacity = pools, nights, radiologists, capacity
        super().__init__(
            f"no choice of pools can be staffed: even the fewest pools that keep the turnaround target ({pools}) "
            f"need {nights} nights on call, and the {radiologists} radiologists credentialed for them can take at "
            f"most {capacity} (one night in two of the days they are available); credential radiologists for more "
            "sites, or lower --sla-target so that larger pools are allowed"
        )

    def __reduce__(self) -> tuple[type[PoolDesignError], tuple[int, int, int, int]]:  # picklable (Dask workers)
        return type(self), (self.pools, self.nights, self.radiologists, self.capacity)


def pair_cost(a: Site, b: Site, settings: DesignSettings) -> tuple[float, float]:
    """Kilometres between two sites (on the ellipsoid), and the same plus the GHT and département penalties."""
    _, _, metres = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    km = metres / 1000
    penalty = (settings.km_other_ght if (a.ght or a.site_id) != (b.ght or b.site_id) else 0.0) + (
        settings.km_other_departement if a.departement != b.departement else 0.0
    )
    return km, km + penalty


def radiologist_capacity(scenario: Scenario) -> dict[str, int]:
    """Nights each radiologist could be on call over the horizon (module docstring)."""
    days = [scenario.start + dt.timedelta(days=i) for i in range(scenario.days)]
    months = sorted({(d.year, d.month) for d in days})
    limit = scenario.rules.max_periods_per_month
    capacity = {}
    for radiologist in scenario.radiologists:
        free = sum(1 for d in days if not scenario.is_unavailable(radiologist.radiologist_id, d))
        nights = math.ceil(free / 2)
        if limit is not None:
            nights = min(nights, len(months) * month_limit(limit, radiologist.fte))
        capacity[radiologist.radiologist_id] = nights
    return capacity


def _pool_nights(site_ids: Iterable[str], by_site: dict[str, list[Period]]) -> int:
    return len({p.date for s in site_ids for p in by_site.get(s, []) if p.kind == PeriodKind.NIGHT})


def sla_cache(
    scenario: Scenario, settings: DesignSettings | None = None, profile: ArrivalProfile | None = None
) -> SlaCache:
    """A cache of simulations as the design runs them (target, replications, seed, service spread of `settings`),
    to share between `design_pools`, `turnaround_limits` and `analysis.workload.workload` of one run."""
    settings = settings or DesignSettings()
    simulate = simulate_pool if settings.cv == DEFAULT_CV else functools.partial(simulate_pool, cv=settings.cv)
    return SlaCache(scenario, settings.sla_minutes, settings.replications, settings.seed, profile, simulate)


def _checked_cache(
    cache: SlaCache | None, scenario: Scenario, settings: DesignSettings, profile: ArrivalProfile | None
) -> SlaCache:
    """The cache to use; one simulating otherwise than the settings say would give figures the design did not ask
    for, so it is refused."""
    if cache is None:
        return sla_cache(scenario, settings, profile)
    asked = (settings.sla_minutes, settings.replications, settings.seed, profile)
    given = (cache.target_minutes, cache.replications, cache.seed, cache.profile)
    if asked != given:
        raise ValueError(
            "the shared simulation cache runs (target minutes, replications, seed, profile) = "
            f"{given[:3]}, but the pool design asks for {asked[:3]}"
            + (" and another arrival profile" if asked[3] != given[3] else "")
        )
    return cache


class _Evaluator:
    def __init__(
        self,
        scenario: Scenario,
        settings: DesignSettings,
        profile: ArrivalProfile | None,
        cache: SlaCache | None = None,
    ) -> None:
        self.scenario = scenario
        self.settings = settings
        self.profile = profile
        self.cache = _checked_cache(cache, scenario, settings, profile)
        self.sites = {s.site_id: s for s in scenario.sites}
        periods = build_calendar(scenario)
        self.by_site: dict[str, list[Period]] = defaultdict(list)
        for period in periods:
            self.by_site[period.site_id].append(period)
        self.kinds = tuple(k for k in PeriodKind if any(p.kind == k for p in periods))
        self.peak = peak_reading_minutes_per_hour(scenario)
        self.credentialed = {
            s: frozenset(r.radiologist_id for r in scenario.radiologists if r.may_read_for(s)) for s in self.sites
        }

    def evaluate(self, pool: tuple[str, ...]) -> PoolFigures:
        settings, limit = self.settings, self.scenario.rules.max_peak_reading_minutes_per_hour
        radiologists = tuple(sorted(frozenset.intersection(*(self.credentialed[s] for s in pool))))
        pairs = [pair_cost(self.sites[a], self.sites[b], settings) for a, b in itertools.combinations(pool, 2)]
        peak = max((sum(self.peak.get((s, k), 0.0) for s in pool) for k in self.kinds), default=0.0)
        base = PoolFigures(
            site_ids=pool,
            radiologists=radiologists,
            sla={},
            peak_reading_minutes=peak,
            spread_km=sum(km for km, _ in pairs),
            cost=round(sum(cost for _, cost in pairs)),
            nights=_pool_nights(pool, self.by_site),
        )
        if len(pool) > 1 and len(radiologists) < settings.min_radiologists:
            return replace(base, refused=FewCredentialed(len(radiologists), settings.min_radiologists))
        if len(pool) > 1 and limit is not None and peak > limit:
            return replace(base, refused=OverPeakLimit(peak, limit))
        figures = replace(base, sla=self.sla(pool, self.kinds))
        worst = figures.worst
        if worst is not None and worst.share_within_target < settings.sla_target:
            refusal = BelowTarget(worst.share_within_target, worst.kind, settings.sla_minutes, settings.sla_target)
            figures = replace(figures, refused=refusal)
        return figures

    def sla(self, pool: Sequence[str], kinds: Iterable[PeriodKind]) -> dict[PeriodKind, SlaResult]:
        """The pool's simulated turnaround in each period kind, from the cache (each simulated once)."""
        return {kind: self.cache.get(pool, kind) for kind in kinds}

    def readable_kinds(self, pool: Sequence[str]) -> tuple[PeriodKind, ...]:
        """Period kinds in which one radiologist may cover all of the pool's sites as far as the peak reading limit
        goes (counted as `check.py` does: each site at most the limit)."""
        limit = self.scenario.rules.max_peak_reading_minutes_per_hour
        if limit is None or len(pool) < 2:
            return self.kinds
        return tuple(k for k in self.kinds if sum(min(limit, self.peak.get((s, k), 0.0)) for s in pool) <= limit + 1e-6)


def candidate_pools(
    scenario: Scenario,
    settings: DesignSettings,
    site_ids: Sequence[str],
    profile: ArrivalProfile | None = None,
    cache: SlaCache | None = None,
) -> tuple[list[PoolFigures], tuple[PeriodKind, ...]]:
    """Every pool tried, by size, each with its figures and, when it may not be chosen, why."""
    evaluator = _Evaluator(scenario, settings, profile, cache)
    tried: dict[tuple[str, ...], PoolFigures] = {}
    largest = settings.max_sites if settings.max_sites is not None else scenario.rules.max_sites_per_radiologist
    for size in range(1, max(1, largest) + 1):
        for pool in itertools.combinations(site_ids, size):
            if size > 1 and any(
                sub not in tried or tried[sub].refused is not None for sub in itertools.combinations(pool, size - 1)
            ):
                continue
            tried[pool] = evaluator.evaluate(pool)
    return list(tried.values()), evaluator.kinds


def _why_alone(site: str, tried: list[PoolFigures]) -> KeptAlone:
    pairs = [f for f in tried if site in f.site_ids and len(f.site_ids) == 2]
    possible = sum(1 for f in pairs if f.refused is None)
    reasons: dict[RefusalKind, int] = defaultdict(int)  # in the order first met, which breaks ties below
    for figures in pairs:
        if figures.refused is not None:
            reasons[figures.refused.kind] += 1
    refused = tuple(RefusedPairs(k, n) for k, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
    return KeptAlone(possible, refused)


def _understaffed(
    site_ids: Sequence[str],
    candidates: Sequence[Candidate],
    capacity: dict[str, int],
    settings: DesignSettings,
    allowed: Sequence[PoolFigures],
) -> PoolDesignError:
    """Why no partition can be staffed, in numbers: the fewest pools there could be, the nights they need and the
    nights the radiologists able to read them can give."""
    fewest = partition_sites(site_ids, candidates, None, settings.time_limit, settings.seed)
    chosen = [allowed[i] for i in fewest.chosen]
    able = {r for f in chosen for r in f.radiologists}
    return PoolDesignError(
        pools=len(chosen),
        nights=sum(f.nights for f in chosen),
        radiologists=len(able),
        capacity=sum(capacity.get(r, 0) for r in able),
    )


def design_pools(
    scenario: Scenario, settings: DesignSettings | None = None, cache: SlaCache | None = None
) -> PoolDesign:
    """Partition the scenario's PDS sites into pools (module docstring); `cache` (see `sla_cache`) shares the
    simulations with the rest of a run."""
    settings = settings or DesignSettings()
    started = time.monotonic()
    profile = scenario_profile(scenario)
    nobody: dict[str, PoolNote] = {
        s.site_id: NoCredential()
        for s in scenario.pds_sites
        if not any(r.may_read_for(s.site_id) for r in scenario.radiologists)
    }
    site_ids = [s.site_id for s in scenario.pds_sites if s.site_id not in nobody]
    tried, kinds = candidate_pools(scenario, settings, site_ids, profile, cache)
    capacity = radiologist_capacity(scenario)
    allowed = [f for f in tried if f.refused is None or len(f.site_ids) == 1]
    candidates = []
    for figures in allowed:
        need = figures.nights
        if len(figures.site_ids) == 1:  # a site must be covered even if short of staff; `solve` will say so
            need = min(need, sum(capacity.get(r, 0) for r in figures.radiologists))
        candidates.append(Candidate(figures.site_ids, figures.cost, need, figures.radiologists))
    try:
        partition = partition_sites(site_ids, candidates, capacity, settings.time_limit, settings.seed)
    except NoPartition:
        raise _understaffed(site_ids, candidates, capacity, settings, allowed) from None
    order = {s: i for i, s in enumerate(site_ids)}
    chosen = sorted((allowed[i] for i in partition.chosen), key=lambda f: (-len(f.site_ids), order[f.site_ids[0]]))
    pools = []
    explanations: dict[str, tuple[PoolNote, ...]] = {}
    for number, figures in enumerate(chosen, start=1):
        notes: list[PoolNote] = []
        if len(figures.site_ids) == 1:
            site = figures.site_ids[0]
            if figures.refused is not None:
                notes.append(TooBusyAlone(figures.refused))
            elif any(len(f.site_ids) > 1 for f in tried):
                notes.append(_why_alone(site, tried))
            if len(figures.radiologists) < settings.min_radiologists:
                notes.append(ShortStaffed(len(figures.radiologists), settings.min_radiologists))
            explanations[site] = tuple(notes)
        pools.append(DesignedPool(f"P{number:02d}", figures, figures.refused is None, tuple(notes)))
    return PoolDesign(
        scenario=scenario,
        settings=settings,
        pools=tuple(pools),
        unpoolable=nobody,
        explanations=explanations,
        candidates_tried=len(tried),
        candidates_allowed=len(allowed),
        optimal=partition.optimal,
        seconds=time.monotonic() - started,
        kinds=kinds,
    )


def turnaround_limits(
    scenario: Scenario, settings: DesignSettings | None = None, cache: SlaCache | None = None
) -> TurnaroundLimits:
    """The minimal groupings of PDS sites that one radiologist could be given at once and that miss the turnaround
    target (`domain.model.TurnaroundLimits`), found with the design's candidate evaluation.

    Only groupings some radiologist may read together are simulated: two or more sites they may be given
    (`Scenario.coverable_sites`), up to the scenario's `max_sites_per_radiologist` (the rule bounds the rota, whatever
    `settings.max_sites` says). A grouping is simulated in the period kinds where the peak reading limit lets one
    reader cover it (the other kinds forbid it already) and misses the target when its worst share within
    `settings.sla_minutes` is under `settings.sla_target`, as a designed pool would. Larger groupings are built by
    size from smaller ones that meet the target: one containing a grouping that misses it, or that the peak limit
    always refuses, is forbidden already and not simulated. A site alone is never a limit, since it must be covered.
    """
    settings = settings or DesignSettings()
    evaluator = _Evaluator(scenario, settings, scenario_profile(scenario), cache)
    pds = {s.site_id for s in scenario.pds_sites}
    reach = {frozenset(scenario.coverable_sites(r.radiologist_id) & pds) for r in scenario.radiologists}
    readers = [sorted(sites) for sites in reach if len(sites) > 1]
    state: dict[tuple[str, ...], bool] = {}  # grouping -> meets the target (absent: not worth simulating)
    below: list[tuple[str, ...]] = []
    for size in range(2, scenario.rules.max_sites_per_radiologist + 1):
        for grouping in sorted({g for sites in readers for g in itertools.combinations(sites, size)}):
            if size > 2 and not all(state.get(sub, False) for sub in itertools.combinations(grouping, size - 1)):
                continue
            kinds = evaluator.readable_kinds(grouping)
            if not kinds:
                continue
            sla = evaluator.sla(grouping, kinds)
            state[grouping] = min(r.share_within_target for r in sla.values()) >= settings.sla_target
            if not state[grouping]:
                below.append(grouping)
    return TurnaroundLimits(settings.sla_minutes, settings.sla_target, tuple(below))


def with_turnaround_limits(
    scenario: Scenario, settings: DesignSettings | None = None, cache: SlaCache | None = None
) -> Scenario:
    """The scenario with its `turnaround_limits` attached, so that `solve` forms only pools that keep the target; the
    scenario unchanged when it has pools (pools.csv: designed, and read as they are) or when its [rules] turn the
    rule off (`self_formed_pools_meet_target = false`)."""
    if scenario.pools or not scenario.rules.self_formed_pools_meet_target:
        return scenario
    return replace(scenario, turnaround_limits=turnaround_limits(scenario, settings, cache))


def summary_rows(design: PoolDesign) -> list[dict[str, object]]:
    """One row per pool: sites, expected exams per night, peak utilisation, turnaround share, radiologists, and
    under "note" the pool's notes as they are (`PoolNote`s); `pds_plan.analysis.pool_notes.summary_rows` words
    them for pools_summary.csv."""
    scenario = design.scenario
    names = {s.site_id: s.name for s in scenario.sites}
    means = mean_exams_per_period(scenario)
    rows = []
    for pool in design.pools:
        figures = pool.figures
        worst = figures.worst
        night = figures.sla.get(PeriodKind.NIGHT)
        row: dict[str, object] = {
            "pool_id": pool.pool_id,
            "sites": " + ".join(names[s] for s in figures.site_ids),
            "site_ids": ";".join(figures.site_ids),
            "n_sites": len(figures.site_ids),
            "expected_exams_per_night": round(sum(means.get((s, PeriodKind.NIGHT), 0.0) for s in figures.site_ids), 2),
            "read_on_call_per_night": round(night.expected_exams, 2) if night else None,
            "peak_utilisation": round(max((r.peak_utilisation for r in figures.sla.values()), default=0.0), 3),
            "sla_share": round(worst.share_within_target, 4) if worst else None,
            "sla_share_low": round(worst.share_ci[0], 4) if worst else None,
            "sla_worst_period": worst.kind.value if worst else None,
            "p90_minutes": round(max((r.p90_minutes for r in figures.sla.values()), default=0.0), 1),
        }
        for kind in design.kinds:
            result = figures.sla.get(kind)
            row[f"sla_share_{kind.value}"] = round(result.share_within_target, 4) if result else None
        row.update(
            {
                "credentialed_radiologists": len(figures.radiologists),
                "spread_km": round(figures.spread_km, 1),
                "meets_sla": pool.meets_sla,
                "note": pool.notes,
            }
        )
        rows.append(row)
    return rows
