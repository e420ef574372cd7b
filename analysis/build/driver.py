"""The build driver: data -> executed chapters -> Jupyter Book HTML and PDF -> results.

    python -m analysis build --edition final-2025 [--data DIR] [--force]

1. Validate the data (stops on bad input before anything runs).
2. Execute each chapter (MyST markdown, read with jupytext) with papermill into
   _build/<edition>/executed/, in parallel. A chapter is re-executed only when its source,
   its parameters, the `analysis` package, the reference data or the input data changed.
3. Build the book from the executed notebooks (execution off) into HTML, then PDF (LaTeX).
4. Write results.csv (every number the book quotes) and reproduction.csv.

A failing chapter (or any other failure) stops the build naming the chapter, the cell and
the error; the previous site and results are then removed and BUILD-FAILED.txt says why,
so nothing half-built looks finished. The disclosure check over the results runs before any
page is built.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import pandas as pd
import yaml

from analysis.register.cohort import per_team
from analysis.disclosure.rules import SUPPRESSED, DisclosureError, check_results
from analysis.editions import REPO, Edition
from analysis.errors import DataError
from analysis.register.extract import Extract, load_extract
from analysis.register.panel import build_panel
from analysis.progress import say
from analysis.compute.results import edition_results, published_key_map, published_numbers, reproduction
from analysis.survey.waves import Survey, describe_survey, load_edition_survey
from analysis.reference.scoring import ScoreMapping, load_mapping

from analysis.report.book import RESULT_MIME


class BuildError(Exception):
    pass


# ---------------------------------------------------------------- what to build

def toc_entries(toc_path: Path) -> list[str]:
    """Document paths (without suffix) in the order of the table of contents."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    entries = [toc["root"]]

    def walk(items):
        for item in items or []:
            if "file" in item:
                entries.append(item["file"])
            walk(item.get("sections"))
            walk(item.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return entries


def _hash_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_fingerprint(data: Path) -> str:
    """Hash of everything a chapter's numbers depend on besides its own source."""
    package = list((REPO / "analysis").rglob("*.py"))
    reference = [p for p in (REPO / "data" / "reference").rglob("*") if p.is_file()]
    reference += [p for p in (REPO / "data" / "qualitative").rglob("*") if p.is_file()]
    extract = [p for p in Path(data).iterdir() if p.is_file()]
    pins = [p for p in [REPO / "constraints.txt"] if p.exists()]   # package versions
    return _hash_files(package + reference + extract + pins) + sys.version


# ---------------------------------------------------------------- executing chapters

def for_edition(notebook, edition: str):
    """The chapter as an edition sees it: a cell tagged `only-<edition>` belongs to that
    edition alone (the passages of a shared chapter that only one report has)."""
    notebook.cells = [cell for cell in notebook.cells
                      if all(tag == f"only-{edition}" for tag in cell.metadata.get("tags", [])
                             if tag.startswith("only-"))]
    return notebook


def _execute(source: str, target: str, parameters: dict) -> float:
    """Run one chapter with papermill (in a worker process); returns seconds."""
    import jupytext
    import papermill

    start = time.perf_counter()
    notebook = for_edition(jupytext.read(source), parameters["edition"])
    # the kernel inherits this worker's stderr: keep its chatter in a log beside the notebook
    with open(Path(target).with_suffix(".kernel.log"), "w") as log:
        os.dup2(log.fileno(), 2)
        executed = papermill.execute_notebook(notebook, target, parameters=parameters, kernel_name="python3",
                                              cwd=str(REPO), progress_bar=False, log_output=False)
    for cell in executed.cells:   # the cell papermill adds must not show in the book
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    import nbformat
    nbformat.write(executed, target)
    return time.perf_counter() - start


def _failure(chapter: str, err: BaseException) -> str:
    cell = getattr(err, "exec_count", None)
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    where = f" in cell [{cell}]" if cell is not None else ""
    return f"chapter {chapter}{where} failed: {ename}: {evalue}"


def execute_chapters(entries: list[str], out: Path, parameters: dict, fingerprint: str,
                     force: bool) -> list[str]:
    executed = out / "executed"
    todo, keys = [], {}
    for entry in entries:
        source = REPO / f"{entry}.md"
        if not source.exists():
            raise BuildError(f"the table of contents names {entry}, but {source} does not exist")
        key = hashlib.sha256((source.read_text(encoding="utf-8") + json.dumps(parameters, sort_keys=True)
                              + fingerprint).encode()).hexdigest()
        keys[entry] = key
        target = executed / f"{entry}.ipynb"
        stamp = target.with_suffix(".hash")
        if not force and target.exists() and stamp.exists() and stamp.read_text() == key:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        stamp.unlink(missing_ok=True)
        todo.append(entry)
    reused = len(entries) - len(todo)
    say(f"executing {len(todo)} of {len(entries)} chapters ({reused} unchanged, reused)")
    if not todo:
        return []
    workers = max(1, min(len(todo), os.cpu_count() or 1))
    failures = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_execute, str(REPO / f"{e}.md"), str(executed / f"{e}.ipynb"), parameters): e
                   for e in todo}
        for done, future in enumerate(as_completed(futures), start=1):
            entry = futures[future]
            try:
                seconds = future.result()
            except Exception as err:  # papermill's error names the cell
                failures.append(_failure(f"{entry}.md", err))
                say(f"[{done}/{len(todo)}] {entry}: FAILED")
                continue
            (executed / f"{entry}.hash").write_text(keys[entry])
            say(f"[{done}/{len(todo)}] {entry}: executed in {seconds:.1f} s")
    if failures:
        raise BuildError("\n".join(failures))
    return todo


