"""The effect of the course on the beskæftigelsesscore: staggered and stacked event studies.

Two designs share one estimator (`event_study`, `pooled_effect`) on one data shape, the
*stacked panel* of ../shared/spec/effect-design.md §1.3 and §1.5 (Wing, Freedman &
Hollingsworth 2024, "Stacked difference-in-differences", NBER WP 32054): one
sub-experiment ("stack") per course start week g, with the participants who start in g as
the treated and clean comparisons as the controls, one row per person × stack × event week
(`PANEL_COLUMNS`: the columns of analysis/effect/matching.py's matched panel that the
estimators use: pid, stack, team, treated, match_set, e, score, w).

* Not-yet-treated (works on every extract; Callaway & Sant'Anna 2021, J. Econometrics
  225(2), with not-yet-treated controls): the controls of stack g are the participants of
  teams that start later, in the calendar weeks before their own anticipation window
  (`not_yet_treated_stacks`). Every participant eventually takes the course, so there is
  no never-treated group; a late team's comparison ends when its own course draws near.
  The controls of a stack are reweighted so that each stack weighs by its number of
  treated (Wing et al.'s Q-weights).
* Matched (when the extract has a DREAM comparison pool): the controls are the k nearest
  non-participants of each participant (analysis.effect.matching), weight 1/k.

The event week `e` follows the project (analysis/editions.py): week 1 is the first course
week, week 0 the week before. The weeks e = -7..0 are an anticipation window (`ANTICIPATION`
= 8 weeks: the pre-course dip falls over the last seven weeks before start, issue 13; a
coping course may change behaviour from the day a citizen is referred, VIVE 2019 in
effect-design.md §1.1); the reference week is e = -8, the last week before it, and the
weeks before it are the pre-period of the pre-trend test.

The regression (`event_study`) is
``score ~ i(e, treated, ref=-8) | pid^stack + e^stack`` with weights `w`, fitted by
pyfixest (`feols`, fixef_rm="none": a person × stack with one scored week is kept, not
dropped as a singleton, so the rows of the fit are the rows of the data and the bootstrap's
team labels and the observation counts align; such a row adds nothing to the estimate),
standard errors CRV1 clustered by team with t(G - 1) (each control
carries its participant's team, so the matched sets nest in teams; Abadie, Athey, Imbens &
Wooldridge 2023, QJE 138(1)). Its pooled version (`pooled_effect`) replaces the weekly
dummies by three periods (anticipation e = -7..0, course weeks 1..7, after the course
8..26) against the weeks before the anticipation window; the after-course coefficient is
tested with the restricted wild cluster bootstrap of analysis.register.inference (Webb
weights, 9,999 draws, interval by test inversion with 999 draws; MacKinnon & Webb 2018),
on the fixed-effects-demeaned, weight-transformed data (Frisch-Waugh-Lovell: the same
scores and residuals as the full regression; pyfixest's own `wildboottest()` refuses
weighted fits).

Package choice (issue 13, item 1; checked on a simulated staggered panel in this venv,
November 2026): pyfixest 0.60 fits the stacked design directly (weights, interacted fixed
effects, CRV1, Wald tests) and is MIT-licensed and actively kept. Its `event_study(
estimator="did2s")` failed on a panel where every unit is eventually treated ("operands
could not be broadcast", vcov) and its wild bootstrap on a did2s fit resamples the second
stage only (pyfixest issue #1573). moderndid 0.4 needs Python >= 3.12 (we run 3.11; 0.2.0
installs) and took 12 s for a 7,200-row panel; csdid 0.4.3 installs twine, keyring and
cryptography as run-time dependencies and fixed "High" severity bugs in 2026. Neither gives a
wild cluster bootstrap for a pooled effect.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyfixest as pf
from scipy import stats

from analysis.editions import EDITIONS
from analysis.reference.scoring import EXCLUDED, ScoreMapping, score_codes
from analysis.register.extract import Extract
from analysis.register.inference import BOOT_REPS, BOOT_SEED, INTERVAL_REPS, LEVEL, wild_interval, wild_p
from analysis.weeks import week_label

ANTICIPATION = 8             # weeks before the course start that may already be affected (e = -7..0)
REFERENCE = -ANTICIPATION    # the reference week of the event study (the last week before them)
# the final edition's event-time window and course weeks (the chapter is the final edition's)
_FINAL = EDITIONS["final-2025"]
WINDOW = (-_FINAL.weeks_before, _FINAL.weeks_after)   # event weeks estimated
COURSE_WEEKS = _FINAL.course_weeks                    # weeks 1..COURSE_WEEKS are the course
# the pre-trend test: the weeks before the reference week in this many bins of (nearly)
# equal length, the mean effect of each bin tested jointly (18 weekly restrictions would
# leave too few teams: G - q degrees of freedom)
PRETREND_BINS = 3
PANEL_COLUMNS = ["pid", "stack", "team", "treated", "match_set", "e", "score", "w"]
# the fixed effects person × stack and event week × stack, as integer codes (pyfixest encodes
# string interactions itself, several times slower)
FORMULA_FE = "unit + cell"


def participant_weeks(extract: Extract, mapping: ScoreMapping) -> pd.DataFrame:
    """The register sample in calendar time: one row per participant × loaded DREAM week.

    Columns pid (str), team (str), start (int: the ISO week index of the first course
    week), week (int: ISO week index), score (float, NaN for an excluded week). The weeks
    are all weeks the extract loaded (analysis.register.extract.load_extract: from 27 weeks
    before the earliest start to 26 weeks after the latest, cut at the data's end), for
    every participant, so a late team's weeks before its own window are there too."""
    scores = score_codes(extract.codes, extract.employed, mapping).astype(float)
    scores[scores == EXCLUDED] = np.nan
    n, weeks = scores.shape
    persons = extract.persons
    return pd.DataFrame({
        "pid": np.repeat(persons["pnr"].astype(str).to_numpy(), weeks),
        "team": np.repeat(persons["hold"].astype(str).to_numpy(), weeks),
        "start": np.repeat(persons["start_week"].to_numpy(int), weeks),
        "week": np.tile(np.arange(extract.load_first, extract.load_first + weeks), n),
        "score": scores.ravel()})


def not_yet_treated_stacks(weeks: pd.DataFrame, window: tuple[int, int] = WINDOW,
                           anticipation: int = ANTICIPATION) -> pd.DataFrame:
    """The stacked panel of the not-yet-treated design from `participant_weeks` rows.

    One stack per start week g: the treated are the participants starting in g, at event
    weeks e = week - g + 1 in `window`; the controls are the participants starting in a
    later week g' in the calendar weeks before their own anticipation window (their own
    event week <= -anticipation), at the same e. Stack-weeks without a control or without a
    treated score are left out (nothing to compare). Weights: 1 for the treated; the
    controls of stack g get (treated in g / all treated) / (controls in g / all controls),
    persons counted once per stack (Wing et al. 2024, eq. 6). Returns PANEL_COLUMNS (the
    matched panel's shape; match_set is the stack) with rows of a missing score dropped.
    Raises ValueError when fewer than two start weeks exist (no comparison)."""
    data = weeks[weeks["score"].notna()]
    starts = np.sort(data["start"].unique())
    if len(starts) < 2:
        raise ValueError("the not-yet-treated design needs teams starting in at least two different weeks")
    parts = []
    for g in starts:
        e = data["week"] - g + 1
        own_e = data["week"] - data["start"] + 1
        treated = (data["start"] == g) & e.between(*window)
        control = (data["start"] > g) & (own_e <= -anticipation) & e.between(*window)
        part = data[treated | control].assign(e=e[treated | control], treated=treated[treated | control])
        cells = part.groupby("e")["treated"].agg(["min", "max"])
        both = cells.index[(cells["min"] == 0) & (cells["max"] == 1)]
        part = part[part["e"].isin(both)]
        if part["treated"].any():
            parts.append(part.assign(stack=week_label(int(g))))
    stacked = pd.concat(parts, ignore_index=True)
    stacked["treated"] = stacked["treated"].astype(np.int8)
    persons = stacked.groupby(["stack", "treated"])["pid"].nunique().unstack(fill_value=0)
    q = (persons[1] / persons[1].sum()) / (persons[0] / persons[0].sum())
    stacked["w"] = np.where(stacked["treated"] == 1, 1.0, stacked["stack"].map(q).to_numpy(float))
    stacked["match_set"] = stacked["stack"]
    stacked["e"] = stacked["e"].astype(np.int16)
    return stacked[PANEL_COLUMNS].reset_index(drop=True)


def _prepare(panel: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    data = panel[panel["score"].notna() & panel["e"].between(*window)]
    out = pd.DataFrame({"pid": data["pid"].astype(str).to_numpy(), "stack": data["stack"].astype(str).to_numpy(),
                        "team": data["team"].astype(str).to_numpy(), "e": data["e"].to_numpy(int),
                        "treated": data["treated"].to_numpy(int), "score": data["score"].to_numpy(float),
                        "w": data["w"].to_numpy(float)})
    out["unit"] = pd.factorize(out["pid"] + "/" + out["stack"])[0]
    out["cell"] = pd.factorize(out["e"].astype(str) + "/" + out["stack"])[0]
    return out


@dataclass(frozen=True)
class EventStudy:
    """The weekly effects and the pre-trend test of one design.

    `weeks`: one row per event week e: estimate (score points, participants minus
    controls, relative to the reference week), se (CRV1 by team), ci_low, ci_high (95 %,
    t(G - 1), pointwise), treated (participants with a score that week); the reference
    week has estimate 0 and no se. `pretrend_f`, `pretrend_df` (q, G - q) and `pretrend_p`:
    the joint Wald test that the weeks before the reference week are 0, as the mean of
    each of PRETREND_BINS consecutive bins (-26..-21, -20..-15, -14..-9), cluster-robust,
    as Hotelling's T² (`hotelling_f`); Roth et al. 2023, J. Econometrics 235(2), on the low
    power of such tests)."""
    weeks: pd.DataFrame
    pretrend_f: float
    pretrend_df: tuple[int, int]
    pretrend_p: float
    observations: int
    persons: int
    treated: int
    clusters: int
    stacks: int


def hotelling_f(wald: float, q: int, clusters: int) -> tuple[float, int]:
    """The cluster-robust Wald statistic of q restrictions as Hotelling's T² with G - 1
    degrees of freedom: F = (G - q) / (q (G - 1)) W, referred to F(q, G - q) (Cameron &
    Miller 2015, J. Human Resources 50(2), section VII.D; Pustejovsky & Tipton 2018, JBES
    36(4), the naive T² approximation). The plain F(q, G - 1) over-rejects badly when q is
    near G (18 weekly restrictions and 20 teams: a seeded simulation without a
    pre-trend rejected at p = 0.0002). Returns (F, G - q); G - q <= 0 gives no test."""
    df2 = clusters - q
    return (df2 / (q * (clusters - 1)) * wald if df2 > 0 else np.nan), df2


def event_study(panel: pd.DataFrame, window: tuple[int, int] = WINDOW,
                reference: int = REFERENCE) -> EventStudy:
    """The stacked event study of a panel in PANEL_COLUMNS (module docstring).

    Raises ValueError when the panel has fewer than two teams (no clustered error) or no
    control rows."""
    data = _prepare(panel, window)
    clusters = data["team"].nunique()
    if clusters < 2 or not (data["treated"] == 0).any():
        raise ValueError("an event study needs controls and at least two teams")
    fit = pf.feols(f"score ~ i(e, treated, ref={reference}) | {FORMULA_FE}", data=data, weights="w",
                   vcov={"CRV1": "team"}, fixef_rm="none")
    names = list(fit._coefnames)
    beta, vcov = np.asarray(fit.coef()), np.asarray(fit._vcov)
    weeks_of = [int(float(n.split("::")[1].split(":")[0])) for n in names]
    se = np.sqrt(np.diag(vcov))
    t = stats.t.ppf(1 - LEVEL / 2, clusters - 1)
    treated = data[data["treated"] == 1].groupby("e")["pid"].nunique()
    rows = [{"e": e, "estimate": float(b), "se": float(s), "ci_low": float(b - t * s), "ci_high": float(b + t * s),
             "treated": int(treated.get(e, 0))} for e, b, s in zip(weeks_of, beta, se)]
    rows.append({"e": reference, "estimate": 0.0, "se": np.nan, "ci_low": 0.0, "ci_high": 0.0,
                 "treated": int(treated.get(reference, 0))})
    frame = pd.DataFrame(rows).sort_values("e").reset_index(drop=True)
    pre = [i for i, e in enumerate(weeks_of) if e < reference]
    f, p, q = np.nan, np.nan, 0
    if pre:
        pre_weeks = np.array([weeks_of[i] for i in pre])
        bins = np.array_split(np.sort(pre_weeks), PRETREND_BINS)
        R = np.array([np.isin(pre_weeks, b) / len(b) for b in bins if len(b)])
        q = len(R)
        b, v = R @ beta[pre], R @ vcov[np.ix_(pre, pre)] @ R.T
        wald = float(b @ np.linalg.pinv(v) @ b)
        f, df2 = hotelling_f(wald, q, clusters)
        p = float(stats.f.sf(f, q, df2)) if df2 > 0 else np.nan
    return EventStudy(frame, f, (q, clusters - q), p, len(data), int(data["pid"].nunique()),
                      int(data.loc[data["treated"] == 1, "pid"].nunique()), clusters, int(data["stack"].nunique()))


@dataclass(frozen=True)
class Pooled:
    """The pooled effect after the course (weeks COURSE_WEEKS + 1 .. window end), in score
    points against the weeks before the anticipation window, with the in-course and
    anticipation periods beside it. `p`, `ci_low`, `ci_high`: the wild cluster bootstrap
    (method 'wild_bootstrap'); `se`, `p_t`, `ci_low_t`, `ci_high_t`: CRV1 with t(G - 1).
    `periods`: every period term's estimate, CRV1 se, and p and 95 % interval from
    t(G - 1) (p_t, ci_low_t, ci_high_t)."""
    estimate: float
    se: float
    p: float
    ci_low: float
    ci_high: float
    p_t: float
    ci_low_t: float
    ci_high_t: float
    clusters: int
    observations: int
    treated: int
    reps: int
    periods: pd.DataFrame


PERIODS = {"anticipation": (REFERENCE + 1, 0), "course": (1, COURSE_WEEKS), "after": (COURSE_WEEKS + 1, WINDOW[1])}


def pooled_effect(panel: pd.DataFrame, window: tuple[int, int] = WINDOW, reps: int = BOOT_REPS,
                  interval_reps: int = INTERVAL_REPS, seed: int = BOOT_SEED) -> Pooled:
    """The pooled after-course effect of a panel in PANEL_COLUMNS: ``score ~ anticipation
    + course + after | pid^stack + e^stack`` (each period dummy × treated, PERIODS), weights
    `w`, CRV1 by team; the `after` term tested by the restricted wild cluster bootstrap
    (analysis.register.inference.wild_p, `reps` draws; interval by test inversion,
    `interval_reps` draws). Raises ValueError as `event_study`."""
    data = _prepare(panel, window)
    clusters = data["team"].nunique()
    if clusters < 2 or not (data["treated"] == 0).any():
        raise ValueError("a pooled effect needs controls and at least two teams")
    for name, (low, high) in PERIODS.items():
        data[name] = (data["treated"].eq(1) & data["e"].between(low, high)).astype(float)
    fit = pf.feols(f"score ~ {' + '.join(PERIODS)} | {FORMULA_FE}", data=data, weights="w",
                   vcov={"CRV1": "team"}, fixef_rm="none")
    names = list(fit._coefnames)
    column = names.index("after")
    beta, se = np.asarray(fit.coef()), np.asarray(fit.se())
    t = stats.t.ppf(1 - LEVEL / 2, clusters - 1)
    p_t = float(2 * stats.t.sf(abs(beta[column] / se[column]), clusters - 1))
    # fit._Y and fit._X are demeaned by the fixed effects and multiplied by sqrt(w)
    y, X = np.asarray(fit._Y).ravel(), np.asarray(fit._X)
    teams = pd.factorize(data["team"])[0]
    p = wild_p(y, X, teams, column, reps=reps, seed=seed)
    low, high = wild_interval(y, X, teams, column, float(beta[column]), float(se[column]), reps=interval_reps,
                              seed=seed)
    p_periods = 2 * stats.t.sf(np.abs(beta / se), clusters - 1)
    periods = pd.DataFrame({"period": names, "estimate": beta, "se": se, "p_t": p_periods,
                            "ci_low_t": beta - t * se, "ci_high_t": beta + t * se})
    return Pooled(float(beta[column]), float(se[column]), p, low, high, p_t,
                  float(beta[column] - t * se[column]), float(beta[column] + t * se[column]), clusters, len(data),
                  int(data.loc[data["treated"] == 1, "pid"].nunique()), reps, periods)
