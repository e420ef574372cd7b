"""Subgroup pages (Udvikling i undergrupper, Bilag 12-14): which groups of a partition are
shown after disclosure control, their colours, weekly lines and dashed model segments, the
model tables, and the words the prose needs (direction, significance, comparisons),
computed from the estimates so that the text follows the data.

Everything is read from the statistics bundle (analysis.compute.subgroups publishes the
groups as published, `subgroups.groups`, and their weekly means, `subgroups.weekly`). A
chapter stays thin:

    shown = subgroups.partition(ctx, "koen")
    fig = subgroups.figure(ctx, shown)
    subgroups.glue_estimates(shown[0])
    subgroups.model_tables(ctx, shown)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analysis.report import book
from analysis.disclosure.rules import SUPPRESSED

GROUPS_TABLE, WEEKLY_FIGURE = "subgroups.groups", "subgroups.weekly"
TERMS = (("inden", "intercept"), ("inden", "coef"), ("efter", "intercept"), ("efter", "coef"))

# Colours (book.COLORS: one colour-blind-safe palette, one meaning per colour): the whole
# group of completers is black, as in Figur 1; the groups of a comparison take book.SERIES in
# their declared order (first blue, then orange, sky blue, bluish green, reddish purple). The
# report's red/blue pairs (Figur 3, 6, 7) become blue/orange, distinguishable under every
# common colour-vision deficiency; the prose names the colours from here.
_C = book.COLORS
COLOURS = {
    "samlet": _C["black"], "afmeldte": book.SERIES[1],
    "koen_mand": book.SERIES[0], "koen_kvinde": book.SERIES[1],
    "fase_pilot": book.SERIES[0], "fase_udbredelse": book.SERIES[1],
    "alder_under25": book.SERIES[0], "alder_25_35": book.SERIES[1], "alder_36_45": book.SERIES[2],
    "alder_46_55": book.SERIES[3], "alder_over55": book.SERIES[4],
    "visitation_kontant": book.SERIES[0], "visitation_andet": book.SERIES[1],
    "visitation_udd": book.SERIES[2], "visitation_ressource": book.SERIES[3],
}
COLOUR_NAMES = {_C["black"]: "sort", _C["blue"]: "blå", _C["red"]: "rødorange", _C["grey"]: "grå",
                _C["green"]: "blågrøn", _C["orange"]: "orange", _C["purple"]: "rosa", _C["skyblue"]: "lyseblå"}


def colour(key: str) -> str:
    """Colour of a group; a merged group ('a+b') takes the colour of its first member."""
    return COLOURS.get(key.split("+")[0], _C["black"])


def colour_name(key: str) -> str:
    return COLOUR_NAMES.get(colour(key), "sort")


@dataclass(frozen=True)
class Shown:
    """A group as published: its key ('a+b' when merged), label, persons, colour, whether
    its models could be estimated and whether a page shows its model table (as the bundle
    says), and its two-point estimates (rows of Context.models, with `published`)."""
    key: str
    label: str
    persons: int | None     # None: hidden by the disclosure audit (printed 'x')
    colour: str
    estimates: pd.DataFrame
    estimated: bool     # both models (before and after course start) could be estimated
    has_model: bool     # ... and at least one estimate may be shown: the page shows a table

    def _row(self, period: str, term: str):
        rows = self.estimates[(self.estimates["period"] == period) & (self.estimates["term"] == term)]
        return None if rows.empty else rows.iloc[0]

    def is_published(self, period: str, term: str) -> bool:
        row = self._row(period, term)
        return row is not None and bool(row["published"])

    def value(self, period: str, term: str):
        """The estimate, or 'x' when it is withheld or does not exist."""
        row = self._row(period, term)
        return float(row["estimate"]) if row is not None and bool(row["published"]) else SUPPRESSED

    def stars(self, period: str, term: str) -> str:
        row = self._row(period, term)
        return (row["stars"] or "") if row is not None and bool(row["published"]) else SUPPRESSED

    def finding(self, period: str, term: str) -> str:
        """The test's finding ('rise', 'fall', 'none'; 'untested' when withheld or absent)."""
        row = self._row(period, term)
        return (row["finding"] or "untested") if row is not None and bool(row["published"]) else "untested"

    def test(self, period: str, term: str) -> str:
        """The test as the prose cites it: '95 %-konfidensinterval 1,09 til 1,83; p < 0,001'."""
        row = self._row(period, term)
        if row is None or not bool(row["published"]):
            return "ikke vist af hensyn til diskretionen"
        if row["finding"] == "untested":
            return "for få hold til en test"
        return book.test_text(row)

    @property
    def complete(self) -> bool:
        return all(self.is_published(p, t) for p, t in TERMS)

    def segments(self, weeks_before: int, weeks_after: int) -> list[tuple[float, float, float, float]]:
        """The dashed model lines: (-26, inden intercept) -> (0, efter intercept) ->
        (26, efter intercept + efter coef); a segment is drawn only from published estimates."""
        v = {pt: self.value(*pt) for pt in TERMS}
        lines = []
        if self.is_published("inden", "intercept") and self.is_published("efter", "intercept"):
            lines.append((-weeks_before, v["inden", "intercept"], 0, v["efter", "intercept"]))
        if self.is_published("efter", "intercept") and self.is_published("efter", "coef"):
            lines.append((0, v["efter", "intercept"], weeks_after, v["efter", "intercept"] + v["efter", "coef"]))
        return lines


