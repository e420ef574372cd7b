from __future__ import annotations

import pandas as pd

from analysis.build import cli
from analysis.reference.scoring import EXCLUDED
from analysis.weeks import week_label


def test_relative_week_convention(panel, extract):
    """Week 1 is the team's first course week, week 0 the week before, -26 26 weeks before that."""
    starts = extract.persons.drop_duplicates("hold").set_index("hold")["start_week"]
    sample = panel.drop_duplicates("hold")[["hold"]]
    for team in sample["hold"]:
        rows = panel[panel["hold"] == team]
        start = starts[team]
        week1 = rows.loc[rows["week"] == 1, "iso_week"]
        if len(week1):
            assert set(week1) == {week_label(start)}
        assert set(rows.loc[rows["week"] == 0, "iso_week"]) == {week_label(start - 1)}
        assert set(rows.loc[rows["week"] == -26, "iso_week"]) == {week_label(start - 27)}


def test_follow_up_is_censored_at_the_end_of_the_data(panel, extract):
    last = week_label(extract.last_week)
    late = panel[panel["hold"] == "Hold 28"]
    assert late["week"].max() == 1
    assert (late.loc[late["week"] == 1, "iso_week"] == last).all()
    assert panel.groupby("pnr")["week"].min().eq(-26).all()


def test_scores_follow_the_mapping(panel, mapping):
    """Recompute each person-week's score from its code: the panel agrees everywhere."""
    coded = panel[panel["code"] != ""]
    expected = coded["code"].map(mapping.scores).astype(int)
    got = coded["score"].astype("float").fillna(EXCLUDED).astype(int)
    assert (expected.to_numpy() == got.to_numpy()).all()
    blank = panel[panel["code"] == ""]
    assert set(blank["score"].dropna().unique()) <= {mapping.blank_employed}
    assert blank["score"].isna().any() and blank["score"].notna().any()


def test_panel_cli_writes_one_row_per_person_week(tmp_path, edition, capsys):
    out = tmp_path / "panel.parquet"
    assert cli.main(["panel", "--data", str(edition.data_dir), "--out", str(out)]) == 0
    written = pd.read_parquet(out)
    assert list(written.columns) == ["pnr", "hold", "fase", "status", "koen", "aldersgruppe",
                                     "visitationskategori", "iso_week", "week", "code", "score"]
    assert not written.duplicated(["pnr", "week"]).any()
    assert "microdata" in capsys.readouterr().out
