"""Inference for the register models: standard errors, p-values and 95 % intervals.

The course is delivered by team (`hold`): citizens of a team start in the same calendar
week, share instructors and a municipality's caseworkers, so their scores move together.
The team is therefore the cluster. Variants (`INFERENCE`):

* ``team`` (the book's default): cluster-robust (CR1) standard errors clustered by team,
  p-values and intervals from t(G - 1), G the number of teams in the model (Cameron &
  Miller 2015, "A Practitioner's Guide to Cluster-Robust Inference", J. Human Resources
  50(2), section VI.C). Below `WILD_MAX_CLUSTERS` teams, which is every model here (the
  final evaluation has 33 teams, the pilot 9), the test of a coefficient (not of an
  intercept) is a restricted wild cluster bootstrap (WCR, CR1 statistic, Webb's six-point
  weights, `BOOT_REPS` draws; MacKinnon & Webb 2018, "The wild bootstrap for few (treated)
  clusters", Econometrics Journal 21(2); Webb 2023, Canadian J. Economics 56(3)), and its
  interval is the set of values the bootstrap test does not reject at 5 % (test
  inversion, as fwildclusterboot and Stata's boottest do; `INTERVAL_REPS` draws per test). The bootstrap comes from the
  `wildboottest` package (Fischer & Michuda; it is also what pyfixest's `wildboottest()`
  calls); `FastWildboottestCL` only replaces its denominator loop, which the package
  compiles anew with numba on every call, by the same formula in numpy.
* ``person``: standard errors clustered by person, p-values from the normal
  distribution: what the models did before, and the variant that reproduces the stars
  printed in the final evaluation (seed 004), kept for the reproduction appendix.
* ``iid``: classical OLS standard errors, t(n - k): the variant closest to the stars of
  the pilot evaluation (seed 000).

With fewer than two teams a team-clustered error does not exist; such a term gets no
test (method ``none``). With few teams the bootstrap p-value is coarse: Webb weights give
6^G distinct draws, and with G teams the smallest p-value a two-sided test can reach is
about 2 / 6^G (G = 3: 0,009); the method page says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from wildboottest.wildboottest import WildboottestCL

INFERENCE = ("team", "person", "iid")
# below this many clusters, the wild cluster bootstrap decides (MacKinnon & Webb 2018)
WILD_MAX_CLUSTERS = 50
BOOT_REPS = 9999
# the interval by test inversion takes about twenty bootstrap tests per coefficient; it uses
# 999 draws (the default `reps(999)` of Stata's boottest, Roodman et al. 2019, Stata Journal 19(1);
# alpha (B + 1) = 50 is an integer, as MacKinnon 2009 recommends), the p-value that
# decides the finding 9,999
INTERVAL_REPS = 999
BOOT_SEED = 2025
BOOT_WEIGHTS = "webb"
LEVEL = 0.05
# test inversion: the interval's ends are found to within this share of the standard error
INVERSION_TOLERANCE = 0.01

# how a term's test came out (decided on the exact p at compute time, published in the
# bundle's `finding` column; the render side turns it into Danish words)
RISE, FALL, NO_CHANGE, UNTESTED = "rise", "fall", "none", "untested"


def stars(p: float) -> str:
    """'***' for p < 0.001, '**' for p < 0.01, '*' for p < 0.05, '' otherwise or for a
    missing p (the report's legend, seed 004 Bilag 12-14)."""
    if p is None or np.isnan(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def finding(estimate: float, p: float, level: float = LEVEL) -> str:
    """RISE or FALL when the test rejects 'no change' at `level` (two-sided), NO_CHANGE when
    it does not, UNTESTED when there is no p-value."""
    if p is None or np.isnan(p):
        return UNTESTED
    if p >= level:
        return NO_CHANGE
    return RISE if estimate > 0 else FALL


_WEIGHTS: dict[tuple, tuple] = {}


class FastWildboottestCL(WildboottestCL):
    """`wildboottest.WildboottestCL` with its CRV1 denominator computed in numpy.

    The package defines the denominator's numba kernel inside `get_denom`, so every call
    compiles it again (about 3 s); a test inversion needs about twenty calls per term. The
    formula is the package's: Z[g, b] = C[g] v[g, b] - sum_h H[g, h] v[h, b],
    denom[b] = ssc * sum_g Z[g, b]^2 (Roodman et al. 2019, section 3.2).
    tests/test_inference.py checks it against the package's own loop."""

    def __init__(self, *args, seed: int, **kwargs):
        super().__init__(*args, seed=seed, **kwargs)
        self._seed = seed

    def get_weights(self, weights_type):
        """The package's draw, kept per (weights, clusters, draws, seed): a test inversion
        asks for the same weights about twenty times."""
        key = (weights_type, self.N_G_bootcluster, self.B, self._seed)
        if key not in _WEIGHTS:
            v, B, full = super().get_weights(weights_type)
            _WEIGHTS[key] = (v, np.ascontiguousarray(v.T), B, full)
        self.v, self._vT, self.B, full = _WEIGHTS[key]
        self.weights_type = weights_type
        return self.v, self.B, full

    def get_numer(self):
        # the package's Cg @ v, as v' Cg (the same numbers; the draws-major product is
        # several times faster with OpenBLAS)
        self.Cg = self.R @ self.tXXinv @ self.scores_mat
        self.numer = self._vT @ self.Cg

    def get_denom(self):
        if self.crv_type != "crv1":
            return super().get_denom()
        A = self.R @ self.tXXinv
        H = np.array([A @ tXgXg @ self.tXXinv for tXgXg in self.tXgXg_list]) @ self.scores_mat
        Z = self._vT * self.Cg - self._vT @ H.T
        self.denom = self.ssc * np.einsum("bg,bg->b", Z, Z)


def wild_p(y: np.ndarray, X: np.ndarray, clusters: np.ndarray, column: int, null: float = 0.0,
           reps: int = BOOT_REPS, seed: int = BOOT_SEED) -> float:
    """Two-sided p-value of 'coefficient `column` = `null`' from the restricted wild cluster
    bootstrap (WCR11, Webb weights). The same `seed` gives the same weights for every
    `null`, so that the p-values of a test inversion belong to one bootstrap."""
    R = np.zeros(X.shape[1])
    R[column] = 1.0
    wb = FastWildboottestCL(X=X, Y=y - null * X[:, column], cluster=clusters, R=R, B=reps, seed=seed,
                            parallel=False)
    wb.get_scores(bootstrap_type="11", impose_null=True)
    wb.get_weights(weights_type=BOOT_WEIGHTS)
    wb.get_numer()
    wb.get_denom()
    wb.get_tboot()
    wb.get_vcov()
    wb.get_tstat()
    wb.get_pvalue(pval_type="two-tailed")
    return float(wb.pvalue)


def wild_interval(y: np.ndarray, X: np.ndarray, clusters: np.ndarray, column: int, estimate: float,
                  se: float, level: float = LEVEL, reps: int = INTERVAL_REPS,
                  seed: int = BOOT_SEED) -> tuple[float, float]:
    """The (1 - level) interval of coefficient `column`: the values b whose bootstrap test
    'coefficient = b' has p >= level, found by bisection from the estimate outwards (the
    p-value is 1 at the estimate and falls away from it). `se` sets the search scale."""
    tol = INVERSION_TOLERANCE * se

    def end(sign: int) -> float:
        inside, step = estimate, 2.0 * se
        outside = estimate + sign * step
        while wild_p(y, X, clusters, column, outside, reps, seed) >= level:
            inside, step = outside, step * 2
            outside = estimate + sign * step
            if step > 1e3 * max(se, 1e-9):
                return sign * np.inf
        while abs(outside - inside) > tol:
            middle = (inside + outside) / 2
            if wild_p(y, X, clusters, column, middle, reps, seed) >= level:
                inside = middle
            else:
                outside = middle
        return (inside + outside) / 2

    return end(-1), end(+1)


@dataclass(frozen=True)
class Term:
    """One coefficient with its test: the reported `p`, `ci_low`, `ci_high` and `method`
    ('wild_bootstrap', 't' for t(df), 'normal', or 'none'), and the analytic t(G - 1)
    values beside them (`p_t`, `ci_low_t`, `ci_high_t`) for comparison."""
    name: str
    estimate: float
    se: float
    p: float
    ci_low: float
    ci_high: float
    method: str
    df: float
    clusters: int
    p_t: float
    ci_low_t: float
    ci_high_t: float

    def row(self, test: bool = True) -> dict:
        """The term as a models-frame row. test=False (an intercept: a mean score, whose
        test against 0 says nothing) leaves p, stars and the finding empty; p_t keeps the
        analytic p (the printed reports starred intercepts: the reproduction compares it)."""
        p = self.p if test else np.nan
        return {"term": self.name, "estimate": self.estimate, "se": self.se, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "p": p, "stars": stars(p), "finding": finding(self.estimate, p),
                "method": self.method if test or self.method != "wild_bootstrap" else "t", "df": self.df,
                "clusters": self.clusters, "p_t": self.p_t,
                "ci_low_t": self.ci_low_t, "ci_high_t": self.ci_high_t}


def fit(y: np.ndarray, X: np.ndarray, names: list[str], persons: np.ndarray, teams: np.ndarray,
        inference: str, bootstrap: tuple[str, ...] = ()) -> list[Term]:
    """OLS of y (n) on X (n x k, first column the intercept) with the `inference` variant.

    `names` names the k columns; `persons` and `teams` (n) are the cluster ids. With
    'team', the terms in `bootstrap` are tested by the wild cluster bootstrap when there
    are fewer than WILD_MAX_CLUSTERS teams (their interval by test inversion); the others
    get t(G - 1). `clusters` is the number of teams ('team'), persons ('person') or
    observations ('iid'). Raises ValueError for an unknown variant."""
    if inference not in INFERENCE:
        raise ValueError(f"inference must be one of {INFERENCE}, not {inference!r}")
    model = sm.OLS(y, X)
    if inference == "iid":
        result, clusters, method = model.fit(), len(y), "t"
    else:
        ids = pd.factorize(teams if inference == "team" else persons)[0]
        clusters = int(ids.max()) + 1 if len(ids) else 0
        if clusters < 2:
            result = model.fit()
            nan = float("nan")
            return [Term(n, float(b), nan, nan, nan, nan, "none", nan, clusters, nan, nan, nan)
                    for n, b in zip(names, result.params)]
        result = model.fit(cov_type="cluster", cov_kwds={"groups": ids}, use_t=inference == "team")
        method = "t" if inference == "team" else "normal"
    df = (float(result.df_resid) if inference == "iid" else float(clusters - 1) if inference == "team"
          else float("nan"))
    ci = np.asarray(result.conf_int(alpha=LEVEL))
    terms = []
    for i, name in enumerate(names):
        estimate, se, p = float(result.params[i]), float(result.bse[i]), float(result.pvalues[i])
        low, high = float(ci[i, 0]), float(ci[i, 1])
        term = Term(name, estimate, se, p, low, high, method, df, clusters, p, low, high)
        if inference == "team" and name in bootstrap and clusters < WILD_MAX_CLUSTERS and se > 0:
            ids = pd.factorize(teams)[0]
            p_boot = wild_p(y, X, ids, i)
            low_b, high_b = wild_interval(y, X, ids, i, estimate, se)
            term = Term(name, estimate, se, p_boot, low_b, high_b, "wild_bootstrap", df, clusters, p, low, high)
        terms.append(term)
    return terms