def value(shown: Shown | None, period: str, term: str):
    """shown.value(period, term), or 'x' for a group that is not shown at all."""
    return SUPPRESSED if shown is None else shown.value(period, term)


def groups(ctx) -> pd.DataFrame:
    """The groups of the edition as published (the bundle's `subgroups.groups`): index group
    key; columns partition ('' for all completers and the afmeldte), label, members,
    persons ('x' when not shown), shown, estimated, model, merged ('yes'/'no')."""
    return ctx.table(GROUPS_TABLE)


def _shown(ctx, key: str, row: pd.Series, label: str | None = None) -> Shown:
    estimates = ctx.models[(ctx.models["group"] == key) & (ctx.models["model"] == "two_point")]
    persons = None if row["persons"] == SUPPRESSED else int(row["persons"])
    return Shown(key, label or row["label"], persons, colour(key), estimates,
                 estimated=row["estimated"] == "yes", has_model=row["model"] == "yes")


def partition(ctx, column: str) -> list[Shown]:
    """The shown groups of one partition (a register column such as 'koen'), merged or
    dropped by the disclosure rule, in the published order."""
    table = groups(ctx)
    rows = table[(table["partition"] == column) & (table["shown"] == "yes")]
    return [_shown(ctx, key, row) for key, row in rows.iterrows()]


def by_keys(ctx, keys: list[str], labels: dict[str, str] | None = None) -> list[Shown]:
    """Named groups (e.g. 'samlet' and 'afmeldte'), if they survived disclosure control."""
    table = groups(ctx)
    labels = labels or {}
    return [_shown(ctx, k, table.loc[k], labels.get(k)) for k in keys
            if k in table.index and table.at[k, "shown"] == "yes"]


def hidden(ctx, column: str) -> list[str]:
    """Labels of the groups of a partition that are not shown at all (fewer persons than the
    minimum and no neighbour to merge with)."""
    table = groups(ctx)
    return list(table.loc[(table["partition"] == column) & (table["shown"] == "no"), "label"])


def weekly(ctx, key: str) -> pd.DataFrame:
    """A shown group's weekly mean score (week, mean, persons), weeks under the minimum
    left out (the bundle's `subgroups.weekly`)."""
    points = ctx.figure(WEEKLY_FIGURE)
    points = points[points["series"] == key]
    return pd.DataFrame({"week": points["x"].to_numpy(), "mean": points["y"].to_numpy(),
                         "persons": points["persons"].to_numpy()})


def table_name(key: str) -> str:
    """A label for {numref}: 'alder_46_55+alder_over55' -> 'tabel-model-alder-46-55-alder-over55'."""
    return "tabel-model-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


# ---------------------------------------------------------------- book output

def series(ctx, shown: list[Shown]) -> list[tuple[str, pd.DataFrame, str]]:
    """(label, weekly means, colour) of each group, as book.weekly_figure draws them."""
    return [(s.label, weekly(ctx, s.key), s.colour) for s in shown]


def figure(ctx, shown: list[Shown], ylim: tuple[float, float] = (0, 6)):
    """Weekly means per group (weeks under the minimum left out), dashed model segments
    for the groups whose estimates are published, and each group's persons per week in a
    panel below."""
    ed = ctx.edition
    segments = [(s.colour, s.segments(ed.weeks_before, ed.weeks_after)) for s in shown]
    return book.weekly_figure(series(ctx, shown), ed.course_weeks,
                              [seg for seg in segments if seg[1]], ylim=ylim, persons=True)


def model_tables(ctx, shown: list[Shown], caption: str = "Regressionsmodeller for {label}",
                 names: dict[str, str] | None = None, withheld: bool = False) -> list[str]:
    """One model table per group with a published model; returns the table names. With
    withheld=True also groups whose estimates are all withheld (every cell 'x'), so that a
    table per shown group appears (as in Bilag 14)."""
    out = []
    tabled = [s for s in shown if (s.estimated if withheld else s.has_model)]
    for i, s in enumerate(tabled):
        name = (names or {}).get(s.key, table_name(s.key))
        # the tables of one group share their note: it is printed once, under the last
        note = [book.star_note(ctx) + (" Gælder tabellerne ovenfor." if len(tabled) > 1 else "")]
        book.table(book.model_table(s.estimates, s.label), caption=caption.format(label=s.label),
                   name=name, notes=note if i == len(tabled) - 1 else None)
        out.append(name)
    return out


