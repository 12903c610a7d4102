"""The turnaround simulator against queueing closed forms, and the pool figures on the tiny fixture.

How the tolerances are justified
--------------------------------
The closed-form checks use the method of independent replications: R long replications of a stationary queue
(constant arrival rate, starting empty), one estimate per replication (its mean waiting time, or its share of
exams within t minutes), and the standard error SE = s / √R of their mean across replications. A correct simulator
then gives (estimate − truth) / SE ~ Student t with R − 1 degrees of freedom, so a tolerance of Z = 4 standard
errors fails a correct simulator with probability below 5e-4 per check (t_39 tail), while each test also requires
SE to be small (a few per cent of the true value) so the check is not vacuous. The seeds are fixed, so the tests
are deterministic; the figures say how unlikely a false failure would be for an arbitrary seed.

Starting empty biases the first customers' waits downwards, for about the relaxation time of the queue,
1 / (μ (1 − √ρ)²) (≈ 3 h for ρ = 0.5, μ = 4/h; ≈ 4 h for ρ = 0.6, μ = 5/h): over 2,000-hour replications the
resulting bias is about 0.2 % of the mean, an order of magnitude below the tolerance, so no warm-up is discarded.
"""

import itertools
import math
import time

import numpy as np
import pytest

from pds_plan import load_scenario
from pds_plan.analysis.profile import DEFAULT_PROFILE
from pds_plan.analysis.sla import (
    DEFAULT_REPLICATIONS,
    QueueRun,
    mixture_sampler,
    ratio_confidence_interval,
    service_sampler,
    simulate_pool,
    simulate_queue,
    summarise_run,
    t_quantile,
)
from pds_plan.bundled import default_scenario
from pds_plan.domain.model import PeriodKind

Z = 4.0  # tolerance in standard errors (see the module docstring)
HORIZON_HOURS = 2000.0
REPLICATIONS = 40
NIGHT = PeriodKind.NIGHT


def per_replication(run: QueueRun, values: np.ndarray) -> np.ndarray:
    """Mean of `values` over each replication's exams."""
    return np.where(run.valid, values, 0.0).sum(axis=1) / run.counts


def assert_close(estimates: np.ndarray, truth: float, max_relative_se: float = 0.03) -> None:
    mean = float(estimates.mean())
    se = float(estimates.std(ddof=1) / math.sqrt(estimates.size))
    assert se < max_relative_se * truth, f"standard error {se:.4f} too large for a meaningful check"
    assert abs(mean - truth) <= Z * se, f"estimate {mean:.4f} vs closed form {truth:.4f} (SE {se:.4f})"


# --- closed forms -----------------------------------------------------------------------------------------------


def test_mm1_mean_wait_and_sojourn_distribution():
    # M/M/1, λ = 2/h, E[S] = 15 min (μ = 4/h), ρ = 0.5: Wq = ρ / (μ − λ) = 0.25 h = 15 min; the sojourn time is
    # exponential with rate μ − λ = 1/30 per minute, so P(T ≤ t) = 1 − exp(−t/30); P(no wait) = 1 − ρ (PASTA).
    lam, mu = 2.0, 4.0
    run = simulate_queue([lam], service_sampler(15.0, "exponential"), HORIZON_HOURS, REPLICATIONS, seed=1)
    assert_close(per_replication(run, run.waits), lam / mu / (mu - lam) * 60)
    for t in (10.0, 30.0, 60.0):
        assert_close(per_replication(run, (run.sojourns <= t).astype(float)), 1 - math.exp(-(mu - lam) / 60 * t))
    assert_close(per_replication(run, (run.waits == 0).astype(float)), 1 - lam / mu)


@pytest.mark.parametrize(
    ("distribution", "cv", "second_moment_factor"),
    [
        ("deterministic", 0.0, 1.0),  # M/D/1: E[S²] = E[S]²
        ("gamma", 0.5, 1.25),  # M/G/1: E[S²] = E[S]² (1 + cv²)
        ("gamma", 1.0, 2.0),  # gamma with cv 1 is exponential: M/M/1 again
        ("exponential", 1.0, 2.0),
    ],
)
def test_mg1_pollaczek_khinchine_mean_wait(distribution, cv, second_moment_factor):
    # λ = 3/h, E[S] = 12 min, ρ = 0.6; Pollaczek-Khinchine: Wq = λ E[S²] / (2 (1 − ρ)), here in minutes:
    # M/D/1 9 min, gamma cv 0.5 11.25 min, M/M/1 18 min.
    lam, mean = 3.0 / 60, 12.0
    rho = lam * mean
    expected = lam * second_moment_factor * mean**2 / (2 * (1 - rho))
    run = simulate_queue([3.0], service_sampler(mean, distribution, cv), HORIZON_HOURS, REPLICATIONS, seed=2)
    assert_close(per_replication(run, run.waits), expected)
    # The service times themselves: mean and coefficient of variation as asked (over ~240,000 draws).
    services = run.services[run.valid]
    assert services.mean() == pytest.approx(mean, rel=0.01)
    assert services.std() / services.mean() == pytest.approx(cv, abs=0.01)


