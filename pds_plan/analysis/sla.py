"""Turnaround (arrival to report) of one radiologist reading a pool of sites during a PDS period: the 30-minute SLA.

Model
-----
One reader, first come first served, no pre-emption, idle at the start of the period; exams arrive by a
non-homogeneous Poisson process whose rate is piecewise constant per hourly slot (`pds_plan.analysis.profile`),
each exam's modality drawn with probability proportional to the modality's rate in its slot; the service time of
an exam is the reading minutes of its modality plus the per-exam overhead (`Reading.minutes_per_exam`), scaled by a
random factor with mean 1: deterministic, exponential, or gamma with a given coefficient of variation (default
0.5). Exams arriving before the period ends are all read, the queue draining past the end if needed. Turnaround =
waiting time + service time (the reading itself ends with the report).

Sources: the Picardie pilot's PDS target is a report within 30 minutes of the image's arrival; a national
teleradiology company reports a mean of 17 minutes from arrival to report (docs/rules.md,
"Turnaround target").

Simulation
----------
Replications are independent periods, simulated together with numpy. Arrivals: per replication and slot k, a count
N_k ~ Poisson(λ_k d_k) and N_k uniform times in the slot (a piecewise-constant-rate Poisson process, exactly).
Waiting times W_i of the FIFO single server follow Lindley's recursion W_1 = 0,
W_{i+1} = max(0, W_i + S_i − (A_{i+1} − A_i)), which is solved without a loop over exams as
W_i = P_i − min_{j ≤ i} P_j with P_1 = 0 and P_{i+1} = P_i + S_i − (A_{i+1} − A_i) (cumulative sums and running
minima along each replication).

Confidence interval: the share within target is the ratio estimator p = Σ_r c_r / Σ_r n_r over replications r
(c_r reports within target out of n_r exams), i.e. the share of all reports; its 95 % interval is
p ± t_{0.975, R−1} · s / (n̄ √R) with s² = Σ_r (c_r − p n_r)² / (R − 1) (delta method for a ratio of means).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
import numpy.typing as npt

from pds_plan.analysis.profile import ArrivalProfile, pool_arrival_rates, slot_hours
from pds_plan.domain.model import PeriodKind, Scenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Distribution = Literal["deterministic", "exponential", "gamma"]

# A service sampler draws service times in minutes: given the generator and the slot index of each exam (an integer
# array of any shape), it returns an array of the same shape. Samplers that do not depend on time use only its shape.
ServiceSampler = Callable[[np.random.Generator, IntArray], FloatArray]

MINUTES_PER_HOUR = 60.0
DEFAULT_TARGET_MINUTES = 30.0  # Picardie pilot: PDS report within 30 minutes of the image's arrival
# The pool design's and the analysis's: one value, so that a grouping simulated once serves both.
DEFAULT_REPLICATIONS = 400
DEFAULT_CV = 0.5


def _scale_factors(
    rng: np.random.Generator, shape: tuple[int, ...], distribution: Distribution, cv: float
) -> FloatArray:
    """Random factors with mean 1: 1 (deterministic), Exp(1) (cv 1), or Gamma(k = 1/cv², θ = cv²) (cv given)."""
    if distribution == "deterministic" or (distribution == "gamma" and cv == 0):
        return np.ones(shape)
    if distribution == "exponential":
        return rng.exponential(1.0, shape)
    if distribution == "gamma":
        if cv < 0 or not math.isfinite(cv):
            raise ValueError(f"coefficient of variation must be >= 0, got {cv}")
        return rng.gamma(1.0 / cv**2, cv**2, shape)
    raise ValueError(f"unknown service distribution '{distribution}' (deterministic, exponential or gamma)")


def service_sampler(
    mean_minutes: float, distribution: Distribution = "gamma", cv: float = DEFAULT_CV
) -> ServiceSampler:
    """Service times with a fixed mean: deterministic (E[S²] = m²), exponential (E[S²] = 2m²) or gamma with
    coefficient of variation cv (shape 1/cv², E[S²] = m²(1 + cv²))."""
    if mean_minutes <= 0:
        raise ValueError(f"mean service time must be > 0, got {mean_minutes}")

    def sample(rng: np.random.Generator, slots: IntArray) -> FloatArray:
        return mean_minutes * _scale_factors(rng, slots.shape, distribution, cv)

    return sample


def mixture_sampler(
    mean_minutes: Sequence[float],
    class_rates_by_slot: Sequence[Sequence[float]],
    distribution: Distribution = "gamma",
    cv: float = DEFAULT_CV,
) -> ServiceSampler:
    """Service times of exams of several classes (modalities) whose mix changes by slot.

    An exam arriving in slot k is of class c with probability λ_c(k) / Σ_c' λ_c'(k) (the class of a point of a
    superposition of Poisson processes); its service time is mean_minutes[c] times a factor with mean 1 (see
    `service_sampler`).

    Parameters
    ----------
    mean_minutes
        Mean service minutes per class.
    class_rates_by_slot
        Per slot, the arrival rate of each class (only ratios matter; an all-zero slot gets class 0, unused).
    """
    means = np.asarray(mean_minutes, dtype=float)
    rates = np.asarray(class_rates_by_slot, dtype=float).reshape(-1, len(means))
    totals = rates.sum(axis=1, keepdims=True)
    shares = np.divide(rates, totals, out=np.zeros_like(rates), where=totals > 0)
    shares[totals[:, 0] == 0, 0] = 1.0
    cumulative = np.cumsum(shares, axis=1)
    cumulative[:, -1] = 1.0  # guard against rounding: every uniform falls in some class

    def sample(rng: np.random.Generator, slots: IntArray) -> FloatArray:
        uniform = rng.random(slots.shape)
        classes = (uniform[..., None] >= cumulative[slots]).sum(axis=-1)
        return means[classes] * _scale_factors(rng, slots.shape, distribution, cv)

    return sample


@dataclass(frozen=True)
class QueueRun:
    """Exams of all replications of a single-server FIFO queue, padded to a (replications, max exams) array.

    Times in minutes from the period's start; entries where `valid` is False are padding.
    """

    arrivals: FloatArray
    services: FloatArray
    waits: FloatArray
    slots: IntArray
    valid: npt.NDArray[np.bool_]

    @property
    def sojourns(self) -> FloatArray:
        """Turnaround (waiting + service) of each exam, minutes."""
        return self.waits + self.services

    @property
    def counts(self) -> IntArray:
        """Exams per replication."""
        return self.valid.sum(axis=1).astype(np.int64)

    @property
    def replications(self) -> int:
        return int(self.valid.shape[0])


def simulate_queue(
    arrival_rate_per_hour_by_hour: Sequence[float],
    service_sampler: ServiceSampler,
    hours: float,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
) -> QueueRun:
    """Simulate a single-server FIFO queue with piecewise-constant Poisson arrivals, over independent replications.

    Slot k covers [k, min(k + 1, hours)) hours with rate λ_k exams per hour; the last rate also applies to any time
    beyond the given rates (a constant-rate run can pass one rate and a long horizon). Service starts idle at 0 and
    every exam arriving before `hours` is served.

    Parameters
    ----------
    arrival_rate_per_hour_by_hour
        λ_k, exams per hour, for slot k = 0, 1, ...
    service_sampler
        Draws service minutes given the slot index of each exam (see `ServiceSampler`).
    hours
        Length of the horizon in hours (may be fractional).
    replications
        Number of independent replications.
    seed
        Seed of numpy's default generator (PCG64): the same seed gives the same run.

    Returns
    -------
    QueueRun
        Arrival, service and waiting minutes of each exam; waiting times by Lindley's recursion (module docstring).
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if hours <= 0:
        raise ValueError(f"hours must be > 0, got {hours}")
    given = np.asarray(arrival_rate_per_hour_by_hour, dtype=float)
    if given.size == 0 or np.any(given < 0) or not np.all(np.isfinite(given)):
        raise ValueError("arrival rates must be a non-empty sequence of finite rates >= 0")
    slot_count = math.ceil(hours)
    rates = np.concatenate([given, np.full(max(0, slot_count - given.size), given[-1])])[:slot_count]
    starts = np.arange(slot_count, dtype=float)
    durations = np.minimum(1.0, hours - starts)

    rng = np.random.default_rng(seed)
    counts = rng.poisson(rates * durations, size=(replications, slot_count))
    per_replication = counts.sum(axis=1)
    width = int(per_replication.max(initial=0))
    total = int(per_replication.sum())

    # Every arrival, grouped by replication then slot, at a uniform time within its slot.
    slot_of = np.repeat(np.tile(np.arange(slot_count), replications), counts.ravel())
    replication_of = np.repeat(np.arange(replications), per_replication)
    times = (starts[slot_of] + rng.random(total) * durations[slot_of]) * MINUTES_PER_HOUR
    order = np.lexsort((times, replication_of))
    offsets = np.concatenate([[0], np.cumsum(per_replication)[:-1]])
    column = np.arange(total) - offsets[replication_of[order]]

    valid = np.zeros((replications, width), dtype=bool)
    arrivals = np.full((replications, width), hours * MINUTES_PER_HOUR)  # padding after the last arrival
    slots = np.zeros((replications, width), dtype=np.int64)
    valid[replication_of[order], column] = True
    arrivals[replication_of[order], column] = times[order]
    slots[replication_of[order], column] = slot_of[order]

    services = np.where(valid, service_sampler(rng, slots), 0.0)
    # Lindley: P_1 = 0, P_{i+1} = P_i + S_i - (A_{i+1} - A_i); W_i = P_i - min_{j<=i} P_j.
    steps = services[:, :-1] - np.diff(arrivals, axis=1)
    partial = np.concatenate([np.zeros((replications, min(width, 1))), np.cumsum(steps, axis=1)], axis=1)
    waits = partial - np.minimum.accumulate(partial, axis=1)
    waits = np.where(valid, np.maximum(waits, 0.0), 0.0)
    return QueueRun(arrivals=arrivals, services=services, waits=waits, slots=slots, valid=valid)


