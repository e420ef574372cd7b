"""Claims follow tests: the prose of the result chapters takes its direction words and
comparisons from the tests in the bundle (book.claim, book.comparison), uses no causal
wording for before/after changes, and types no quote."""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.build.driver import render
from analysis.bundle.store import _sha256, manifest_digest
from analysis.editions import EDITIONS, REPO
from analysis.report import book

FINAL = EDITIONS["final-2025"]
# the chapters whose results are before/after changes (no comparison group): causal
# wording belongs to a comparison-group chapter, which this book does not have yet
PRE_POST = ["beskaeftigelsesscore", "undergrupper", "bilag12", "bilag13", "bilag14", "resultatmaal1",
            "resultatmaal2", "hovedkonklusioner", "opsamling", "resume", "niveauskift", "konklusioner",
            "pilotkonklusioner"]
# causal wording: an effect ("effekt af", "effekten", "kursets effekt"; but not the
# "faste/tilfældige effekter" of a model), a cause ("skyldes kurset", "takket være", "fører
# til", "på grund af kurset", ...), a turn ("vender en udvikling"; not "vender tilbage") or
# the course as the agent of a change ("kurset øger", "kurset har forbedret")
CAUSAL = re.compile(
    r"(?<!faste )(?<!tilfældige )\beffekt|skyldes kurset|\bvend(?:er|te|t)\b(?! tilbage)|takket være|"
    r"\bfør(?:er|te)\s+til\b|forårsag|\bbevirke|resultere[rt]?\s+i\b|på grund af kurset|som følge af kurset|"
    r"kurset\s+(?:har\s+)?(?:øge[rt]|forbedre[rt]|hæve[rt]|løfte[rt]|styrke[rt])\b|\bvirke[rt]\b",
    re.IGNORECASE)
# sentences of the earlier text whose tests do not support them (issue 12, "Why")
UNSUPPORTED = ["i alle grupper", "stiger efter kurset i alle aldersgrupperne",
               "Troen på, at kompetencerne kan bruges på en arbejdsplads, stiger",
               "vender en nedadgående udvikling til fremgang", "Stærkere arbejdsidentitet"]


def source(entry: str) -> str:
    return (REPO / "chapters" / f"{entry}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", PRE_POST)
def test_no_causal_words_in_the_before_after_chapters(entry):
    hits = CAUSAL.findall(re.sub(r"\s+", " ", source(entry)))
    assert not hits, f"{entry}: causal wording {hits}"


@pytest.mark.parametrize("sentence", [
    "Kursets effekt på beskæftigelsen er tydelig.", "Effekten af kurset er størst for mænd.",
    "Der ses en effekt af kurset.", "Stigningen skyldes kurset.", "Kurset vender en nedadgående udvikling til fremgang.",
    "Udviklingen vendte efter kursusstart.", "Deltagelsen fører til en højere score.", "Kurset førte til job.",
    "Takket være kurset kommer flere i job.", "Scoren stiger på grund af kurset.", "Kurset øger beskæftigelsen.",
    "Kurset har forbedret trivslen.", "Kurset virker for de fleste.", "Kurset forårsager en stigning.",
    "Det resulterer i flere i job.", "Som følge af kurset stiger scoren."])
def test_the_causal_pattern_catches_causal_claims(sentence):
    assert CAUSAL.search(sentence), sentence


@pytest.mark.parametrize("sentence", [
    "en model med faste effekter for den enkelte kursist", "en model med tilfældige effekter",
    "De centrale redskaber vender tilbage flere gange.", "Kurset henvender sig til borgere.",
    "Scoren stiger signifikant efter kursusstart.", "tallene beskriver kursisternes udvikling, ikke kursets virkning",
    "Kursisterne fører dagbog."])
def test_the_causal_pattern_leaves_descriptive_wording_alone(sentence):
    assert not CAUSAL.search(sentence), sentence


def test_the_words_for_findings_are_not_causal_and_say_significant():
    words = [w for form in book.CLAIMS.values() for w in form.values()]
    words += [w for kind in book.COMPARISONS.values() for w in kind.values()]
    assert not any(CAUSAL.search(w) for w in words)
    for form in book.CLAIMS.values():
        assert "signifikant" in form["rise"] and "signifikant" in form["fall"]
        assert re.search(r"\b(ikke|ingen|uden)\b", form["none"])
    for kind in book.COMPARISONS.values():
        assert not re.search(r"større|højere|lavere|mindre", kind["none"] + kind["untested"])


