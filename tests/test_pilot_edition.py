"""The second edition from the same notebooks: the supplementary pilot evaluation (seed 000)."""
from __future__ import annotations

import subprocess

import jupytext
import pandas as pd
import pytest

from analysis.report import book
from analysis.build.driver import build, for_edition, toc_entries
from analysis.editions import EDITIONS, REPO

PILOT = EDITIONS["pilot-2024"]
ENTRIES = toc_entries(PILOT.toc)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("pilot")
    assert build(PILOT, out=out) == 0
    return out


@pytest.fixture(scope="module")
def ctx():
    return book.context(PILOT.name)


def test_the_editions_share_their_chapter_notebooks():
    final = set(toc_entries(EDITIONS["final-2025"].toc))
    shared = final & set(ENTRIES)
    assert {"index", "chapters/fremgangsmaade", "chapters/repraesentativitet", "chapters/reproduktion"} <= shared
    assert ENTRIES[1:3] == ["chapters/baggrund", "chapters/konklusioner"]   # seed 000's order


def test_edition_tagged_cells_are_kept_for_their_edition_only():
    path = REPO / "chapters" / "fremgangsmaade.md"
    texts = {ed: "\n".join(c.source for c in for_edition(jupytext.read(path), ed).cells) for ed in EDITIONS}
    assert "Deltagelse og svarprocenter" in texts["final-2025"]
    assert "Deltagelse og svarprocenter" not in texts["pilot-2024"]
    assert "Deskriptiv statistik" in texts["pilot-2024"] and "Deskriptiv statistik" not in texts["final-2025"]


def test_small_groups_are_merged_by_the_rule_not_by_edition_code(ctx):
    """Seed 000 merged Hold 1 with Hold 3, Hold 5 with Hold 6 and the oldest age group with
    46-55; the same merges come out of the minimum-cell rule and the declared orders."""
    keys = set(ctx.results["key"])
    assert {"hold.Hold 1 + Hold 3.count", "hold.Hold 5 + Hold 6.count"} <= keys
    assert "alder_46_55+alder_over55" in set(ctx.models["group"])
    assert not {"alder_46_55", "alder_over55"} & set(ctx.models["group"])


def test_pilot_models_are_the_level_shift_and_the_course_slope(ctx):
    assert set(ctx.models["model"]) == {"level_shift", "course_slope"}
    samlet = ctx.models[(ctx.models["group"] == "samlet")].set_index("term")["estimate"]
    # the intercept is the mean of the 26 weeks before, the coefficient the later weeks' mean minus it
    completers = ctx.panel[(ctx.panel["status"] == "gennemført") & ctx.panel["score"].notna()]
    before = completers[completers["week"].between(-26, 0)]["score"].astype(float).mean()
    after = completers[completers["week"].between(1, PILOT.weeks_after)]["score"].astype(float).mean()
    assert samlet["intercept"] == pytest.approx(before) and samlet["coef"] == pytest.approx(after - before)


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
    fremgang = (html / "chapters" / "fremgangsmaade.html").read_text(encoding="utf-8")
    assert "Deskriptiv statistik" in fremgang and "svarprocenter" not in fremgang


def test_pilot_pdf_has_the_report_structure(built):
    text = subprocess.run(["pdftotext", "-layout", str(built / "pdf" / "tpj-pilot-2024.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for heading in ("Baggrund og formål", "Konklusioner", "Fremgangsmåde og datagrundlag", "Repræsentativitet",
                    "Progression mod job", "Aldersgrupper", "Udvikling under kurset", "Afmeldte kursister"):
        assert heading in text, heading
