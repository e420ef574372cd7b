"""The survey pages (Resultatmål 1-2, Bilag 2-11, Tabel 2 and the summaries): which waves the
extract holds, the answers per question and wave with small cells hidden, the sums of
options the pages quote, the WHO-5 trivselsscore and the paired change.

Published here (the keyed results add every single option's share and count per question
and wave, the N per question, appendix and wave, and Tabel 2: analysis.survey.stats.survey_results):

| name | what |
|---|---|
| table `surveys.waves` | rows w1-w3, column status: 'present' or 'missing' (no file in the extract) |
| table `surveys.answers.<question>` | rows: the option codes and `n`; columns `w<k>` (count) and `w<k>.pct` (share of those who answered) per wave in the extract |
| table `surveys.paired` | rows `<question>.w<a>-w<b>`: question, first, second, pairs, change, p, finding (the test's decision on the exact p: rise, fall, none, untested) |
| scalars `survey.<question>.w<k>.<codes>.pct` | the sums of options in SUMS |
| scalars `survey.who5_score.w<k>.{mean,n,band_high.pct}`, `survey.who5_score.w3_vs_w2.diff` | the trivselsscore |
| scalars `who5.*` | the WHO-5 bands and the population mean (reference, kind setting) |
| scalars `n_municipalities`, `pilot_course_weeks` | numbers the Resumé quotes |

An extract without survey files publishes `surveys.waves` (all missing) and the reference
settings only; an edition whose report has no surveys publishes nothing here.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from analysis.bundle.store import BundleWriter, printed_p
from analysis.compute import universes as u
from analysis.compute.stage import Microdata
from analysis.compute.definitions import define
from analysis.disclosure.audit import Count, Mean, Share, TestOf, Things, Weight
from analysis.disclosure.rules import SUPPRESSED
from analysis.editions import EDITIONS
from analysis.reference.codebook import SHARE_KEY, WAVES, WHO5_BANDS, WHO5_ITEMS, WHO5_POPULATION
from analysis.reference.published import published_numbers
from analysis.register.inference import finding
from analysis.survey.stats import (DisclosedDistribution, disclosed_distributions, key_value, paired_table,
                                   score_summary)
from analysis.survey.waves import Survey

PAGE = "resultatmaal1"
# Sums of answer options the pages quote (survey.<question>.w<wave>.<codes>.<pct|count>),
# under the page that quotes them first; the summaries (Resumé, Hovedkonklusioner,
# Opsamling) quote some of them again. Every single option is published by the keyed results.
SUMS = {
    "resultatmaal1": [
        "survey.teknik_login.w2.1+2.pct", "survey.teknik_webinar.w2.1+2.pct",
        "survey.teknik_forberedelse.w2.1+2.pct", "survey.forberedelse_antal.w2.6+7.pct",
        "survey.forberedelse_antal.w2.2+3+4+5.pct", "survey.forberedelse_antal.w2.6+7+8.pct",
        "survey.tilfreds_forberedelse.w2.1+2.pct", "survey.tilfreds_webinar.w2.1+2.pct",
        "survey.medkursister.w2.1+2.pct", "survey.tilfreds_instruktoer.w2.1+2.pct",
        "survey.tilfreds_samlet.w2.1+2.pct", "survey.tilfreds_samlet.w2.4+5.pct",
        "survey.tilfreds_vaerd.w2.1+2.pct", "survey.tilfreds_relevant.w2.1+2.pct",
        "survey.tilfreds_tillid.w2.1+2.pct", "survey.tilfreds_anbefale.w2.1+2.pct",
        "survey.udbytte_kommunikation_sagsbehandler.w2.1+2.pct", "survey.udbytte_kommunikation_familie.w2.1+2.pct",
        "survey.udbytte_netvaerk.w2.1+2.pct", "survey.udbytte_maal.w2.1+2.pct",
        "survey.udbytte_problemloesning.w2.1+2.pct", "survey.udbytte_bevaegelse.w2.1+2.pct",
        "survey.udbytte_balance.w2.1+2.pct", "survey.udbytte_tanketeknikker.w2.1+2.pct",
        "survey.helbred.w1.1+2+3.pct", "survey.helbred.w3.1+2+3.pct",
        "survey.who5_interesse.w1.1+2.pct", "survey.who5_interesse.w2.1+2.pct", "survey.who5_interesse.w3.1+2.pct",
        "survey.who5_glad.w1.1+2.pct", "survey.who5_glad.w2.1+2.pct",
        "survey.who5_glad.w1.1+2+3.pct", "survey.who5_glad.w2.1+2+3.pct", "survey.who5_glad.w3.1+2+3.pct",
    ],
    "resultatmaal2": [f"survey.{qid}.w{wave}.{codes}.pct" for wave in WAVES
                      for qid, codes in (("job_klare", "1+2"), ("kompetencer", "1+2"), ("retning", "1+2+3"))],
}


def publish_waves(survey: Survey, w: BundleWriter) -> None:
    """Which waves the extract holds (a wave without a file is 'missing')."""
    status = pd.DataFrame({"status": ["present" if wave in survey.waves else "missing" for wave in WAVES]},
                          index=[f"w{wave}" for wave in WAVES])
    w.table("surveys.waves", status, kinds="text")


def answers_table(d: DisclosedDistribution) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(values, persons, hidden) of one question's `surveys.answers` table: rows the option
    codes and 'n', per wave a count column `w<k>` and a share column `w<k>.pct`; the share
    of a hidden cell is hidden, and 'n' has no share."""
    index = [str(c) for c in d.counts.index] + ["n"]
    values, persons, hidden = {}, {}, {}
    pct = d.pct
    for wave in d.counts.columns:
        counts = [int(v) for v in d.counts[wave]] + [int(d.n[wave])]
        shares = [float(v) for v in pct[wave]] + [np.nan]
        mask = [bool(v) for v in d.hidden[wave]] + [0 < d.n[wave] < d.min_cell]
        values[f"w{wave}"], values[f"w{wave}.pct"] = counts, shares
        persons[f"w{wave}"] = persons[f"w{wave}.pct"] = counts
        hidden[f"w{wave}"] = hidden[f"w{wave}.pct"] = mask
    frame = pd.DataFrame(values, index=index, dtype=object)
    return frame, pd.DataFrame(persons, index=index), pd.DataFrame(hidden, index=index)


