"""The build: compute (extract -> statistics bundle) and render (bundle -> book).

    python -m analysis compute --edition E [--data DIR] [--out BUNDLE]
    python -m analysis render  --edition E [--bundle BUNDLE] [--no-pdf] [--force]
    python -m analysis build   --edition E [--data DIR | --bundle BUNDLE] [--no-pdf] [--force]

`compute` is the only step that reads microdata (analysis.compute.stage). `render` reads
the bundle alone: it executes the chapters (MyST notebooks whose parameters are the edition
and the bundle) with papermill in a pool of kernels, builds HTML and PDF with Jupyter Book
(execution off, warnings are errors), and writes results.csv and reproduction.csv from the
bundle. `build` runs both; with --bundle it only renders.

Everything a render writes goes into `<out>/.next/` first and is swapped into `<out>/` at
the end, so a failed or interrupted build leaves the last good site and results in place;
a failure writes `<out>/BUILD-FAILED.txt` (plain text: what failed and where its log is).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from analysis.build.chapters import ChapterError, execute_chapters, render_fingerprint
from analysis.bundle.store import Bundle, BundleError
from analysis.editions import REPO, Edition, toc_entries
from analysis.errors import DataError
from analysis.reference.published import published_numbers
from analysis.report.book import DATA_DIR, data_statement
from analysis.report.reproduction import compare, explanations, summary, suppressed
from analysis.rounding import half_up
from analysis.runtime import remove, say, swap_in

# what a render publishes into <out>/ (swapped in together at the end)
PUBLISHED = ("executed", "html", "pdf", "results.csv", "reproduction.csv")
# what the compute stage's result depends on besides the extract and its parameters
COMPUTE_INPUTS = ("analysis", "data/reference", "data/qualitative", "constraints.txt")


class BuildError(Exception):
    pass


# ---------------------------------------------------------------- compute

def compute_key(edition: Edition, data: Path, min_cell: int | None, inference: str | None) -> str:
    """Hash of what a bundle is computed from: the extract's files, the package, the
    reference and qualitative data, the pinned versions and the parameters."""
    from analysis.compute.stage import extract_fingerprint
    digest = hashlib.sha256()
    for name in COMPUTE_INPUTS:
        path = REPO / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(REPO)).encode())
            digest.update(file.read_bytes())
    digest.update(extract_fingerprint(data).encode())
    digest.update(json.dumps([edition.name, min_cell, inference, sys.version]).encode())
    return digest.hexdigest()


def compute(edition: Edition, data: Path | None = None, out: Path | None = None, min_cell: int | None = None,
            inference: str | None = None, force: bool = False) -> Path:
    """Compute the bundle (skipped when its inputs are unchanged since the last compute
    into `out`). Returns the bundle directory."""
    from analysis.compute.stage import compute_bundle
    data = Path(data).resolve() if data else edition.data_dir
    out = Path(out) if out else edition.bundle
    key = compute_key(edition, data, min_cell, inference)
    stamp = out / "inputs.sha256"
    if not force and stamp.exists() and stamp.read_text() == key:
        say(f"bundle of {edition.name} is up to date ({out})")
        return out
    compute_bundle(edition, data, out, min_cell, inference)
    stamp.write_text(key)
    return out


# ---------------------------------------------------------------- the book

def filtered_toc(toc: dict, keep: set[str]) -> dict:
    """The table of contents with only the entries in `keep` (parts left empty dropped)."""
    def walk(items):
        out = []
        for item in items or []:
            item = dict(item)
            for nested in ("sections", "chapters"):
                if nested in item:
                    item[nested] = walk(item[nested])
                    if not item[nested]:
                        del item[nested]
            if item.get("file") in keep or item.get("sections") or item.get("chapters"):
                out.append(item)
        return out
    toc = dict(toc)
    if "parts" in toc:
        toc["parts"] = [dict(part, chapters=walk(part.get("chapters"))) for part in toc["parts"]]
        toc["parts"] = [part for part in toc["parts"] if part["chapters"]]
    if "chapters" in toc:
        toc["chapters"] = walk(toc["chapters"])
    return toc


def stage_book(edition: Edition, root: Path, bundle: Bundle, statement: str,
               entries: list[str] | None = None, results: list[Path] = (), pdf: bool = True) -> Path:
    """Jupyter Book's source tree for the executed chapters: the edition's configuration
    and table of contents (only `entries`, if given), our static files and Sphinx
    extension, the PDF's cover texts (tpj-cover.cfg) and the files the site publishes for
    download (`_data/`: every table's and figure's CSV, the bundle's files, `results`).
    `pdf`: whether this build makes the PDF (the front page links it only then)."""
    from analysis.report.cover import cover_tex
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = edition.title
    # the PDF's metadata and the site name the report, not the data (the cover says which data)
    config["author"] = "Tættere På Job – genberegnet evaluering"
    config.setdefault("html", {})["announcement"] = statement
    # the footer names the report; which data it rests on is the banner's (said once a page)
    config["html"]["extra_footer"] = (f"<p>{edition.title}: genberegning af Deloittes evaluering. Alle tal er "
                                      "beregnet ved kørslen ud fra statistikpakken.</p>")
    config.setdefault("sphinx", {}).setdefault("config", {})["tpj_edition"] = edition.name
    config["sphinx"]["config"]["tpj_synthetic"] = bool(bundle.synthetic)
    config["sphinx"]["config"]["tpj_pdf"] = pdf       # the front page links the PDF only if it is built
    (root / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    toc = yaml.safe_load(edition.toc.read_text(encoding="utf-8"))
    if entries is not None:
        toc = filtered_toc(toc, set(entries))
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name in ("_static", "_ext"):
        remove(root / name)
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "tpj-cover.cfg").write_text(cover_tex(edition, bundle), encoding="utf-8")
    write_data_files(root, bundle.directory, list(results))
    return root


def notebook_data_files(root: Path) -> dict[str, str]:
    """The CSV files the executed chapters under `root` carry ({file name: text}): every
    output with `tpj.csv` metadata (analysis.report.book.data_metadata: a table's cells or a
    figure's numbers, as the page shows them). Raises BuildError when two outputs carry
    different data under one name."""
    import nbformat
    files: dict[str, str] = {}
    for notebook in sorted(root.rglob("*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            for output in cell.get("outputs", []):
                data = output.get("metadata", {}).get("tpj", {}).get("csv")
                if not data:
                    continue
                if files.get(data["name"], data["text"]) != data["text"]:
                    raise BuildError(f"two tables or figures publish different data as {data['name']} "
                                     f"(the second in {notebook.relative_to(root)})")
                files[data["name"]] = data["text"]
    return files


def write_data_files(root: Path, bundle_dir: Path, results: list[Path]) -> Path:
    """The staged book's `_data/`: the CSV file of every table and figure (utf-8 with a BOM,
    so a spreadsheet reads 'æøå'), the statistics bundle's CSV files and disclosure files
    under `bundle/`, and `results` (results.csv, reproduction.csv): what the site publishes
    for download. Returns the folder."""
    data = root / DATA_DIR
    remove(data)
    data.mkdir()
    for name, text in notebook_data_files(root).items():
        (data / name).write_text(text, encoding="utf-8-sig")
    (data / "bundle").mkdir()
    for file in sorted(bundle_dir.iterdir()):
        if file.is_file() and (file.suffix == ".csv" or file.name == "manifest.json"
                               or file.name.startswith("disclosure")):
            shutil.copy(file, data / "bundle" / file.name)
    for file in results:
        shutil.copy(file, data / file.name)
    return data


def run_command(command: list[str], log: Path) -> subprocess.CompletedProcess:
    """Run a command in its own process group (so an interrupt ends it and everything it
    started, e.g. LaTeX), its output into `log`. The book's Sphinx extensions import
    `analysis` from this checkout (PYTHONPATH), whatever checkout the environment was
    installed from."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", start_new_session=True, env=env)
    try:
        output, _ = process.communicate()
    except BaseException:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        raise
    log.write_text(output, encoding="utf-8")
    return subprocess.CompletedProcess(command, process.returncode, output, "")


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def latex_errors(log: Path, lines: int = 6) -> str:
    """The first LaTeX error of a LaTeX log ('! ...' and the 'l.<line>' after it)."""
    if not log.exists():
        return ""
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    for i, line in enumerate(text):
        if line.startswith("!"):
            return "\n".join(text[i:i + lines])
    return ""