def t_quantile(probability: float, degrees: int) -> float:
    """Student t quantile by the Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5), within 1e-3 of the exact
    value for 5 or more degrees of freedom; the normal quantile for infinite degrees."""
    z = NormalDist().inv_cdf(probability)
    if degrees <= 0:
        return math.inf
    v = float(degrees)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def ratio_confidence_interval(
    hits: npt.ArrayLike, counts: npt.ArrayLike, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Ratio estimate p = Σ hits / Σ counts over replications and its confidence interval (delta method).

    Half-width t_{(1+confidence)/2, R−1} · s / (n̄ √R), s² = Σ_r (hits_r − p counts_r)² / (R − 1), clipped to [0, 1].
    With no count at all the share is taken as 1 (nothing to be late) with a zero-width interval.
    """
    c = np.asarray(hits, dtype=float)
    n = np.asarray(counts, dtype=float)
    if n.sum() == 0:
        return 1.0, 1.0, 1.0
    share = float(c.sum() / n.sum())
    replications = c.size
    if replications < 2:
        return share, 0.0, 1.0
    spread = float(np.sqrt(np.sum((c - share * n) ** 2) / (replications - 1)))
    half = t_quantile((1 + confidence) / 2, replications - 1) * spread / (n.mean() * math.sqrt(replications))
    return share, max(0.0, share - half), min(1.0, share + half)


@dataclass(frozen=True)
class SlaResult:
    """Turnaround of one reader covering a pool of sites during one period kind (a seeded simulation).

    Attributes
    ----------
    site_ids, kind
        The pool and the period kind.
    target_minutes
        The turnaround target (Picardie pilot: 30 minutes).
    share_within_target
        Share of all simulated reports with turnaround ≤ target (ratio over replications).
    share_ci
        Its 95 % confidence interval across replications (delta method, module docstring).
    p50_minutes, p90_minutes
        Median and 90th percentile of turnaround over all simulated exams.
    mean_wait_minutes
        Mean time an exam waits before its reading starts.
    mean_turnaround_minutes
        Mean arrival-to-report time (to compare with the 17 minutes reported by a teleradiology company).
    share_within_target_if_idle
        Share of simulated exams whose reading alone (no wait) fits the target: the ceiling no pooling can beat,
        set by the reading minutes and their spread (a 12-minute CT with cv 0.5 exceeds 30 minutes 1 % of the
        time).
    peak_utilisation
        Expected reading minutes arriving in the busiest slot per hour / 60: max_k Σ_m λ_m(k) E[S_m] / 60 (not
        simulated; above 1 the backlog grows during that hour).
    expected_exams
        Mean exams of one period of the pool that the radiologist on call reads (volumes.csv times
        `Reading.read_on_call_share`).
    exams_simulated, replications
        Exams over all replications, and the number of replications (simulated periods).
    """

    site_ids: tuple[str, ...]
    kind: PeriodKind
    target_minutes: float
    share_within_target: float
    share_ci: tuple[float, float]
    p50_minutes: float
    p90_minutes: float
    mean_wait_minutes: float
    mean_turnaround_minutes: float
    share_within_target_if_idle: float
    peak_utilisation: float
    expected_exams: float
    exams_simulated: int
    replications: int


def summarise_run(run: QueueRun, target_minutes: float = DEFAULT_TARGET_MINUTES) -> dict[str, float | int]:
    """Share within target (with CI), p50/p90 turnaround, mean wait and mean turnaround of a simulated run."""
    sojourns = run.sojourns[run.valid]
    hits = ((run.sojourns <= target_minutes) & run.valid).sum(axis=1)
    share, low, high = ratio_confidence_interval(hits, run.counts)
    empty = sojourns.size == 0
    return {
        "share_within_target": share,
        "share_low": low,
        "share_high": high,
        "p50_minutes": 0.0 if empty else float(np.quantile(sojourns, 0.5)),
        "p90_minutes": 0.0 if empty else float(np.quantile(sojourns, 0.9)),
        "mean_wait_minutes": 0.0 if empty else float(run.waits[run.valid].mean()),
        "mean_turnaround_minutes": 0.0 if empty else float(sojourns.mean()),
        "share_within_target_if_idle": 1.0 if empty else float((run.services[run.valid] <= target_minutes).mean()),
        "exams_simulated": int(sojourns.size),
    }


def simulate_pool(
    scenario: Scenario,
    site_ids: Iterable[str],
    kind: PeriodKind,
    target_minutes: float = DEFAULT_TARGET_MINUTES,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    service: Distribution = "gamma",
    cv: float = DEFAULT_CV,
    profile: ArrivalProfile | None = None,
) -> SlaResult:
    """Simulate one radiologist reading every exam of a pool of sites during periods of one kind.

    Arrival rates per slot and modality are the sum over the pool's sites of `arrival_rates` (volumes.csv spread
    by the profile); mean service minutes per modality are ``scenario.reading.minutes_per_exam`` (reading plus
    overhead), randomised by `service` ("deterministic", "exponential" or "gamma" with coefficient of variation
    `cv`). The model and the confidence interval are described in the module docstring.

    Parameters
    ----------
    scenario
        Volumes, PDS hours and reading minutes.
    site_ids
        The sites read by the one radiologist.
    kind
        The period kind (night, saturday, sunday_holiday).
    target_minutes
        Turnaround target, minutes from arrival to report (default 30, Picardie pilot).
    replications
        Simulated periods (default DEFAULT_REPLICATIONS, 400).
    seed
        Random seed; the same arguments and seed give the same result.
    service, cv
        Service-time distribution around each modality's reading minutes.
    profile
        Hour-of-day profile; None means the default (assumed) profile for the scenario's hours.
    """
    pool = tuple(dict.fromkeys(site_ids))
    if not pool:
        raise ValueError("a pool needs at least one site")
    rates_by_slot = pool_arrival_rates(scenario, pool, kind, profile)
    durations = slot_hours(scenario.hours, kind)
    modalities = sorted({m for _, rates in rates_by_slot for m in rates})
    minutes = [scenario.reading.minutes_per_exam(m) for m in modalities]
    class_rates = [[rates.get(m, 0.0) for m in modalities] for _, rates in rates_by_slot]
    total_rates = [sum(row) for row in class_rates]
    expected_exams = sum(rate * d for rate, d in zip(total_rates, durations, strict=True))
    peak_minutes = max(
        (sum(r * m for r, m in zip(row, minutes, strict=True)) for row in class_rates),
        default=0.0,
    )
    sampler = (
        mixture_sampler(minutes, class_rates, service, cv)
        if modalities
        else service_sampler(1.0, "deterministic")  # no exam ever arrives
    )
    run = simulate_queue(total_rates, sampler, sum(durations), replications, seed)
    figures = summarise_run(run, target_minutes)
    return SlaResult(
        site_ids=pool,
        kind=kind,
        target_minutes=target_minutes,
        share_within_target=float(figures["share_within_target"]),
        share_ci=(float(figures["share_low"]), float(figures["share_high"])),
        p50_minutes=float(figures["p50_minutes"]),
        p90_minutes=float(figures["p90_minutes"]),
        mean_wait_minutes=float(figures["mean_wait_minutes"]),
        mean_turnaround_minutes=float(figures["mean_turnaround_minutes"]),
        share_within_target_if_idle=float(figures["share_within_target_if_idle"]),
        peak_utilisation=peak_minutes / MINUTES_PER_HOUR,
        expected_exams=expected_exams,
        exams_simulated=int(figures["exams_simulated"]),
        replications=replications,
    )
