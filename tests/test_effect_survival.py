"""Time to the first job-like week (analysis.effect.survival) on a seeded simulated matched panel."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.effect.survival import EMPLOYED, JOB_LIKE, cox, first_event, kaplan_meier


def panel(seed: int, hazard_treated: float, hazard_control: float, sets: int = 300, k: int = 5,
          teams: int = 25, end: int = 26) -> pd.DataFrame:
    """Each matched set: one participant and k controls; from week 1 each week a person
    without a job-like week gets one with the group's weekly probability (score 10 or 7,
    alternately by set), otherwise scores 2; weeks after `end` or after a person's own
    censoring week (uniform 10..end) are absent."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(sets):
        team = f"hold{s % teams}"
        for j in range(k + 1):
            treated = int(j == 0)
            h = hazard_treated if treated else hazard_control
            last = int(rng.integers(10, end + 1))
            e = np.arange(1, last + 1)
            first = int(rng.geometric(h))
            score = np.where(e == first, 10.0 if s % 2 else 7.0, 2.0)
            score[e == 3] = np.nan   # an excluded week is never the event
            rows.append(pd.DataFrame({"pid": f"s{s}" if treated else f"s{s}c{j}", "stack": "2024-W10",
                                      "team": team, "treated": treated, "match_set": f"s{s}/2024-W10", "e": e,
                                      "score": score, "w": 1.0 if treated else 1.0 / k}))
    return pd.concat(rows, ignore_index=True)


def test_first_event_and_censoring():
    p = pd.DataFrame({"pid": ["a"] * 5 + ["b"] * 3, "stack": "g", "team": "t", "treated": [1] * 5 + [0] * 3,
                      "match_set": "a/g", "w": [1.0] * 5 + [0.2] * 3, "e": [0, 1, 2, 3, 4, 1, 2, 3],
                      "score": [10, 2, 8, np.nan, 10, 2, np.nan, 6]})
    job = first_event(p, lambda s: s >= JOB_LIKE).set_index("pid")
    assert job.loc["a", ["time", "event"]].tolist() == [2, 1]    # week 0 is before the start
    assert job.loc["b", ["time", "event"]].tolist() == [3, 0]    # censored at its last week
    employed = first_event(p, lambda s: s == EMPLOYED).set_index("pid")
    assert employed.loc["a", ["time", "event"]].tolist() == [4, 1]


@pytest.mark.parametrize("treated,control", [(0.08, 0.04), (0.05, 0.05)])
def test_cox_recovers_planted_hazard_ratio(treated, control):
    # seed 4 drew a no-effect hazard ratio 2,6 standard errors from 1 (one draw in a
    # hundred); the assertions are those of any seed
    spells = first_event(panel(6, treated, control), lambda s: s >= JOB_LIKE)
    model = cox(spells)
    planted = np.log(1 - treated) / np.log(1 - control)   # geometric times: the discrete-time hazard ratio
    assert model.ci_low <= planted <= model.ci_high
    if treated != control:
        assert model.ci_low > 1 and model.p < 0.05
    assert 290 <= model.strata <= 300 and model.clusters == 25   # sets without an event drop out


def test_kaplan_meier_weights_and_shares():
    spells = first_event(panel(7, 0.10, 0.03), lambda s: s >= JOB_LIKE)
    km = kaplan_meier(spells, range(1, 27))
    participants, controls = km[km["treated"] == 1], km[km["treated"] == 0]
    assert participants["share"].is_monotonic_increasing and controls["share"].is_monotonic_increasing
    at_13 = km[km["week"] == 13].set_index("treated")["share"]
    assert at_13[1] == pytest.approx(1 - 0.9 ** 12, abs=0.08)   # week 3 excluded: no event then
    assert at_13[0] == pytest.approx(1 - 0.97 ** 12, abs=0.04)
    # the controls' weight 1/k does not change their curve (one weight per group)
    unweighted = kaplan_meier(spells.assign(w=1.0), range(1, 27))
    assert np.allclose(unweighted["share"], km["share"])
    # counts at the end of each week: everybody is an event, censored or still followed
    persons = spells.groupby("treated").size()
    assert (km["cum_events"] + km["cum_censored"] + km["followed"] == km["treated"].map(persons)).all()
    assert persons.sort_index(ascending=False).tolist() == [300, 1500]
    at_26 = km[km["week"] == 26].set_index("treated")
    assert (at_26["followed"] == 0).all()          # nobody is followed beyond the window


def test_a_curve_shows_only_steps_of_zero_or_at_least_the_minimum():
    """Counts at the end of each week: a week is shown when the cumulative events and the
    cumulative censored have each changed by 0 or at least 3 since the last shown week (the
    start: 0 and 0) and at least 3 persons are still followed; otherwise the curve goes on."""
    from analysis.effect.survival import disclosed_points
    events = [0, 1, 2, 3, 3, 6, 8, 9]
    censored = [0, 0, 0, 0, 3, 3, 4, 9]
    km = pd.DataFrame({"week": range(1, 9), "cum_events": events, "cum_censored": censored,
                       "followed": [20 - a - b for a, b in zip(events, censored)]})
    shown = disclosed_points(km.sample(frac=1, random_state=1), 3)
    # week 8: 6 events and 6 censored since week 6, but only 2 persons still followed
    assert shown["week"].tolist() == [1, 4, 5, 6]
    start = pd.DataFrame({"cum_events": [0], "cum_censored": [0], "followed": [20]})
    steps = pd.concat([start, shown[["cum_events", "cum_censored", "followed"]]]).diff().abs().dropna()
    assert ((steps == 0) | (steps >= 3)).all().all()
    assert disclosed_points(km, 1)["week"].tolist() == list(range(1, 9))


def test_a_person_without_scores_from_week_four_is_censored_at_week_three():
    # issue 13 review, item 2: an emigration (999) or death (997) from week 4 gives NaN
    # scores up to the data's end; the person is followed up to week 3 only
    e = np.arange(-2, 27)
    score = np.where(e <= 3, 2.0, np.nan)
    p = pd.DataFrame({"pid": "gone", "stack": "g", "team": "t", "treated": 1, "match_set": "gone/g", "w": 1.0,
                      "e": e, "score": score})
    never = pd.DataFrame({"pid": "never", "stack": "g", "team": "t", "treated": 0, "match_set": "gone/g",
                          "w": 1.0, "e": e, "score": np.where(e <= 0, 2.0, np.nan)})
    spells = first_event(pd.concat([p, never]), lambda s: s >= JOB_LIKE).set_index("pid")
    assert spells.loc["gone", ["time", "event"]].tolist() == [3, 0]
    assert "never" not in spells.index            # no score after the start: never at risk
