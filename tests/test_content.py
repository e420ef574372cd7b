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
    # periods as the book prints them: an en dash in a range of years (the chart shows them)
    assert list(phases["periode"]) == ["2022\u20132023", "2023", "2023\u20132025", "2025"]


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


def test_result_goals_are_the_results_column():
    columns = content.theory_of_change()
    goals = content.result_goals(columns)
    assert goals == next(c for c in columns if c.key == "resultater").items
    with pytest.raises(content.ContentError, match="resultater"):
        content.result_goals([c for c in columns if c.key != "resultater"])


def test_tabel4_frame_from_published_values():
    values = {}
    for phase, (hold, enrolled, completed) in {"pilot": (1, 5, 3), "udbredelse": (2, 20, 18),
                                               "total": (3, 25, 21)}.items():
        values[f"{phase}.hold.count"] = hold
        for row, n in (("enrolled", enrolled), ("completed", completed), ("afmeldt", enrolled - completed)):
            values[f"{phase}.{row}.count"] = SUPPRESSED if phase == "pilot" else n
            values[f"{phase}.{row}.pct"] = SUPPRESSED if phase == "pilot" else round(100 * n / enrolled)
    frame = content.tabel4_frame(values).set_index("")
    assert list(frame.index) == list(content.TABEL4_ROWS.values())
    assert frame.loc["– Heraf afmeldt", "Pilot antal"] == SUPPRESSED
    assert frame.loc["– Heraf afmeldt", "Total antal"] == "4"
    assert frame.loc["– Heraf gennemført", "Udbredelse pct."] == "90\u00a0%"
    assert frame.loc["Antal hold", "Pilot pct."] == content.NBSP          # teams have no share


def test_tabel5_frame_is_the_registered_column_of_tabel3():
    rows = ["n", *(row for labels in content.TABEL5_BLOCKS.values() for row in labels)]
    tabel3 = pd.DataFrame({"registered": [100] + [10] * (len(rows) - 1),
                           "registered_pct": [100.0] + [10.0] * (len(rows) - 1)}, index=rows, dtype=object)
    tabel3.loc["visitation_andet"] = [SUPPRESSED, SUPPRESSED]
    tabel3.loc["alder_over55"] = ["–", 0.0]
    frame = content.tabel5_frame(tabel3).set_index("")
    assert len(frame) == 1 + sum(1 + len(labels) for labels in content.TABEL5_BLOCKS.values())
    assert list(frame.loc["Kursister med registrering i alt"]) == ["100", "100,0\u00a0%"]
    assert list(frame.loc["Andet"]) == [SUPPRESSED, SUPPRESSED]
    assert frame.loc["Over 55 år", "Antal"] == "–"
    assert frame.loc["Mænd", "Pct."] == "10,0\u00a0%"


def test_tabel5_errata_note(edition):
    note = content.tabel5_errata_note(edition.published)
    assert "fejltrykt" in note


def test_municipality_figure_draws_the_published_bars():
    bars = pd.DataFrame({"series": ["A", "B", content.OTHER_MUNICIPALITIES], "x": [2.0, 1.0, 3.0],
                         "y": [5.0, 10.0, 6.0]})
    fig = content.municipality_figure(bars, merged=4)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["B", "A", f"{content.OTHER_MUNICIPALITIES} (4)"]
