"""What the report computes from the survey waves: response rates, distributions per
wave, the WHO-5 trivselsscore, paired change, the appendices' N lines and the results
keys, with small cells hidden."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure.rules import SUPPRESSED, suppress_counts
from analysis.rounding import half_up
from analysis.reference.codebook import SHARE_KEY as KEY
from analysis.reference.codebook import WHO5_BANDS, WHO5_ITEMS, Appendix, Question, load_appendices
from analysis.survey.waves import ID_COLUMN, Survey



# ---------------------------------------------------------------- what the report computes

def response_rates(survey: Survey) -> pd.DataFrame:
    """Tabel 2: sent, answered and not answered per wave (the arithmetic done right)."""
    rows = {}
    for wave in survey.available:
        frame = survey.waves[wave]
        sent, answered = len(frame), int(frame["answered"].sum())
        rows[wave] = {"sent": sent, "answered": answered, "missing": sent - answered,
                      "answered_pct": 100 * answered / sent if sent else np.nan,
                      "missing_pct": 100 * (sent - answered) / sent if sent else np.nan}
    return pd.DataFrame(rows)


def asked(survey: Survey, qid: str, wave: int) -> pd.DataFrame:
    """Respondents of `wave` to whom question `qid` was shown (skip logic applied)."""
    q = survey.codebook[qid]
    frame = survey.respondents(wave)
    if q.asked_if is not None:
        frame = frame[q.asked_if.holds(frame[q.asked_if.question]).to_numpy()]
    return frame


def answers(survey: Survey, qid: str, wave: int) -> pd.Series:
    """The answers given to `qid` in `wave` (item non-response left out)."""
    values = asked(survey, qid, wave)[qid]
    return values[values.notna()]


def distribution(survey: Survey, qid: str) -> pd.DataFrame:
    """Counts per option (rows, codes) and wave (columns); the column `n` row holds the
    number who answered. Multiple choice: persons who chose the option."""
    q = survey.codebook[qid]
    columns = {}
    for wave in (w for w in q.waves if w in survey.waves):
        given = answers(survey, qid, wave)
        if q.type == "multi":
            counts = {c: int(given.map(lambda s, c=c: c in s).sum()) for c in q.codes}
        else:
            counts = given.value_counts().reindex(q.codes, fill_value=0).astype(int).to_dict()
        counts["n"] = len(given)
        columns[wave] = counts
    return pd.DataFrame(columns, index=q.codes + ["n"]).fillna(0).astype(int)


def sum_of_rounded(counts: pd.Series, n: int, codes: list[int]) -> float:
    """The share of the options `codes` (counts by code) among `n` answers as seed 001
    prints a headline share ('enige eller meget enige'): the sum of the options' separately
    rounded percentages, not the rounded sum (../shared/spec/seed000-001.md §5.2: 84 % of 59
    is 42 % + 42 %, no single count of 59 gives it). NaN when nobody answered (n = 0), as a
    share of no answers is."""
    if n == 0:
        return float("nan")
    return float(sum(half_up(100 * counts[c] / n) for c in codes))   # each half up: 12,5 -> 13


@dataclass
class DisclosedDistribution:
    """A question's counts and shares per wave after disclosure control."""
    question: Question
    counts: pd.DataFrame      # options x waves
    n: pd.Series              # respondents who answered, per wave
    hidden: pd.DataFrame      # bool, options x waves
    min_cell: int = 3

    @property
    def pct(self) -> pd.DataFrame:
        return 100 * self.counts / self.n.replace(0, np.nan)

    def share(self, codes: list[int], wave: int, parts: bool = False) -> tuple[float | str, int | str]:
        """(percentage, count) of the options `codes` in `wave`; 'x' when that would reveal a
        hidden cell: a set is shown only if it holds none or all of the wave's hidden cells.
        `parts`: the percentage of several options is the sum of their separately rounded
        percentages (`sum_of_rounded`, seed 001's convention) where `sums_rounded_parts`
        allows it, else the options' total, rounded once when printed."""
        hidden = set(self.hidden.index[self.hidden[wave]])
        count = int(self.counts.loc[codes, wave].sum())
        within = hidden & set(codes)
        if (within and within != hidden) or 0 < count < self.min_cell:
            return SUPPRESSED, SUPPRESSED
        if parts and self.sums_rounded_parts(codes, wave):
            return sum_of_rounded(self.counts[wave], int(self.n[wave]), codes), count
        return 100 * count / self.n[wave], count

    def sums_rounded_parts(self, codes: list[int], wave: int) -> bool:
        """Whether a share of the options `codes` in `wave` may be printed as the sum of
        their separately rounded shares: several options, none of them hidden. Such a sum
        says more than the options' total, since each part is rounded on its own: over
        hidden cells it can single out how they split (found by a break test, seed 001's
        'retning' in wave 2: options 1 and 2 hidden with 4 of 57 together, 2 + 2 sums to
        4 % + 4 % = 8 %, every other split to 7 %). Over hidden cells the book prints the
        rounded total instead, which the margins already give. The disclosure audit models
        each part's rounding (analysis.disclosure.audit.Model.share), so a sum that gave a
        cell away by another route would fail the build."""
        hidden = set(self.hidden.index[self.hidden[wave]])
        return len(codes) > 1 and not hidden & set(codes)


