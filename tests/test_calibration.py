"""The bundled synthetic extract reproduces the published register numbers (seed 004).

Every expected number is read from data/reference/published/, never typed here.
"""
from __future__ import annotations

import pytest

from analysis.register.cohort import completion_by_phase, per_team, sample_vs_registered
from analysis.register.models import GROUPS, run_models
from analysis.register.panel import last_week_with_data, score_distribution

TIME_POINTS = ["w-26", "w0", "w8", "w26"]
SCORES = [str(s) for s in range(10, -1, -1)] + ["na"]


def value(published, ref):
    return float(published.loc[ref, "value"])


@pytest.mark.parametrize("tp", TIME_POINTS)
def test_tabel6_counts_exact(panel, edition, published, tp):
    dist = score_distribution(panel, edition.time_points)
    for score in SCORES:
        assert dist.loc[score, tp] == value(published, f"tabel6.count.{tp}.{score}"), score
    assert dist.loc["n_with_data", tp] == value(published, f"tabel6.n_with_data.{tp}")
    assert round(dist.loc["mean", tp], 2) == value(published, f"tabel6.mean.{tp}")


def _endpoint_means(part, week):
    at = part.loc[part["week"] == week, "score"].dropna().astype(float)
    return float(at.mean()), len(at)


@pytest.mark.parametrize("group", [g for g in GROUPS if g.key != "visitation_andet"], ids=lambda g: g.key)
def test_model_endpoint_means(panel, published, group):
    """Inden intercept = mean at -26, Efter intercept = mean at 0 and Efter intercept +
    coefficient = mean at +26, each within 0.02 or the nearest mean n scores allow."""
    key = f"model.{group.key}"
    targets = {
        -26: value(published, f"{key}.inden.intercept"),
        0: value(published, f"{key}.efter.intercept"),
        26: value(published, f"{key}.efter.intercept") + value(published, f"{key}.efter.coef"),
    }
    part = group.select(panel)
    for week, target in targets.items():
        mean, n = _endpoint_means(part, week)
        allowed = max(0.02, 0.5 / n) + 1e-9
        assert abs(mean - target) <= allowed, (week, mean, target, n)


def test_two_point_models_are_endpoint_means(panel):
    models = run_models(panel, inference="iid").set_index(["group", "model", "period", "term"])
    part = panel[panel["status"] == "gennemført"]
    m26, _ = _endpoint_means(part, -26)
    m0, _ = _endpoint_means(part, 0)
    m_26, _ = _endpoint_means(part, 26)
    assert models.loc[("samlet", "two_point", "inden", "intercept"), "estimate"] == pytest.approx(m26)
    assert models.loc[("samlet", "two_point", "inden", "coef"), "estimate"] == pytest.approx(m0 - m26)
    assert models.loc[("samlet", "two_point", "efter", "coef"), "estimate"] == pytest.approx(m_26 - m0)


def test_weekly_models_round_to_the_published_figures(panel, published):
    models = run_models(panel).query("model == 'weekly' and group == 'samlet'").set_index(["period", "term"])
    for period in ("inden", "efter"):
        for term in ("intercept", "coef"):
            estimate = models.loc[(period, term), "estimate"]
            assert round(estimate, 2) == value(published, f"weekly.{period}.{term}")
    assert round(models.loc[("interaction", "interaction"), "estimate"], 2) == value(published, "weekly.interaction")


def test_tabel3_composition_exact(extract, published):
    table = sample_vs_registered(extract.registrations)
    for column in table.columns:
        for row in table.index:
            assert table.loc[row, column] == value(published, f"tabel3.{column}.{row}.count"), (column, row)


def test_tabel4_completion_by_phase_exact(extract, published):
    table = completion_by_phase(extract.registrations)
    for phase in table.columns:
        for row in table.index:
            assert table.loc[row, phase] == value(published, f"tabel4.{phase}.{row}.count"), (phase, row)


def test_bilag1_teams_exact(extract, published):
    teams = per_team(extract.registrations)
    assert len(teams) == 33
    for pos, team in enumerate(teams.itertuples(), start=1):
        assert team.enrolled == value(published, f"bilag1.enrolled.pos{pos:02d}")
        assert team.register == value(published, f"bilag1.register.pos{pos:02d}")
    assert teams.groupby("fase")["enrolled"].sum()["pilot"] == value(published, "tabel4.pilot.enrolled.count")


def test_tabel1_follow_up_and_hold_29(extract, published):
    teams = last_week_with_data(extract).set_index("hold")
    for ref in published.index[published.index.str.startswith("tabel1.last_week.")]:
        number = ref.rsplit("_", 1)[1]
        assert teams.loc[f"Hold {number}", "last_week"] == value(published, ref)
    assert teams.loc["Hold 29", "last_week"] < 1
    reg = extract.registrations
    assert set(reg.loc[reg["hold"] == "Hold 29", "set_aside"]) <= {"no_post_course_data", "not_registered"}
    assert "Hold 29" not in set(extract.persons["hold"])


def test_the_three_andet_have_data_to_week_10(panel, published):
    andet = panel[(panel["visitationskategori"] == "Andet") & (panel["status"] == "gennemført")]
    assert andet["pnr"].nunique() == value(published, "text.p52.andet_n")
    assert (andet.groupby("pnr")["week"].max() == value(published, "text.p52.andet_last_week")).all()


def test_quality_log_accounts_for_everyone(extract, published):
    q = extract.quality.set_index("reason")["persons"]
    set_aside = q.drop(["enrolled", "register_sample", "dream_row_not_enrolled"]).sum()
    assert q["enrolled"] == set_aside + q["register_sample"]
    assert q["enrolled"] == value(published, "tabel4.total.enrolled.count")
    assert q["register_sample"] == len(extract.persons) == value(published, "tabel3.sample.n.count")
