"""The two stages: compute (microdata -> statistics bundle) and render (bundle -> book).

The bundle holds no person-level data; the chapters cannot import anything that reads an
extract; a render needs the bundle alone; a chapter that fails in any way fails the build;
an interrupted build stops and leaves the last good site; every chapter runs as a plain
notebook (Jupyter Book's own execution, nbval) for either edition.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import pandas as pd
import pytest

from analysis.build.chapters import ChapterError, execute_chapters
from analysis.bundle.store import PERSON_ID, Bundle, BundleError, BundleWriter
from analysis.disclosure.rules import DisclosureError
from analysis.editions import EDITIONS, REPO, toc_entries

ALL_ENTRIES = list(dict.fromkeys(e for ed in EDITIONS.values() for e in toc_entries(ed.toc)))
# what reads microdata: a chapter (and what it imports) may not import any of these
MICRODATA_SIDE = ("analysis.readers", "analysis.register", "analysis.survey", "analysis.qualitative",
                  "analysis.compute", "analysis.synthetic", "analysis.build")


# ---------------------------------------------------------------- the bundle

def test_the_bundle_holds_no_person_id_and_no_small_cell(bundles):
    for name, directory in bundles.items():
        edition = EDITIONS[name]
        ids = set(pd.read_csv(edition.data_dir / "registrations.csv", dtype=str)["pnr"])
        assert len(ids) > 100
        texts = [p.read_text(encoding="utf-8") for p in Path(directory).rglob("*") if p.suffix in (".csv", ".json")]
        for text in texts:
            found = {i for i in ids if i in text}
            assert not found, f"{name}: {len(found)} person ids in the bundle"
        bundle = Bundle.open(directory, name)
        for frame in (bundle.scalars, bundle.tables, bundle.series):
            assert not {"pnr", "cpr"} & {c.lower() for c in frame.columns}
            shown = frame[frame.get("status", pd.Series("shown", index=frame.index)).eq("shown")]
            persons = shown["persons"].dropna()
            assert not ((persons > 0) & (persons < bundle.min_cell)).any()
        # no file is a list of persons: every table and figure has fewer rows than the cohort
        assert bundle.tables.groupby("table").size().max() < len(ids)


def test_values_are_stored_at_the_precision_printed(bundles):
    bundle = Bundle.open(bundles["final-2025"], "final-2025")
    for frame in (bundle.scalars, bundle.tables):
        numbers = frame[frame["value"].notna()]
        assert (numbers["value"] * 10.0 ** numbers["decimals"]).sub(
            (numbers["value"] * 10.0 ** numbers["decimals"]).round()).abs().max() < 1e-6
    assert (bundle.series["y"] * 100).sub((bundle.series["y"] * 100).round()).abs().max() < 1e-6
    estimates = bundle.estimates.dropna(subset=["estimate"])
    assert (estimates["estimate"] * 100).sub((estimates["estimate"] * 100).round()).abs().max() < 1e-6
    assert bundle.manifest["extract"]["synthetic"] and len(bundle.manifest["extract"]["fingerprint"]) == 64
    assert {"pandas", "statsmodels", "python"} <= set(bundle.manifest["versions"])


def test_the_bundle_rounds_a_half_up_as_the_reports_do(tmp_path):
    """The pilot's mean answer 29/20 = 1,45 was stored (and printed) as 1,4 by Python's
    round() (break test); the reports round a half up: 1,5. So do the series and p."""
    from analysis.bundle.store import printed_p
    writer = BundleWriter()
    writer.scalar("mean", 29 / 20, page="p", kind="number", decimals=1)
    writer.scalar("share", 100 / 8, page="p", kind="percent", decimals=0)
    writer.add_series("fig", "s", pd.DataFrame({"x": [1.0], "y": [2.675]}), persons=None)
    bundle = Bundle.open(writer.write(tmp_path / "b", {"edition": "e", "min_cell": 3}))
    assert bundle.value("mean") == 1.5 and bundle.value("share") == 13.0
    assert bundle.figure("fig")["y"].tolist() == [2.68]
    assert printed_p(0.0125) == 0.013


def test_the_writer_refuses_person_ids_and_small_cells(tmp_path):
    writer = BundleWriter()
    writer.table("bad", pd.DataFrame({"hold": ["S1234567"]}, index=["a"]))
    with pytest.raises(BundleError, match="look like person ids"):
        writer.write(tmp_path / "b1", {})
    writer = BundleWriter()
    writer.scalar("label", "Hold 7", page="p")
    with pytest.raises(BundleError):
        writer.write(tmp_path / "b2", {}, person_ids={"hold 7"})    # any id of the extract, in any case
    writer = BundleWriter()
    writer.scalar("few", 2, page="p", persons=2)
    with pytest.raises(DisclosureError, match="few rests on 2 persons"):
        writer.write(tmp_path / "b3", {}, min_cell=3)
    # a count is of persons unless it says what else it counts: the careless changes of
    # issue 11 (a count of 2 under a key no pattern knows, a cross-table with cells of 1 and 2)
    writer = BundleWriter()
    writer.scalar("some.new.key", 2, page="p", kind="count")
    with pytest.raises(DisclosureError, match="some.new.key rests on 2 persons"):
        writer.write(tmp_path / "b5", {}, min_cell=3)
    writer = BundleWriter()
    writer.table("cross", pd.DataFrame({"a": [1, 7], "b": [5, 2]}, index=["r1", "r2"]))
    with pytest.raises(DisclosureError, match="table cross, row r1, column a rests on 1 persons"):
        writer.write(tmp_path / "b6", {}, min_cell=3)
    writer = BundleWriter()
    writer.scalar("n_teams_short", 2, page="p", kind="count", of="teams")
    writer.write(tmp_path / "b7", {"edition": "e", "min_cell": 3}, min_cell=3)
    with pytest.raises(ValueError, match="a count of teams has no persons"):
        writer.scalar("n_teams", 33, page="p", kind="count", of="teams", persons=33)
    writer = BundleWriter()
    writer.scalar("few", "x", page="p", kind="count")               # hidden: no value, no persons kept
    writer.write(tmp_path / "b4", {"edition": "e", "min_cell": 3}, min_cell=3)
    assert Bundle.open(tmp_path / "b4").value("few") == "x"


def test_a_changed_bundle_file_is_refused(bundles, tmp_path):
    import shutil
    copy = tmp_path / "bundle"
    shutil.copytree(bundles["pilot-2024"], copy)
    Bundle.open(copy, "pilot-2024")
    with pytest.raises(BundleError, match="not 'final-2025'"):
        Bundle.open(copy, "final-2025")
    scalars = pd.read_parquet(copy / "scalars.parquet")
    scalars.loc[0, "value"] = 1.0
    scalars.to_parquet(copy / "scalars.parquet")
    with pytest.raises(BundleError, match="scalars.parquet: missing or changed since"):
        Bundle.open(copy, "pilot-2024")
    # the CSV twins an output checker reads are covered too, and so is the manifest itself
    for name, edit in [("tables.csv", lambda text: text.replace(",3,", ",2,", 1)),
                       ("manifest.json", lambda text: text.replace('"min_cell": 3', '"min_cell": 1'))]:
        shutil.rmtree(copy)
        shutil.copytree(bundles["pilot-2024"], copy)
        path = copy / name
        changed = edit(path.read_text(encoding="utf-8"))
        assert changed != path.read_text(encoding="utf-8")
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(BundleError, match=f"{name}: .*changed since"):
            Bundle.open(copy, "pilot-2024")


def test_a_minimum_cell_under_three_is_refused(tmp_path):
    from analysis.compute.stage import compute_bundle
    with pytest.raises(ValueError, match="--min-cell 2: no published cell may rest on fewer than 3"):
        compute_bundle(EDITIONS["pilot-2024"], out=tmp_path / "b", min_cell=2)
    assert not (tmp_path / "b").exists()
    run = subprocess.run([sys.executable, "-m", "analysis", "compute", "--edition", "pilot-2024", "--min-cell", "1",
                          "--out", str(tmp_path / "b")], capture_output=True, text=True)
    assert run.returncode == 2 and "3 or more" in run.stderr and not (tmp_path / "b").exists()


def test_build_options_of_the_compute_stage_are_refused_with_a_bundle(bundles, tmp_path):
    from analysis.build.driver import BuildError, build
    with pytest.raises(BuildError, match="--bundle renders a bundle as it was computed"):
        build(EDITIONS["pilot-2024"], data=EDITIONS["pilot-2024"].data_dir, bundle=bundles["pilot-2024"],
              out=tmp_path)


def test_one_build_at_a_time_per_folder(tmp_path):
    from analysis.build.driver import BuildError, build_lock
    with build_lock(tmp_path):
        with pytest.raises(BuildError, match="another build into .* is running"):
            with build_lock(tmp_path):
                pass
    with build_lock(tmp_path):   # released
        pass


# ---------------------------------------------------------------- what a chapter may import

def chapter_imports(entry: str) -> list[str]:
    modules = []
    for cell in jupytext.read(REPO / f"{entry}.md").cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                modules += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.append(node.module)
                modules += [f"{node.module}.{alias.name}" for alias in node.names]
    return modules


def test_chapters_import_nothing_that_reads_microdata():
    """Every module a chapter imports, and everything those import, is on the render side."""
    plan = {entry: chapter_imports(entry) for entry in ALL_ENTRIES}
    assert all(plan.values())
    script = (
        "import importlib, json, sys\n"
        f"plan = {json.dumps(plan)}\n"
        "out = {}\n"
        "for entry, modules in plan.items():\n"
        "    before = set(sys.modules)\n"
        "    for m in modules:\n"
        "        try: importlib.import_module(m)\n"
        "        except ModuleNotFoundError: pass   # 'from package import name' of a non-module name\n"
        "    out[entry] = sorted(set(sys.modules) - before)\n"
        "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    loaded = json.loads(result.stdout)
    offenders = {entry: [m for m in modules if m.startswith(MICRODATA_SIDE)] for entry, modules in loaded.items()}
    assert not any(offenders.values()), {e: m for e, m in offenders.items() if m}
    assert any("analysis.report.book" in modules for modules in loaded.values())   # the check can see imports


def test_every_chapter_takes_the_edition_and_the_bundle_only():
    for entry in ALL_ENTRIES:
        notebook = jupytext.read(REPO / f"{entry}.md")
        tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, entry
        names = {node.targets[0].id for node in ast.parse(tagged[0].source).body if isinstance(node, ast.Assign)}
        assert names == {"edition", "bundle"}, (entry, names)
        assert not any(t.startswith("only-") for c in notebook.cells for t in c.metadata.get("tags", [])), entry


# ---------------------------------------------------------------- chapters that fail

CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Test

```{{code-cell}} ipython3
:tags: [parameters]
edition = "final-2025"
bundle = None
```

```{{code-cell}} ipython3
:tags: [remove-cell]
{body}
```

```{{code-cell}} ipython3
print("the table")
```
"""


