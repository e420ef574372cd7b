"""What the result chapter of the level-shift design (the pilot evaluation) calls: the
groups the disclosure rule publishes, their model tables and figures, and the glued
numbers. The models themselves are in analysis/register/models.py (run_pilot_models)."""
from __future__ import annotations

import pandas as pd

from analysis.report import book
from analysis.disclosure.rules import SUPPRESSED
from analysis.register.models import GROUPS, PILOT_COURSE_GROUP, Group, weekly_means

PARTITIONS = {"koen": "Køn", "aldersgruppe": "Aldersgruppe", "visitationskategori": "Visitationskategori"}


def published_groups(ctx, column: str | None) -> list[Group]:
    """The groups of a partition (None: all completers) that the models publish, in order;
    merged groups (e.g. '46-55 år + Over 55 år') as the disclosure rule made them."""
    keys = list(dict.fromkeys(ctx.models["group"]))
    base = {g.key: g for g in GROUPS}
    out = []
    for key in keys:
        parts = [base[k] for k in key.split("+") if k in base]
        if not parts:
            continue
        if parts[0].column != column or (column is None and key not in ("samlet",)):
            continue
        if len(parts) == 1:
            out.append(parts[0])
        else:
            out.append(Group(key, " + ".join(p.label for p in parts), column,
                             tuple(v for p in parts for v in p.values), parts[0].status))
    return out


def group(ctx, key: str) -> Group:
    if key == PILOT_COURSE_GROUP.key:
        return PILOT_COURSE_GROUP
    if key == "afmeldte":
        return next(g for g in GROUPS if g.key == "afmeldte")
    for column in (None, *PARTITIONS):
        for g in published_groups(ctx, column):
            if g.key == key:
                return g
    raise KeyError(key)


def estimate(ctx, key: str, term: str):
    """(estimate or 'x', stars, persons) of a group's model term."""
    m = ctx.models[(ctx.models["group"] == key) & (ctx.models["term"] == term)]
    if m.empty:
        return SUPPRESSED, "", 0
    row = m.iloc[0]
    return (float(row["estimate"]) if row["published"] else SUPPRESSED, row["stars"] if row["published"] else "",
            int(row["n_persons"]))


def extremes(ctx, column: str) -> tuple[str, str]:
    """Labels of the published groups of a partition with the largest and the smallest
    coefficient (hidden estimates left out)."""
    shown = [(key, estimate(ctx, key, "coef")[0]) for key in (g.key for g in published_groups(ctx, column))]
    shown = [(key, b) for key, b in shown if b != SUPPRESSED]
    largest = max(shown, key=lambda kb: kb[1])[0]
    smallest = min(shown, key=lambda kb: kb[1])[0]
    return group(ctx, largest).label, group(ctx, smallest).label


def gender_comparison(ctx) -> str:
    """How the change compares between men and women, as words."""
    men, women = (estimate(ctx, k, "coef")[0] for k in ("koen_mand", "koen_kvinde"))
    return ("større for mænd end for kvinder" if men > women else
            "større for kvinder end for mænd" if women > men else "den samme for mænd og kvinder")


def glue_group(ctx, key: str, page: str) -> None:
    """Glue model.<key>.intercept / .coef (with sign), the verb of the change and the n."""
    a, _, n = estimate(ctx, key, "intercept")
    b, _, _ = estimate(ctx, key, "coef")
    book.glue(f"model.{key}.intercept", a, page=page)
    book.glue(f"model.{key}.coef", b, book.number(b, 2, sign=True) if b != SUPPRESSED else SUPPRESSED, page=page)
    book.glue(f"model.{key}.coef_abs", abs(b) if b != SUPPRESSED else b, page=page)
    book.glue_text(f"verb.{key}", "kan ikke vises" if b == SUPPRESSED else
                   book.direction(b, "stiger", "falder", "er uændret"))
    book.glue(f"caption.n.{key}", n, page=page)


def model_table(ctx, keys: list[str], name: str, caption: str, period: str = "efter kursusstart") -> None:
    """The report's table per model: Skæringspunkt and Koefficient with stars, per group."""
    rows = []
    for key in keys:
        a, sa, n = estimate(ctx, key, "intercept")
        b, sb, _ = estimate(ctx, key, "coef")
        rows.append({"Gruppe": group(ctx, key).label, "N": book.count(n),
                     "Skæringspunkt": book.number(a) + (sa or ""),
                     f"Koefficient ({period})": book.number(b, sign=True) + (sb or "")})
    book.table(pd.DataFrame(rows), caption=caption, name=name,
               notes=["Kilde: DREAM og kursistregistreringer. " + book.star_note(ctx.inference)],
               widths=[6, 2, 4, 5])


def level_figure(ctx, keys: list[str]):
    """Weekly mean score per group from the first week before to the last week after, with
    each group's pre-window and post-window means as dashed lines."""
    ed = ctx.edition
    series, segments = [], []
    colours = [book.COLORS["black"]] if len(keys) == 1 else book.SERIES
    for key, colour in zip(keys, colours):
        g = group(ctx, key)
        means = weekly_means(g.select(ctx.panel), min_cell=ctx.min_cell)
        series.append((g.label, means, colour))
        a, _, _ = estimate(ctx, key, "intercept")
        b, _, _ = estimate(ctx, key, "coef")
        if a != SUPPRESSED and b != SUPPRESSED:
            line = book.COLORS["blue"] if len(keys) == 1 else colour
            segments.append((line, [(-ed.weeks_before, a, 0, a), (1, a + b, ed.weeks_after, a + b)]))
    return book.weekly_figure(series, ed.course_weeks, segments, weeks=(-ed.weeks_before, ed.weeks_after))


def course_figure(ctx):
    """Weekly mean score of the completers in the course weeks, with the course-week slope."""
    ed = ctx.edition
    completers = ctx.panel[ctx.panel["status"] == "gennemført"]
    means = weekly_means(completers, min_cell=ctx.min_cell)
    a, _, _ = estimate(ctx, PILOT_COURSE_GROUP.key, "intercept")
    b, _, _ = estimate(ctx, PILOT_COURSE_GROUP.key, "coef")
    segments = [] if SUPPRESSED in (a, b) else [(book.COLORS["blue"], [(0, a, ed.course_weeks, a + ed.course_weeks * b)])]
    return book.weekly_figure([("Gennemsnit", means, book.COLORS["black"])], ed.course_weeks, segments,
                              weeks=(0, ed.course_weeks))