def run_jupyter_book(root: Path, builder: str, work: Path, strict: bool = True) -> None:
    """Jupyter Book (execution off) on the staged root. `strict`: a warning (a missing
    glue key, a broken reference) fails the build; off when only some chapters are
    rendered (their references to the others cannot resolve)."""
    jb = Path(sys.executable).parent / "jb"
    command = [str(jb), "build", str(root), "--path-output", str(work), "--builder", builder,
               "--keep-going"] + (["-n", "-W"] if strict else [])
    say(f"jupyter-book: {builder} ...")
    start = time.perf_counter()
    # a fresh output folder (files of earlier builds would be published); Sphinx's cache of
    # parsed pages (.doctrees) stays, so unchanged chapters are not read again
    remove(work / "_build" / ("html" if builder == "html" else "latex"))
    log = work / f"jupyter-book-{builder}.log"
    result = run_command(command, log)
    output = ANSI.sub("", result.stdout)
    if result.returncode != 0:
        # Sphinx's warnings name the page and line (a glue key that does not exist, a broken
        # reference): they come first, then the end of the log
        warned = [line for line in output.splitlines()
                  if any(word in line for word in ("WARNING", "ERROR", "Error:", "error:"))][:12]
        tail = "\n".join(warned + ["..."] + output.strip().splitlines()[-8:]) if warned else \
            "\n".join(output.strip().splitlines()[-15:])
        cause = latex_errors(work / "_build" / "latex" / "book.log") if builder == "pdflatex" else ""
        raise BuildError(f"jupyter-book {builder} build failed (log: {log})"
                         + (f"\nLaTeX stopped at:\n{cause}" if cause else "") + f"\n{tail}")
    warnings = [line for line in output.splitlines() if "WARNING" in line]
    say(f"jupyter-book: {builder} done in {time.perf_counter() - start:.1f} s"
        + (f", {len(warnings)} warnings (see {log})" if warnings else ""))