def disclose(dist: pd.DataFrame, question: Question, min_cell: int) -> DisclosedDistribution:
    counts = dist.drop(index="n")
    n = dist.loc["n"]
    if question.type == "multi":
        # the options of a multiple-choice question overlap: no total to recover a cell from
        hidden = (counts > 0) & (counts < min_cell)
    else:
        hidden = suppress_counts(counts, min_cell).suppressed
    return DisclosedDistribution(question, counts, n, hidden, min_cell)


def disclosed_distributions(survey: Survey, min_cell: int) -> dict[str, DisclosedDistribution]:
    """Every single- or multiple-choice question asked in a wave of the extract, by id (in
    codebook order): its distribution (`distribution`) after disclosure control (`disclose`)."""
    return {q.id: disclose(distribution(survey, q.id), q, min_cell) for q in survey.codebook.questions.values()
            if q.type in ("single", "multi") and any(w in survey.waves for w in q.waves)}


def who5_scores(survey: Survey, wave: int) -> pd.Series:
    """WHO-5 trivselsscore 0-100 per respondent who answered all five items: the sum of
    the items' points (codebook; the standard 0-5 values) times 4."""
    frame = survey.respondents(wave).set_index(ID_COLUMN)[list(WHO5_ITEMS)]
    frame = frame.dropna()
    points = {}
    for item in WHO5_ITEMS:
        mapping = {o.code: o.points for o in survey.codebook[item].options}
        points[item] = frame[item].astype(int).map(mapping)
    return (pd.DataFrame(points).sum(axis=1) * 4).astype(float)


def who5_band(score: float) -> str:
    return next(text for low, high, text in WHO5_BANDS if low <= round(score) <= high)


def score_summary(survey: Survey) -> pd.DataFrame:
    """Mean trivselsscore and the share in each risk band, per wave."""
    rows = {}
    for wave in survey.available:
        scores = who5_scores(survey, wave)
        bands = scores.map(who5_band).value_counts()
        rows[wave] = {"n": len(scores), "mean": scores.mean(), "sd": scores.std(),
                      **{f"band{i}": int(bands.get(text, 0)) for i, (_, _, text) in enumerate(WHO5_BANDS)}}
    return pd.DataFrame(rows)


def ordinal_values(survey: Survey, qid: str, wave: int) -> pd.Series:
    """Answers on the question's scale as numbers, best = highest (index: pnr); options
    such as 'Ved ikke' are left out. The codebook lists the best option first."""
    q = survey.codebook[qid]
    scale = [o.code for o in q.options if o.substantive]
    given = answers(survey, qid, wave)
    frame = survey.respondents(wave).loc[given.index]
    values = given[given.isin(scale)].astype(int).map(lambda c: len(scale) - scale.index(c))
    values.index = frame.loc[values.index, ID_COLUMN]
    return values.astype(float)


