"""The report's regression models on the person-week panel.

* Two-point models ("Inden kursus" / "Efter kursus"): OLS of the score on a dummy for
  the later of two weeks, on the rows of those two weeks only (weeks -26 and 0, and weeks
  0 and +26). The intercept is the mean at the first week, the coefficient the change
  over the 26 weeks (seed 004 part 2, section 3.2).
* Weekly models ("Antal uger ift. kursus"): OLS of the score on the week, for weeks
  -26..0 and for weeks 1..26, both with the intercept at week 0, and the interaction
  ("Før-efter-model") score ~ week * after on weeks -26..26, whose week:after
  coefficient is the difference of the weekly slopes (section 3.3).

Inference (analysis.register.inference): by default standard errors clustered by team with
t(G - 1) references, and a wild cluster bootstrap test and interval for every coefficient
(fewer than 50 teams); `inference="person"` (person-clustered, normal p-values: what
reproduces the stars printed in seed 004) and `inference="iid"` (classical OLS errors,
closest to seed 000's stars) are kept for the reproduction appendix. Intercepts are mean
scores: they get an interval but no test.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure.rules import merge_small_groups
from analysis.register.inference import INFERENCE, fit, stars  # noqa: F401 (stars: re-exported)

# the columns of a model row after its names (see `_fit`)
ESTIMATE_FIELDS = ["estimate", "se", "ci_low", "ci_high", "p", "stars", "finding", "method", "df", "clusters",
                   "p_t", "ci_low_t", "ci_high_t", "n_persons", "n_obs", "n_min_week"]
# the terms a test is about (the others are intercepts or nuisance terms of the interaction model)
TESTED = ("coef", "interaction")


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


def _fit(data: pd.DataFrame, X: np.ndarray, names: list[str], inference: str, keep: list[str] | None = None,
         **extra) -> list[dict]:
    """The rows of the terms `keep` (default all) of OLS of data.score on X with the
    inference variant: estimate, se, ci_low, ci_high, p, stars, finding, method, df,
    clusters, p_t, ci_low_t, ci_high_t and `extra`. Intercepts get no test."""
    terms = fit(data["score"].to_numpy(), X, names, data["pnr"].to_numpy(), data["hold"].to_numpy(), inference,
                bootstrap=tuple(n for n in names if n in TESTED and (keep is None or n in keep)))
    return [dict(t.row(test=t.name != "intercept"), **extra) for t in terms if keep is None or t.name in keep]


def _extra(data: pd.DataFrame) -> dict:
    return {"n_persons": int(data["pnr"].nunique()), "n_obs": int(len(data)),
            "n_min_week": int(data.groupby("week")["pnr"].nunique().min())}


def _scored(panel: pd.DataFrame) -> pd.DataFrame:
    data = panel[panel["score"].notna()]
    return pd.DataFrame({"pnr": data["pnr"].to_numpy(), "hold": data["hold"].astype(str).to_numpy(),
                         "week": data["week"].to_numpy(dtype=float), "score": data["score"].to_numpy(dtype=float)})


def two_point(panel: pd.DataFrame, first: int, second: int, inference: str = "team") -> list[dict]:
    """score ~ 1 + [week == second] on the rows of weeks `first` and `second`."""
    data = _scored(panel)
    data = data[data["week"].isin([first, second])]
    if data.empty or data["week"].nunique() < 2:
        return []
    X = np.column_stack([np.ones(len(data)), (data["week"] == second).to_numpy(dtype=float)])
    return _fit(data, X, ["intercept", "coef"], inference, **_extra(data))


def weekly(panel: pd.DataFrame, weeks_before: int, weeks_after: int,
           inference: str = "team") -> list[dict]:
    """Weekly slopes before (weeks -26..0) and after (1..26) start, and their interaction."""
    data = _scored(panel)
    rows: list[dict] = []
    before = data[(data["week"] >= -weeks_before) & (data["week"] <= 0)]
    after = data[(data["week"] >= 1) & (data["week"] <= weeks_after)]
    for period, part in (("inden", before), ("efter", after)):
        if part["week"].nunique() < 2:
            continue
        X = np.column_stack([np.ones(len(part)), part["week"].to_numpy()])
        rows += [dict(r, period=period) for r in _fit(part, X, ["intercept", "coef"], inference, **_extra(part))]
    both = pd.concat([before, after])
    if before["week"].nunique() >= 2 and after["week"].nunique() >= 2:
        post = (both["week"] >= 1).to_numpy(dtype=float)
        week = both["week"].to_numpy()
        X = np.column_stack([np.ones(len(both)), week, post, week * post])
        interaction, = _fit(both, X, ["intercept", "week", "after", "interaction"], inference,
                            keep=["interaction"], **_extra(both))
        rows.append(dict(interaction, period="interaction"))
    return rows


def run_models(panel: pd.DataFrame, weeks_before: int = 26, weeks_after: int = 26,
               inference: str = "team", groups: list[Group] = GROUPS,
               min_cell: int | None = None) -> pd.DataFrame:
    """The two-point and the weekly models for every group.

    With `min_cell`, groups are first merged or dropped by the disclosure rule
    (`disclosed_groups`), and a two-point estimate with fewer than `min_cell` persons in
    one of its two weeks is flagged `published = False`. Returns one row per estimate: group,
    label, model ('two_point'/'weekly'), period, term, the ESTIMATE_FIELDS (see
    inference.Term) and published.
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
    columns = ["group", "label", "model", "period", "term", *ESTIMATE_FIELDS]
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