# ---------------------------------------------------------------- results

def write_results(bundle: Bundle, edition: Edition, out: Path) -> tuple[int, int]:
    """results.csv (every number the book quotes, as printed: the bundle's scalars and the
    Reproduktion appendix's counts) and reproduction.csv (each printed number of the
    original report beside ours); returns (reproduced, compared)."""
    repro = compare(bundle, edition)
    # as the appendix counts them: with the edition's errata (chapters/reproduktion.md)
    counts = summary(repro, published_numbers(edition), explanations(edition, suppressed(repro)))
    extra = pd.DataFrame({"key": list(counts), "value": [half_up(v, 2) if isinstance(v, float) and v == v else v
                                                          for v in counts.values()], "page": "reproduktion"})
    pd.concat([bundle.results(), extra], ignore_index=True).to_csv(out / "results.csv", index=False)
    repro.to_csv(out / "reproduction.csv", index=False)
    return counts["n_ok"], counts["n_compared"]


# ---------------------------------------------------------------- render and build

def _fail(out: Path, message: str) -> None:
    (out / "BUILD-FAILED.txt").write_text(ANSI.sub("", message) + "\n", encoding="utf-8")


def render(edition: Edition, bundle_dir: Path | None = None, out: Path | None = None, force: bool = False,
           pdf: bool = True, entries: list[str] | None = None, workers: int | None = None) -> int:
    """Build the book from the bundle alone into `out` (default _build/<edition>/). With
    `entries` (some chapters only) the result goes to `<out>/preview/` and the published
    site, PDF and results in `<out>/` stay as they are. Raises BuildError naming what
    failed (and writes it to BUILD-FAILED.txt); an interrupt leaves the last good site."""
    start = time.perf_counter()
    home = Path(out) if out else edition.out
    bundle_dir = Path(bundle_dir) if bundle_dir else home / "bundle"
    out = home / "preview" if entries is not None else home
    out.mkdir(parents=True, exist_ok=True)
    with build_lock(home):
        return _render(edition, bundle_dir, home, out, force, pdf, entries, workers, start)


