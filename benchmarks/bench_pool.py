"""Comparison pool at population scale: pool file -> matched panel (a script, not a test).

    python benchmarks/bench_pool.py [--persons 1000000] [--runs 3] [--pool /tmp/tpj-pool-1m.parquet]
                                    [--memory-limit 3GB] [--threads 2]

1. Generates (once; reused when the file exists) a pool of `--persons` general benefit
   recipients x every ISO week 2019-W01..2025-W52 and month 2019-01..2025-12 as Parquet
   (analysis.synthetic.pool.write_large_pool), outside the repository, and times that on
   its own.
2. Runs `--runs` times, each in a fresh process: the bundled final-2025 participants
   (analysis.effect.matching.participants_from_extract) -> read the pool with DuckDB
   (columns and rows pruned in SQL; analysis.effect.pool.read_pool) -> match (k = 5, full
   history) -> the matched panel; then the old-history variant. Reports wall time per
   stage and peak memory (the process's maximum resident set size, resource.getrusage),
   minimum, median and maximum over the runs. Target (issue 13): <= 60 s and <= 4 GB on a
   2-core machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIRST, LAST = "2019-W01", "2025-W52"


def one_run(pool_path: Path, memory_limit: str | None, threads: int | None) -> dict:
    """One measured run in this process: the stages' wall times and the peak RSS."""
    from analysis.editions import EDITIONS
    from analysis.effect.matching import match_comparison, participants_from_extract
    from analysis.effect.pool import read_pool
    from analysis.reference.scoring import load_mapping
    from analysis.register.extract import load_extract
    import analysis.runtime

    times = {}
    start = time.perf_counter()
    mapping = load_mapping()
    edition = EDITIONS["final-2025"]
    extract = load_extract(edition.data_dir, edition, mapping)
    participants = participants_from_extract(extract, mapping)
    times["participants"] = time.perf_counter() - start
    t = time.perf_counter()
    pool = read_pool(pool_path, mapping, participants.persons["start_week"].unique(),
                     memory_limit=memory_limit, threads=threads)
    times["read pool (DuckDB)"] = time.perf_counter() - t
    t = time.perf_counter()
    full = match_comparison(participants, pool, history="full")
    times["match, full history"] = time.perf_counter() - t
    t = time.perf_counter()
    old = match_comparison(participants, pool, history="old")
    times["match, old history"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # Linux: kilobytes
    return {"times": times, "peak_rss": peak, "rows_in_file": pool.rows_in_file,
            "rows_kept": len(pool.persons), "weeks_kept": int(pool.scores.shape[1]),
            "panel_rows": len(full.panel), "panel_rows_old": len(old.panel),
            "controls": full.counts["controls"], "eligible_pool": full.counts["eligible_pool"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pool", type=Path, default=Path("/tmp/tpj-pool-1m.parquet"))
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 3GB")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_run:
        print(json.dumps(one_run(args.pool, args.memory_limit, args.threads)))
        return 0

    from analysis.editions import EDITIONS
    from analysis.synthetic.pool import write_large_pool
    from analysis.weeks import parse_week_label
    import pandas as pd
    if not args.pool.exists():
        starts = pd.read_csv(EDITIONS["final-2025"].data_dir / "registrations.csv")["kursusstart"].unique()
        t = time.perf_counter()
        write_large_pool(args.pool, args.persons, [parse_week_label(s) for s in starts],
                         parse_week_label(FIRST), parse_week_label(LAST))
        print(f"generated {args.persons:,} persons x {FIRST}..{LAST} in {time.perf_counter() - t:.1f} s "
              f"-> {args.pool} ({args.pool.stat().st_size / 1e6:.0f} MB)")
    else:
        print(f"reusing {args.pool} ({args.pool.stat().st_size / 1e6:.0f} MB)")

    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, __file__, "--one-run", "--pool", str(args.pool)]
    if args.memory_limit:
        command += ["--memory-limit", args.memory_limit]
    if args.threads:
        command += ["--threads", str(args.threads)]
    results = []
    for i in range(args.runs):
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"run {i + 1} failed")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"run {i + 1}: {results[-1]['times']['total']:.1f} s, "
              f"peak {results[-1]['peak_rss'] / 2**30:.2f} GiB", flush=True)

    first = results[0]
    print(f"\npool: {first['rows_in_file']:,} persons in the file; {first['rows_kept']:,} kept after row "
          f"pruning, {first['weeks_kept']} weekly columns after column pruning; "
          f"{first['eligible_pool']:,} eligible person x stack in the participants' cells; "
          f"{first['controls']:,} controls; matched panel {first['panel_rows']:,} rows "
          f"(old history: {first['panel_rows_old']:,})")
    print(f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}; "
          f"{args.runs} runs, each a fresh process\n")
    rows = [(stage, [r["times"][stage] for r in results]) for stage in first["times"]]
    rows.append(("peak memory (GiB, max RSS)", [r["peak_rss"] / 2**30 for r in results]))
    width = max(len(s) for s, _ in rows)
    print(f"{'stage':<{width}}  {'min':>7}  {'median':>7}  {'max':>7}")
    for stage, values in rows:
        print(f"{stage:<{width}}  {min(values):7.2f}  {statistics.median(values):7.2f}  {max(values):7.2f}")
    total = statistics.median(r["times"]["total"] for r in results)
    peak = statistics.median(r["peak_rss"] for r in results) / 2**30
    print(f"\ntarget <= 60 s and <= 4 GB: {'met' if total <= 60 and peak <= 4 else 'NOT met'} "
          f"(median {total:.1f} s, {peak:.2f} GiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
