"""The second edition from the same notebooks: the supplementary pilot evaluation (seed 000)."""
from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from analysis.build.driver import build
from analysis.editions import EDITIONS, toc_entries
from analysis.report import book

PILOT = EDITIONS["pilot-2024"]
ENTRIES = toc_entries(PILOT.toc)


@pytest.fixture(scope="module")
def built(bundles):
    assert build(PILOT) == 0
    return PILOT.out


@pytest.fixture(scope="module")
def ctx(bundles):
    return book.context(PILOT.name, str(bundles[PILOT.name]))


def test_the_editions_share_their_chapter_notebooks():
    final = set(toc_entries(EDITIONS["final-2025"].toc))
    shared = final & set(ENTRIES)
    assert {"index", "chapters/fremgangsmaade", "chapters/repraesentativitet", "chapters/reproduktion"} <= shared
    # seed 000's order (baggrund's own pilot section right after it)
    assert ENTRIES[1:4] == ["chapters/baggrund", "chapters/baggrund_spoergsmaal", "chapters/konklusioner"]


def test_an_editions_own_sections_are_in_its_table_of_contents_only():
    final = set(toc_entries(EDITIONS["final-2025"].toc))
    for own, other in ((("chapters/svarprocenter", "chapters/baggrund_relaterede"), set(ENTRIES)),
                       (("chapters/deskriptiv_statistik", "chapters/baggrund_spoergsmaal"), final)):
        for entry in own:
            assert entry not in other and entry in final | set(ENTRIES), entry


def test_a_passage_of_one_edition_is_dropped_by_sphinx_in_the_other(built):
    """Shared chapters hold {only} passages; the pilot site has its own and not the final's."""
    html = (built / "html" / "chapters" / "fremgangsmaade.html").read_text(encoding="utf-8")
    final = (EDITIONS["final-2025"].out / "html" / "chapters" / "fremgangsmaade.html")
    assert "mixed methods-design" not in html and "Analysen følger hver kursists beskæftigelsesscore" in html
    if final.exists():   # built by tests/test_book.py in the same session
        text = final.read_text(encoding="utf-8")
        assert "mixed methods-design" in text and "Analysen følger hver kursists beskæftigelsesscore" not in text


def test_figures_are_numbered_from_1_without_the_other_editions_figures(built):
    """A figure inside the other edition's {only} block takes no number: the pilot's
    figures are numbered 1, 2, 3 ... in the order of its table of contents."""
    import re
    numbers = []
    for entry in ENTRIES:
        page = built / "html" / f"{entry}.html"
        if page.exists():
            text = page.read_text(encoding="utf-8")
            numbers += [int(n) for n in re.findall(r'<span class="caption-number">Figur (\d+)', text)]
    assert numbers and sorted(set(numbers)) == list(range(1, max(numbers) + 1)), numbers


def test_small_groups_are_merged_by_the_rule_not_by_edition_code(ctx):
    """Seed 000 merged Hold 1 with Hold 3, Hold 5 with Hold 6 and the oldest age group with
    46-55; the same merges come out of the minimum-cell rule and the declared orders."""
    keys = set(ctx.results["key"])
    assert {"hold.Hold 1 + Hold 3.count", "hold.Hold 5 + Hold 6.count"} <= keys
    assert "alder_46_55+alder_over55" in set(ctx.models["group"])
    assert not {"alder_46_55", "alder_over55"} & set(ctx.models["group"])


def test_pilot_models_are_the_level_shift_and_the_course_slope(ctx):
    from analysis.reference.scoring import load_mapping
    from analysis.register.extract import load_extract
    from analysis.register.panel import build_panel
    assert set(ctx.models["model"]) == {"level_shift", "course_slope"}
    samlet = ctx.models[(ctx.models["group"] == "samlet")].set_index("term")["estimate"]
    # the intercept is the mean of the 26 weeks before, the coefficient the later weeks' mean minus it
    mapping = load_mapping()
    panel = build_panel(load_extract(PILOT.data_dir, PILOT, mapping), mapping)
    completers = panel[(panel["status"] == "gennemført") & panel["score"].notna()]
    before = completers[completers["week"].between(-26, 0)]["score"].astype(float).mean()
    after = completers[completers["week"].between(1, PILOT.weeks_after)]["score"].astype(float).mean()
    # (the bundle keeps two decimals, as printed)
    assert samlet["intercept"] == pytest.approx(before, abs=0.005)
    assert samlet["coef"] == pytest.approx(after - before, abs=0.005)


def test_the_pilot_book_builds_and_reproduces_seed_000(built):
    html = built / "html"
    for entry in ENTRIES:
        assert (html / f"{entry}.html").exists(), entry
    assert (built / "pdf" / "tpj-pilot-2024.pdf").exists()
    repro = pd.read_csv(built / "reproduction.csv")
    compared = repro[repro["ok"].astype(str) != "suppressed"]
    share = (compared["ok"].astype(str) == "True").mean()
    assert len(compared) > 100 and share >= 0.95, share
    errata = set(pd.read_csv(PILOT.errata)["ref"])
    misses = set(compared.loc[compared["ok"].astype(str) == "False", "ref"])
    assert misses <= errata, misses - errata
    published = pd.read_csv(PILOT.published)
    assert set(published["ref"]) - set(repro["ref"]) <= errata
    assert (html / "chapters" / "deskriptiv_statistik.html").exists()
    assert not (html / "chapters" / "svarprocenter.html").exists()


def test_pilot_pdf_has_the_report_structure(built):
    text = subprocess.run(["pdftotext", "-layout", str(built / "pdf" / "tpj-pilot-2024.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for heading in ("Baggrund og formål", "Konklusioner", "Fremgangsmåde og datagrundlag", "Repræsentativitet",
                    "Progression mod job", "Aldersgrupper", "Udvikling under kurset", "Afmeldte kursister"):
        assert heading in text, heading