# ---------------------------------------------------------------- the pilot evaluation (seed 000)
#
# The supplementary pilot evaluation (April 2024) fits one "level shift" per group instead
# of the two-point and weekly models above: OLS of the score on a post-period dummy over all
# person-weeks of a window before and a window after the course start. The intercept
# ("Skæringspunkt") is the mean score of the pre window, the coefficient ("Koefficient")
# the mean of the post window minus that (seed 000 l.143, spec §4.2).
#
# Windows (our reading, see analysis/synthetic/pilot.py): pre = weeks -26..0 (six months up to
# the course start), post = weeks 1..34 (the 8 course weeks and the 26 weeks after the last
# one). The report says "fra kursusstart til 6 måneder efter kursusstart", but its Hold 10
# note (l.245) applies the 26-weeks-after point to "tabeller og modeller", which only makes
# sense if the post window runs to 26 weeks after the course *end*: Hold 10's data end at
# week 30, after week 26 of course start. A team whose data end inside the post window
# (Hold 10) contributes the weeks it has; nothing is imputed.
# Model 11 ("Figur 7") is the slope per course week, score ~ 1 + week on weeks 0..8.

PILOT_PRE = (-26, 0)
PILOT_POST = (1, 34)
PILOT_COURSE = (0, 8)
PILOT_TIME_POINTS = {"w-26": -26, "w0": 0, "w34": 34}

PILOT_GROUPS = [
    GROUP_BY_KEY["samlet"],
    GROUP_BY_KEY["koen_mand"],
    GROUP_BY_KEY["koen_kvinde"],
    GROUP_BY_KEY["alder_under25"],
    GROUP_BY_KEY["alder_25_35"],
    GROUP_BY_KEY["alder_36_45"],
    # seed 000 l.212: 46-55 and over 55 merged "af hensyn til antal" (7 persons). This list
    # states seed 000's groups for calibrating the synthetic extract; the pilot-2024 edition
    # must take its merges from disclosure.merge_small_groups, not from here (issue 6).
    Group("alder_over45", "Over 45 år", "aldersgruppe", ("46-55 år", "Over 55 år")),
    GROUP_BY_KEY["visitation_kontant"],
    GROUP_BY_KEY["visitation_udd"],
    GROUP_BY_KEY["visitation_ressource"],
    GROUP_BY_KEY["afmeldte"],
]
# Model 11: the course-week slope of all completers
PILOT_COURSE_GROUP = Group("moduler", "Kursusuger (uge 0-8)", None, None)


def level_shift(panel: pd.DataFrame, pre: tuple[int, int] = PILOT_PRE,
                post: tuple[int, int] = PILOT_POST, inference: str = "team") -> list[dict]:
    """score ~ 1 + post on the person-weeks of weeks pre[0]..pre[1] and post[0]..post[1].

    Intercept = mean score over the pre window's person-weeks; coef = mean over the post
    window's person-weeks minus the intercept. Excluded weeks (no score) are left out.
    """
    data = _scored(panel)
    in_pre = data["week"].between(*pre).to_numpy()
    in_post = data["week"].between(*post).to_numpy()
    if not in_pre.any() or not in_post.any():
        return []
    data = data[in_pre | in_post]
    is_post = data["week"].between(*post).to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(data)), is_post])
    return _fit(data, X, ["intercept", "coef"], inference, **_extra(data))