@pytest.mark.parametrize("body, expected", [
    ("import sys\nsys.exit(0)", r"code cell 2 \('import sys'\): SystemExit"),
    ("import os\nos._exit(0)", r"the kernel stopped .*code cell 2 \('import os'\)"),
    ("raise ValueError('no such table')", r"code cell 2 .*ValueError: no such table"),
    # a person id printed by a cell the book hides still reaches the executed notebook
    ("print('S3550277')", r"code cell 2 .*looks like a person id"),
    # a cell that never ends is stopped at TPJ_CELL_TIMEOUT (set to 3 s below)
    ("while True:\n    pass", r"code cell 2 \('while True:'\).*ran longer than 3 s"),
    ("print('x' * 2_000_000)", r"code cell 2 .*prints 2.0 MB of text"),
])
def test_a_chapter_that_fails_in_any_way_fails_the_build(tmp_path, body, expected, monkeypatch):
    monkeypatch.setenv("TPJ_CELL_TIMEOUT", "3")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "careless.md").write_text(CHAPTER.format(body=body), encoding="utf-8")
    (tmp_path / "chapters" / "fine.md").write_text(CHAPTER.format(body="x = 1"), encoding="utf-8")
    with pytest.raises(ChapterError, match=expected) as info:
        execute_chapters(["chapters/fine", "chapters/careless"], tmp_path / "out", None,
                         {"edition": "final-2025", "bundle": None}, "key", force=True, root=tmp_path)
    assert "chapters/careless.md" in str(info.value) and "chapters/fine.md" not in str(info.value)
    assert (tmp_path / "out" / "chapters" / "fine.hash").exists()