def build_lock(home: Path):
    """An exclusive lock on `<home>/.lock` for one build at a time (a second build of the
    same edition into the same folder would swap its files into the first's). Raises
    BuildError at once when another build holds it."""
    import contextlib
    import fcntl

    @contextlib.contextmanager
    def held():
        home.mkdir(parents=True, exist_ok=True)
        with open(home / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError(f"another build into {home} is running; wait for it or build into "
                                 "another folder (--out)") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    return held()


def _render(edition: Edition, bundle_dir: Path, home: Path, out: Path, force: bool, pdf: bool,
            entries: list[str] | None, workers: int | None, start: float) -> int:
    remove(out / "BUILD-FAILED.txt")
    nxt = out / ".next"
    remove(nxt)
    try:
        bundle = Bundle.open(bundle_dir, edition.name)
        statement = data_statement(bundle)
        subset = entries is not None
        entries = [e for e in toc_entries(edition.toc) if not subset or e in entries or e == "index"]
        parameters = {"edition": edition.name, "bundle": str(bundle_dir.resolve())}
        executed = nxt / "executed"
        executed.mkdir(parents=True)
        t0 = time.perf_counter()
        previous = home / "executed" if (home / "executed").exists() else None
        execute_chapters(entries, executed, previous, parameters, render_fingerprint(bundle.manifest), force,
                         workers, figure_formats="svg,pdf" if pdf else "svg")
        t_exec = time.perf_counter() - t0
        ok, compared = write_results(bundle, edition, nxt)
        root = stage_book(edition, executed, bundle, statement, entries if subset else None,
                          results=[nxt / "results.csv", nxt / "reproduction.csv"], pdf=pdf)
        work = home / "jb"
        t0 = time.perf_counter()
        run_jupyter_book(root, "html", work, strict=not subset)
        t_html = time.perf_counter() - t0
        shutil.copytree(work / "_build" / "html", nxt / "html")
        t0 = time.perf_counter()
        if pdf:
            run_jupyter_book(root, "pdflatex", work, strict=not subset)
            (nxt / "pdf").mkdir()
            target = nxt / "pdf" / f"tpj-{edition.name}.pdf"
            shutil.copy(work / "_build" / "latex" / "book.pdf", target)
            shutil.copy(target, nxt / "html" / target.name)
        t_pdf = time.perf_counter() - t0
        for name in PUBLISHED:
            if (nxt / name).exists():
                swap_in(nxt / name, out / name)
            elif name == "pdf":
                remove(out / name)   # an HTML-only build: no stale PDF beside the new site
        remove(nxt)
    except (BuildError, ChapterError, BundleError, DataError) as err:
        _fail(out, str(err))
        raise BuildError(str(err)) from None
    except KeyboardInterrupt:
        remove(nxt)
        _fail(out, "interrupted (Ctrl-C or a stop signal) before the build finished; "
                   f"the last good site and results in {out} are unchanged")
        raise
    except BaseException as err:
        _fail(out, f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)
        raise
    say(f"reproduction: {ok}/{compared} published numbers within tolerance ({out / 'reproduction.csv'})")
    say(f"rendered in {time.perf_counter() - start:.1f} s (chapters {t_exec:.1f} s, HTML {t_html:.1f} s, "
        f"PDF {t_pdf:.1f} s): {out / 'html' / 'index.html'}"
        + (f" and {out / 'pdf' / f'tpj-{edition.name}.pdf'}" if pdf else ""))
    return 0


def build(edition: Edition, data: Path | None = None, force: bool = False, pdf: bool = True,
          out: Path | None = None, min_cell: int | None = None, inference: str | None = None,
          bundle: Path | None = None, workers: int | None = None) -> int:
    """compute + render; with `bundle`, render that bundle only (no extract needed)."""
    out = Path(out) if out else edition.out
    if bundle is not None and (data is not None or min_cell is not None or inference is not None):
        raise BuildError("--bundle renders a bundle as it was computed: --data, --min-cell and --inference "
                         "belong to the compute stage (run 'compute' with them, or 'build' without --bundle)")
    if bundle is None:
        try:
            bundle = compute(edition, data, out / "bundle", min_cell, inference, force)
        except (DataError, BundleError) as err:
            out.mkdir(parents=True, exist_ok=True)
            _fail(out, str(err))
            raise
    return render(edition, bundle, out, force, pdf, workers=workers)
