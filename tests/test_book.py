"""The book: prose holds no typed numbers, and the whole build (compute, then render from
the bundle) gives HTML and PDF whose numbers are the computed ones."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jupytext
import pandas as pd
import pytest

from analysis.build.driver import BuildError, compute, compute_key, render
from analysis.bundle.store import Bundle, manifest_digest
from analysis.editions import EDITIONS, REPO, toc_entries
from analysis.report import book
from analysis.synthetic.final import generate

ROLE = re.compile(r"\{[a-z:-]+\}`[^`]*`")
NAMES = re.compile(r"WHO-5")   # proper names with a digit, not numbers
ENTRIES = toc_entries(REPO / "_toc.yml")
# every chapter of every edition, for the checks of the sources
ALL_ENTRIES = list(dict.fromkeys(ENTRIES + toc_entries(REPO / "_toc_pilot-2024.yml")
                                 + toc_entries(REPO / "_toc_pilot-2023.yml")))


def prose(entry: str) -> list[tuple[int, str]]:
    """Lines of running text in a chapter's markdown cells (no headings, directives, options,
    block attributes)."""
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
            if re.fullmatch(r"\{[.#][^}]*\}", text):   # a heading's attributes ({.edition_final_2025})
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


GLUE = "application/papermill.record/text/plain"


def glued_texts(executed: Path, entries: list[str]) -> pd.DataFrame:
    """Every text glued into the prose of the executed chapters: page, key, text."""
    import ast
    import nbformat
    rows = []
    for entry in entries:
        notebook = nbformat.read(executed / f"{entry}.ipynb", as_version=4)
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                if GLUE in output.get("data", {}) and GLUE.replace("plain", "markdown") in output["data"]:
                    key = output["metadata"]["scrapbook"]["name"]
                    rows.append({"page": Path(entry).name, "key": key, "text": ast.literal_eval(output["data"][GLUE])})
    return pd.DataFrame(rows, columns=["page", "key", "text"])


def pdf_text(path: Path, *pages: str) -> str:
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


FINAL = EDITIONS["final-2025"]


@pytest.fixture(scope="module")
def built(built_final):
    """The default edition, HTML and PDF, in the default place (TPJ_BUILD/final-2025)."""
    return built_final


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
    assert f'href="{pdf.name}"' in (html / "index.html").read_text(encoding="utf-8")
    assert "syntetiske data" in (html / "index.html").read_text(encoding="utf-8")
    assert not (built / "BUILD-FAILED.txt").exists() and not (built / ".next").exists()
    # the site publishes pages, not notebook sources (they would carry hidden cells' outputs)
    assert not (html / "_sources").exists() and not list(html.rglob("*.ipynb"))


def test_the_rendered_pages_make_no_causal_or_unsupported_claim(built):
    """The text a reader sees (glued words included) of the before/after chapters has no
    causal wording and none of the sentences issue 12 found unsupported by their tests;
    quote boxes (the qualitative material's own words) are not the book's claims."""
    from bs4 import BeautifulSoup
    from test_claims import CAUSAL, PRE_POST, UNSUPPORTED

    entries = [e for e in PRE_POST if f"chapters/{e}" in ENTRIES]      # the others are the pilot's
    assert len(entries) >= 8
    for entry in entries:
        path = built / "html" / "chapters" / f"{entry}.html"
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        main = soup.find("main") or soup
        # quote boxes, and the links to the previous and next page (whose titles are other
        # chapters' headings, e.g. the comparison-group chapter's "Effekt")
        for quote in main.select("blockquote, .prev-next-footer"):
            quote.decompose()
        text = re.sub(r"\s+", " ", main.get_text(" "))
        assert len(text) > 500, entry
        assert not CAUSAL.findall(text), (entry, CAUSAL.findall(text))
        assert not [s for s in UNSUPPORTED if s in text], entry


def test_pdf_holds_the_headline_numbers_from_the_bundle(built):
    text = pdf_text(built / "pdf" / "tpj-final-2025.pdf")
    ctx = book.context(FINAL.name, str(built / "bundle"))
    glued = glued_texts(built / "executed", ENTRIES).drop_duplicates("key").set_index("key")["text"]
    for key in ["tabel6.mean.w-26", "tabel6.mean.w0", "tabel6.mean.w26", "model.samlet.efter.coef",
                "weekly.interaction"]:
        # the page shows the bundle's value (in one of the book's formats, e.g. signed)
        assert glued[key] in {book.value_text(ctx, key, kind) for kind in book.FORMATS}, key
        assert glued[key] in text, key
    for word in ("Tabel", "Figur", "N = ", "æ", "ø", "å"):
        assert word in text
    # a table of contents at the front (after the cover and the colophon) lists every chapter
    # with its page
    front = pdf_text(built / "pdf" / "tpj-final-2025.pdf", "-f", "1", "-l", "7")
    for entry in ENTRIES[1:]:
        title = chapter_title(entry).split(":")[0].strip()
        assert re.search(re.escape(title) + r".*\d+\s*$", front, re.MULTILINE), title


def test_results_and_reproduction_come_from_the_bundle(built):
    results = pd.read_csv(built / "results.csv", keep_default_na=False)
    assert {"key", "value", "page"} <= set(results.columns)
    bundle = Bundle.open(built / "bundle", FINAL.name)
    assert set(bundle.scalars["key"]) <= set(results["key"]) and results["key"].is_unique
    repro = pd.read_csv(built / "reproduction.csv")
    compared = repro[repro["ok"].astype(str) != "suppressed"]
    share = (compared["ok"].astype(str) == "True").mean()
    assert len(repro) > 100 and share >= 0.95, share


def test_no_free_text_answer_reaches_an_output(built):
    """The synthetic waves hold free-text answers; none may appear in anything the build writes."""
    from analysis.synthetic.survey import FREE_TEXT
    marker = FREE_TEXT.split("{")[0].strip()
    bundled = "".join((FINAL.data_dir / f"survey_w{w}.csv").read_text(encoding="utf-8") for w in (1, 2, 3))
    assert marker in bundled   # so the check below can fail
    assert marker not in pdf_text(built / "pdf" / "tpj-final-2025.pdf")
    for path in built.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".csv", ".ipynb", ".txt", ".tex", ".js", ".json"):
            assert marker not in path.read_text(encoding="utf-8", errors="replace"), path


def test_a_missing_survey_wave_makes_the_pages_say_so(tmp_path):
    """Without the three-month wave the survey pages run, say the wave is missing and
    show '(ingen data)' where its numbers would be."""
    data = tmp_path / "extract"
    shutil.copytree(FINAL.data_dir, data)
    (data / "survey_w3.csv").unlink()
    bundle = compute(FINAL, data=data, out=tmp_path / "bundle")
    pages = ["chapters/resultatmaal1", "chapters/resultatmaal2", "chapters/bilag02_11"]
    assert render(FINAL, bundle, tmp_path / "out", pdf=False, entries=pages) == 0
    for page in pages:
        text = (tmp_path / "out" / "preview" / "executed" / f"{page}.ipynb").read_text(encoding="utf-8")
        assert "indeholder ikke spørgeskemaet tre mdr. efter kursus" in text, page
    text = (tmp_path / "out" / "preview" / "executed" / "chapters/resultatmaal1.ipynb").read_text(encoding="utf-8")
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


def sections_without_a_bold_lead(site: Path) -> tuple[list[tuple], int]:
    """The sections of a built site's chapter pages whose first paragraph (not one of a
    sub-section, a caption or a figure) does not start in bold: (page, heading, its start),
    and how many sections were checked."""
    from bs4 import BeautifulSoup, NavigableString
    missing, checked = [], 0
    for page in sorted((site / "html" / "chapters").glob("*.html")):
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("article")
        for section in article.select("section"):
            checked += 1
            first = next((p for p in section.find_all("p") if p.find_parent("section") is section
                          and not p.find_parent(["figcaption", "figure", "caption", "table"])), None)
            content = [c for c in (first.contents if first else [])
                       if not (isinstance(c, NavigableString) and not c.strip())]
            if not content or getattr(content[0], "name", None) != "strong":
                heading = section.find(["h1", "h2", "h3", "h4"]).get_text(" ", strip=True).rstrip("#")
                missing.append((page.stem, heading, first.get_text(" ", strip=True)[:60] if first else None))
    return missing, checked


def test_every_section_opens_with_a_bold_lead(final_site):
    """Every section of every chapter page, the chapter's own top included, opens with a
    bold lead sentence (`sections_without_a_bold_lead`). A chapter that goes straight to its
    first sub-section has none."""
    missing, checked = sections_without_a_bold_lead(final_site)
    assert checked > 80, checked
    assert not missing, missing


def test_every_section_of_the_pilot_2023_edition_opens_with_a_bold_lead(built_pilot_2023):
    """The same house style for the pilot evaluation's pages (nine of its sections had none)."""
    missing, checked = sections_without_a_bold_lead(built_pilot_2023)
    assert checked > 30, checked
    assert not missing, missing


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


