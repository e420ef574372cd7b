"""The editions share a chapter wherever its content is of the same kind (issue 14): no two
chapter files in the editions' tables of contents carry the same title subject."""
from __future__ import annotations

import re
from pathlib import Path

from analysis.editions import EDITIONS, toc_entries

ROOT = Path(__file__).resolve().parents[1]
# chapters with one title whose content is of different kinds, and why. Seeds 001 and 004 both
# call their method chapter "Fremgangsmåde og datagrundlag": the register editions' chapter is
# the register design (event time, the beskæftigelsesscore, inference, DREAM data quality and
# codes; its every code cell reads register results), the pilot evaluation's the teams run and
# its three sources without register data. What they share, the waves' response rates (Tabel 2),
# is one shared chapter, chapters/svarprocenter.
DIFFERENT_KIND = {"fremgangsmåde og datagrundlag": {"chapters/datagrundlag", "chapters/fremgangsmaade"}}


def subject(title: str) -> str:
    """What a chapter is about, from its H1: the words after 'Resultat:' / 'Resultatmål 1:'
    and the like, in lower case ('Resultat: udbytte af og tilfredshed med kurset' and
    'Resultatmål 1: Udbytte af og tilfredshed med kurset' have the same subject)."""
    return title.split(":", 1)[-1].strip().lower()


def chapter_subjects() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for entry in sorted({e for ed in EDITIONS.values() for e in toc_entries(ed.toc) if e.startswith("chapters/")}):
        title = re.search(r"^# (.+)$", (ROOT / f"{entry}.md").read_text(encoding="utf-8"), re.M)
        if title:
            found.setdefault(subject(title[1]), set()).add(entry)
    return found


def test_the_subject_catches_a_result_chapter_written_twice():
    assert subject("Resultat: udbytte af og tilfredshed med kurset") == subject(
        "Resultatmål 1: Udbytte af og tilfredshed med kurset")
    assert subject("Resultatmål 1: Udbytte af og tilfredshed med kurset") != subject(
        "Resultatmål 2: Progression mod arbejdsmarkedet")


def test_no_two_chapters_of_the_editions_have_the_same_subject():
    twice = {s: files for s, files in chapter_subjects().items() if len(files) > 1 and DIFFERENT_KIND.get(s) != files}
    assert not twice, twice


def test_pilot_2023_reads_the_final_editions_chapters_of_the_same_kind():
    """The framing chapters, the response rates, the survey results and the appendices."""
    final, pilot = (set(toc_entries(EDITIONS[name].toc)) for name in ("final-2025", "pilot-2023"))
    assert {"chapters/baggrund", "chapters/kursets_format", "chapters/forandringsteori", "chapters/anbefalinger",
            "chapters/svarprocenter", "chapters/resultatmaal1", "chapters/resultatmaal2", "chapters/bilag15_16",
            "chapters/reproduktion"} <= final & pilot


def test_a_shared_chapter_glues_its_editions_keys_and_placeholders_for_the_others(monkeypatch):
    """surveys.glue_by_edition: the edition's shares and (key, kind) scalars, and a placeholder
    under a key that only the other edition's sections quote (a tagged section is parsed, its
    glue roles resolved, before it is dropped); an edition the chapter has no list for stops it."""
    from types import SimpleNamespace

    import pytest

    from analysis.report import surveys as sb
    glued = {}
    monkeypatch.setattr(sb.book, "glue_text", lambda key, text: glued.setdefault(key, text))
    monkeypatch.setattr(sb.book, "glue_value", lambda ctx, key, kind=None: glued.setdefault(key, kind))
    monkeypatch.setattr(sb, "glue_share", lambda ctx, key: glued.setdefault(key, "share"))
    keys = {"final-2025": ["survey.a.w2.1+2.pct", "survey.b.w2.1.pct"],
            "pilot-2023": ["survey.b.w2.1.pct", ("survey.c.w2.neutral.min", "percent")]}
    sb.glue_by_edition(SimpleNamespace(edition=SimpleNamespace(name="pilot-2023")), keys)
    assert glued == {"survey.b.w2.1.pct": "share", "survey.c.w2.neutral.min": "percent",
                     "survey.a.w2.1+2.pct": sb.OTHER_EDITION}
    with pytest.raises(KeyError):
        sb.glue_by_edition(SimpleNamespace(edition=SimpleNamespace(name="pilot-2024")), keys)


def test_no_placeholder_of_another_edition_reaches_a_page(final_site, built_pilot_2023):
    """A key glued as a placeholder (`sb.glue_by_edition`, for another edition's sections)
    is never shown: the built pages of both editions that share chapters hold none."""
    from analysis.report.surveys import OTHER_EDITION
    for html in (final_site / "html", built_pilot_2023 / "html"):
        pages = sorted(html.rglob("*.html"))
        assert pages
        leaked = [p.relative_to(html) for p in pages if OTHER_EDITION in p.read_text(encoding="utf-8")]
        assert not leaked, leaked