def course_slope(panel: pd.DataFrame, weeks: tuple[int, int] = PILOT_COURSE,
                 inference: str = "team") -> list[dict]:
    """score ~ 1 + week on weeks weeks[0]..weeks[1]: intercept at week 0, slope per week."""
    data = _scored(panel)
    data = data[data["week"].between(*weeks)]
    if data["week"].nunique() < 2:
        return []
    X = np.column_stack([np.ones(len(data)), data["week"].to_numpy()])
    return _fit(data, X, ["intercept", "coef"], inference, **_extra(data))


def run_pilot_models(panel: pd.DataFrame, groups: list[Group] = PILOT_GROUPS,
                     pre: tuple[int, int] = PILOT_PRE, post: tuple[int, int] = PILOT_POST,
                     course: tuple[int, int] | None = PILOT_COURSE, inference: str = "team",
                     min_cell: int | None = None) -> pd.DataFrame:
    """The 12 regression tables of the pilot evaluation (seed 000 §4.5).

    One level shift per group of `groups` and, unless `course` is None, the course-week
    slope of all completers (group 'moduler'). Returns one row per estimate: group, label,
    model ('level_shift'/'course_slope'), term ('intercept'/'coef'), estimate, se, p,
    stars, n_persons, n_obs, n_min_week, published (the group has at least `min_cell`
    persons; groups are not merged here: the pilot's merges are in PILOT_GROUPS).
    """
    rows = []
    for group in groups:
        for r in level_shift(group.select(panel), pre, post, inference):
            rows.append({"group": group.key, "label": group.label, "model": "level_shift", **r})
    if course is not None:
        for r in course_slope(PILOT_COURSE_GROUP.select(panel), course, inference):
            rows.append({"group": PILOT_COURSE_GROUP.key, "label": PILOT_COURSE_GROUP.label,
                         "model": "course_slope", **r})
    columns = ["group", "label", "model", "term", *ESTIMATE_FIELDS]
    out = pd.DataFrame(rows, columns=columns)
    out["published"] = out["n_persons"] >= (min_cell or 0)
    return out


def time_point_panel(panel: pd.DataFrame, time_points: dict[str, int] = PILOT_TIME_POINTS,
                     last_available: bool = True) -> pd.DataFrame:
    """The panel rows of the named time points, at most one per person and point.

    With `last_available` (the pilot's Hold 10 rule, seed 000 l.245), a person without a
    row at a time point after the course start (week > 0) gets the row of their last week
    with data before it, relabelled to the time point: for Hold 10, whose data end at week
    30, "26 uger efter kursus" (week 34) is week 30. `source_week` holds the week used.
    The result works with `register.score_distribution`.
    """
    parts = []
    for week in time_points.values():
        exact = panel[panel["week"] == week]
        part = exact.assign(source_week=exact["week"].astype(int))
        if last_available and week > 0:
            missing = ~panel["pnr"].isin(set(exact["pnr"]))
            earlier = panel[missing & (panel["week"] < week) & (panel["week"] > 0)]
            if len(earlier):
                last = earlier.loc[earlier.groupby("pnr", observed=True)["week"].idxmax()]
                last = last.assign(source_week=last["week"].astype(int))
                last["week"] = np.int16(week)
                part = pd.concat([part, last])
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["week"] = out["week"].astype(np.int16)
    return out


def _time_point_scores(panel: pd.DataFrame, time_points: dict[str, int], status: str | None,
                       last_available: bool) -> pd.DataFrame:
    data = time_point_panel(panel, time_points, last_available)
    if status is not None:
        data = data[data["status"] == status]
    return data[data["score"].notna()]


def _by_time_point(values: pd.Series, time_points: dict[str, int], by: str | None) -> pd.DataFrame:
    names = {week: key for key, week in time_points.items()}
    if by is None:
        return values.rename(index=names).to_frame(values.name).T[list(time_points)]
    return values.unstack("week").rename(columns=names)[list(time_points)]


def time_point_means(panel: pd.DataFrame, time_points: dict[str, int] = PILOT_TIME_POINTS,
                     by: str | None = None, status: str | None = "gennemført",
                     last_available: bool = True) -> pd.DataFrame:
    """Mean score (over persons with a score) per time point, optionally by a background
    column (Tabel 1 and Tabel 3 of the pilot). Columns are the time-point keys; rows the
    values of `by` (one row 'mean' without)."""
    data = _time_point_scores(panel, time_points, status, last_available)
    keys = ["week"] if by is None else [by, "week"]
    means = data.groupby(keys, observed=True)["score"].apply(lambda s: float(s.astype(float).mean()))
    return _by_time_point(means.rename("mean"), time_points, by)