def glue_estimates(shown: Shown) -> dict:
    """Glue the four estimates as model.<group>.<period>.<term> ('x' when withheld; the
    bundle holds each as a scalar of that key too), with words for the prose from the
    tests: verb.<group>.<period> (book.claim of the change's finding: 'stiger
    signifikant', 'ændrer sig ikke signifikant', ...; after the subject), verbinv.<group>.<period>
    (the same with the subject 'scoren' in inverted order: 'ændrer scoren sig ikke
    signifikant') and sig.<group>.<period>.<term> (the
    interval and p). Returns {(period, term): estimate or 'x'}."""
    values = {}
    for period, term in TERMS:
        values[period, term] = shown.value(period, term)
        book.glue(f"model.{shown.key}.{period}.{term}", values[period, term])
        book.glue_text(f"sig.{shown.key}.{period}.{term}", shown.test(period, term))
    for period in ("inden", "efter"):
        book.glue_text(f"verb.{shown.key}.{period}", book.claim(shown.finding(period, "coef")))
        book.glue_text(f"verbinv.{shown.key}.{period}", book.claim(shown.finding(period, "coef"), subject="scoren"))
    return values


def glue_role(shown: Shown, alias: str, period: str, term: str) -> None:
    """For prose about a group chosen at compute time (the oldest, the one with the largest
    change: the bundle's cmp.<name>.group): glue <alias>.label, <alias>.value, <alias>.sig
    (interval and p) and <alias>.verb (book.claim of its finding) as texts. The number
    itself is in the bundle (and results.csv) under its model key."""
    book.glue_text(f"{alias}.label", shown.label)
    book.glue_text(f"{alias}.value", book.number(shown.value(period, term)))
    book.glue_text(f"{alias}.sig", shown.test(period, term))
    book.glue_text(f"{alias}.verb", book.claim(shown.finding(period, term)))


def glue_colours(shown: list[Shown]) -> None:
    for s in shown:
        book.glue_text(f"colour.{s.key}", colour_name(s.key))


# ---------------------------------------------------------------- words that follow the tests

def scope(findings, wanted: str = "rise") -> str:
    """'alle', 'de fleste af', 'nogle af' or 'ingen af': how many of the `findings` (test
    findings, one per group) are `wanted`."""
    values = [f == wanted for f in findings]
    if not values or not any(values):
        return "ingen af"
    if all(values):
        return "alle"
    return "de fleste af" if sum(values) > len(values) / 2 else "nogle af"


def scope_clause(findings, groups: str, subject: str = "scoren") -> str:
    """How the change came out across groups, as a main clause in inverted order for after
    an adverbial ('I halvåret efter kursusstart ...'), every word from book.claim and
    `scope`. `findings` holds one test finding per group, `groups` names them in the
    definite plural ('aldersgrupperne'). E.g. all 'rise' -> 'stiger scoren signifikant i
    alle aldersgrupperne'; ['rise', 'rise', 'none'] -> 'stiger scoren signifikant i de
    fleste af aldersgrupperne, mens den ikke ændrer sig signifikant i de øvrige'; no
    significant finding -> 'ændrer scoren sig ikke signifikant i nogen af
    aldersgrupperne'."""
    findings = [f or "untested" for f in findings]
    if all(f == "untested" for f in findings):
        return f"kan ændringen ikke testes i nogen af {groups}"
    if not any(f in ("rise", "fall") for f in findings):
        if "untested" not in findings:
            return f"{book.claim('none', subject=subject)} i nogen af {groups}"
        return (f"{book.claim('none', subject=subject)} i {scope(findings, 'none')} {groups}, "
                "og i de øvrige kan ændringen ikke testes")
    parts = []
    for finding in ("rise", "fall"):
        if finding in findings:
            first = not parts
            words = book.claim(finding, subject=subject if first else "den", order="inverted" if first else "sub")
            parts.append(f"{words} i {scope(findings, finding)} {groups if first else 'dem'}")
    rest = [f for f in findings if f not in ("rise", "fall")]
    if rest and all(f == "none" for f in rest):
        parts.append(f"{book.claim('none', subject='den', order='sub')} i de øvrige")
    elif rest:
        parts.append("ændringen i de øvrige ikke er signifikant eller ikke kan testes")
    return parts[0] + (", mens " + " og ".join(parts[1:]) if len(parts) > 1 else "")


