"""The PDF as a designed report, checked on its text and layout (poppler's pdftotext, per
page): the cover with the data's date, the colophon, the running synthetic mark on every
page, the "SEKTION | Undertitel" running headers, no page with only a few lines, and no
hyphenated word in a table header."""
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
MIN_LINES = 5     # a page with text holds at least this many lines besides header, mark and number


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


def content_lines(page: str) -> list[str]:
    """The lines of a page that are not the running header, the mark or the page number."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [line for line in lines if MARK not in line and not re.fullmatch(r"[ivxlc\d]+", line)
            and not re.match(r"^[A-ZÆØÅ ,–-]+ \| ", line)]


def part_captions() -> set[str]:
    toc = yaml.safe_load(FINAL.toc.read_text(encoding="utf-8"))
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


def test_no_page_with_only_a_few_lines(texts):
    """Every page but the part dividers carries at least MIN_LINES lines of content."""
    captions = part_captions()
    thin = [(i + 1, content_lines(page)) for i, page in enumerate(texts)
            if len(content_lines(page)) < MIN_LINES and not (len(content_lines(page)) == 1
                                                              and content_lines(page)[0] in captions)]
    assert not thin, thin


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