def answer_definition(q, d: DisclosedDistribution, row: str, column: str):
    """What a cell of `surveys.answers.<q>` is, for the disclosure audit."""
    wave = int(column[1:].split(".")[0])
    n = int(d.n[wave])
    if row == "n":
        return None if column.endswith(".pct") else Count(u.answer_cell(q, wave))
    cell = u.answer_cell(q, wave, [int(row)])
    return Share(cell, n) if column.endswith(".pct") else Count(cell)


def publish_answers(disclosed: dict[str, DisclosedDistribution], w: BundleWriter) -> None:
    """Every single- and multiple-choice question's answers per wave (the charts of Bilag
    2-11 and the result pages)."""
    for qid, d in disclosed.items():
        values, persons, hidden = answers_table(d)
        kinds = {c: "percent" if c.endswith(".pct") else "count" for c in values.columns}
        w.table(f"surveys.answers.{qid}", values, persons=persons, hidden=hidden, kinds=kinds,
                define=lambda row, column, q=d.question, d=d: answer_definition(q, d, row, column))


def edition_sums(md: Microdata) -> dict[str, list[str]]:
    """The sums of options the edition's pages quote (page -> keys): SUMS for the final
    evaluation; for the pilot evaluation (seed 001) every printed sum of its reference data,
    under the page that shows it (analysis.compute.pilot2023.pilot_numbers)."""
    if not md.edition.rounded_parts:
        return SUMS
    pages = dict(zip(md.results["key"], md.results["page"]))
    out: dict[str, list[str]] = {}
    for key in published_numbers(md.edition)["ref"]:
        match = SHARE_KEY.match(key)
        if match and "+" in match["codes"] and key in pages:
            out.setdefault(pages[key], []).append(key)
    return out