def paired_change(a: pd.Series, b: pd.Series, test: str) -> dict:
    """Change for persons with a value in both waves: pairs, how many rose (up) and fell
    (down), mean change and a paired test (`t`: paired t-test for the score; `wilcoxon`:
    signed-rank test for items)."""
    from scipy import stats
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    diff = both["b"] - both["a"]
    out = {"pairs": len(both), "up": int((diff > 0).sum()), "down": int((diff < 0).sum()),
           "mean_a": both["a"].mean(), "mean_b": both["b"].mean(), "change": diff.mean(), "p": np.nan}
    if len(both) >= 2 and diff.abs().sum() > 0:
        out["p"] = (stats.ttest_rel(both["b"], both["a"]).pvalue if test == "t"
                    else stats.wilcoxon(diff, zero_method="wilcox").pvalue)
    return out


PAIRS = ((1, 2), (1, 3), (2, 3))


def tabel2_rows(survey: Survey) -> list[tuple[str, object, str]]:
    """(key, value, page) of Tabel 2 (seed 004, the waves' questionnaires sent, answered and
    not answered, counts and per cent) and the answers in all waves (`text.answers_total`),
    from `response_rates`."""
    rows = []
    rates = response_rates(survey)
    for wave in rates.columns:
        for what in ("sent", "answered", "missing"):
            name = {"sent": "invited", "answered": "answered", "missing": "missing"}[what]
            rows.append((f"tabel2.{name}.w{wave}", int(rates.loc[what, wave]), "fremgangsmaade"))
        rows.append((f"tabel2.invited.w{wave}.pct", 100.0, "fremgangsmaade"))
        rows.append((f"tabel2.answered.w{wave}.pct", float(rates.loc["answered_pct", wave]), "fremgangsmaade"))
        rows.append((f"tabel2.missing.w{wave}.pct", float(rates.loc["missing_pct", wave]), "fremgangsmaade"))
    if len(rates.columns):
        rows.append(("text.answers_total", int(rates.loc["answered"].sum()), "fremgangsmaade"))
    return rows


def paired_table(survey: Survey) -> pd.DataFrame:
    """Paired change for the trivselsscore (`who5_score`, paired t-test) and every single-
    choice item asked in all waves (Wilcoxon's signed-rank test), for each pair of waves in
    the extract: question, first, second, test, pairs, up and down (pairs whose value rose,
    fell), mean_a, mean_b, change (mean of second - first per person) and p (NaN when the
    changes are all zero or under two pairs); answered_a and answered_b, the persons who
    answered the question in each wave (the N a wave's chart prints; for an item 'Ved ikke'
    included, which the pairs leave out), and valued_a, valued_b, those with a value on its
    scale."""
    rows = []
    has_who5 = all(item in survey.codebook.questions for item in WHO5_ITEMS)   # not in seed 001's
    items = [("who5_score", "t")] if has_who5 else []
    items += [(q.id, "wilcoxon") for q in survey.codebook.questions.values()
              if q.waves == (1, 2, 3) and q.type == "single"]
    for qid, test in items:
        for first, second in PAIRS:
            if first not in survey.waves or second not in survey.waves:
                continue
            if qid == "who5_score":
                a, b = who5_scores(survey, first), who5_scores(survey, second)
                answered = (int(a.notna().sum()), int(b.notna().sum()))
            else:
                a, b = ordinal_values(survey, qid, first), ordinal_values(survey, qid, second)
                answered = (len(answers(survey, qid, first)), len(answers(survey, qid, second)))
            rows.append({"question": qid, "first": first, "second": second, "test": test,
                         **paired_change(a, b, test), "answered_a": answered[0], "answered_b": answered[1],
                         "valued_a": int(a.notna().sum()), "valued_b": int(b.notna().sum())})
    return pd.DataFrame(rows, columns=["question", "first", "second", "test", "pairs", "up", "down", "mean_a",
                                       "mean_b", "change", "p", "answered_a", "answered_b", "valued_a",
                                       "valued_b"])


