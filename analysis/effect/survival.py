"""Time from the course start to the first job-like week, participants against matched controls.

Metrica's design (seed 002, ../shared/spec/seed002-003.md §1.5: survival curves of the time
to the first virksomhedspraktik and a Cox model "med samme difference-in-differences
specifikation") carried over to the matched panel (analysis/effect/matching.py, columns of
analysis.effect.estimate.PANEL_COLUMNS):

* the event: the first week after the start (event week e >= 1; week 1 is the first course
  week) with a beskæftigelsesscore of at least 7 (virksomhedspraktik or better, `JOB_LIKE`)
  or, separately, of 10 (employment, SU or voksenlærling, `EMPLOYED`);
* the time: that week's e; a person without the event is censored at the last week after
  the start with a score (a row whose score is NaN, an excluded week: death 997, emigration
  999 or a week outside the data, is no evidence that the person was still followed; the
  matched panel carries such rows up to the pool's data end; issue 13 review, item 2);
* Kaplan-Meier curves by group, the controls weighted 1/k (statsmodels SurvfuncRight with
  freq_weights);
* a Cox model, statsmodels PHReg with strata = matched set (each participant with its own
  controls: the weights are constant within a stratum and not needed), Efron ties (weekly
  data are heavily tied) and the robust covariance grouped by team (`team_covariance`:
  PHReg's own sandwich, whose `fit(groups=...)` gives NaN here;
  ../shared/spec/effect-design.md §2 on why not lifelines or scikit-survival).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight

from analysis.register.inference import LEVEL

JOB_LIKE = 7      # score of virksomhedspraktik (data/reference/score_mapping.csv)
EMPLOYED = 10     # employment, SU, voksenlærling


def first_event(panel: pd.DataFrame, reached) -> pd.DataFrame:
    """One row per person × stack with a score after the start: pid, stack, team, treated,
    match_set, w, time (weeks, the event week of the first week where `reached(score)` is
    true, or else of the last week with a score: the censoring week), event (1 reached, 0
    censored). A person × stack without any score after the start is left out. `reached`
    takes a float array of scores (no NaN) and returns bools."""
    after = panel[(panel["e"] >= 1) & panel["score"].notna()]
    hit = np.asarray(reached(after["score"].to_numpy(float)), dtype=bool)
    keys = ["pid", "stack"]
    first_hit = after.loc[hit].groupby(keys, observed=True)["e"].min()
    people = after.groupby(keys, observed=True).agg(team=("team", "first"), treated=("treated", "first"),
                                                   match_set=("match_set", "first"), w=("w", "first"),
                                                   last=("e", "max"))
    people["event"] = people.index.isin(first_hit.index).astype(int)
    people["time"] = first_hit.reindex(people.index).fillna(people["last"]).astype(int)
    return people.drop(columns="last").reset_index()


def kaplan_meier(spells: pd.DataFrame, weeks: range) -> pd.DataFrame:
    """The share who have reached the event by the end of each week of `weeks`, by group:
    treated (1 = participants, 0 = controls), week, share (1 - the weighted Kaplan-Meier
    survival, 0..1) and, as unweighted person counts at the END of the week: cum_events
    (persons with the event in or before the week: event and time <= week), cum_censored
    (persons censored in or before the week: no event and time <= week) and followed (the
    persons still followed after the week: the group's persons - cum_events -
    cum_censored)."""
    rows = []
    for treated, part in spells.groupby("treated"):
        km = SurvfuncRight(part["time"].to_numpy(float), part["event"].to_numpy(float),
                           freq_weights=part["w"].to_numpy(float))
        times, surv = np.asarray(km.surv_times), np.asarray(km.surv_prob)
        time, event = part["time"].to_numpy(), part["event"].to_numpy() == 1
        for week in weeks:
            done = times <= week
            share = 1 - (surv[done][-1] if done.any() else 1.0)
            events, censored = int((event & (time <= week)).sum()), int((~event & (time <= week)).sum())
            rows.append({"treated": int(treated), "week": week, "share": float(share), "cum_events": events,
                         "cum_censored": censored, "followed": len(part) - events - censored})
    return pd.DataFrame(rows)


def disclosed_points(km: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The weeks of one group's `kaplan_meier` rows that may be published. Between two shown
    weeks a curve's step tells how many persons reached the event, and the persons shown
    with the points how many were followed: so a week is kept when, at the end of the week,
    at least `min_cell` persons are still followed (`followed`) and, since the last kept
    week (the start: 0 events, 0 censored), the cumulative number of events and the
    cumulative number censored each changed by 0 or by at least `min_cell`; otherwise the
    curve goes on to the next week. Every difference between shown points (events,
    censored, and hence persons followed) then rests on 0 or >= `min_cell` persons (DST's
    minimum of 3 persons per cell, ../shared/spec/dream.md, applied to the differences of
    cumulative series; issue 13 review, item 3). `km`: rows of one group, columns week,
    cum_events, cum_censored, followed (any order); returns the kept rows in week order;
    a point's persons to publish are `followed`."""
    rows = km.sort_values("week")
    last_events, last_censored = 0, 0
    keep = []
    for i, row in enumerate(rows.itertuples()):
        changes = (int(row.cum_events) - last_events, int(row.cum_censored) - last_censored)
        if row.followed >= min_cell and all(change == 0 or change >= min_cell for change in changes):
            keep.append(i)
            last_events, last_censored = int(row.cum_events), int(row.cum_censored)
    return rows.iloc[keep]


