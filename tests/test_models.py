from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.editions import EDITIONS
from analysis.register.models import (GROUPS, edition_groups, run_models, stars, time_point_means,
                                      time_point_persons, two_point, weekly)


def make_panel(rows, teams: int = 8):
    """rows: (pnr, week, score) -> a minimal panel of completers, the persons dealt in
    turn to `teams` teams."""
    frame = pd.DataFrame(rows, columns=["pnr", "week", "score"])
    order = {p: i for i, p in enumerate(dict.fromkeys(frame["pnr"]))}
    frame["hold"] = [f"Hold {order[p] % teams + 1}" for p in frame["pnr"]]
    frame["status"] = "gennemført"
    frame["score"] = frame["score"].astype("Int8")
    return frame


def test_two_point_intercept_is_first_mean_and_coef_the_change():
    rng = np.random.default_rng(0)
    rows = []
    for p in range(40):
        rows.append((f"p{p}", -26, int(rng.integers(0, 4))))
        rows.append((f"p{p}", 0, int(rng.integers(1, 8))))
    panel = make_panel(rows)
    result = {r["term"]: r for r in two_point(panel, -26, 0)}
    first = panel.loc[panel.week == -26, "score"].astype(float).mean()
    second = panel.loc[panel.week == 0, "score"].astype(float).mean()
    assert result["intercept"]["estimate"] == pytest.approx(first)
    assert result["coef"]["estimate"] == pytest.approx(second - first)
    assert result["coef"]["n_persons"] == 40 and result["coef"]["n_obs"] == 80


def test_excluded_weeks_do_not_enter_the_models():
    panel = make_panel([("a", -26, 2), ("a", 0, None), ("b", -26, 4), ("b", 0, 6), ("c", -26, 0), ("c", 0, 3)])
    result = {r["term"]: r for r in two_point(panel, -26, 0, inference="iid")}
    assert result["intercept"]["estimate"] == pytest.approx(2.0)
    assert result["coef"]["estimate"] == pytest.approx(4.5 - 2.0)


def test_weekly_interaction_is_the_difference_of_slopes():
    rng = np.random.default_rng(1)
    rows = []
    for p in range(30):
        level = rng.normal(2, 0.5)
        for w in range(-26, 27):
            slope = -0.02 if w <= 0 else 0.05
            rows.append((f"p{p}", w, int(np.clip(round(level + slope * w + rng.normal(0, 1)), 0, 10))))
    result = {(r["period"], r["term"]): r["estimate"] for r in weekly(make_panel(rows), 26, 26)}
    assert result[("interaction", "interaction")] == pytest.approx(
        result[("efter", "coef")] - result[("inden", "coef")])


def test_clustered_errors_differ_from_iid_on_a_panel():
    rng = np.random.default_rng(2)
    rows = []
    for p in range(50):
        level = int(rng.integers(0, 10))   # strong person effect
        rows += [(f"p{p}", -26, level), (f"p{p}", 0, min(10, level + int(rng.integers(0, 2))))]
    panel = make_panel(rows)
    iid = {r["term"]: r for r in two_point(panel, -26, 0, "iid")}
    cluster = {r["term"]: r for r in two_point(panel, -26, 0, "person")}
    assert iid["coef"]["estimate"] == pytest.approx(cluster["coef"]["estimate"])
    # paired data with a strong person effect: the clustered SE of the change is far smaller
    assert cluster["coef"]["se"] < 0.5 * iid["coef"]["se"]
    with pytest.raises(ValueError, match="inference"):
        two_point(panel, -26, 0, "robust")


@pytest.mark.parametrize("p, expected", [(0.0009, "***"), (0.001, "**"), (0.0099, "**"), (0.01, "*"),
                                         (0.049, "*"), (0.05, ""), (0.5, "")])
def test_star_thresholds(p, expected):
    assert stars(p) == expected


def test_run_models_covers_every_group(panel):
    models = run_models(panel)
    two_point_groups = set(models.loc[models["model"] == "two_point", "group"])
    assert {"samlet", "koen_mand", "koen_kvinde", "alder_over55", "visitation_udd", "fase_pilot",
            "fase_udbredelse", "afmeldte"} <= two_point_groups
    sizes = models[models["model"] == "two_point"].groupby("group").size()
    assert (sizes.drop("visitation_andet") == 4).all()
    assert (models[models["model"] == "weekly"].groupby("group").size() == 5).all()
    # the three "Andet" have data only to week 10: no +26 week, so no "Efter kursus" model
    andet = models[(models["group"] == "visitation_andet") & (models["model"] == "two_point")]
    assert set(andet["period"]) == {"inden"}
    afmeldte = models[models["group"] == "afmeldte"]
    assert (afmeldte["n_persons"] <= panel.loc[panel["status"] == "afmeldt", "pnr"].nunique()).all()