def test_an_unchanged_chapter_is_reused(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "fine.md").write_text(CHAPTER.format(body="x = 1"), encoding="utf-8")
    run = lambda out, previous, key: execute_chapters(  # noqa: E731
        ["chapters/fine"], tmp_path / out, previous, {"edition": "final-2025", "bundle": None}, key,
        force=False, root=tmp_path)
    assert run("a", None, "k1") == ["chapters/fine"]
    assert run("b", tmp_path / "a", "k1") == []                 # copied from the last good build
    assert run("c", tmp_path / "b", "k2") == ["chapters/fine"]  # the bundle or the code changed


# ---------------------------------------------------------------- the render stage on its own

SITECUSTOMIZE = '''
import os, sys
_FORBIDDEN = [p for p in os.environ.get("TPJ_FORBID", "").split(os.pathsep) if p]


def _no_microdata(event, args):
    if event == "open" and _FORBIDDEN and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if any(path.startswith(p) for p in _FORBIDDEN):
            raise PermissionError(f"the render stage opened {path}")


sys.addaudithook(_no_microdata)
'''


def render_without_inputs(tmp_path: Path, edition: str, bundle: Path, out: Path, *extra: str,
                          wait: bool = True):
    """`python -m analysis render` in processes (driver, workers, kernels, Jupyter Book)
    that may not open any file of the extracts or of the qualitative material."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(hook),
               TPJ_FORBID=os.pathsep.join(str(REPO / "data" / d) for d in ("synthetic", "qualitative")))
    command = [sys.executable, "-m", "analysis", "render", "--edition", edition, "--bundle", str(bundle),
               "--out", str(out), *extra]
    if not wait:
        return subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)


def test_the_hook_would_catch_a_read_of_the_extract(tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(hook), TPJ_FORBID=str(REPO / "data" / "synthetic"))
    result = subprocess.run([sys.executable, "-c", "from analysis.compute.stage import load_microdata\n"
                             "from analysis.editions import EDITIONS\nload_microdata(EDITIONS['pilot-2024'])"],
                            cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "the render stage opened" in result.stderr


def test_render_needs_the_bundle_alone(bundles, tmp_path):
    """The pilot edition, rendered (HTML) by processes that cannot open the extract."""
    out = tmp_path / "site"
    result = render_without_inputs(tmp_path, "pilot-2024", bundles["pilot-2024"], out, "--no-pdf")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "html" / "chapters" / "niveauskift.html").exists()
    assert not (out / "html" / "_sources").exists()
    assert not list((out / "html").rglob("*.ipynb"))
    published = pd.read_csv(out / "results.csv")
    bundle = Bundle.open(bundles["pilot-2024"], "pilot-2024")
    assert set(bundle.scalars["key"]) <= set(published["key"])


def process_tree(root: int) -> set[int]:
    """The pids of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo += children.get(pid, [])
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_build_stops_and_keeps_the_last_good_site(bundles, tmp_path, signum):
    out = tmp_path / "site"
    first = render_without_inputs(tmp_path, "pilot-2024", bundles["pilot-2024"], out, "--no-pdf")
    assert first.returncode == 0, first.stderr[-2000:]
    kept = [out / "html" / "index.html", out / "results.csv", out / "executed" / "chapters" / "niveauskift.ipynb"]
    before = digest(kept)
    process = render_without_inputs(tmp_path, "pilot-2024", bundles["pilot-2024"], out, "--no-pdf", "--force",
                                    wait=False)
    deadline = time.monotonic() + 120
    seen = ""
    while "executing" not in seen and time.monotonic() < deadline:   # wait until the kernels run chapters
        seen += process.stderr.readline()
    time.sleep(1.5)
    tree = process_tree(process.pid)
    assert len(tree) >= 3, "the build should be running workers and kernels by now"
    start = time.monotonic()
    process.send_signal(signum)
    process.wait(timeout=30)
    stopped = time.monotonic() - start
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in tree if alive(pid)]
    assert process.returncode != 0 and stopped < 15, (process.returncode, stopped)
    assert not left, f"processes left running: {left}"
    assert digest(kept) == before                       # the last good site and results, untouched
    assert "interrupted" in process.stderr.read()