def test_a_second_render_reuses_every_chapter(built, capfd):
    assert render(FINAL, built / "bundle", built, pdf=False) == 0
    assert f"executing 0 of {len(ENTRIES)} chapters" in capfd.readouterr().err
    # an HTML-only build removes the last PDF, and the front page no longer links one
    assert not (built / "pdf").exists() and not list((built / "html").glob("*.pdf"))
    assert ".pdf" not in (built / "html" / "index.html").read_text(encoding="utf-8")


def test_another_synthetic_seed_rewrites_the_numbers_in_the_prose(built, tmp_path):
    """On another synthetic extract every glued number is the one of that extract's bundle,
    and the numbers that depend on the data change, the summary pages' too."""
    data = tmp_path / "seed7"
    generate(data, seed=7)
    bundle = compute(FINAL, data=data, out=tmp_path / "bundle")
    pages = ["chapters/resume", "chapters/hovedkonklusioner", "chapters/opsamling", "chapters/undergrupper",
             "chapters/beskaeftigelsesscore"]
    out = tmp_path / "book"
    assert render(FINAL, bundle, out, pdf=False, entries=pages) == 0
    fresh = book.context(FINAL.name, str(bundle))
    after = glued_texts(out / "preview" / "executed", pages).drop_duplicates(["page", "key"]).set_index(["page", "key"])
    before = glued_texts(built / "executed", pages).drop_duplicates(["page", "key"]).set_index(["page", "key"])
    assert before.index.equals(after.index)
    checked = 0
    for (page, key), row in after.iterrows():
        if fresh.has(key) and fresh.value(key) != "x" and key.startswith(("model.", "weekly.", "survey.", "tabel")):
            value = fresh.value(key)
            allowed = {book.value_text(fresh, key, kind) for kind in book.FORMATS}
            assert row["text"] in allowed, (page, key, row["text"], value)
            checked += 1
    changed = before["text"] != after["text"]
    assert checked > 30 and changed.sum() > 10, (checked, changed.sum())
    summary = changed[changed.index.get_level_values("page").isin(["resume", "hovedkonklusioner", "opsamling"])]
    assert summary.sum() >= 3
    html = (out / "preview" / "html" / "chapters" / "undergrupper.html").read_text(encoding="utf-8")
    assert any(text in html for text in after.loc[changed, "text"] if len(text) > 2)


