"""Undergrupper, Bilag 12-14 (and the groups of the pilot's level-shift pages): the groups of
each partition as published (merged or dropped by the disclosure rule), their weekly means
(figure series) and the persons and last weeks the prose quotes.

Published for every edition:

* table `subgroups.groups`: one row per group of the edition's models (`edition_groups`),
  shown or not, indexed by group key: partition, label, members, persons, shown, estimated,
  model, merged (see `describe_groups`);
* figure `subgroups.weekly`: one series per shown group (named by its key), the weekly mean
  score with the persons behind each week, weeks under the minimum left out.

And for the final edition's subgroup pages the scalars they quote (`publish`).
"""
from __future__ import annotations

import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute import universes as u
from analysis.compute.scores import publish_weekly
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count
from analysis.disclosure.rules import SUPPRESSED
from analysis.register.models import Group, disclosed_groups, edition_groups, weekly_means

# the page that shows each partition of the final edition
PAGES = {"koen": "undergrupper", "aldersgruppe": "undergrupper", "visitationskategori": "undergrupper",
         "fase": "bilag12"}
# the figures of those pages, all drawn for the completers (caption N)
FIGURES = {"caption.figur3.n": "undergrupper", "caption.figur4.n": "undergrupper",
           "caption.figur5.n": "undergrupper", "caption.figur6.n": "bilag12"}
YES, NO = "yes", "no"


def estimated(rows: pd.DataFrame, design: str) -> bool:
    """Whether a group's models could be estimated (shown or withheld): for the two-point
    design both models (before and after course start; a group without data 26 weeks after
    start has no 'efter' model), for the level shift the model. `rows`: the group's rows of
    the models frame (analysis.register.models)."""
    if design == "two_point":
        return {"inden", "efter"} <= set(rows.loc[rows["model"] == "two_point", "period"])
    return bool((rows["model"] == "level_shift").any())


def has_model(rows: pd.DataFrame, design: str) -> bool:
    """Whether a page shows the group's model table: it could be estimated and at least one
    of its estimates may be published (withheld cells then print as x)."""
    main = "two_point" if design == "two_point" else "level_shift"
    return estimated(rows, design) and bool(rows.loc[rows["model"] == main, "published"].any())


def shown_groups(md: Microdata) -> list[Group]:
    """The groups a page may show: those of the edition's models that survive the disclosure
    rule (`disclosed_groups`: merged along the declared order or dropped) and have model
    rows, in the order of GROUPS."""
    modelled = set(md.models["group"])
    return [g for g in disclosed_groups(md.panel, md.min_cell, edition_groups(md.edition)) if g.key in modelled]


def describe_groups(md: Microdata, shown: list[Group]) -> pd.DataFrame:
    """The groups of the edition's models as published: the `shown` groups in their order,
    then the groups not shown at all (under the minimum and nothing to merge with).

    Index: group key ('alder_46_55+alder_over55' for a merged group). Columns: partition
    (the panel column, '' for all completers and for the afmeldte), label, members (the keys
    of the groups it is made of, joined by ' + '), persons (int; 'x' when not shown, 0 for a
    group nobody belongs to), and
    the flags shown, estimated, model (a page shows its model table) and merged, each
    'yes' or 'no'."""
    design = md.edition.design
    covered = {member for g in shown for member in g.key.split("+")}
    rows = {}
    for g in shown:
        models = md.models[md.models["group"] == g.key]
        rows[g.key] = {"partition": g.column or "", "label": g.label, "members": " + ".join(g.key.split("+")),
                       "persons": int(g.select(md.panel)["pnr"].nunique()), "shown": YES,
                       "estimated": YES if estimated(models, design) else NO,
                       "model": YES if has_model(models, design) else NO,
                       "merged": YES if "+" in g.key else NO}
    for g in edition_groups(md.edition):
        if g.key not in covered:   # too few to show ('x'), or nobody at all (0: printed '–')
            n = int(g.select(md.panel)["pnr"].nunique())
            rows[g.key] = {"partition": g.column or "", "label": g.label, "members": g.key,
                           "persons": 0 if n == 0 else SUPPRESSED,
                           "shown": NO, "estimated": NO, "model": NO, "merged": NO}
    return pd.DataFrame.from_dict(rows, orient="index")


def publish_groups(md: Microdata, w: BundleWriter) -> pd.DataFrame:
    """Write `subgroups.groups` and the weekly means of each shown group
    (`subgroups.weekly`); returns the groups frame with a column `last_week`: the last week
    with a published mean (None for a group without any, or not shown)."""
    shown = shown_groups(md)
    groups = describe_groups(md, shown)
    counts = groups["persons"].where(groups["shown"] == YES)
    by_key = {g.key: g for g in shown} | {g.key: g for g in edition_groups(md.edition)}
    w.universe(u.enrolled(md))
    w.table("subgroups.groups", groups, persons=pd.DataFrame({"persons": counts}).reindex(columns=groups.columns),
            kinds={"persons": "count"},
            define=lambda key, column: Count(u.enrolled_group_cell(md, by_key[key])) if column == "persons" else None)
    last = {}
    for g in shown:
        publish_weekly(w, "subgroups.weekly", g.key, g.select(md.panel), u.group_where(g), md.min_cell)
        weekly = weekly_means(g.select(md.panel), min_cell=md.min_cell)
        last[g.key] = None if weekly.empty else int(weekly["week"].max())
    return groups.assign(last_week=pd.Series(last, index=groups.index, dtype=object))


def publish(md: Microdata, w: BundleWriter) -> None:
    groups = publish_groups(md, w)
    by_key = {g.key: g for g in shown_groups(md)}
    if md.edition.design != "two_point":
        return
    n_completers = int(groups.at["samlet", "persons"])
    for key, page in FIGURES.items():
        w.scalar(key, n_completers, page=page, persons=n_completers)
    if groups.at["afmeldte", "shown"] == YES:
        n = int(groups.at["afmeldte", "persons"])
        w.scalar("caption.figur7.n", n, page="bilag13", persons=n)
    shown = groups[groups["shown"] == YES]
    # a group without a model table: the note says how many it has and how far its line goes
    for key, g in shown[(shown["model"] == NO) & shown["partition"].isin(list(PAGES))].iterrows():
        page = PAGES[g["partition"]]
        w.scalar(f"nomodel.{key}.n", int(g["persons"]), page=page, persons=int(g["persons"]),
                 define=Count(u.enrolled_group_cell(md, by_key[key])))
        if g["last_week"] is not None and g["last_week"] < md.edition.weeks_after:
            # a week number, not a count of persons
            w.scalar(f"nomodel.{key}.last_week", int(g["last_week"]), page=page, kind="number", decimals=0)
    ages = shown[shown["partition"] == "aldersgruppe"]
    w.scalar("alder.n_groups", len(ages), page="undergrupper", of="age groups")
    w.scalar("bilag14.n_groups", int((ages["estimated"] == YES).sum()), page="bilag14", of="age groups")
    with_model = ages[ages["model"] == YES]
    if len(with_model):
        # the oldest age group with a model table: the page shows its table and quotes its size
        oldest = with_model.index[-1]
        w.scalar("alder.aeldste.group", oldest, page="undergrupper")
        w.scalar("alder.aeldste.n", int(with_model.at[oldest, "persons"]), page="undergrupper",
                 define=Count(u.enrolled_group_cell(md, by_key[oldest])),
                 persons=int(with_model.at[oldest, "persons"]))
