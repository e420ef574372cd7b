"""Executing the chapters of the render stage: which chapters, which of them changed, a
pool of kernel workers (analysis.build.worker), and the check of what they executed.

A chapter is executed again only when its source, its parameters, the render-side code or
the reference data changed, or the bundle's files (their checksums) did. Workers are
separate processes in their own process group: Ctrl-C or SIGTERM ends them, and their
kernels, within seconds.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.bundle.store import PERSON_ID
from analysis.editions import REPO
from analysis.runtime import say

# what the chapters import (the render side) and read besides the bundle
RENDER_CODE = ("analysis/report", "analysis/bundle", "analysis/disclosure", "analysis/reference",
               "analysis/editions.py", "analysis/weeks.py", "analysis/errors.py")
RENDER_DATA = ("data/reference",)


class ChapterError(Exception):
    """One or more chapters failed; the message names each chapter, its cell and the error."""


def _hash_paths(paths) -> str:
    digest = hashlib.sha256()
    files = []
    for name in paths:
        path = REPO / name
        files += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_fingerprint(bundle_manifest: dict) -> str:
    """Hash of everything a chapter's output depends on besides its own source and
    parameters: the render-side code and reference data, the pinned package versions and
    the bundle's files."""
    parts = [_hash_paths(RENDER_CODE + RENDER_DATA + ("constraints.txt",)), sys.version,
             json.dumps(bundle_manifest.get("checksums", {}), sort_keys=True)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def chapter_key(source: Path, parameters: dict, fingerprint: str) -> str:
    """What an executed chapter is reused on: its source, its parameters except where the
    bundle lies (the bundle's contents are in `fingerprint`, by checksum) and the
    fingerprint."""
    source = Path(source).read_text(encoding="utf-8")
    kept = {k: v for k, v in parameters.items() if k != "bundle"}
    return hashlib.sha256((source + json.dumps(kept, sort_keys=True) + fingerprint).encode()).hexdigest()


@dataclass
class Job:
    entry: str
    source: Path
    target: Path
    parameters: dict

    def line(self) -> str:
        return json.dumps({"entry": self.entry, "source": str(self.source), "target": str(self.target),
                           "parameters": self.parameters}) + "\n"


# ---------------------------------------------------------------- the worker pool

class Pool:
    """`size` worker processes, each with one kernel. Use as a context manager: leaving it
    (normally, on an error, on Ctrl-C) ends every worker and its kernel. `env`: settings
    for the kernels (e.g. TPJ_FIGURE_FORMATS)."""

    def __init__(self, size: int, log: Path, env: dict[str, str] | None = None):
        self.size = size
        self.log = log
        self.env = env or {}
        self.workers: list[subprocess.Popen] = []

    def __enter__(self) -> "Pool":
        env = dict(os.environ, TPJ_KERNEL_LOG=str(self.log), PYTHONUNBUFFERED="1", **self.env)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(self.size):
            self.workers.append(subprocess.Popen(
                [sys.executable, "-m", "analysis.build.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=open(self.log, "a"), text=True, cwd=REPO, env=env, start_new_session=True))
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self, grace: float = 5.0) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                try:
                    os.killpg(worker.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for worker in self.workers:
            try:
                worker.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                worker.wait()
        self.workers = []

    def run(self, jobs: list[Job], on_done) -> None:
        """Execute the jobs, the longest-running first if known; `on_done(job, answer)` is
        called as each one finishes. A worker that dies fails its job."""
        queue = list(jobs)
        busy: dict[int, Job] = {}
        selector = selectors.DefaultSelector()
        for worker in self.workers:
            selector.register(worker.stdout, selectors.EVENT_READ, worker)

        def feed(worker):
            if queue:
                job = queue.pop(0)
                busy[worker.pid] = job
                worker.stdin.write(job.line())
                worker.stdin.flush()

        for worker in self.workers:
            feed(worker)
        while busy:
            for key, _ in selector.select(timeout=1.0):
                worker = key.data
                line = worker.stdout.readline()
                job = busy.pop(worker.pid, None)
                if not line:   # the worker died
                    selector.unregister(worker.stdout)
                    if job is not None:
                        on_done(job, {"ok": False, "error": f"the chapter worker died (exit code {worker.wait()})"})
                    continue
                on_done(job, json.loads(line))
                feed(worker)
            alive = [w for w in self.workers if w.poll() is None]
            if not alive and queue:
                raise ChapterError("every chapter worker died; see " + str(self.log))


# ---------------------------------------------------------------- checking what was executed

# text a code cell may print (tables and glue records are a few kB; a listing is not)
MAX_TEXT_OUTPUT = 1_000_000


def check_executed(path: Path) -> str | None:
    """None if every code cell of the executed notebook ran without error; otherwise what
    went wrong, naming the cell (its number in the chapter and its first line). Also
    refuses output that looks like a person id."""
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    number, last = 0, None   # the code cell's number in the chapter (papermill's cell not counted)
    for cell in notebook.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        number += 1
        first = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
        where = f"code cell {number} ({first!r})"
        if cell.get("execution_count") is None and cell.source.strip():
            # whether the kernel died in the last cell that has a count or just after it
            # depends on timing: name both
            return ((f"the kernel stopped after {last} had run; " if last else "the kernel stopped; ")
                    + f"{where} and the cells after it did not run (an exit, a crash or an interrupt)")
        last = where
        size = sum(len(text) for output in cell.get("outputs", []) for text in _output_texts(output))
        if size > MAX_TEXT_OUTPUT:
            return (f"{where} prints {size / 1e6:.1f} MB of text (the limit is {MAX_TEXT_OUTPUT / 1e6:g} MB "
                    "a cell): a chapter shows tables and figures from the bundle, not listings")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"{where}: {output.get('ename')}: {output.get('evalue')}"
            for text in _output_texts(output):
                for token in re.findall(r"[A-Za-z0-9-]{7,}", text):
                    if PERSON_ID.fullmatch(token):
                        return f"{where} shows a value that looks like a person id"
    return None


def _output_texts(output) -> list[str]:
    texts = []
    if "text" in output:
        texts.append(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
    for mime, value in output.get("data", {}).items():
        if mime.startswith(("text/", "application/papermill.record/text")):
            texts.append(value if isinstance(value, str) else "".join(value))
    return texts


# helpers that draw a figure: a chapter's cost, when no earlier build has timed it
DRAWS = re.compile(r"\b(appendix|\w*chart|\w*figure)\(")


def expected_seconds(entries: list[str], previous: Path | None, root: Path = REPO) -> dict[str, float]:
    """How long each chapter is expected to take: its time in the last build
    (`timings.json` beside the executed chapters), else one second per figure-drawing call
    in its source. Used to start the longest first, so the workers finish together."""
    timed = {}
    if previous is not None and (previous / "timings.json").exists():
        timed = json.loads((previous / "timings.json").read_text(encoding="utf-8"))
    return {entry: float(timed.get(entry, 1 + len(DRAWS.findall((Path(root) / f"{entry}.md").read_text(
        encoding="utf-8"))))) for entry in entries}


def execute_chapters(entries: list[str], executed: Path, previous: Path | None, parameters: dict,
                     fingerprint: str, force: bool, workers: int | None = None, root: Path = REPO,
                     figure_formats: str = "svg,pdf") -> list[str]:
    """Execute the chapters (`<root>/<entry>.md`) into `executed/`; an unchanged chapter is
    copied from `previous/` (the last good build) instead. `figure_formats`: what the
    figures are rendered as (an HTML-only build needs SVG alone). Returns the entries
    executed. Raises ChapterError naming every chapter that failed, how and in which cell."""
    import shutil
    # a chapter executed with more figure formats than asked for (the PDF's too) serves
    keys_for = [fingerprint + "|figures:" + formats for formats in dict.fromkeys(
        [figure_formats] + (["svg,pdf"] if figure_formats == "svg" else []))]
    todo = []
    for entry in entries:
        source = Path(root) / f"{entry}.md"
        if not source.exists():
            raise ChapterError(f"the table of contents names {entry}, but {source} does not exist")
        usable = [chapter_key(source, parameters, f) for f in keys_for]
        key = usable[0]
        target = executed / f"{entry}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        old = previous / f"{entry}.ipynb" if previous else None
        if (not force and old is not None and old.exists() and old.with_suffix(".hash").exists()
                and old.with_suffix(".hash").read_text() in usable):
            shutil.copy2(old, target)
            shutil.copy2(old.with_suffix(".hash"), target.with_suffix(".hash"))
            continue
        todo.append((Job(entry, source, target, parameters), key))
    say(f"executing {len(todo)} of {len(entries)} chapters ({len(entries) - len(todo)} unchanged, reused)")
    timings = {}
    if previous is not None and (previous / "timings.json").exists():
        timings = json.loads((previous / "timings.json").read_text(encoding="utf-8"))
    if not todo:
        (executed / "timings.json").write_text(json.dumps(timings, indent=1, sort_keys=True), encoding="utf-8")
        return []
    keys = {job.entry: key for job, key in todo}
    expected = expected_seconds([job.entry for job, _ in todo], previous, root)
    todo.sort(key=lambda item: -expected[item[0].entry])
    failures: list[str] = []
    done = 0

    def on_done(job: Job, answer: dict) -> None:
        nonlocal done
        done += 1
        problem = check_executed(job.target) if job.target.exists() else None
        if answer.get("ok") and problem is None:
            job.target.with_suffix(".hash").write_text(keys[job.entry])
            timings[job.entry] = round(answer["seconds"], 2)
            say(f"[{done}/{len(todo)}] {job.entry}: executed in {answer['seconds']:.1f} s")
            return
        error = answer.get("error", "")
        failures.append(f"chapter {job.entry}.md failed: " + (f"{problem} ({error})" if problem and error and
                                                               error not in problem else problem or error)
                        + ("" if problem or error else f" (the kernel's log: {executed / 'kernels.log'})"))
        say(f"[{done}/{len(todo)}] {job.entry}: FAILED")

    size = max(1, min(len(todo), workers or os.cpu_count() or 1))
    with Pool(size, executed / "kernels.log", {"TPJ_FIGURE_FORMATS": figure_formats}) as pool:
        pool.run([job for job, _ in todo], on_done)
    (executed / "timings.json").write_text(json.dumps(timings, indent=1, sort_keys=True), encoding="utf-8")
    if failures:
        raise ChapterError("\n".join(failures))
    return [job.entry for job, _ in todo]
