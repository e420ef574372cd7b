"""Beskæftigelsesscore (the final edition's result page): the score at the report's time
points (the mean table and Tabel 6 in bands), the weekly mean of the completers
(Figur 1 and 2) and the edition's settings the page quotes. The models are in the
estimates (analysis.compute.sections.publish_estimates)."""
from __future__ import annotations

import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute import universes as u
from analysis.compute.results import score_table, tabel6_disclosed
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count, Mean
from analysis.reference.scoring import SCALE_LABELS
from analysis.register.models import GROUP_BY_KEY, run_models, weekly_means
from analysis.register.sensitivity import balanced, blank_scored, event_time

# the sensitivity variants of the two-point models of all completers (Beskæftigelsesscore,
# "Følsomhed"): model name in the estimates -> how the panel is changed
SENSITIVITY = {
    "two_point_balanced": lambda panel, ed: balanced(panel, ed.weeks_after),
    "two_point_blank0": lambda panel, ed: blank_scored(panel, 0),
    "two_point_blank10": lambda panel, ed: blank_scored(panel, 10),
}

def publish_time_points(md: Microdata, w: BundleWriter, page: str) -> pd.DataFrame:
    """The mean table (persons with a score and mean per time point) and the score table
    in bands with small cells hidden (Tabel 6); returns the distribution."""
    dist = score_table(md.panel, md.edition)
    tps = list(md.edition.time_points)
    n = dist.loc["n_with_data", tps].astype(int)
    scored = n - dist.loc["na", tps].astype(int)
    top = pd.DataFrame([n.tolist(), [float(v) for v in dist.loc["mean", tps]]],
                       index=["n_with_data", "mean"], columns=tps, dtype=object)
    top.loc["n_with_data"] = [int(v) for v in n]
    names = {tp: u.time_point_name(md.edition, tp) for tp in tps}
    for name in names.values():
        w.universe(u.week(name))

    def means(row, tp):   # the audit assumes the N of a mean known, though 'na' may be hidden
        completers = u.week_cell(names[tp], status="gennemført")
        return Count(completers) if row == "n_with_data" else \
            Mean(u.week_cell(names[tp], status="gennemført", scored=True), int(scored[tp]))

    w.table("score.time_points", top, persons=pd.DataFrame([n.tolist(), scored.tolist()], index=top.index,
                                                             columns=tps), define=means)
    banded = tabel6_disclosed(dist, md.min_cell)
    counts = banded.values.astype(object).map(int)

    def band(row, tp):
        low, _, high = row.partition("-")
        scores = "na" if row == "na" else tuple(range(int(low), int(high or low) + 1))
        return Count(u.week_cell(names[tp], status="gennemført", score=scores))

    w.table("score.bands", counts, persons=banded.values, hidden=banded.suppressed, define=band)
    return dist


def publish_weekly(w: BundleWriter, figure: str, series: str, panel: pd.DataFrame, where: dict,
                   min_cell: int) -> None:
    """The weekly mean score of the persons of `panel` (one group) as a figure series,
    weeks resting on fewer than `min_cell` persons left out and withheld for the audit;
    `where`: the group as a cell of the week universes."""
    weekly = weekly_means(panel)
    for week in weekly["week"]:
        w.universe(u.week(u.week_name(week)))
    shown = weekly[weekly["persons"] >= min_cell]
    w.add_series(figure, series, shown, x="week", y="mean", persons="persons",
                 define=lambda x, n: Mean(u.week_cell(u.week_name(x), scored=True, **where), n))
    for week, n in zip(weekly["week"], weekly["persons"]):
        if n < min_cell:
            w.withhold(Count(u.week_cell(u.week_name(week), scored=True, **where)),
                       f"{figure}: {series} in week {int(week)}", persons=int(n))

def publish(md: Microdata, w: BundleWriter) -> None:
    ed = md.edition
    if ed.design != "two_point":
        return
    page = "beskaeftigelsesscore"
    for key, value in (("weeks_before", ed.weeks_before), ("weeks_after", ed.weeks_after),
                       ("after_week", ed.time_points["w8"]), ("course_weeks", ed.course_weeks),
                       ("scale_min", min(SCALE_LABELS)), ("scale_max", max(SCALE_LABELS))):
        w.scalar(key, value, page=page, kind="setting")
    completers = md.completers
    w.universe(u.enrolled(md))
    w.scalar("n_completers", int(completers["pnr"].nunique()), page=page,
             define=Count(u.enrolled_cell(md, sample=True, status="gennemført")))
    dist = publish_time_points(md, w, page)
    means, n = dist.loc["mean"], dist.loc["n_with_data"]
    w.scalar("change_pre", float(means["w0"] - means["w-26"]), page=page,
             persons=int(min(n["w0"], n["w-26"])))
    publish_weekly(w, "score.weekly", "samlet", completers, {"status": "gennemført"}, md.min_cell)
    publish_sensitivity(md, w, page)


def publish_sensitivity(md: Microdata, w: BundleWriter, page: str) -> None:
    """The two-point models of all completers under the SENSITIVITY variants (estimates
    with model names two_point_balanced, two_point_blank0, two_point_blank10), the persons
    followed to the last week (`sens.balanced.persons`) and their weekly means
    (`score.weekly`, series 'balanced'), and the event-time profile with person fixed
    effects (figure `score.event_time`: series estimate, ci_low, ci_high)."""
    from analysis.compute.sections import estimates_frame   # sections imports this module
    ed = md.edition
    samlet = GROUP_BY_KEY["samlet"]
    for name, change in SENSITIVITY.items():
        models = run_models(change(md.panel, ed), ed.weeks_before, ed.weeks_after, md.inference, [samlet],
                            min_cell=md.min_cell)
        models = models[models["model"] == "two_point"].assign(model=name)
        w.add_estimates(estimates_frame(models, md.inference))
    followed = balanced(md.completers, ed.weeks_after)
    n = int(followed["pnr"].nunique())
    w.scalar("sens.balanced.persons", n, page=page, persons=n)
    w.add_series("score.weekly", "balanced", weekly_means(followed, min_cell=md.min_cell), x="week", y="mean",
                 persons="persons")
    profile = event_time(md.completers, (-ed.weeks_before, ed.weeks_after))
    profile = profile[profile["persons"] >= md.min_cell]
    for column in ("estimate", "ci_low", "ci_high"):
        w.add_series("score.event_time", column, profile, x="week", y=column, persons="persons")
