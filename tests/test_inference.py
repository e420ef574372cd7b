"""Inference by team: cluster-robust errors with t(G - 1), the wild cluster bootstrap (our
numpy denominator against the package's own), its interval by test inversion, and the
findings the prose words are made from."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from wildboottest.wildboottest import WildboottestCL

from analysis.register import inference
from analysis.register.inference import FastWildboottestCL, finding, fit, wild_interval, wild_p


def clustered(teams: int = 12, per_team: int = 15, slope: float = 0.3, team_sd: float = 1.0, seed: int = 0):
    """y = 1 + slope * x + team effect + noise, x varying within teams; ids per row."""
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(teams), per_team)
    person = np.arange(len(team))
    x = rng.normal(size=len(team)) + 0.5 * rng.normal(size=teams)[team]
    y = 1 + slope * x + team_sd * rng.normal(size=teams)[team] * x + rng.normal(size=len(team))
    return y, np.column_stack([np.ones(len(team)), x]), person, team


def run(cls, y, X, team, null=0.0, reps=499, seed=3):
    wb = cls(X=X, Y=y - null * X[:, 1], cluster=team, R=np.array([0.0, 1.0]), B=reps, seed=seed)
    wb.get_scores(bootstrap_type="11", impose_null=True)
    wb.get_weights(weights_type="webb")
    wb.get_numer()
    wb.get_denom()
    wb.get_tboot()
    wb.get_vcov()
    wb.get_tstat()
    wb.get_pvalue()
    return wb


def test_the_fast_denominator_is_the_packages():
    y, X, _, team = clustered()
    ours, theirs = run(FastWildboottestCL, y, X, team, 0.2), run(WildboottestCL, y, X, team, 0.2)
    assert np.allclose(ours.numer, theirs.numer) and np.allclose(ours.denom, theirs.denom)
    assert ours.pvalue == theirs.pvalue


def test_the_bootstrap_interval_is_where_the_test_stops_rejecting():
    y, X, _, team = clustered()
    ids = pd.factorize(team)[0]
    terms = fit(y, X, ["intercept", "coef"], np.arange(len(y)), team, "team", bootstrap=("coef",))
    coef = terms[1]
    assert coef.method == "wild_bootstrap" and coef.df == 11 and coef.clusters == 12
    low, high = wild_interval(y, X, ids, 1, coef.estimate, coef.se)
    assert (low, high) == pytest.approx((coef.ci_low, coef.ci_high))
    assert low < coef.estimate < high
    tol = 2 * inference.INVERSION_TOLERANCE * coef.se
    # the interval inverts the test with the interval's draws (INTERVAL_REPS)
    reps = inference.INTERVAL_REPS
    assert wild_p(y, X, ids, 1, low + tol, reps) >= 0.05 and wild_p(y, X, ids, 1, low - tol, reps) < 0.05
    assert wild_p(y, X, ids, 1, high - tol, reps) >= 0.05 and wild_p(y, X, ids, 1, high + tol, reps) < 0.05


def test_team_clustering_widens_the_interval_when_teams_move_together():
    y, X, person, team = clustered(team_sd=1.5, seed=4)
    by_team = fit(y, X, ["intercept", "coef"], person, team, "team")[1]
    by_person = fit(y, X, ["intercept", "coef"], person, team, "person")[1]
    assert by_team.estimate == pytest.approx(by_person.estimate)
    assert by_team.ci_high - by_team.ci_low > 1.5 * (by_person.ci_high - by_person.ci_low)
    assert by_person.method == "normal" and np.isnan(by_person.df)


def test_one_team_gives_no_test_and_an_intercept_no_stars():
    y, X, person, _ = clustered(teams=1)
    terms = fit(y, X, ["intercept", "coef"], person, np.zeros(len(y)), "team", bootstrap=("coef",))
    assert all(t.method == "none" and np.isnan(t.p) for t in terms)
    assert terms[1].row()["finding"] == "untested"
    y, X, person, team = clustered()
    intercept = fit(y, X, ["intercept", "coef"], person, team, "team")[0].row(test=False)
    assert intercept["stars"] == "" and np.isnan(intercept["p"]) and intercept["finding"] == "untested"
    assert intercept["ci_low"] < intercept["estimate"] < intercept["ci_high"]


@pytest.mark.parametrize("estimate, p, expected", [(0.5, 0.049, "rise"), (-0.5, 0.001, "fall"),
                                                   (0.5, 0.05, "none"), (2.0, 0.3, "none"),
                                                   (1.0, float("nan"), "untested")])
def test_findings_are_decided_on_the_exact_p(estimate, p, expected):
    assert finding(estimate, p) == expected