# ---------------------------------------------------------------- the book

def data_statement(data: Path) -> str:
    """The banner: which data the book was built on."""
    manifest = Path(data) / "extract.json"
    info = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    if info.get("synthetic"):
        return ("Bygget på syntetiske data, kalibreret til den publicerede rapport. "
                "Tallene er ikke registerdata og kan ikke bruges som resultater.")
    name = info.get("name", Path(data).name)
    date = info.get("date", time.strftime("%Y-%m-%d", time.localtime(max(
        p.stat().st_mtime for p in Path(data).iterdir() if p.is_file()))))
    return f"Bygget på dataudtrækket {name} ({date})."


def stage_book(edition: Edition, out: Path, statement: str) -> Path:
    root = out / "executed"
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = edition.title
    # the PDF's title page says which data too (short enough for the title page)
    config["author"] = ("Syntetiske data – ikke registerdata" if "syntetiske" in statement
                        else statement.rstrip("."))
    config.setdefault("html", {})["announcement"] = statement
    config["html"]["extra_footer"] = f"<p>{statement}</p>"
    (root / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    shutil.copy(edition.toc, root / "_toc.yml")
    if (root / "_static").exists():
        shutil.rmtree(root / "_static")
    shutil.copytree(REPO / "_static", root / "_static")
    return root


def run_jupyter_book(root: Path, builder: str, work: Path) -> None:
    jb = Path(sys.executable).parent / "jb"
    # -W: a warning (a missing glue key, a broken reference) fails the build
    command = [str(jb), "build", str(root), "--path-output", str(work), "--builder", builder,
               "--keep-going", "-n", "-W"]
    say(f"jupyter-book: {builder} ...")
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    log = work / f"jupyter-book-{builder}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BuildError(f"jupyter-book {builder} build failed (log: {log}):\n{tail}")
    warnings = [line for line in (result.stdout + result.stderr).splitlines() if "WARNING" in line]
    say(f"jupyter-book: {builder} done in {time.perf_counter() - start:.1f} s"
        + (f", {len(warnings)} warnings (see {log})" if warnings else ""))


# ---------------------------------------------------------------- results

def glued_numbers(out: Path, entries: list[str]) -> pd.DataFrame:
    """Every number glued into the prose: key, value, page (from the executed notebooks)."""
    import nbformat
    rows = []
    for entry in entries:
        notebook = nbformat.read(out / "executed" / f"{entry}.ipynb", as_version=4)
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                raw = output.get("data", {}).get(RESULT_MIME)
                if raw:
                    record = json.loads(raw)
                    rows.append({"key": record["key"], "value": record["value"],
                                 "page": record.get("page") or Path(entry).name, "text": record["text"]})
    return pd.DataFrame(rows, columns=["key", "value", "page", "text"])


def write_results(extract: Extract, survey: Survey | None, mapping: ScoreMapping, out: Path,
                  entries: list[str], min_cell: int, inference: str) -> tuple[int, int]:
    edition = extract.edition
    panel = build_panel(extract, mapping)
    tables, _ = edition_results(extract, panel, survey, inference, min_cell)
    glued = glued_numbers(out, entries)
    # a value the disclosure rule hides in the tables stays hidden, whatever a chapter glued
    hidden = set(tables.loc[tables["value"].astype(str) == SUPPRESSED, "key"])
    glued["value"] = [SUPPRESSED if k in hidden else v for k, v in zip(glued["key"], glued["value"])]
    results = pd.concat([glued[["key", "value", "page"]],
                         tables[~tables["key"].isin(glued["key"])]], ignore_index=True)
    # as printed: two decimals (a full-precision mean would narrow down hidden cells)
    results["value"] = [round(v, 2) if isinstance(v, float) else v for v in results["value"]]
    check_results(results, min_cell)   # nothing under the minimum leaves the build
    results.to_csv(out / "results.csv", index=False)
    published = published_numbers(edition)
    repro = reproduction(results, published, published_key_map(per_team(extract.registrations), edition),
                         edition.model_tolerance)
    repro.to_csv(out / "reproduction.csv", index=False)
    compared = repro[repro["ok"] != "suppressed"]
    return int((compared["ok"] == True).sum()), len(compared)  # noqa: E712


# ---------------------------------------------------------------- the whole build

def _publish(work: Path, out: Path, edition: Edition, pdf: bool) -> None:
    html = out / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.copytree(work / "_build" / "html", html)
    if pdf:
        (out / "pdf").mkdir(exist_ok=True)
        target = out / "pdf" / f"tpj-{edition.name}.pdf"
        shutil.copy(work / "_build" / "latex" / "book.pdf", target)
        shutil.copy(target, html / target.name)


OUTPUTS = ("html", "pdf", "jb", "results.csv", "reproduction.csv",
           "data-quality.csv", "excluded-weeks.csv")   # the last two: written by early versions


def _remove(out: Path, names) -> None:
    for name in names:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _fail(out: Path, message: str, disclosure: bool = False) -> None:
    """Leave nothing that looks like a finished build (and after a disclosure failure,
    nothing that holds the offending numbers)."""
    _remove(out, OUTPUTS + (("executed",) if disclosure else ()))
    (out / "BUILD-FAILED.txt").write_text(message + "\n", encoding="utf-8")


def build(edition: Edition, data: Path | None = None, force: bool = False, pdf: bool = True,
          out: Path | None = None, min_cell: int | None = None, inference: str | None = None) -> int:
    start = time.perf_counter()
    data = Path(data).resolve() if data else edition.data_dir
    out = Path(out) if out else REPO / "_build" / edition.name
    out.mkdir(parents=True, exist_ok=True)
    _remove(out, ("BUILD-FAILED.txt", "data-quality.csv", "excluded-weeks.csv"))
    min_cell = int(min_cell or edition.min_cell)
    inference = inference or edition.inference
    parameters = {"edition": edition.name, "data_dir": str(data), "min_cell": min_cell,
                  "inference": inference}
    try:
        say(f"edition {edition.name}: validating {data}")
        mapping = load_mapping()
        extract = load_extract(data, edition, mapping)   # validated once, reused for the results
        survey = load_edition_survey(edition, data, extract.registrations)
        if survey is not None:
            say(f"surveys: {describe_survey(survey)}")
        entries = toc_entries(edition.toc)
        t0 = time.perf_counter()
        execute_chapters(entries, out, parameters, inputs_fingerprint(data), force)
        t_exec = time.perf_counter() - t0
        # results first: the disclosure check runs before any page is built
        ok, compared = write_results(extract, survey, mapping, out, entries, min_cell, inference)
        root = stage_book(edition, out, data_statement(data))
        work = out / "jb"
        t0 = time.perf_counter()
        run_jupyter_book(root, "html", work)
        t_html = time.perf_counter() - t0
        t0 = time.perf_counter()
        if pdf:
            run_jupyter_book(root, "pdflatex", work)
        t_pdf = time.perf_counter() - t0
        _publish(work, out, edition, pdf)
    except DisclosureError as err:
        _fail(out, f"disclosure check failed: {err}", disclosure=True)
        raise BuildError(f"disclosure check failed: {err}") from None
    except Exception as err:
        _fail(out, f"{type(err).__name__}: {err}" if not isinstance(err, (BuildError, DataError)) else str(err))
        raise
    say(f"reproduction: {ok}/{compared} published numbers within tolerance ({out / 'reproduction.csv'})")
    say(f"done in {time.perf_counter() - start:.1f} s (chapters {t_exec:.1f} s, HTML {t_html:.1f} s, "
        f"PDF {t_pdf:.1f} s): {out / 'html' / 'index.html'}"
        + (f" and {out / 'pdf' / f'tpj-{edition.name}.pdf'}" if pdf else ""))
    return 0
