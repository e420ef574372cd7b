"""Wall time of the two-stage build (a script, not a test).

    python benchmarks/bench_build.py [--runs N] [--edition E] [--skip-jb] [--keep DIR]

Each scenario runs `python -m analysis ...` (or Jupyter Book) as whole processes, in a fresh
build folder (TPJ_BUILD) per run, and reports the minimum, median and maximum wall time
of N runs (default 3):

  clean build (HTML)        compute + render, nothing cached
  clean build (HTML + PDF)  the same with the PDF, as `make book` does
  render only (HTML)        from an existing bundle, no executed chapters to reuse
  rebuild, prose edit       one chapter's prose changed (that chapter re-executes)
  rebuild, analysis edit    a comment changed in analysis/report/book.py (every chapter
                            re-executes; the bundle is recomputed, and comes out the same)
  Jupyter Book force        the same chapters run by Jupyter Book's own serial
                            `execute_notebooks: force` in one `jb build` (HTML), for comparison

The two edits are made to the checkout and undone afterwards (also on Ctrl-C). The table
goes to stdout; the builds' own output to <keep>/logs/.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def run(command: list[str], env: dict, log: Path) -> float:
    start = time.perf_counter()
    with log.open("a") as handle:
        handle.write(f"\n$ {' '.join(command)}\n")
        handle.flush()
        result = subprocess.run(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)} (see {log})")
    return seconds


class Edited:
    """Change a file of the checkout for the duration of a `with` block."""

    def __init__(self, path: Path, old: str, new: str):
        self.path, self.old, self.new = path, old, new
        if old not in path.read_text(encoding="utf-8"):   # say so before any scenario runs
            raise SystemExit(f"{path}: {old!r} not found (the benchmark's edit needs updating)")

    def __enter__(self):
        self.original = self.path.read_text(encoding="utf-8")
        if self.old not in self.original:
            raise SystemExit(f"{self.path}: {self.old!r} not found")
        self.path.write_text(self.original.replace(self.old, self.new, 1), encoding="utf-8")

    def __exit__(self, *exc):
        self.path.write_text(self.original, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edition", default="final-2025")
    parser.add_argument("--skip-jb", action="store_true", help="leave out Jupyter Book's serial force run")
    parser.add_argument("--keep", type=Path, default=None, help="keep the build folders and logs here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="tpj-bench-"))
    (root / "logs").mkdir(parents=True, exist_ok=True)
    log = root / "logs" / "build.log"
    analysis = [PYTHON, "-m", "analysis"]
    edition = ["--edition", args.edition]
    results: dict[str, list[float]] = {}

    def fresh(name: str, i: int) -> dict:
        folder = root / f"{name.replace(' ', '-')}-{i}"
        shutil.rmtree(folder, ignore_errors=True)
        return dict(os.environ, TPJ_BUILD=str(folder))

    def bundle_env(i: int) -> dict:
        env = fresh("bundle", i)
        run(analysis + ["compute"] + edition, env, log)
        return env

    scenarios = {
        "clean build (HTML)": lambda i: run(analysis + ["build", "--no-pdf"] + edition, fresh("clean", i), log),
        "clean build (HTML + PDF)": lambda i: run(analysis + ["build"] + edition, fresh("cleanpdf", i), log),
        "render only (HTML)": lambda i: run(analysis + ["render", "--no-pdf"] + edition, bundle_env(i), log),
    }

    def rebuild(edit: Edited):
        def scenario(i: int) -> float:
            env = fresh("rebuild", i)
            run(analysis + ["build", "--no-pdf"] + edition, env, log)
            with edit:
                return run(analysis + ["build", "--no-pdf"] + edition, env, log)
        return scenario

    scenarios["rebuild, prose edit"] = rebuild(Edited(
        REPO / "chapters" / "beskaeftigelsesscore.md", "Beskæftigelsesscoren placerer hver kursist",
        "Beskæftigelsesscoren placerer hver enkelt kursist"))
    scenarios["rebuild, analysis edit"] = rebuild(Edited(
        REPO / "analysis" / "report" / "book.py", "LOCALE = \"da_DK\"", "LOCALE = \"da_DK\"  # benchmark edit"))

    if not args.skip_jb:
        config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
        config["execute"] = {"execute_notebooks": "force", "timeout": 900}
        config["sphinx"]["local_extensions"] = {"tpj_edition": str(REPO / "_ext")}
        config_path = root / "force.yml"
        config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        jb = str(Path(PYTHON).parent / "jb")

        def jb_force(i: int) -> float:
            env = bundle_env(i)   # the chapters read the default bundle, as in Jupyter
            out = root / f"jb-force-{i}"
            shutil.rmtree(out, ignore_errors=True)
            return run([jb, "build", str(REPO), "--config", str(config_path), "--path-output", str(out),
                        "--builder", "html"], env, log)
        scenarios["Jupyter Book force (HTML)"] = jb_force

    for name, scenario in scenarios.items():
        results[name] = []
        for i in range(args.runs):
            results[name].append(scenario(i))
            print(f"  {name}: run {i + 1}: {results[name][-1]:.1f} s", file=sys.stderr, flush=True)

    print(f"# {platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"edition {args.edition}, {args.runs} runs each (wall seconds)")
    print(f"| {'scenario':<28} | {'min':>6} | {'median':>6} | {'max':>6} |")
    print(f"|{'-' * 30}|{'-' * 8}|{'-' * 8}|{'-' * 8}|")
    for name, times in results.items():
        print(f"| {name:<28} | {min(times):6.1f} | {statistics.median(times):6.1f} | {max(times):6.1f} |")
    if "Jupyter Book force (HTML)" in results:
        ratio = statistics.median(results["Jupyter Book force (HTML)"]) / statistics.median(
            results["clean build (HTML)"])
        print(f"\nJupyter Book's serial force / our clean HTML build: {ratio:.2f}x")
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