def appendix_n(survey: Survey, appendix: Appendix) -> dict[int, int]:
    """The N line of an appendix: per wave that asks its questions, the most respondents
    who answered any one of them."""
    out: dict[int, int] = {}
    for qid in appendix.questions:
        q = survey.codebook[qid]
        for wave in q.waves:
            if wave in survey.waves and q.asked_if is None:
                out[wave] = max(out.get(wave, 0), len(answers(survey, qid, wave)))
    return dict(sorted(out.items()))


# ---------------------------------------------------------------- results keys

def key_value(disclosed: dict[str, DisclosedDistribution], key: str, parts: bool = False):
    """The value of a share key `survey.<qid>.w<k>.<codes>.<pct|count>` (several codes joined
    by '+': the options together) from `disclosed_distributions`: the percentage of those
    who answered, or the count; 'x' when it would reveal a hidden cell
    (`DisclosedDistribution.share`); None when the question or the wave is not in the data.
    Raises KeyError for a key of another form."""
    match = KEY.match(key)
    if not match:
        raise KeyError(f"{key!r} is not a survey share key (survey.<question>.w<wave>.<codes>.pct|count)")
    d, wave = disclosed.get(match["qid"]), int(match["wave"])
    if d is None or wave not in d.counts.columns:
        return None
    pct, count = d.share([int(c) for c in match["codes"].split("+")], wave, parts)
    return pct if match["what"] == "pct" else count


def survey_results(survey: Survey, min_cell: int, extra_keys: list[str] = (), parts: bool = False) -> pd.DataFrame:
    """key, value, page: every option share and count per question and wave, the sets of
    options in `extra_keys` (e.g. the published 'enig + meget enig'; `parts`: as sums of
    rounded shares, `sum_of_rounded`), Tabel 2, the trivselsscore. Hidden cells are 'x'."""
    rows: list[tuple[str, object, str]] = []
    disclosed = disclosed_distributions(survey, min_cell)
    for qid, d in disclosed.items():
        for wave in d.counts.columns:
            n = int(d.n[wave])
            rows.append((f"survey.{qid}.w{wave}.n", SUPPRESSED if 0 < n < min_cell else n, "bilag02_11"))
            for code in d.question.codes:
                pct, count = d.share([code], wave)
                rows.append((f"survey.{qid}.w{wave}.{code}.pct", pct, "bilag02_11"))
                rows.append((f"survey.{qid}.w{wave}.{code}.count", count, "bilag02_11"))
    done = {key for key, _, _ in rows}
    for key in extra_keys:
        if not KEY.match(key) or key in done:
            continue
        value = key_value(disclosed, key, parts)
        if value is not None:
            rows.append((key, value, "bilag02_11"))
    rows += tabel2_rows(survey)
    has_who5 = all(item in survey.codebook.questions for item in WHO5_ITEMS)
    scores = score_summary(survey) if has_who5 else pd.DataFrame()
    for wave in scores.columns:
        rows.append((f"survey.who5_score.w{wave}.mean", float(scores.loc["mean", wave]), "resultatmaal1"))
        rows.append((f"survey.who5_score.w{wave}.n", int(scores.loc["n", wave]), "resultatmaal1"))
    if {2, 3} <= set(scores.columns):
        rows.append(("survey.who5_score.w3_vs_w2.diff",
                     float(scores.loc["mean", 3] - scores.loc["mean", 2]), "resultatmaal1"))
    for appendix in load_appendices():   # the final evaluation's Bilag 2-11
        if set(appendix.questions) <= set(survey.codebook.questions):
            for wave, n in appendix_n(survey, appendix).items():
                rows.append((f"bilag{appendix.number:02d}.n.w{wave}", n, "bilag02_11"))
    return pd.DataFrame(rows, columns=["key", "value", "page"])