def test_disclosure_merges_age_groups_and_drops_small_unordered_groups(panel):
    completers = panel[panel["status"] == "gennemført"]
    over55 = completers.loc[completers["aldersgruppe"] == "Over 55 år", "pnr"].nunique()
    andet = completers.loc[completers["visitationskategori"] == "Andet", "pnr"].nunique()
    models = run_models(panel, min_cell=over55 + 1)
    groups = set(models["group"])
    assert "alder_46_55+alder_over55" in groups and "alder_over55" not in groups
    merged = models[models["group"] == "alder_46_55+alder_over55"]
    assert merged["label"].iloc[0] == "46-55 år + Over 55 år"
    assert merged["n_persons"].max() > over55
    assert "visitation_andet" not in groups and andet < over55 + 1
    # at the default minimum of 3 nothing needs merging; a two-point estimate whose week has
    # fewer than 3 persons with a score is withheld (one of the three "Andet" is NA at -26)
    default = run_models(panel, min_cell=3)
    assert "alder_over55" in set(default["group"])
    withheld = default[~default["published"]]
    assert (withheld["n_min_week"] < 3).all() and (withheld["model"] == "two_point").all()
    assert default.loc[default["n_min_week"] >= 3, "published"].all()


def test_edition_groups_follow_the_design():
    assert edition_groups(EDITIONS["final-2025"]) == GROUPS
    pilot = {g.key for g in edition_groups(EDITIONS["pilot-2024"])}
    assert "samlet" in pilot and "afmeldte" in pilot and not {"fase_pilot", "fase_udbredelse"} & pilot
    with pytest.raises(ValueError, match="unknown design"):
        edition_groups(type("Edition", (), {"design": "other"})())


def test_time_point_persons_count_those_behind_each_mean():
    panel = make_panel([(1, -26, 2), (2, -26, 4), (3, -26, None), (1, 0, 3), (2, 0, 5), (3, 0, 7), (1, 34, 6)])
    panel["koen"] = panel["pnr"].map({1: "mand", 2: "kvinde", 3: "kvinde"})
    points = {"w-26": -26, "w0": 0, "w34": 34}
    means = time_point_means(panel, points, last_available=False)
    persons = time_point_persons(panel, points, last_available=False)
    assert list(means.loc["mean"]) == [3.0, 5.0, 6.0] and list(persons.loc["persons"]) == [2, 3, 1]
    by = time_point_persons(panel, points, by="koen", last_available=False)
    assert by.loc["kvinde", "w-26"] == 1 and by.loc["kvinde", "w0"] == 2 and np.isnan(by.loc["kvinde", "w34"])
    assert list(time_point_means(panel, points, by="koen", last_available=False).loc["kvinde", ["w-26", "w0"]]) == [4.0, 6.0]


def test_difference_between_groups_is_a_test_of_the_interaction():
    """a's change minus b's, from a pooled model with a group interaction, clustered by team."""
    from analysis.register.models import difference
    rng = np.random.default_rng(5)
    rows = []
    for p in range(80):
        level = rng.normal(2, 0.5)
        rise = 2.0 if p < 40 else 0.5
        rows += [(f"p{p}", 0, int(np.clip(round(level), 0, 10))),
                 (f"p{p}", 26, int(np.clip(round(level + rise + rng.normal(0, 0.5)), 0, 10)))]
    panel = make_panel(rows, teams=10)
    a, b = panel[panel["pnr"].isin([f"p{i}" for i in range(40)])], panel[~panel["pnr"].isin([f"p{i}" for i in range(40)])]
    change = lambda rows_: (rows_[rows_.week == 26].score.astype(float).mean() - rows_[rows_.week == 0].score.astype(float).mean())
    result = difference(a, b, (0, 0), (26, 26), "team")
    assert result["estimate"] == pytest.approx(change(a) - change(b))
    assert result["finding"] == "rise" and result["method"] == "wild_bootstrap" and result["clusters"] == 10
    assert difference(b, a, (0, 0), (26, 26), "team")["finding"] == "fall"
    level = difference(a, b, (0, 0), None, "team")
    assert level["estimate"] == pytest.approx(a[a.week == 0].score.astype(float).mean()
                                              - b[b.week == 0].score.astype(float).mean())
