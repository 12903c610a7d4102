"""Benchmark: the synthetic national set (bench/national_set.py) as ONE sweep on a Dask LocalCluster, with 1 and
with 2 Dask workers.

Usage (from the repository root, with the benchmark extra installed: psutil)::

    python bench/bench_sweep.py [--national regions/france] [--scale 0.3] [--days 14] [--seed 1] \\
        [--time-limit 5] [--method cpsat] [--dask-workers 1,2] [--work-dir DIR] [--json FILE]

Without ``--national`` (or when that folder holds no region yet) the set is generated first, with ``--scale``,
``--days`` and ``--seed``, into the work folder. Each pass starts its own LocalCluster
(``pds_plan.runs.sweep.local_client``: one thread per Dask worker, one process each), gives each variant
``cpsat_threads(workers)`` CP-SAT threads (cores // Dask workers, so that the passes use the same cores), runs
every region as one variant of one ``run_sweep`` call into ``<work>/workers-<n>/``, and prints:

- per region: sites, radiologists, and for each pass the variant's status and its wall time in the worker (load,
  pool design, solve, check, analysis: ``seconds`` of the sweep's row);
- per pass: total wall time of the ``run_sweep`` call (the cluster's start-up is printed apart, not included),
  the sum of the variants' times, and the peak resident memory of each Dask worker process and of this (client)
  process, sampled with psutil every ``--sample-every`` seconds (0.2 by default: a shorter peak can be missed);
- the speed-up: total of the first pass / total of each other pass.

The search is reproducible for given CP-SAT threads, but the passes give CP-SAT different threads (2 against 1
on a 2-core machine), so their rotas differ: the speed-up compares the same work budget (CP-SAT's deterministic
budget is proportional to its threads), not the same rota.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # national_set.py beside this file; bench/ is no package


class PeakSampler:
    """Peak RSS of a set of processes, sampled in a thread: a worker's peak is its own, not the cluster's sum."""

    def __init__(self, pids: dict[str, int], every: float) -> None:
        import psutil

        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peaks = dict.fromkeys(pids, 0)
        self.every = every
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            for name, process in self.processes.items():
                try:
                    rss = process.memory_info().rss
                except psutil.Error:  # a worker that died: its peak so far stays
                    continue
                self.peaks[name] = max(self.peaks[name], rss)
            self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def count_rows(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def national_scenarios(args: argparse.Namespace, work: Path) -> list[Path]:
    folder = args.national or work / "france"
    tomls = sorted(Path(folder).glob("*/scenario.toml"))
    if tomls:
        return tomls
    from national_set import generate_france

    print(f"generating the national set into {folder} (scale {args.scale:g}, {args.days} days, seed {args.seed})")
    return generate_france(folder, seed=args.seed, scale=args.scale, days=args.days, verbose=True)


def one_pass(tomls: Sequence[Path], dask_workers: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    import psutil

    from pds_plan.domain.run import RunSettings
    from pds_plan.runs.sweep import cpsat_threads, expand, local_client, run_sweep

    started = time.monotonic()
    client = local_client(dask_workers)
    cluster = client.cluster  # local_client hands the cluster to the Client, which does not close it: we do
    try:
        startup = time.monotonic() - started
        pids: dict[str, int] = client.run(os.getpid)  # worker address -> pid of the worker process
        names = {address: f"worker {i + 1}" for i, address in enumerate(sorted(pids))}
        threads = cpsat_threads(dask_workers)
        settings = RunSettings(method=args.method, time_limit=args.time_limit, workers=threads)
        variants = expand([str(t) for t in tomls], {}, settings)
        region_of = {v.key[:10]: Path(v.scenario).parent.name for v in variants}
        rows: dict[str, dict[str, Any]] = {}
        print(f"\n{dask_workers} Dask worker(s), {threads} CP-SAT thread(s) each, {len(variants)} variants "
              f"(cluster up in {startup:.1f} s)")  # fmt: skip
        me = psutil.Process()
        client_cpu = sum(me.cpu_times()[:2])
        load_before = os.getloadavg()
        t0 = time.monotonic()

        def done(row: dict[str, Any]) -> None:
            region = region_of[row["key"]]
            rows[region] = {**row, "done_at": time.monotonic() - t0}
            state = f"error: {row['error']}" if row["error"] else row["status"]
            print(f"  {time.monotonic() - t0:7.1f} s  {region:28} {row['seconds']:7.1f} s  {state}", flush=True)

        watched = {names[a]: pid for a, pid in pids.items()} | {"client": os.getpid()}
        with PeakSampler(watched, args.sample_every) as sampler:
            result = run_sweep(variants, out, client, on_done=done)
        total = time.monotonic() - t0
        return {
            "dask_workers": dask_workers,
            "cpsat_threads": threads,
            "startup_s": startup,
            "total_s": total,
            "sum_variant_s": float(result.rows["seconds"].sum()),
            "skipped": result.skipped,
            "errors": int((result.rows["error"] != "").sum()),
            "peak_rss_mb": {name: peak / 2**20 for name, peak in sampler.peaks.items()},
            "samples": sampler.samples,
            "client_cpu_s": sum(me.cpu_times()[:2]) - client_cpu,
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "regions": rows,
        }
    finally:
        client.close()
        cluster.close()


def report(tomls: Sequence[Path], passes: Sequence[dict[str, Any]]) -> None:
    print("\nper region (wall time of each variant in its worker, seconds)")
    header = f"{'region':28} {'sites':>5} {'rads':>5}"
    for p in passes:
        header += f" | {p['dask_workers']}w status{'':10} {'s':>6} {'fair.':>5}"
    print(header)
    for toml in tomls:
        region = toml.parent.name
        line = f"{region:28} {count_rows(toml.parent / 'sites.csv'):5} {count_rows(toml.parent / 'radiologists.csv'):5}"
        for p in passes:
            row = p["regions"].get(region, {})
            status = "error" if row.get("error") else str(row.get("status"))
            fairness = row.get("fairness_max_over_min")
            shown = f"{fairness:5.2f}" if isinstance(fairness, float) else f"{'-':>5}"
            line += f" | {status:18} {row.get('seconds', float('nan')):6.1f} {shown}"
        print(line)
    print("\nper pass")
    first = passes[0]["total_s"]
    for p in passes:
        peaks = ", ".join(f"{name} {mb:.0f} MB" for name, mb in p["peak_rss_mb"].items())
        print(
            f"  {p['dask_workers']} Dask worker(s) × {p['cpsat_threads']} CP-SAT thread(s): total {p['total_s']:.1f} s"
            f" (variants' sum {p['sum_variant_s']:.1f} s; cluster start-up {p['startup_s']:.1f} s apart), speed-up "
            f"{first / p['total_s']:.2f}, errors {p['errors']}, peak RSS {peaks} ({p['samples']} samples), client "
            f"CPU {p['client_cpu_s']:.1f} s, load {p['load_before'][0]:.1f} → {p['load_after'][0]:.1f}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", type=Path, help="folder of an existing national set (default: generate one)")
    parser.add_argument("--scale", type=float, default=0.3, help="scale of a generated set (default 0.3)")
    parser.add_argument("--days", type=int, default=14, help="horizon of a generated set (default 14)")
    parser.add_argument("--seed", type=int, default=1, help="seed of a generated set (default 1)")
    parser.add_argument("--time-limit", type=float, default=5.0, help="CP-SAT seconds per variant (default 5)")
    parser.add_argument("--method", choices=("cpsat", "greedy"), default="cpsat")
    parser.add_argument("--dask-workers", default="1,2", help="Dask workers of each pass (default 1,2)")
    parser.add_argument("--sample-every", type=float, default=0.2, help="seconds between RSS samples (default 0.2)")
    parser.add_argument("--work-dir", type=Path, help="where the set and the run folders go (default: a new temp)")
    parser.add_argument("--json", type=Path, help="write every raw figure of every pass to this file")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.dask_workers.split(",") if n.strip()]
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="pds-sweep-"))
    work.mkdir(parents=True, exist_ok=True)
    outs = [work / f"workers-{n}" for n in counts]
    existing = [str(o) for o in outs if o.exists()]
    if existing:
        # run_sweep skips the variants a folder already holds: an old folder would time nothing.
        parser.error(f"already exists (a sweep would skip its finished variants): {', '.join(existing)}")
    tomls = national_scenarios(args, work)
    print(f"{len(tomls)} regions; {os.cpu_count()} cores; {platform.platform()}; Python {platform.python_version()}; "
          f"{dt.datetime.now().isoformat(timespec='seconds')}; work folder {work}")  # fmt: skip
    passes = [one_pass(tomls, n, args, out) for n, out in zip(counts, outs, strict=True)]
    report(tomls, passes)
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args), "passes": passes}, indent=1, default=str), "utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