def chosen(ctx, shown: list[Shown], name: str) -> Shown | None:
    """The group a comparison cmp.<name> was made for (chosen at compute time on the exact
    estimates, e.g. the largest change), or None when the bundle has no such comparison."""
    key = f"cmp.{name}.group"
    if not ctx.has(key):
        return None
    by = {s.key: s for s in shown}
    return by.get(ctx.value(key))


def merged(shown: list[Shown]) -> list[Shown]:
    """The groups that disclosure control made by merging neighbours."""
    return [s for s in shown if "+" in s.key]


def no_model_note(ctx, column: str, noun: str = "Kategorien") -> str:
    """MyST text saying, for each group of a partition without a model table, why: too few
    persons to be shown at all, or too few with a score in the weeks the models compare
    (with the group's size and, when its line stops early, its last week with data: the
    bundle's nomodel.<group>.n and nomodel.<group>.last_week, glued here and pasted with
    {glue:text}); min_cell must be glued on the page. Returns '' when every group has a
    model."""
    sentences = []
    for s in partition(ctx, column):
        if s.has_model:
            continue
        book.glue_value(ctx, f"nomodel.{s.key}.n")
        text = f"{noun} ”{s.label}” omfatter kun {{glue:text}}`nomodel.{s.key}.n` kursister"
        if ctx.has(f"nomodel.{s.key}.last_week"):
            book.glue_value(ctx, f"nomodel.{s.key}.last_week", "count")
            text += (f", og der er kun data for dem til og med uge {{glue:text}}`nomodel.{s.key}.last_week` "
                     "efter kursusstart, hvor linjen i figuren derfor stopper")
        sentences.append(text + ". Derfor vises der ingen regressionsmodel for kategorien.")
    for label in hidden(ctx, column):
        sentences.append(f"{noun} ”{label}” har færre end {{glue:text}}`min_cell` kursister og vises "
                         "hverken i figuren eller med en regressionsmodel.")
    return " ".join(sentences)


def differences_sentence(ctx, names: dict[str, str]) -> str:
    """One sentence on the tests of the differences in change between groups (the bundle's
    cmp.<name> for each name, described by `names[name]`, e.g. 'aldersgrupperne'): which of
    them find a significant difference, or that none does."""
    significant = [what for name, what in names.items()
                   if ctx.has(f"cmp.{name}.finding") and ctx.value(f"cmp.{name}.finding") in ("rise", "fall")]
    tested = [what for name, what in names.items() if ctx.has(f"cmp.{name}.finding")]
    if not tested:
        return "Forskellene mellem grupperne kan ikke testes."
    if not significant:
        return ("Testene af forskellene viser ingen signifikant forskel i ændringen efter kursusstart mellem "
                + book.join(tested) + ".")
    return ("Testene af forskellene viser en signifikant forskel i ændringen efter kursusstart mellem "
            + book.join(significant) + ".")


def joint(items: list[tuple[str, str]], subject: str = "scoren", prep: str = "for") -> str:
    """The findings of several changes in one phrase for after an adverbial (book.claim),
    e.g. [('mænd', 'rise'), ('kvinder', 'rise')] -> 'stiger scoren signifikant for både
    mænd og kvinder'; [('a', 'rise'), ('b', 'none')] -> 'stiger scoren signifikant for a,
    mens den ikke ændrer sig signifikant for b' (the first clause inverted, the others
    subordinate clauses with 'mens')."""
    by_finding: dict[str, list[str]] = {}
    for place, finding in items:
        by_finding.setdefault(finding or "untested", []).append(place)
    parts = []
    for i, (finding, places) in enumerate(by_finding.items()):
        where = f"både {places[0]} og {places[1]}" if len(places) == 2 and len(by_finding) == 1 else book.join(places)
        words = book.claim(finding, subject=subject if i == 0 else "den", order="inverted" if i == 0 else "sub")
        parts.append(f"{words} {prep} {where}")
    return ", mens ".join(parts)


_ORDINALS = {2: "næst", 3: "tredje", 4: "fjerde", 5: "femte", 6: "sjette", 7: "syvende"}


def size_rank(target: Shown, shown: list[Shown]) -> str:
    """Where a group ranks by size, as a clause after 'og er': 'den mindste', 'den
    næstmindste', ..., 'den største'; '' when a size is hidden (printed 'x': a rank
    would say more about it than the table does)."""
    if any(s.persons is None for s in shown):
        return ""
    sizes = sorted((s.persons, i) for i, s in enumerate(shown))
    rank = 1 + [i for _, i in sizes].index(shown.index(target))
    if len(shown) > 1 and rank == len(shown):
        return "den største"
    return "den mindste" if rank == 1 else f"den {_ORDINALS.get(rank, f'{rank}.')}mindste"