def publish_sums(md: Microdata, disclosed: dict[str, DisclosedDistribution], w: BundleWriter,
                 sums: dict[str, list[str]] = SUMS) -> None:
    """The sums of options in `sums` (page -> keys; 'x' when a sum would reveal a hidden
    cell), with the persons they count; a wave not in the extract publishes nothing. An
    edition with `rounded_parts` (seed 001) publishes a share of several options as the sum
    of the rounded shares (analysis.survey.stats.sum_of_rounded)."""
    parts = md.edition.rounded_parts
    for page, keys in sums.items():
        for key in keys:
            value = key_value(disclosed, key, parts)
            if value is None:
                continue
            persons = key_value(disclosed, key[:-len(".pct")] + ".count") if key.endswith(".pct") else value
            w.scalar(key, value, page=page, kind="percent" if key.endswith(".pct") else "count",
                     persons=None if persons == SUPPRESSED else persons, define=define(md, key))


def publish_who5(survey: Survey, min_cell: int, w: BundleWriter) -> None:
    """The trivselsscore per wave (mean, persons with all five items, share in the highest
    risk band; hidden when they rest on fewer than `min_cell` persons), the change from just
    after to three months after, and the WHO-5 reference values the page quotes."""
    (low, high, _), (risk_low, risk_high, _) = WHO5_BANDS[0], WHO5_BANDS[1]
    for key, value in (("who5.band_high.low", low), ("who5.band_high.high", high),
                       ("who5.band_risk.low", risk_low), ("who5.band_risk.high", risk_high),
                       ("who5.population", WHO5_POPULATION)):
        w.scalar(key, value, page=PAGE, kind="setting")
    summary = score_summary(survey)
    for wave in summary.columns:
        n, band = int(summary.loc["n", wave]), int(summary.loc["band0", wave])
        few = 0 < n < min_cell
        w.scalar(f"survey.who5_score.w{wave}.mean", SUPPRESSED if few else float(summary.loc["mean", wave]),
                 page=PAGE, kind="number", persons=n)
        w.scalar(f"survey.who5_score.w{wave}.n", SUPPRESSED if few else n, page=PAGE, kind="count", persons=n)
        w.scalar(f"survey.who5_score.w{wave}.band_high.pct", SUPPRESSED if few or 0 < band < min_cell
                 else 100 * band / n, page=PAGE, kind="percent", persons=band)
    if {2, 3} <= set(summary.columns):
        n = int(min(summary.loc["n", 2], summary.loc["n", 3]))
        w.scalar("survey.who5_score.w3_vs_w2.diff", SUPPRESSED if 0 < n < min_cell
                 else float(summary.loc["mean", 3] - summary.loc["mean", 2]), page=PAGE, kind="number", persons=n)


def publish_paired(survey: Survey, min_cell: int, w: BundleWriter) -> None:
    """Paired change between waves for the persons who answered both (`paired_table`);
    pairs, change and p hidden where the pairs are 1..min_cell-1, or a wave's respondents
    of the question minus the pairs are (those who answered one wave only), and change and p
    also where 1..min_cell-1 persons rose, or fell, or (for Wilcoxon's test, which drops them)
    stayed: the statistic rests on the persons whose answer changed, and with few pairs the
    change and p fix how many moved each way (issue 14: kompetencer w2-w3, 7 pairs, has one
    consistent pattern, 1 rose and 4 fell). Nobody rising or falling is no small cell. A
    hidden change has the finding 'withheld' (analysis.report.book: 'vises ikke')."""
    table = paired_table(survey)
    if table.empty:
        return
    values = pd.DataFrame({
        "question": table["question"].tolist(),
        "first": [int(v) for v in table["first"]], "second": [int(v) for v in table["second"]],
        "pairs": [int(v) for v in table["pairs"]], "change": table["change"].astype(float).tolist(),
        "p": [printed_p(p) for p in table["p"]],
        # the test's decision on the exact p: 'rise' is a significant change towards the
        # better end of the scale (the trivselsscore up, an item towards its best option)
    }, index=[f"{q}.w{a}-w{b}" for q, a, b in zip(table["question"], table["first"], table["second"])],
        dtype=object)
    def few(counts: pd.Series) -> pd.Series:
        return counts.between(1, min_cell - 1)

    # the pairs are a cell of each wave's respondents: a wave's N (printed with its chart)
    # minus the pairs counts those who answered that wave only, a cell that must not be small
    # either (issue 14: 7 answered three months after, 5 of them also before the course)
    unpaired = pd.concat([few(table[c] - table["pairs"]) for c in ("answered_a", "answered_b", "valued_a",
                                                                   "valued_b")], axis=1).any(axis=1)
    small = (few(table["pairs"]) | unpaired).to_numpy()
    # the signed-rank test drops the pairs that stayed, so their number counts too; none is
    # not a small cell (a change with nobody falling is shown)
    same = (table["pairs"] - table["up"] - table["down"]).where(table["test"].eq("wilcoxon"), 0)
    few_moved = (few(table["up"]) | few(table["down"]) | few(same)).to_numpy()
    values["finding"] = [finding(c, p) if not (s or f) else "withheld"
                         for c, p, s, f in zip(table["change"], table["p"], small, few_moved)]
    hidden = pd.DataFrame(False, index=values.index, columns=values.columns)
    hidden["pairs"] = small
    for column in ("change", "p"):
        hidden[column] = small | few_moved
    persons = pd.DataFrame({c: (table["pairs"].to_numpy() if c in ("pairs", "change", "p") else np.nan)
                            for c in values.columns}, index=values.index)
    define = paired_definitions(survey, table, w)
    w.table("surveys.paired", values, persons=persons, hidden=hidden, define=define,
            kinds={"question": "text", "first": "setting", "second": "setting", "pairs": "count",
                   "change": "number", "p": "number", "finding": "text"},
            decimals={"first": 0, "second": 0, "pairs": 0, "change": 2, "p": 3})


