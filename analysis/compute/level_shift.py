"""The pilot edition's results (Resultater, Konklusioner): the level-shift design's tables,
figure series and quoted numbers.

Published for the level-shift edition (the groups and their weekly means are published for
every edition by analysis.compute.subgroups; the models are in the estimates):

* tables `score.time_points` and `score.bands` (the score at the time points, as on the
  final edition's score page, analysis.compute.scores.publish_time_points);
* table `level_shift.visitation_means`: the mean score at the time points per visitation
  category the models publish (rows: group key; cells under the minimum hidden), and the
  same means as the scalars `tabel3.mean.<group>.<time point>`;
* scalars: the window (weeks_before, weeks_after, after_end, course_weeks), n_completers,
  change_pre (the change of the mean from the first time point to the week before the
  course), text.modal_score_w-26 (the most frequent score half a year before) and
  `model.<group>.coef_abs`, the size of each published level shift.

The other keyed results the pages quote (tabel6.*, text.change, model.<group>.<term>,
caption.n.<group>) come from analysis.compute.results.
"""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.results import modal_score, visitation_time_points
from analysis.compute.scores import publish_time_points
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count
from analysis.compute.definitions import define
from analysis.compute import universes as u
from analysis.disclosure.rules import SUPPRESSED

PAGE = "niveauskift"


def publish(md: Microdata, w: BundleWriter) -> None:
    ed = md.edition
    if ed.design != "level_shift":
        return
    for key, value in (("weeks_before", ed.weeks_before), ("weeks_after", ed.weeks_after),
                       ("after_end", ed.weeks_after - ed.course_weeks), ("course_weeks", ed.course_weeks)):
        w.scalar(key, value, page=PAGE, kind="setting")
    n_completers = int(md.completers["pnr"].nunique())
    w.universe(u.enrolled(md))
    w.scalar("n_completers", n_completers, page=PAGE, persons=n_completers,
             define=Count(u.enrolled_cell(md, sample=True, status="gennemført")))

    dist = publish_time_points(md, w, PAGE)
    first, before = list(ed.time_points)[:2]
    means, n = dist.loc["mean"], dist.loc["n_with_data"]
    w.scalar("change_pre", float(means[before] - means[first]), page=PAGE,
             persons=int(min(n[first], n[before])))
    # a score on the 0-10 scale, not a count of persons
    w.scalar("text.modal_score_w-26", modal_score(dist, first), page=PAGE, kind="number", decimals=0,
             persons=int(n[first]))

    coefs = md.models[md.models["term"] == "coef"]
    for group, estimate, published, persons in coefs[["group", "estimate", "published", "n_persons"]].itertuples(
            index=False):
        w.scalar(f"model.{group}.coef_abs", abs(float(estimate)) if published else SUPPRESSED, page=PAGE,
                 kind="number", persons=int(persons) if published else None)

    tp_means, tp_persons = visitation_time_points(md.panel, ed, md.models)
    hidden = tp_persons < md.min_cell
    w.table("level_shift.visitation_means", tp_means, persons=tp_persons, kinds="number", hidden=hidden,
            define=lambda key, tp: define(md, f"tabel3.mean.{key}.{tp}"))
    for key in tp_means.index:
        for tp in tp_means.columns:
            value = SUPPRESSED if hidden.loc[key, tp] else float(tp_means.loc[key, tp])
            w.scalar(f"tabel3.mean.{key}.{tp}", value, page=PAGE, kind="number",
                     persons=None if hidden.loc[key, tp] else int(tp_persons.loc[key, tp]))
