"""The report's regression models on the person-week panel.

* Two-point models ("Inden kursus" / "Efter kursus"): OLS of the score on a dummy for
  the later of two weeks, on the rows of those two weeks only (weeks -26 and 0, and weeks
  0 and +26). The intercept is the mean at the first week, the coefficient the change
  over the 26 weeks (seed 004 part 2, section 3.2).
* Weekly models ("Antal uger ift. kursus"): OLS of the score on the week, for weeks
  -26..0 and for weeks 1..26, both with the intercept at week 0, and the interaction
  ("Før-efter-model") score ~ week * after on weeks -26..26, whose week:after
  coefficient is the difference of the weekly slopes (section 3.3).

Standard errors are clustered by person by default (a person contributes several weeks);
`inference="iid"` gives the classical OLS errors, the variant that reproduces the stars
of the published tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .disclosure import merge_small_groups

INFERENCE = ("cluster", "iid")
STAR_LEGEND = "* p<0,05, ** p<0,01, *** p<0,001"


@dataclass(frozen=True)
class Group:
    key: str          # machine key, as in data/reference/published
    label: str        # Danish label as the report prints it
    column: str | None
    value: str | tuple[str, ...] | None
    status: str = "gennemført"

    @property
    def values(self) -> tuple[str, ...]:
        return self.value if isinstance(self.value, tuple) else (self.value,)

    def select(self, panel: pd.DataFrame) -> pd.DataFrame:
        rows = panel["status"] == self.status
        if self.column is not None:
            rows &= panel[self.column].isin(self.values)
        return panel[rows]


GROUPS = [
    Group("samlet", "Samlet", None, None),
    Group("koen_mand", "Mænd", "koen", "mand"),
    Group("koen_kvinde", "Kvinder", "koen", "kvinde"),
    Group("alder_under25", "Under 25 år", "aldersgruppe", "Under 25 år"),
    Group("alder_25_35", "25-35 år", "aldersgruppe", "25-35 år"),
    Group("alder_36_45", "36-45 år", "aldersgruppe", "36-45 år"),
    Group("alder_46_55", "46-55 år", "aldersgruppe", "46-55 år"),
    Group("alder_over55", "Over 55 år", "aldersgruppe", "Over 55 år"),
    Group("visitation_kontant", "Akt. kontanthjælp", "visitationskategori", "Akt. kontanthjælp"),
    Group("visitation_udd", "Akt. udd.hjælp", "visitationskategori", "Akt. udd.hjælp"),
    Group("visitation_ressource", "Ressourceforløb", "visitationskategori", "Ressourceforløb"),
    Group("visitation_andet", "Andet", "visitationskategori", "Andet"),
    Group("fase_pilot", "Pilotfase", "fase", "pilot"),
    Group("fase_udbredelse", "Udbredelsesfase", "fase", "udbredelse"),
    Group("afmeldte", "Afmeldte kursister", None, None, status="afmeldt"),
]
GROUP_BY_KEY = {g.key: g for g in GROUPS}
# Partitions whose groups have a natural order: a group under the minimum cell size is
# merged with a neighbour along it. Groups of other partitions are suppressed instead.
MERGE_ORDER = {"aldersgruppe": ("Under 25 år", "25-35 år", "36-45 år", "46-55 år", "Over 55 år")}


def disclosed_groups(panel: pd.DataFrame, min_cell: int, groups: list[Group] = GROUPS) -> list[Group]:
    """The groups that may be published: merged along MERGE_ORDER, others under the
    minimum number of persons dropped."""
    out: list[Group] = []
    by_column: dict[str | None, list[Group]] = {}
    for group in groups:
        by_column.setdefault(group.column, []).append(group)
    for column, members in by_column.items():
        persons = {g.key: g.select(panel)["pnr"].nunique() for g in members}
        if column in MERGE_ORDER:
            order = {v: i for i, v in enumerate(MERGE_ORDER[column])}
            members = sorted(members, key=lambda g: order[g.values[0]])
            counts = pd.Series({g.key: persons[g.key] for g in members})
            merged = merge_small_groups(counts, min_cell)
            for block in dict.fromkeys(merged.values()):
                parts = [g for g in members if merged[g.key] == block]
                if len(parts) == 1:
                    out.append(parts[0])
                else:
                    out.append(Group("+".join(g.key for g in parts), " + ".join(g.label for g in parts),
                                     column, tuple(v for g in parts for v in g.values), parts[0].status))
        else:
            out += [g for g in members if persons[g.key] >= min_cell]
    return [g for g in out if g.select(panel)["pnr"].nunique() >= min_cell]


def stars(p: float) -> str:
    if p is None or np.isnan(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _fit(y: np.ndarray, X: np.ndarray, persons: np.ndarray, inference: str):
    if inference not in INFERENCE:
        raise ValueError(f"inference must be one of {INFERENCE}, not {inference!r}")
    model = sm.OLS(y, X)
    if inference == "cluster":
        return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(persons)[0]})
    return model.fit()


def _rows(result, names: list[str], **extra) -> list[dict]:
    out = []
    for i, name in enumerate(names):
        p = float(result.pvalues[i])
        out.append({"term": name, "estimate": float(result.params[i]), "se": float(result.bse[i]),
                    "p": p, "stars": stars(p), **extra})
    return out


def _scored(panel: pd.DataFrame) -> pd.DataFrame:
    data = panel[panel["score"].notna()]
    return pd.DataFrame({"pnr": data["pnr"].to_numpy(), "week": data["week"].to_numpy(dtype=float),
                         "score": data["score"].to_numpy(dtype=float)})


def two_point(panel: pd.DataFrame, first: int, second: int, inference: str = "cluster") -> list[dict]:
    """score ~ 1 + [week == second] on the rows of weeks `first` and `second`."""
    data = _scored(panel)
    data = data[data["week"].isin([first, second])]
    if data.empty or data["week"].nunique() < 2:
        return []
    X = np.column_stack([np.ones(len(data)), (data["week"] == second).to_numpy(dtype=float)])
    result = _fit(data["score"].to_numpy(), X, data["pnr"].to_numpy(), inference)
    extra = {"n_persons": int(data["pnr"].nunique()), "n_obs": int(len(data)),
             "n_min_week": int(data.groupby("week")["pnr"].nunique().min())}
    return _rows(result, ["intercept", "coef"], **extra)


def weekly(panel: pd.DataFrame, weeks_before: int, weeks_after: int,
           inference: str = "cluster") -> list[dict]:
    """Weekly slopes before (weeks -26..0) and after (1..26) start, and their interaction."""
    data = _scored(panel)
    rows: list[dict] = []
    before = data[(data["week"] >= -weeks_before) & (data["week"] <= 0)]
    after = data[(data["week"] >= 1) & (data["week"] <= weeks_after)]
    for period, part in (("inden", before), ("efter", after)):
        if part["week"].nunique() < 2:
            continue
        X = np.column_stack([np.ones(len(part)), part["week"].to_numpy()])
        result = _fit(part["score"].to_numpy(), X, part["pnr"].to_numpy(), inference)
        rows += [dict(r, period=period) for r in _rows(
            result, ["intercept", "coef"], n_persons=int(part["pnr"].nunique()), n_obs=int(len(part)),
            n_min_week=int(part.groupby("week")["pnr"].nunique().min()))]
    both = pd.concat([before, after])
    if before["week"].nunique() >= 2 and after["week"].nunique() >= 2:
        post = (both["week"] >= 1).to_numpy(dtype=float)
        week = both["week"].to_numpy()
        X = np.column_stack([np.ones(len(both)), week, post, week * post])
        result = _fit(both["score"].to_numpy(), X, both["pnr"].to_numpy(), inference)
        interaction = _rows(result, ["intercept", "week", "after", "interaction"],
                            n_persons=int(both["pnr"].nunique()), n_obs=int(len(both)),
                            n_min_week=int(both.groupby("week")["pnr"].nunique().min()))[3]
        rows.append(dict(interaction, period="interaction"))
    return rows


def run_models(panel: pd.DataFrame, weeks_before: int = 26, weeks_after: int = 26,
               inference: str = "cluster", groups: list[Group] = GROUPS,
               min_cell: int | None = None) -> pd.DataFrame:
    """The two-point and the weekly models for every group.

    With `min_cell`, groups are first merged or dropped by the disclosure rule
    (`disclosed_groups`), and a two-point estimate with fewer than `min_cell` persons in
    one of its two weeks is flagged `published = False`. Returns one row per estimate: group,
    label, model ('two_point'/'weekly'), period, term, estimate, se, p, stars, n_persons,
    n_obs, n_min_week, published.
    """
    if min_cell is not None:
        groups = disclosed_groups(panel, min_cell, groups)
    rows = []
    for group in groups:
        part = group.select(panel)
        for period, (first, second) in (("inden", (-weeks_before, 0)), ("efter", (0, weeks_after))):
            for r in two_point(part, first, second, inference):
                rows.append({"group": group.key, "label": group.label, "model": "two_point",
                             "period": period, **r})
        for r in weekly(part, weeks_before, weeks_after, inference):
            rows.append({"group": group.key, "label": group.label, "model": "weekly", **r})
    columns = ["group", "label", "model", "period", "term", "estimate", "se", "p", "stars",
               "n_persons", "n_obs", "n_min_week"]
    out = pd.DataFrame(rows, columns=columns)
    # a two-point estimate is a mean (or difference of means) of its two weeks: each week
    # needs min_cell persons; a weekly slope pools many weeks: the group needs min_cell persons
    floor = min_cell or 0
    out["published"] = np.where(out["model"] == "two_point", out["n_min_week"] >= floor,
                                out["n_persons"] >= floor)
    return out


def weekly_means(panel: pd.DataFrame, by: str | None = None, min_cell: int = 1) -> pd.DataFrame:
    """Mean score and number of persons with a score per relative week (figure data).
    Weeks resting on fewer than `min_cell` persons are left out (disclosure control)."""
    data = panel[panel["score"].notna()]
    keys = ["week"] if by is None else [by, "week"]
    out = data.groupby(keys, observed=True).agg(mean=("score", lambda s: float(s.astype(float).mean())),
                                                persons=("pnr", "nunique")).reset_index()
    return out[out["persons"] >= min_cell].reset_index(drop=True)