def paired_definitions(survey: Survey, table: pd.DataFrame, w: BundleWriter):
    """What the cells of `surveys.paired` are, for the disclosure audit: for an item (not
    the trivselsscore, whose changes are not whole steps), `pairs` the count of the pairs
    on it (universes.pairs, declared here), `change` their mean change and `p` the signed-
    rank test on those changes (TestOf: hidden with the change). The audit then checks that
    no count of pairs that rose, fell or stayed can be derived as 1..minimum-1."""
    items = [q for q in survey.codebook.questions.values() if q.id in set(table["question"])]
    for first, second in table[["first", "second"]].drop_duplicates().itertuples(index=False):
        w.universe(u.pairs(items, int(first), int(second)))
    by_row = {f"{q}.w{a}-w{b}": (survey.codebook[q], int(a), int(b), int(n)) for q, a, b, n in
              zip(table["question"], table["first"], table["second"], table["pairs"]) if q in survey.codebook.questions}

    def define(row, column):
        if row not in by_row or column not in ("pairs", "change", "p"):
            return None
        q, first, second, n = by_row[row]
        cell = u.pair_cell(q, first, second)
        if column == "pairs":
            return Count(cell)
        mean = Mean(cell, n, Weight.of(q.id, {d: float(d) for d in u.change_domain(q)}))
        return mean if column == "change" else TestOf(mean)
    return define


def publish_summary_numbers(md: Microdata, w: BundleWriter) -> None:
    """What the Resumé quotes besides survey numbers and keyed results: the municipalities
    that offered the course and the pilot's course length."""
    w.scalar("n_municipalities", int(md.extract.registrations["kommune"].nunique()), page="resume", kind="count",
             of="municipalities", define=Things("municipalities"))
    w.scalar("pilot_course_weeks", EDITIONS["pilot-2024"].course_weeks, page="resume", kind="setting")


def publish(md: Microdata, w: BundleWriter) -> None:
    survey = md.survey
    if survey is None:   # the edition's report has no surveys (nor their pages)
        return
    for wave in survey.waves:
        w.universe(u.survey_wave(survey.codebook, wave))
        w.universe(u.invited(wave))
    publish_summary_numbers(md, w)
    publish_waves(survey, w)
    disclosed = disclosed_distributions(survey, md.min_cell)
    publish_answers(disclosed, w)
    publish_sums(md, disclosed, w, edition_sums(md))
    if all(item in survey.codebook.questions for item in WHO5_ITEMS):   # not in seed 001's surveys
        publish_who5(survey, md.min_cell, w)
    publish_paired(survey, md.min_cell, w)
