"""The book: chapters run cleanly (nbval), prose holds no typed numbers, and the whole
build gives HTML and PDF whose numbers are the computed ones."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pandas as pd
import pytest

from analysis.report import book
from analysis.build.driver import BuildError, build, execute_chapters, for_edition, glued_numbers, toc_entries
from analysis.editions import REPO
from analysis.synthetic.final import generate

ROLE = re.compile(r"\{[a-z:-]+\}`[^`]*`")
NAMES = re.compile(r"WHO-5")   # proper names with a digit, not numbers
ENTRIES = toc_entries(REPO / "_toc.yml")
# every chapter of every edition, for the checks of the sources
ALL_ENTRIES = list(dict.fromkeys(ENTRIES + toc_entries(REPO / "_toc_pilot-2024.yml")))


def prose(entry: str) -> list[tuple[int, str]]:
    """Lines of running text in a chapter's markdown cells (no headings, directives, options)."""
    notebook = jupytext.read(REPO / f"{entry}.md")
    lines = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        raw = False   # inside a {raw} block: output-format code (e.g. LaTeX), not prose
        for number, line in enumerate(cell.source.splitlines(), start=1):
            text = line.strip()
            if text.startswith("```"):
                raw = text.startswith("```{raw}")
                continue
            if raw or not text or text.startswith(("#", ":", "<!--")):
                continue
            lines.append((number, NAMES.sub("", ROLE.sub("", text))))
    return lines


def chapter_title(entry: str) -> str:
    """The chapter's title: its first level-one heading."""
    for cell in jupytext.read(REPO / f"{entry}.md").cells:
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    raise AssertionError(f"{entry} has no title")


@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_prose_has_no_typed_numbers(entry):
    """Every number in running text is glued from code: no digit may be typed in prose."""
    typed = [(n, text) for n, text in prose(entry) if re.search(r"\d", text)]
    assert not typed, f"{entry}: digits typed in prose: {typed[:3]}"


@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_every_chapter_has_a_parameters_cell(entry):
    notebook = jupytext.read(REPO / f"{entry}.md")
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "edition" in tagged[0].source and "data_dir" in tagged[0].source


def test_chapters_run_cleanly_under_nbval(tmp_path):
    """nbval (lax) runs every chapter, converted from MyST markdown, on the bundled data."""
    for entry in ENTRIES:
        target = tmp_path / f"{Path(entry).name}.ipynb"
        jupytext.write(for_edition(jupytext.read(REPO / f"{entry}.md"), "final-2025"), target)
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                             str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout and "error" not in result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    assert build(REPO_EDITION(), out=out) == 0
    return out


def REPO_EDITION():
    from analysis.editions import EDITIONS
    return EDITIONS["final-2025"]


def test_build_gives_every_page_and_the_pdf(built):
    html = built / "html"
    for entry in ENTRIES:
        page = html / f"{entry}.html"
        assert page.exists(), page
        text = page.read_text(encoding="utf-8")
        for leftover in ("Traceback", "<Figure size", "DataFrame", "injected-parameters", "# Parameters"):
            assert leftover not in text, (entry, leftover)
    pdf = built / "pdf" / "tpj-final-2025.pdf"
    assert pdf.exists() and (html / pdf.name).exists()
    assert "syntetiske data" in (html / "index.html").read_text(encoding="utf-8")
    assert not (built / "BUILD-FAILED.txt").exists()


