"""Wall time and peak memory of the register pipeline (a script, not a test).

    python benchmarks/bench_register.py [--persons N] [--keep DIR]

Each step runs as its own process (`python -m analysis ...`), so its peak memory is that
process's maximum resident set size. It is measured with `/usr/bin/time -v` when that
exists, otherwise with os.wait4 (the rusage of that one child; ru_maxrss is in KiB on
Linux). Steps:

  (a) the bundled-size synthetic extract: `synth`, then `validate` and `panel` on it;
  (b) a scaled extract of N persons (analysis/synthetic/scale.py; default 100 000), once with
      dream.csv and once with dream.parquet: generate, `validate`, `panel`.

Everything is written to a temporary directory that is removed at the end, or to
--keep DIR, which is kept. The table goes to stdout; the steps' own output to
DIR/logs/. Exit status 0, or 1 if a step failed (the table then says which).
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GNU_TIME = Path("/usr/bin/time")


@dataclass
class Result:
    part: str
    step: str
    persons: str
    fmt: str
    wall: float
    peak_mb: float | None
    rc: int
    input_mb: float | None


def _gnu_time_works() -> bool:
    if not GNU_TIME.exists():
        return False
    probe = subprocess.run([str(GNU_TIME), "-v", "true"], capture_output=True, text=True)
    return probe.returncode == 0 and "Maximum resident set size" in probe.stderr


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_step(args: list[str], log: Path, use_gnu_time: bool) -> tuple[float, float | None, int]:
    """Run `python args...`; return wall seconds, peak RSS in MB and the exit status."""
    command = [sys.executable, *args]
    log.parent.mkdir(parents=True, exist_ok=True)
    timing = log.with_suffix(".time")
    with log.open("w") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        if use_gnu_time:
            command = [str(GNU_TIME), "-v", "-o", str(timing), *command]
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=REPO, env=_env(), stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    rc = child.returncode
    peak_kb: float | None = usage.ru_maxrss          # KiB on Linux
    if platform.system() == "Darwin":
        peak_kb = usage.ru_maxrss / 1024             # bytes on macOS
    if use_gnu_time and timing.exists():
        text = timing.read_text()
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        peak_kb = float(match.group(1)) if match else None
        status_match = re.search(r"Exit status: (\d+)", text)
        if status_match:
            rc = int(status_match.group(1))
    return wall, (peak_kb / 1024 if peak_kb is not None else None), rc


def size_mb(path: Path) -> float | None:
    if not path.exists():
        return None
    files = [path] if path.is_file() else [p for p in path.iterdir() if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def print_table(results: list[Result]) -> None:
    header = ["part", "step", "persons", "dream", "wall s", "peak RSS MB", "input MB", "status"]
    rows = [[r.part, r.step, r.persons, r.fmt, f"{r.wall:.1f}",
             f"{r.peak_mb:,.0f}" if r.peak_mb is not None else "?",
             f"{r.input_mb:,.1f}" if r.input_mb is not None else "",
             "ok" if r.rc == 0 else f"FAILED ({r.rc})"] for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    right = {4, 5, 6}

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000,
                        help="persons in the scaled extract (default: %(default)s)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write everything to DIR and keep it (default: a temporary directory)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the scaled extract")
    args = parser.parse_args(argv)

    if args.keep:
        work = args.keep.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="bench_register_"))
    use_gnu_time = _gnu_time_works()
    logs = work / "logs"
    results: list[Result] = []

    def step(part, name, persons, fmt, argv_, input_path=None):
        label = f"{part}-{name}-{fmt}".replace(" ", "_")
        print(f"[bench] {label}: {' '.join(argv_)}", file=sys.stderr, flush=True)
        wall, peak, rc = run_step(argv_, logs / f"{len(results) + 1:02d}-{label}.log", use_gnu_time)
        results.append(Result(part, name, persons, fmt, wall, peak, rc,
                              size_mb(input_path) if input_path is not None else None))
        if rc != 0:
            print(f"[bench] {label} failed with status {rc}; see {logs}", file=sys.stderr, flush=True)
        return rc == 0

    try:
        bundled = work / "bundled"
        if step("a", "synth", "524", "csv", ["-m", "analysis", "synth", "--out", str(bundled)]):
            step("a", "validate", "524", "csv", ["-m", "analysis", "validate", "--data", str(bundled)], bundled)
            step("a", "panel", "524", "csv",
                 ["-m", "analysis", "panel", "--data", str(bundled), "--out", str(bundled / "panel.parquet")],
                 bundled)
        for fmt in ("csv", "parquet"):
            scaled = work / f"scaled-{fmt}"
            n = f"{args.persons:,}"
            if step("b", "generate_scaled", n, fmt,
                    ["-m", "analysis.synthetic.scale", "--out", str(scaled), "--persons", str(args.persons),
                     "--seed", str(args.seed), "--format", fmt]):
                step("b", "validate", n, fmt, ["-m", "analysis", "validate", "--data", str(scaled)], scaled)
                step("b", "panel", n, fmt,
                     ["-m", "analysis", "panel", "--data", str(scaled), "--out", str(work / f"panel-{fmt}.parquet")],
                     scaled)
    finally:
        print()
        print(f"Register pipeline benchmark: python {platform.python_version()}, {os.cpu_count()} CPUs, "
              f"peak memory by {'/usr/bin/time -v' if use_gnu_time else 'os.wait4 rusage'} "
              f"(max RSS of the step's process)")
        print_table(results)
        if args.keep:
            print(f"\nkept {work} (logs in {logs})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.rc == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