# --- mechanics --------------------------------------------------------------------------------------------------


def lindley_loop(arrivals: list[float], services: list[float]) -> list[float]:
    """Reference FIFO single server, one exam at a time: start = max(arrival, previous finish)."""
    waits, free_at = [], 0.0
    for arrival, service in zip(arrivals, services, strict=True):
        start = max(arrival, free_at)
        waits.append(start - arrival)
        free_at = start + service
    return waits


def test_vectorised_waits_equal_a_plain_event_loop():
    run = simulate_queue([1, 6, 0.5, 4, 0], service_sampler(14.0, "gamma", 0.8), 4.5, replications=50, seed=7)
    assert run.counts.sum() > 400
    for r in range(run.replications):
        n = int(run.counts[r])
        assert np.all(np.diff(run.arrivals[r, :n]) >= 0)
        expected = lindley_loop(run.arrivals[r, :n].tolist(), run.services[r, :n].tolist())
        np.testing.assert_allclose(run.waits[r, :n], expected, atol=1e-9)


def test_piecewise_constant_arrivals_have_the_poisson_counts_of_each_slot():
    # Slot k of a 3.5-hour horizon gets Poisson(λ_k d_k) arrivals: means 1, 5, 0 and 2.5 × 0.5; the standard error
    # of a mean count over R replications is √(λ_k d_k / R).
    rates, replications = [1.0, 5.0, 0.0, 2.5], 4000
    run = simulate_queue(rates, service_sampler(1.0, "deterministic"), 3.5, replications, seed=3)
    arrivals = run.arrivals[run.valid] / 60
    slots = run.slots[run.valid]
    assert np.all(arrivals < 3.5)
    assert np.all(slots == np.floor(arrivals))
    for k, expected in enumerate([1.0, 5.0, 0.0, 1.25]):
        observed = np.sum(slots == k) / replications
        assert abs(observed - expected) <= Z * math.sqrt(max(expected, 1e-12) / replications)
    # Within a slot, times are uniform: mean offset 1/2 with SE √(1/12 / N).
    offsets = arrivals[slots == 1] - 1
    assert abs(offsets.mean() - 0.5) <= Z * math.sqrt(1 / 12 / offsets.size)


def test_the_last_rate_carries_on_over_a_longer_horizon():
    run = simulate_queue([2.0], service_sampler(1.0, "deterministic"), 10.0, replications=2000, seed=4)
    assert abs(run.counts.mean() - 20) <= Z * math.sqrt(20 / 2000)


def test_mixture_sampler_follows_the_mix_of_each_slot():
    # Slot 0: only class 0 (10 min); slot 1: class 1 (30 min) three times as often as class 0.
    sampler = mixture_sampler([10.0, 30.0], [[1.0, 0.0], [1.0, 3.0]], "deterministic")
    slots = np.repeat(np.array([0, 1], dtype=np.int64), 20000)
    services = sampler(np.random.default_rng(0), slots)
    assert np.all(services[:20000] == 10.0)
    share_long = np.mean(services[20000:] == 30.0)
    assert abs(share_long - 0.75) <= Z * math.sqrt(0.75 * 0.25 / 20000)


def test_no_arrivals_gives_an_empty_run_and_a_vacuous_sla():
    run = simulate_queue([0.0], service_sampler(10.0), 5.0, replications=10, seed=0)
    assert run.counts.sum() == 0
    figures = summarise_run(run)
    assert figures["share_within_target"] == 1.0
    assert figures["exams_simulated"] == 0


def test_t_quantile_matches_tables():
    assert t_quantile(0.975, 9) == pytest.approx(2.262, abs=1e-3)
    assert t_quantile(0.975, 39) == pytest.approx(2.023, abs=1e-3)
    assert t_quantile(0.975, 199) == pytest.approx(1.972, abs=1e-3)


def test_ratio_interval_is_the_pooled_share_with_a_delta_method_half_width():
    share, low, high = ratio_confidence_interval([8, 9, 10, 7], [10, 10, 12, 8])
    assert share == pytest.approx(34 / 40)
    residuals = np.array([8, 9, 10, 7]) - share * np.array([10, 10, 12, 8])
    half = t_quantile(0.975, 3) * residuals.std(ddof=1) / (10 * 2)
    assert (low, high) == pytest.approx((share - half, share + half))


# --- pools of the tiny fixture ----------------------------------------------------------------------------------