# ---------------------------------------------------------------- chapters as plain notebooks

def test_every_chapter_runs_under_jupyter_books_own_execution(bundles, tmp_path):
    """The default edition's chapters, executed by Jupyter Book itself (execute_notebooks:
    force, no driver), each finding the default bundle by its own parameters."""
    import yaml
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    config["execute"] = {"execute_notebooks": "force", "timeout": 600, "allow_errors": False}
    # (a config file given on the command line resolves this path against its own folder)
    config["sphinx"]["local_extensions"] = {"tpj_edition": str(REPO / "_ext")}
    config_path = tmp_path / "force.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    jb = Path(sys.executable).parent / "jb"
    result = subprocess.run([str(jb), "build", str(REPO), "--config", str(config_path), "--path-output",
                             str(tmp_path / "jb"), "--builder", "html"], capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "Execution Failed" not in log and "CellExecutionError" not in log, log[-3000:]
    for entry in toc_entries(EDITIONS["final-2025"].toc):
        assert (tmp_path / "jb" / "_build" / "html" / f"{entry}.html").exists(), entry


def test_the_pilot_chapters_run_as_plain_notebooks_with_their_edition_parameter(bundles, tmp_path):
    """nbval (lax) runs each chapter of the pilot edition as a plain notebook, its edition
    parameter set to pilot-2024 as an analyst would set it."""
    for entry in toc_entries(EDITIONS["pilot-2024"].toc):
        notebook = jupytext.read(REPO / f"{entry}.md")
        for cell in notebook.cells:
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = cell.source.replace('edition = "final-2025"', 'edition = "pilot-2024"')
        jupytext.write(notebook, tmp_path / f"{Path(entry).name}.ipynb")
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                             str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_no_id_pattern_matches_a_published_label():
    """The id check of executed outputs must not refuse the labels the book prints."""
    for label in ("Hold 18", "Pilothold 1", "2023-W39", "Tabel 12", "WHO-5", "S-togsbane", "uge 26"):
        assert not PERSON_ID.fullmatch(label)
