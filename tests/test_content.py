"""The structured content files (data/reference/content/*.yml) and the activity figures of
"Rammer for indsatsen"."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.report import content
from analysis.disclosure.rules import SUPPRESSED


def test_theory_of_change_has_four_columns_in_order():
    columns = content.theory_of_change()
    assert [c.key for c in columns] == ["ressourcer", "aktiviteter", "resultater", "langsigtede"]
    assert all(c.items for c in columns)
    results = next(c for c in columns if c.key == "resultater")
    assert len(results.items) == 2 and all(item.details for item in results.items)


def test_citizen_route_has_seven_numbered_steps():
    steps = content.citizen_route()
    assert [s.number for s in steps] == list(range(1, 8))
    assert steps[3].title == "Før-spørgeskema og forberedelse" and steps[3].dropped == "delvist"
    assert {s.dropped for s in steps} <= {"ja", "nej", "delvist"}


def test_thirteen_coping_tools_nine_recommendations_two_parties():
    tools = content.coping_tools()
    assert len(tools) == 13 and tools["navn"].is_unique
    assert "Handleplaner" in set(tools["navn"])
    recs = content.recommendations()
    assert [r.number for r in recs] == list(range(1, 10))
    parties = content.responsibilities()
    assert [p.key for p in parties] == ["kfs", "kommuner"]
    assert [len(p.areas) for p in parties] == [4, 5]


def test_related_programmes_and_timeline():
    programmes = content.related_programmes()
    assert len(programmes) == 5
    assert programmes["note"].str.len().gt(0).all() and programmes["n"].str.len().gt(0).all()
    phases = content.timeline()
    assert list(phases["navn"]) == ["Pilotfase", "Pilotevaluering", "Udbredelsesfase", "Slutevaluering"]


def _copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(content.CONTENT_DIR, target)
    return target


def test_a_missing_key_names_file_and_key(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "mestringsredskaber.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - navn: Aktiv selvhjælp\n", "  - titel: x\n", 1),
                    encoding="utf-8")
    with pytest.raises(content.ContentError, match=r"mestringsredskaber\.yml: redskaber\[1\]\.navn: mangler"):
        content.coping_tools(directory)


def test_a_wrong_value_names_file_and_key(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "borgerens_vej.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("udgaar: delvist", "udgaar: maaske", 1), encoding="utf-8")
    with pytest.raises(content.ContentError, match=r"borgerens_vej\.yml: trin\[3\]\.udgaar"):
        content.citizen_route(directory)
    path = directory / "anbefalinger.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("nummer: 2\n", "nummer: 3\n", 1), encoding="utf-8")
    with pytest.raises(content.ContentError, match=r"anbefalinger\.yml: anbefalinger\[1\]\.nummer"):
        content.recommendations(directory)


def test_invalid_yaml_and_missing_file_name_the_file(tmp_path):
    directory = _copy(tmp_path)
    (directory / "forandringsteori.yml").write_text("kolonner: [unclosed\n", encoding="utf-8")
    with pytest.raises(content.ContentError, match=r"forandringsteori\.yml: ikke gyldig YAML"):
        content.theory_of_change(directory)
    (directory / "ansvarsfordeling.yml").unlink()
    with pytest.raises(content.ContentError, match=r"ansvarsfordeling\.yml: filen findes ikke"):
        content.responsibilities(directory)
    (directory / "tidslinje.yml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(content.ContentError, match=r"tidslinje\.yml"):
        content.timeline(directory)


def test_small_municipalities_are_merged_and_no_bar_is_small():
    reg = pd.DataFrame({"kommune": ["A"] * 10 + ["B"] * 5 + ["C"] * 2 + ["D"] * 1 + ["E"] * 3})
    counts = content.municipality_counts(reg, min_cell=3)
    assert list(counts["kommune"]) == ["A", "B", "E", content.OTHER_MUNICIPALITIES]
    assert counts.set_index("kommune").loc[content.OTHER_MUNICIPALITIES, "members"] == ("C", "D")
    assert counts["n"].sum() == len(reg) and counts["n"].min() >= 3


def test_a_small_merged_bar_takes_the_smallest_shown_municipality():
    reg = pd.DataFrame({"kommune": ["A"] * 10 + ["B"] * 4 + ["C"] * 3 + ["D"] * 2})
    counts = content.municipality_counts(reg, min_cell=3)
    merged = counts.set_index("kommune").loc[content.OTHER_MUNICIPALITIES]
    assert merged["members"] == ("C", "D") and merged["n"] == 5
    assert list(counts["kommune"]) == ["A", "B", content.OTHER_MUNICIPALITIES]
    assert counts["n"].min() >= 3


def test_municipalities_of_the_bundled_extract(extract):
    counts = content.municipality_counts(extract.registrations, min_cell=3)
    assert counts["n"].min() >= 3
    assert counts["n"].sum() == len(extract.registrations)
    shown = set(counts["kommune"]) - {content.OTHER_MUNICIPALITIES}
    merged = counts.loc[counts["kommune"] == content.OTHER_MUNICIPALITIES, "members"]
    assert len(shown) + sum(len(m) for m in merged) == extract.registrations["kommune"].nunique()


def test_tabel4_hides_small_phase_counts():
    rows = []
    for phase, (hold, enrolled, completed) in {"pilot": (1, 5, 3), "udbredelse": (2, 20, 18),
                                               "total": (3, 25, 21)}.items():
        rows.append((f"tabel4.{phase}.hold.count", hold))
        for row, n in (("enrolled", enrolled), ("completed", completed), ("afmeldt", enrolled - completed)):
            rows.append((f"tabel4.{phase}.{row}.count", n))
            rows.append((f"tabel4.{phase}.{row}.pct", 100 * n / enrolled))
    results = pd.DataFrame(rows, columns=["key", "value"])
    values = content.tabel4_values(results, min_cell=3)
    assert values["tabel4.pilot.afmeldt.count"] == SUPPRESSED == values["tabel4.udbredelse.afmeldt.count"]
    assert values["tabel4.total.afmeldt.count"] == 4 and values["tabel4.pilot.hold.count"] == 1
    frame = content.tabel4_frame(values)
    assert list(frame.iloc[:, 0]) == list(content.TABEL4_ROWS.values())


def test_tabel5_and_its_errata_note(edition):
    from analysis.report.book import context
    ctx = context("final-2025")
    frame = content.tabel5_frame(ctx.results)
    assert len(frame) == 1 + sum(1 + len(rows) for rows in content.TABEL5_BLOCKS.values())
    note = content.tabel5_errata_note(edition.published)
    assert "fejltrykt" in note