def time_point_persons(panel: pd.DataFrame, time_points: dict[str, int] = PILOT_TIME_POINTS,
                       by: str | None = None, status: str | None = "gennemført",
                       last_available: bool = True) -> pd.DataFrame:
    """The persons with a score behind each mean of `time_point_means` (same shape)."""
    data = _time_point_scores(panel, time_points, status, last_available)
    keys = ["week"] if by is None else [by, "week"]
    return _by_time_point(data.groupby(keys, observed=True)["pnr"].nunique().rename("persons"), time_points, by)


# Groups of the level-shift design, before the disclosure rule merges or drops them (the
# pilot's "over 45 år" comes out of the rule: 46-55 and over 55 merged along MERGE_ORDER).
LEVEL_SHIFT_GROUPS = [g for g in GROUPS if not g.key.startswith("fase_")]


DESIGN_GROUPS = {"two_point": GROUPS, "level_shift": LEVEL_SHIFT_GROUPS}


def edition_groups(edition) -> list[Group]:
    """The groups an edition's models describe, before the disclosure rule merges or drops
    them (`disclosed_groups`): every group of GROUPS for the final evaluation, all but the
    project phases for the pilot's level shift. Raises ValueError for an unknown design."""
    try:
        return DESIGN_GROUPS[edition.design]
    except KeyError:
        raise ValueError(f"unknown design {edition.design!r}") from None


def run_edition_models(panel: pd.DataFrame, edition, inference: str, min_cell: int) -> pd.DataFrame:
    """The models of an edition's design: two-point and weekly (final evaluation), or the
    level shift per disclosed group and the course-week slope (pilot evaluation)."""
    groups = edition_groups(edition)
    if edition.design == "two_point":
        return run_models(panel, edition.weeks_before, edition.weeks_after, inference, groups, min_cell=min_cell)
    groups = disclosed_groups(panel, min_cell, groups)
    return run_pilot_models(panel, groups, pre=(-edition.weeks_before, 0), post=(1, edition.weeks_after),
                            course=(0, edition.course_weeks), inference=inference, min_cell=min_cell)


# ---------------------------------------------------------------- differences between groups

def difference(a: pd.DataFrame, b: pd.DataFrame, pre: tuple[int, int], post: tuple[int, int] | None,
               inference: str = "team") -> dict | None:
    """The test of a difference between two disjoint groups of persons (panel rows `a` and
    `b`), so that a comparison in the prose ("størst", "højere end") rests on a test.

    With `post`, the difference of the changes: score ~ 1 + post + A + post:A on the
    person-weeks of weeks pre[0]..pre[1] and post[0]..post[1] (A: the row is in `a`); the
    post:A coefficient is a's change minus b's (for the two-point models pre = (-26, -26)
    and post = (0, 0) compare the changes from week -26 to 0; for the level shift the two
    windows). Without `post`, the difference of levels: score ~ 1 + A on weeks
    pre[0]..pre[1], A's coefficient is a's mean minus b's. The term is tested like every
    coefficient (`inference`; by team: the wild cluster bootstrap). Returns the row of that
    term (estimate, ci_low, ci_high, p, finding, clusters, n_persons, ...) or None when a
    group has no scored rows in a window."""
    parts = []
    for rows, in_a in ((a, 1.0), (b, 0.0)):
        data = _scored(rows)
        keep = data["week"].between(*pre) | (data["week"].between(*post) if post else False)
        parts.append(data[keep].assign(in_a=in_a))
    data = pd.concat(parts, ignore_index=True)
    if post:
        later = data["week"].between(*post).to_numpy(dtype=float)
        cells = pd.crosstab(data["in_a"], later)
        if cells.shape != (2, 2) or (cells.to_numpy() == 0).any():
            return None
        X = np.column_stack([np.ones(len(data)), later, data["in_a"], later * data["in_a"]])
        names = ["intercept", "later", "group", "interaction"]
    else:
        if data["in_a"].nunique() < 2:
            return None
        X = np.column_stack([np.ones(len(data)), data["in_a"]])
        names = ["intercept", "coef"]
    row, = _fit(data, X, names, inference, keep=[names[-1]], **_extra(data))
    return row
