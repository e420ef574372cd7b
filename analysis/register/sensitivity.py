"""Sensitivity of the final evaluation's score results to three choices the main models make
(seed 004 part 2, section 3; issue 12):

* who is in the "after" period: the main models use everybody with data in a week; the
  teams that started late have no data 26 weeks after (censored follow-up), so the late
  weeks rest on the early teams only. `balanced` keeps the persons followed to the last
  week of the window.
* blank weeks without employment: excluded from the score (data/README.md); `blank_scored`
  scores them 0 (lower bound) or 10 (upper bound) instead.
* the shape of the development: `event_time` is a descriptive profile, the mean score of
  each week relative to the week before the course within persons (person fixed effects),
  which shows the dip before the course without a straight line forced through it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm


def balanced(panel: pd.DataFrame, last_week: int) -> pd.DataFrame:
    """The rows of the persons who have a panel row (with or without a score) in week
    `last_week`: followed to the end of the window."""
    followed = set(panel.loc[panel["week"] == last_week, "pnr"])
    return panel[panel["pnr"].isin(followed)]


def blank_scored(panel: pd.DataFrame, score: int) -> pd.DataFrame:
    """The panel with every blank week without employment (no DREAM code, no employment in
    the month: code '' and no score) scored `score` instead of excluded."""
    out = panel.copy()
    blank = out["code"].astype(str).eq("") & out["score"].isna()
    out["score"] = out["score"].astype("Int8")
    out.loc[blank, "score"] = score
    return out


def event_time(panel: pd.DataFrame, weeks: tuple[int, int], reference: int = 0, level: float = 0.05) -> pd.DataFrame:
    """The event-time profile: score ~ person fixed effects + one dummy per week of
    weeks[0]..weeks[1] except `reference`, on the scored rows, by the within (person-
    demeaning) transformation. Errors clustered by team, intervals from t(G - 1); a
    descriptive profile, not a test. Returns week, estimate (the week's mean score minus
    the reference week's, within persons; 0 at the reference), ci_low, ci_high, persons
    (with a score that week)."""
    data = panel[panel["score"].notna() & panel["week"].between(*weeks)]
    data = pd.DataFrame({"pnr": data["pnr"].to_numpy(), "hold": data["hold"].astype(str).to_numpy(),
                         "week": data["week"].to_numpy(int), "score": data["score"].to_numpy(float)})
    all_weeks = [w for w in range(weeks[0], weeks[1] + 1) if w != reference and (data["week"] == w).any()]
    D = pd.DataFrame({w: (data["week"] == w).astype(float) for w in all_weeks})
    y = data["score"] - data.groupby("pnr")["score"].transform("mean")
    X = D - D.groupby(data["pnr"]).transform("mean")
    teams = pd.factorize(data["hold"])[0]
    result = sm.OLS(y.to_numpy(), X.to_numpy()).fit(cov_type="cluster", cov_kwds={"groups": teams}, use_t=True)
    ci = np.asarray(result.conf_int(alpha=level))
    persons = data.groupby("week")["pnr"].nunique()
    rows = [{"week": w, "estimate": float(b), "ci_low": float(lo), "ci_high": float(hi), "persons": int(persons[w])}
            for w, b, (lo, hi) in zip(all_weeks, result.params, ci)]
    rows.append({"week": reference, "estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0,
                 "persons": int(persons.get(reference, 0))})
    return pd.DataFrame(rows).sort_values("week").reset_index(drop=True)