@dataclass(frozen=True)
class Cox:
    """The Cox model's hazard ratio of participants against their matched controls:
    hazard_ratio = exp(coefficient), its 95 % interval and p (robust covariance grouped by
    team, normal reference, as PHReg gives it), persons, events, strata, clusters."""
    hazard_ratio: float
    ci_low: float
    ci_high: float
    p: float
    coefficient: float
    se: float
    persons: int
    events: int
    strata: int
    clusters: int


def team_covariance(model: PHReg, params: np.ndarray, teams: pd.Series) -> np.ndarray:
    """The sandwich covariance of PHReg's `robust_covariance` (what `fit(groups=...)`
    reports), with the score residual of a person who is never at risk at an event time of
    their stratum taken as 0 (their contribution to the partial likelihood) instead of
    NaN, which statsmodels 0.15 returns and which makes its grouped covariance NaN."""
    scores = np.nan_to_num(model.score_residuals(params))
    grads = pd.DataFrame(scores).groupby(pd.factorize(teams)[0]).sum().to_numpy()
    hess_inv = np.linalg.inv(model.hessian(params))
    return hess_inv @ (grads.T @ grads) @ hess_inv


def cox(spells: pd.DataFrame) -> Cox:
    """PHReg of time on treated, strata = match_set, Efron ties, robust covariance by team,
    on the strata with at least one event (`persons`, `strata` count those). Raises ValueError without both groups or with fewer than two teams."""
    # a stratum without an event adds nothing to the partial likelihood: left out
    spells = spells[spells.groupby("match_set")["event"].transform("max") == 1]
    if spells["treated"].nunique() < 2 or spells["team"].nunique() < 2:
        raise ValueError("a Cox model needs participants, controls and at least two teams")
    model = PHReg(spells["time"].to_numpy(float), spells[["treated"]].to_numpy(float),
                  status=spells["event"].to_numpy(float), strata=spells["match_set"].to_numpy(),
                  ties="efron")
    result = model.fit()
    b, se = float(result.params[0]), float(np.sqrt(team_covariance(model, result.params, spells["team"])[0, 0]))
    z = stats.norm.ppf(1 - LEVEL / 2)
    return Cox(float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)),
               float(2 * stats.norm.sf(abs(b / se))), b, se, int(spells["pid"].nunique()),
               int(spells["event"].sum()), int(spells["match_set"].nunique()), int(spells["team"].nunique()))
