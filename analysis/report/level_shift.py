"""What the result chapter of the level-shift design (the pilot evaluation) calls: the
groups the disclosure rule publishes, their model tables and figures, and the glued
numbers, all from the statistics bundle (the groups and their weekly means from
analysis.compute.subgroups, the rest from analysis.compute.level_shift; the models are
the bundle's estimates, fitted by analysis/register/models.py's run_pilot_models)."""
from __future__ import annotations

import pandas as pd

from analysis.report import book
from analysis.report import subgroups as sg
from analysis.disclosure.rules import SUPPRESSED

PARTITIONS = {"koen": "Køn", "aldersgruppe": "Aldersgruppe", "visitationskategori": "Visitationskategori"}
# the course-week slope (model 11) is fitted on all completers
COURSE_GROUP, COURSE_SERIES = "moduler", "samlet"


def published_groups(ctx, column: str) -> list[str]:
    """Keys of the groups of a partition (a register column such as 'koen') that the models
    publish, in order; merged groups (e.g. 'alder_46_55+alder_over55') as the disclosure
    rule made them."""
    return [s.key for s in sg.partition(ctx, column)]


def label(ctx, key: str) -> str:
    """The Danish label of a modelled group (e.g. '46-55 år + Over 55 år', 'Kursusuger (uge 0-8)').
    Raises KeyError for a group without a model."""
    labels = ctx.models.loc[ctx.models["group"] == key, "label"]
    if labels.empty:
        raise KeyError(key)
    return str(labels.iloc[0])


def estimate(ctx, key: str, term: str):
    """(estimate or 'x', stars, persons) of a group's model term; ('x', '', 0) when the group
    has no such term, persons None when the estimate is withheld."""
    m = ctx.models[(ctx.models["group"] == key) & (ctx.models["term"] == term)]
    if m.empty:
        return SUPPRESSED, "", 0
    row = m.iloc[0]
    if not row["published"]:
        return SUPPRESSED, "", None
    return float(row["estimate"]), row["stars"], int(row["persons"])


def finding(ctx, key: str, term: str = "coef") -> str:
    """The test's finding of a group's term ('rise', 'fall', 'none'; 'untested' when the
    group has no such term or it is withheld)."""
    m = ctx.models[(ctx.models["group"] == key) & (ctx.models["term"] == term)]
    if m.empty or not bool(m.iloc[0]["published"]):
        return "untested"
    return m.iloc[0]["finding"] or "untested"


def glue_comparisons(ctx) -> None:
    """Glue the tests of the differences the pilot's result pages make (the bundle's
    cmp.*: men against women, and in each partition of three or more groups the largest
    and the smallest change against the others), as book.glue_comparison does."""
    book.glue_comparison(ctx, "koen.coef", "change", "mænd", "kvinder")
    for short in ("alder", "visitation"):
        for side in ("top", "bottom"):
            book.glue_comparison(ctx, f"{short}.coef_{side}", "change")


def glue_group(ctx, key: str) -> None:
    """Glue model.<key>.intercept / .coef (with sign) / .coef_abs, the words of the change's
    test (verb.<key>: 'stiger signifikant', ...; verbinv.<key> with the subject 'scoren' in
    inverted order) and caption.n.<key> (the persons of the model)."""
    a, _, _ = estimate(ctx, key, "intercept")
    b, _, _ = estimate(ctx, key, "coef")
    book.glue(f"model.{key}.intercept", a)
    book.glue(f"model.{key}.coef", b, book.number(b, 2, sign=True))
    book.glue_text(f"model.{key}.coef_abs", book.value_text(ctx, f"model.{key}.coef_abs", hidden=SUPPRESSED))
    book.glue_text(f"verb.{key}", "kan ikke vises" if b == SUPPRESSED else book.claim(finding(ctx, key)))
    book.glue_text(f"verbinv.{key}", "kan scoren ikke vises" if b == SUPPRESSED else
                   book.claim(finding(ctx, key), subject="scoren"))
    book.glue_value(ctx, f"caption.n.{key}")


def model_table(ctx, keys: list[str], name: str, caption: str, period: str = "efter kursusstart") -> None:
    """The table of the groups' models: per group its Skæringspunkt (the mean of the weeks
    before) and Koefficient (`period`), each with estimate, 95 % interval, p, stars (not on
    the intercept), persons, person-weeks and teams (book.model_row)."""
    rows = []
    for key in keys:
        rows.append({"": f"**{label(ctx, key)}**"})
        for term, name_ in (("intercept", "Skæringspunkt"), ("coef", f"Koefficient ({period})")):
            m = ctx.models[(ctx.models["group"] == key) & (ctx.models["term"] == term)]
            if not m.empty:
                rows.append(book.model_row(m.iloc[0], name_))
    book.table(pd.DataFrame(rows).fillna("").rename(columns={"": "Gruppe"}), caption=caption, name=name,
               notes=["Kilde: DREAM og kursistregistreringer. " + book.star_note(ctx)])


def visitation_means_table(ctx, labels: dict[str, str], name: str) -> None:
    """The mean score at the time points per visitation category the models publish
    (the bundle's `level_shift.visitation_means`; `labels` names the time points)."""
    means = ctx.table("level_shift.visitation_means")
    rows = [{"Visitationskategori": label(ctx, key), **{labels[tp]: book.number(means.at[key, tp]) for tp in labels}}
            for key in means.index]
    book.table(pd.DataFrame(rows), caption="Gennemsnitlig beskæftigelsesscore efter visitationskategori",
               name=name, notes=["Kilde: DREAM. Kursister, der har gennemført kurset."], widths=[6, 3, 3, 3])


def level_figure(ctx, keys: list[str]):
    """Weekly mean score per group from the first week before to the last week after, with
    each group's pre-window and post-window means as dashed lines."""
    ed = ctx.edition
    series, segments = [], []
    colours = [book.COLORS["black"]] if len(keys) == 1 else book.SERIES
    for key, colour in zip(keys, colours):
        series.append((label(ctx, key), sg.weekly(ctx, key), colour))
        a, _, _ = estimate(ctx, key, "intercept")
        b, _, _ = estimate(ctx, key, "coef")
        if a != SUPPRESSED and b != SUPPRESSED:
            line = book.COLORS["blue"] if len(keys) == 1 else colour
            segments.append((line, [(-ed.weeks_before, a, 0, a), (1, a + b, ed.weeks_after, a + b)]))
    return book.weekly_figure(series, ed.course_weeks, segments, weeks=(-ed.weeks_before, ed.weeks_after),
                              persons=True)


def course_figure(ctx):
    """Weekly mean score of the completers in the course weeks, with the course-week slope."""
    ed = ctx.edition
    a, _, _ = estimate(ctx, COURSE_GROUP, "intercept")
    b, _, _ = estimate(ctx, COURSE_GROUP, "coef")
    segments = [] if SUPPRESSED in (a, b) else [(book.COLORS["blue"], [(0, a, ed.course_weeks, a + ed.course_weeks * b)])]
    return book.weekly_figure([("Gennemsnit", sg.weekly(ctx, COURSE_SERIES), book.COLORS["black"])],
                              ed.course_weeks, segments, weeks=(0, ed.course_weeks), persons=True)