def test_same_seed_same_result_other_seed_other_result(tiny):
    first = simulate_pool(tiny, ["nancy", "metz"], NIGHT, seed=11)
    assert simulate_pool(tiny, ["nancy", "metz"], NIGHT, seed=11) == first
    assert simulate_pool(tiny, ["nancy", "metz"], NIGHT, seed=12) != first


def test_more_sites_mean_a_worse_sla(tiny):
    # 1000 replications: the intervals of successive pools do not overlap, so the ordering is not noise.
    results = [
        simulate_pool(tiny, pool, NIGHT, replications=1000, seed=5)
        for pool in (["verdun"], ["verdun", "metz"], ["verdun", "metz", "nancy"])
    ]
    for smaller, larger in itertools.pairwise(results):
        assert larger.share_ci[1] < smaller.share_ci[0]
        assert larger.p90_minutes > smaller.p90_minutes
        assert larger.mean_wait_minutes > smaller.mean_wait_minutes
        assert larger.peak_utilisation > smaller.peak_utilisation
        assert larger.expected_exams > smaller.expected_exams


def test_tiny_pool_figures(tiny):
    result = simulate_pool(tiny, ["nancy", "metz", "verdun"], NIGHT)
    assert result.site_ids == ("nancy", "metz", "verdun")
    assert result.replications == DEFAULT_REPLICATIONS == 400  # the pool design's too
    assert result.target_minutes == 30
    # 18 CT (15 + 3 min) and 9 XR (5 + 3 min) a night: 396 reading minutes; the busiest slot (20:30-22:30) gets
    # the largest default weight, 1.75 / 13.7 of the night.
    assert result.expected_exams == pytest.approx(27.0)
    assert result.peak_utilisation == pytest.approx(396 * max(DEFAULT_PROFILE.night) / 60)
    assert result.peak_utilisation == pytest.approx(0.8431, abs=1e-4)
    # Simulated exams ~ Poisson(400 × 27).
    assert abs(result.exams_simulated - 400 * 27) <= Z * math.sqrt(400 * 27)
    assert result.share_ci[0] <= result.share_within_target <= result.share_ci[1]
    assert result.share_within_target <= result.share_within_target_if_idle
    assert result.p50_minutes <= result.p90_minutes
    assert result.mean_turnaround_minutes > result.mean_wait_minutes


def test_deterministic_reading_of_a_quiet_site_is_always_on_time(tiny):
    # Verdun's CT takes 18 minutes; even queued behind one other exam a 30-minute target is mostly met, and with no
    # randomness in reading times the 'if idle' ceiling is exactly 1.
    result = simulate_pool(tiny, ["verdun"], NIGHT, service="deterministic")
    assert result.share_within_target_if_idle == 1.0
    assert result.p50_minutes >= 18.0
    assert result.share_within_target > 0.9


def test_a_pool_without_demand_meets_any_target(tiny):
    result = simulate_pool(tiny, ["metz"], PeriodKind.SATURDAY)
    assert result.exams_simulated == 0
    assert result.share_within_target == 1.0
    assert result.peak_utilisation == 0.0


def test_interval_contains_the_estimate_and_narrows_with_replications(tiny):
    few = simulate_pool(tiny, ["nancy", "metz"], NIGHT, replications=50, seed=3)
    many = simulate_pool(tiny, ["nancy", "metz"], NIGHT, replications=800, seed=3)
    for result in (few, many):
        assert result.share_ci[0] <= result.share_within_target <= result.share_ci[1]
    width = lambda r: r.share_ci[1] - r.share_ci[0]  # noqa: E731
    # The half-width scales as 1/√R: 16 times the replications should quarter it; allow up to half.
    assert width(many) < 0.5 * width(few)


def test_interval_covers_the_long_run_share_about_95_percent_of_the_time(tiny):
    # Reference: 40,000 replications (half-width ~0.002, a tenth of the 100-replication intervals). Over 200 seeds
    # the number of covering intervals is Binomial(200, 0.95) if the interval is right: mean 190, sd 3.1; the bounds
    # 178 and 198 are 3.9 sd below and 2.6 sd above (tail probabilities under 1e-4 and 5e-4).
    reference = simulate_pool(tiny, ["verdun", "metz"], NIGHT, replications=40_000, seed=12345).share_within_target
    covered = 0
    for seed in range(200):
        low, high = simulate_pool(tiny, ["verdun", "metz"], NIGHT, replications=100, seed=seed).share_ci
        covered += low <= reference <= high
    assert 178 <= covered <= 198


def test_a_three_site_lorraine_night_takes_well_under_a_second():
    scenario = load_scenario(default_scenario())
    pool = ["lor_verdun", "lor_bar_le_duc", "lor_st_die"]
    simulate_pool(scenario, pool, NIGHT)  # warm-up (imports, caches)
    start = time.perf_counter()
    result = simulate_pool(scenario, pool, NIGHT, replications=200)
    assert time.perf_counter() - start < 0.5
    assert result.exams_simulated > 0