def test_pdf_holds_the_headline_numbers_from_results(built):
    pdf_text = subprocess.run(["pdftotext", "-layout", str(built / "pdf" / "tpj-final-2025.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    results = pd.read_csv(built / "results.csv")
    glued = glued_numbers(built, ENTRIES)
    headline = ["tabel6.mean.w-26", "tabel6.mean.w0", "tabel6.mean.w26", "model.samlet.efter.coef",
                "weekly.interaction"]
    for key in headline:
        assert key in set(results["key"])
        text = glued.loc[glued["key"] == key, "text"].iloc[0]
        assert text in pdf_text, (key, text)
    for word in ("Tabel", "Figur", "N = ", "æ", "ø", "å"):
        assert word in pdf_text
    # a table of contents at the front lists every chapter with its page
    front = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "4", str(built / "pdf" / "tpj-final-2025.pdf"),
                            "-"], capture_output=True, text=True, check=True).stdout
    for entry in ENTRIES[1:]:
        title = chapter_title(entry).split(":")[0].strip()
        assert re.search(re.escape(title) + r".*\d+\s*$", front, re.MULTILINE), title


def test_results_and_reproduction_files(built):
    results = pd.read_csv(built / "results.csv")
    assert {"key", "value", "page"} <= set(results.columns)
    repro = pd.read_csv(built / "reproduction.csv")
    compared = repro[repro["ok"].astype(str) != "suppressed"]
    share = (compared["ok"].astype(str) == "True").mean()
    assert len(repro) > 100 and share >= 0.95, share


def test_no_free_text_answer_reaches_an_output(built):
    """The synthetic waves hold free-text answers; none may appear in anything the build writes."""
    from analysis.synthetic.survey import FREE_TEXT
    marker = FREE_TEXT.split("{")[0].strip()
    bundled = "".join((REPO_EDITION().data_dir / f"survey_w{w}.csv").read_text(encoding="utf-8") for w in (1, 2, 3))
    assert marker in bundled   # so the check below can fail
    pdf_text = subprocess.run(["pdftotext", str(built / "pdf" / "tpj-final-2025.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    assert marker not in pdf_text
    for path in built.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".csv", ".ipynb", ".txt", ".tex", ".js"):
            assert marker not in path.read_text(encoding="utf-8", errors="replace"), path


def test_a_missing_survey_wave_makes_the_pages_say_so(tmp_path):
    """Without the three-month wave the survey pages run, say the wave is missing and
    show '(ingen data)' where its numbers would be."""
    from analysis.build.driver import inputs_fingerprint
    edition = REPO_EDITION()
    data = tmp_path / "extract"
    shutil.copytree(edition.data_dir, data)
    (data / "survey_w3.csv").unlink()
    parameters = {"edition": edition.name, "data_dir": str(data), "min_cell": edition.min_cell,
                  "inference": edition.inference}
    pages = ["chapters/resultatmaal1", "chapters/resultatmaal2", "chapters/bilag02_11"]
    execute_chapters(pages, tmp_path / "out", parameters, inputs_fingerprint(data), force=True)
    for page in pages:
        text = (tmp_path / "out" / "executed" / f"{page}.ipynb").read_text(encoding="utf-8")
        assert "indeholder ikke spørgeskemaet tre mdr. efter kursus" in text, page
    text = (tmp_path / "out" / "executed" / "chapters/resultatmaal1.ipynb").read_text(encoding="utf-8")
    assert "(ingen data)" in text


def html_headings(path: Path) -> list[str]:
    """The text of the h1-h3 headings of a built page, without section numbers."""
    import html as html_lib
    text = path.read_text(encoding="utf-8")
    out = []
    for raw in re.findall(r"<h[123][^>]*>(.*?)</h[123]>", text, flags=re.S):
        plain = html_lib.unescape(re.sub(r"<[^>]+>", "", raw)).replace("#", "").strip()
        out.append(re.sub(r"^[\d.]+\s+", "", plain))
    return out


def test_the_book_follows_the_page_list_of_the_final_report(built):
    """data/reference/pages/final-2025.csv lists the pages of seed 004 with the chapter and heading
    that render each; every one is a heading of that chapter, and the chapters come in the seed's order."""
    pages = pd.read_csv(REPO / "data" / "reference" / "pages" / "final-2025.csv")
    positions = []
    for row in pages.itertuples():
        assert row.chapter in ENTRIES, f"p. {row.seed_page}: {row.chapter} is not in _toc.yml"
        headings = html_headings(built / "html" / f"{row.chapter}.html")
        assert any(h == row.heading or h.startswith(row.heading) for h in headings), \
            f"p. {row.seed_page}: no heading {row.heading!r} in {row.chapter} ({headings[:6]})"
        positions.append(ENTRIES.index(row.chapter))
    assert positions == sorted(positions), "the chapters are not in the order of the report's pages"


def test_rebuild_reuses_unchanged_chapters(built):
    from analysis.build.driver import inputs_fingerprint
    edition = REPO_EDITION()
    parameters = {"edition": edition.name, "data_dir": str(edition.data_dir), "min_cell": edition.min_cell,
                  "inference": edition.inference}
    assert execute_chapters(ENTRIES, built, parameters, inputs_fingerprint(edition.data_dir), force=False) == []


def test_another_synthetic_seed_rewrites_the_numbers_in_the_prose(built, tmp_path):
    """Rebuild on another synthetic extract: every glued number is the one computed from that
    extract, and the numbers that depend on it change."""
    data = tmp_path / "seed7"
    generate(data, seed=7)
    out = tmp_path / "book"
    edition = REPO_EDITION()
    assert build(edition, data=data, out=out, pdf=False) == 0
    before = glued_numbers(built, ENTRIES).drop_duplicates(["key", "page"]).set_index(["page", "key"])
    after = glued_numbers(out, ENTRIES).drop_duplicates(["key", "page"]).set_index(["page", "key"])
    assert before.index.equals(after.index)
    fresh = book.context(edition.name, str(data))
    estimates = dict(zip(fresh.results["key"], fresh.results["value"]))
    checked = 0
    for (page, key), row in after.iterrows():
        if key.startswith(("model.", "weekly.")) and key in estimates and estimates[key] != "x":
            value = float(estimates[key])
            assert row["text"] in (book.number(value), book.number(value, sign=True), book.number(abs(value))), key
            checked += 1
    changed = (before["text"] != after["text"]).sum()
    assert checked > 10 and changed > 10, (checked, changed)
    html = (out / "html" / "chapters" / "undergrupper.html").read_text(encoding="utf-8")
    changed_texts = after.loc[before["text"] != after["text"], "text"]
    assert any(text in html for text in changed_texts)
    # the summary pages: every number they quote is the one computed from the new extract
    from analysis.survey.stats import KEY, share_value
    summary = after.reset_index()
    summary = summary[summary["page"].isin(["resume", "hovedkonklusioner", "opsamling"])]
    raw = glued_numbers(out, ENTRIES)
    raw = raw[raw["page"].isin(["resume", "hovedkonklusioner", "opsamling"])]
    assert len(raw) > 30
    for record in raw.itertuples():
        if record.key in estimates:
            expected = estimates[record.key]
        elif KEY.match(record.key):
            expected = share_value(fresh.survey, record.key, fresh.min_cell)
        else:
            continue
        if expected == "x":
            assert record.value == "x", record.key
        else:
            assert float(record.value) == pytest.approx(float(expected)), (record.page, record.key)
    moved = summary.merge(before.reset_index(), on=["page", "key"], suffixes=("", "_before"))
    assert (moved["text"] != moved["text_before"]).sum() >= 3


def test_a_failing_chapter_stops_the_build_naming_chapter_cell_and_error(tmp_path, monkeypatch):
    broken = tmp_path / "chapters" / "broken.md"
    broken.parent.mkdir()
    source = (REPO / "chapters" / "bilag01.md").read_text(encoding="utf-8")
    broken.write_text(source.replace("teams = per_team(", "teams = no_such_function("), encoding="utf-8")
    monkeypatch.setattr("analysis.build.driver.REPO", tmp_path)
    with pytest.raises(BuildError) as info:
        execute_chapters(["chapters/broken"], tmp_path / "out", {"edition": "final-2025"}, "x", force=True)
    message = str(info.value)
    assert "chapters/broken.md" in message and "cell [" in message and "NameError" in message
    assert "no_such_function" in message


def test_a_failed_build_leaves_no_finished_looking_site(tmp_path, monkeypatch):
    from dataclasses import replace
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "broken.md").write_text(
        (REPO / "chapters" / "bilag01.md").read_text(encoding="utf-8").replace("per_team(", "1 / 0 or per_team("),
        encoding="utf-8")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: chapters/broken\n", encoding="utf-8")
    out = tmp_path / "out"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_text("an old site", encoding="utf-8")
    monkeypatch.setattr("analysis.build.driver.REPO", tmp_path)
    with pytest.raises(BuildError, match="ZeroDivisionError"):
        build(replace(REPO_EDITION(), toc=tmp_path / "_toc.yml"), out=out)
    assert not (out / "html").exists()
    assert "ZeroDivisionError" in (out / "BUILD-FAILED.txt").read_text(encoding="utf-8")


def test_the_cache_key_follows_data_and_package(tmp_path):
    """A chapter is re-run when the extract, the reference data or `analysis/` change."""
    import shutil

    from analysis.build.driver import inputs_fingerprint
    edition = REPO_EDITION()
    data = tmp_path / "data"
    shutil.copytree(edition.data_dir, data)
    before = inputs_fingerprint(data)
    assert inputs_fingerprint(data) == before
    with (data / "dream.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert inputs_fingerprint(data) != before