# a heading or a bold item label that asserts a direction ("Øget progression", "Stærkere
# arbejdsidentitet") states a result without its test; headings name the result goal instead
DIRECTION_IN_HEADING = re.compile(r"\b(øget|øge[rt]?|stigende|stiger|stigning|stærkere|forbedr\w*|bedre|højere|"
                                  r"større|fremgang|faldende|falder|fald|lavere|svagere|forværr\w*)\b", re.IGNORECASE)


def headings(text: str) -> list[str]:
    """The headings (#, ##, ...) and the bold labels that open a list item of MyST text."""
    out = re.findall(r"^#+\s+(.+)$", text, re.MULTILINE)
    return out + re.findall(r"^\s*-\s+\*\*([^*]+)\*\*", text, re.MULTILINE)


def test_the_heading_pattern_finds_claimed_directions():
    text = "# Resultatmål 2: Øget progression\n\n- **Stærkere arbejdsidentitet.** Tekst\n## Resultatmål 1: Udbytte\n"
    assert [h for h in headings(text) if DIRECTION_IN_HEADING.search(h)] == \
        ["Resultatmål 2: Øget progression", "Stærkere arbejdsidentitet."]


@pytest.mark.parametrize("entry", PRE_POST)
def test_no_heading_asserts_a_direction(entry):
    assert not [h for h in headings(source(entry)) if DIRECTION_IN_HEADING.search(h)]


@pytest.mark.parametrize("entry", PRE_POST)
def test_unsupported_sentences_are_gone(entry):
    text = re.sub(r"\s+", " ", source(entry))
    assert not [s for s in UNSUPPORTED if s in text]


@pytest.mark.parametrize("entry", sorted(p.stem for p in (REPO / "chapters").glob("*.md")))
def test_no_quote_is_typed_in_a_chapter(entry):
    """Quotes come from the qualitative material through the bundle (a quote box the
    chapter asks for by theme), never typed into a chapter."""
    text = source(entry)
    assert "pull-quote" not in text and "epigraph" not in text and "blockquote" not in text
    assert not re.search(r"^\s*>\s*”", text, re.MULTILINE), entry
    assert not re.search(r"illustrativt citat", text), entry


def _bundle_with(tmp_path, bundle, change) -> object:
    """A copy of `bundle` whose estimates `change(frame)` edits, checksums renewed."""
    out = tmp_path / "bundle"
    shutil.copytree(bundle, out)
    estimates = pd.read_parquet(out / "estimates.parquet")
    estimates = change(estimates)
    estimates.to_parquet(out / "estimates.parquet", index=False)
    estimates.to_csv(out / "estimates.csv", index=False)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"] = {f: _sha256(out / f) for f in manifest["checksums"]}
    manifest["manifest_sha256"] = manifest_digest(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def page_text(path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main") or soup
    # get_text(" ") puts a space after every element (a glued text): remove it before punctuation
    return re.sub(r"\s+([.,;:)])", r"\1", re.sub(r"\s+", " ", main.get_text(" ")))


def test_the_prose_follows_a_subgroup_whose_change_is_not_significant(bundles, tmp_path):
    """On a bundle where one age group's change after course start is not significant
    (every other age group's is), the Undergrupper page says 'de fleste af' age groups,
    never 'alle', and its comparisons cite the tests of the differences."""
    ages = ["alder_under25", "alder_25_35", "alder_36_45", "alder_46_55", "alder_over55"]

    def change(e):
        rows = (e["model"] == "two_point") & (e["period"] == "efter") & (e["term"] == "coef") & (e["status"] == "shown")
        shown = [g for g in ages if (rows & (e["group"] == g)).any()]
        assert len(shown) >= 3
        for g in shown:
            rise = g != shown[0]
            at = rows & (e["group"] == g)
            e.loc[at, ["finding", "stars"]] = ["rise" if rise else "none", "**" if rise else ""]
            e.loc[at, "p"] = 0.004 if rise else 0.5
        return e

    bundle = _bundle_with(tmp_path, bundles[FINAL.name], change)
    out = tmp_path / "book"
    assert render(FINAL, bundle, out, pdf=False, entries=["chapters/undergrupper"], workers=1) == 0
    text = page_text(out / "preview" / "html" / "chapters" / "undergrupper.html")   # a render of some chapters
    assert ("Efter kursusstart stiger beskæftigelsesscoren signifikant i de fleste af aldersgrupperne, "
            "mens den ikke ændrer sig signifikant i de øvrige.") in text
    assert "i alle aldersgrupperne" not in text and "i ingen af" not in text
    assert "Testene af forskellene viser" in text   # comparisons only from tests of the difference