def test_a_failed_build_keeps_the_last_good_site_and_says_why(built, tmp_path):
    """A bundle that lacks a number a chapter quotes (e.g. computed by an older version)
    fails the render naming the chapter, the cell and the key; the site built before stays,
    and BUILD-FAILED.txt says why in plain text."""
    bundle = tmp_path / "bundle"
    shutil.copytree(built / "bundle", bundle)
    scalars = pd.read_parquet(bundle / "scalars.parquet")
    scalars[scalars["key"] != "tabel6.mean.w26"].to_parquet(bundle / "scalars.parquet", index=False)
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    import hashlib
    manifest["checksums"]["scalars.parquet"] = hashlib.sha256((bundle / "scalars.parquet").read_bytes()).hexdigest()
    del manifest["checksums"]["scalars.csv"]   # the CSV twin is stale now: the test edits the Parquet file
    manifest["manifest_sha256"] = manifest_digest(manifest)
    (bundle / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "site"
    shutil.copytree(built / "html", out / "html")
    shutil.copy(built / "results.csv", out / "results.csv")
    old = (out / "html" / "index.html").read_bytes()
    with pytest.raises(BuildError, match=r"chapters/beskaeftigelsesscore.md failed: code cell \d+ .*tabel6.mean.w26"):
        render(FINAL, bundle, out, pdf=False, entries=["chapters/beskaeftigelsesscore"])
    assert (out / "html" / "index.html").read_bytes() == old and (out / "results.csv").exists()
    # a render of some chapters is a preview: it never touches the published site
    failed = (out / "preview" / "BUILD-FAILED.txt").read_text(encoding="utf-8")
    assert "tabel6.mean.w26" in failed and "\x1b[" not in failed
    with pytest.raises(BuildError, match="not 'final-2025'"):   # another edition's bundle
        render(FINAL, built.parent / "pilot-2024" / "bundle", out, pdf=False)


def test_the_bundle_is_recomputed_when_its_inputs_change(tmp_path):
    """The compute stage is skipped only when the extract, the package, the reference data
    and the parameters are unchanged."""
    data = tmp_path / "data"
    shutil.copytree(FINAL.data_dir, data)
    before = compute_key(FINAL, data, None, None)
    assert compute_key(FINAL, data, None, None) == before
    assert compute_key(FINAL, data, 5, None) != before
    with (data / "dream.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert compute_key(FINAL, data, None, None) != before
