"""The participant surveys: the codebook (Bilag 15-16), the wave files and what the
report computes from them (response rates, distributions per wave, the WHO-5
trivselsscore, paired change), with small cells hidden.

A wave file `survey_w<k>.<csv|parquet|sas7bdat>` has one row per person the wave was sent
to: `pnr` (the pseudonymous id of the registrations), `besvaret` (ja/nej) and one column
per question of that wave, coded by data/reference/questionnaire.yml (single choice: the
option code; multiple choice: codes joined by ';'; number: the number; free text: text).
Free text is checked for presence only and dropped on reading: it never reaches an output.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .disclosure import SUPPRESSED, suppress_counts
from .editions import REPO
from .errors import DataError
from .io import SUFFIXES, read_table

CODEBOOK = REPO / "data" / "reference" / "questionnaire.yml"
APPENDICES = REPO / "data" / "reference" / "survey_appendices.yml"
WAVES = {1: "Før kursus", 2: "Efter kursus", 3: "3 mdr. efter kursus"}
WAVE_TEXT = {1: "før kursus", 2: "efter kursus", 3: "tre mdr. efter kursus"}
ID_COLUMN, STATUS_COLUMN = "pnr", "besvaret"
# answer options that are not a point on the question's scale
NON_SUBSTANTIVE = {"Ved ikke", "Ikke relevant", "Ønsker ikke at svare"}
WHO5_ITEMS = ("who5_glad", "who5_rolig", "who5_aktiv", "who5_frisk", "who5_interesse")
WHO5_BANDS = [(0, 35, "stor risiko for depression eller stressbelastning"),
              (36, 50, "risiko for depression eller stressbelastning"),
              (51, 100, "ingen forhøjet risiko")]


# ---------------------------------------------------------------- the codebook

@dataclass(frozen=True)
class Option:
    code: int
    label: str
    points: int | None = None

    @property
    def substantive(self) -> bool:
        return self.label not in NON_SUBSTANTIVE


@dataclass(frozen=True)
class Condition:
    """Skip logic: `<question> == <code>`, `!= <code>` or `contains <code>`."""
    question: str
    op: str
    code: int

    PATTERN = re.compile(r"^\s*(\w+)\s*(==|!=|contains)\s*(\d+)\s*$")

    @classmethod
    def parse(cls, text: str) -> "Condition":
        match = cls.PATTERN.match(text)
        if not match:
            raise ValueError(f"asked_if {text!r}: expected '<id> == <code>', '!=' or 'contains'")
        return cls(match[1], match[2], int(match[3]))

    def holds(self, answers: pd.Series) -> pd.Series:
        """Who is asked, given the answers to `question` (missing answer: not asked)."""
        if self.op == "contains":
            return answers.map(lambda v: isinstance(v, frozenset) and self.code in v).astype(bool)
        known = answers.notna()
        if self.op == "==":
            return known & (answers == self.code)
        return known & (answers != self.code)

    def __str__(self) -> str:
        return f"{self.question} {self.op} {self.code}"


@dataclass(frozen=True)
class Question:
    id: str
    bilag: int
    page: str
    number: int
    section: str
    text: str
    type: str                      # single | multi | number | text
    waves: tuple[int, ...]
    options: tuple[Option, ...] = ()
    stem: str | None = None
    asked_if: Condition | None = None
    minimum: int | None = None
    maximum: int | None = None
    note: str | None = None
    unordered: bool = False        # options without a best and a worst (e.g. the device used)

    @property
    def codes(self) -> list[int]:
        return [o.code for o in self.options]

    def label(self, code: int) -> str:
        return next(o.label for o in self.options if o.code == code)

    @property
    def full_text(self) -> str:
        """The wording with its group's lead: 'I de sidste to uger … har jeg været glad ...'."""
        if not self.stem:
            return self.text
        text = self.text.lstrip(".… ")
        return f"{self.stem.rstrip('.… ')} … {text[0].lower()}{text[1:]}"


@dataclass(frozen=True)
class Codebook:
    questions: dict[str, Question]
    notes: tuple[str, ...] = ()

    def __getitem__(self, qid: str) -> Question:
        return self.questions[qid]

    def in_wave(self, wave: int) -> list[Question]:
        return [q for q in self.questions.values() if wave in q.waves]


def load_codebook(path: Path = CODEBOOK) -> Codebook:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    scales = {name: tuple(Option(int(o["code"]), str(o["label"]), o.get("points")) for o in options)
              for name, options in (raw.get("scales") or {}).items()}
    questions: dict[str, Question] = {}
    for q in raw["questions"]:
        if q["id"] in questions:
            raise ValueError(f"{path}: question id {q['id']!r} appears twice")
        options = q.get("options")
        if isinstance(options, dict) and "scale" in options:
            options = scales[options["scale"]]
        elif q.get("scale"):
            options = scales[q["scale"]]
        else:
            options = tuple(Option(int(o["code"]), str(o["label"]), o.get("points")) for o in options or ())
        if [o.code for o in options] != list(range(1, len(options) + 1)):
            raise ValueError(f"{path}: question {q['id']!r}: option codes must run 1..k in order")
        condition = Condition.parse(q["asked_if"]) if q.get("asked_if") else None
        if condition and condition.question not in questions:
            raise ValueError(f"{path}: question {q['id']!r}: asked_if refers to {condition.question!r}, "
                             "which is not an earlier question")
        questions[q["id"]] = Question(
            id=q["id"], bilag=int(q["bilag"]), page=str(q.get("page", "")), number=int(q["number"]),
            section=str(q.get("section", "")), text=str(q["text"]).strip(), type=q["type"],
            waves=tuple(int(w) for w in q["waves"]), options=tuple(options), stem=q.get("stem"),
            asked_if=condition, minimum=q.get("min"), maximum=q.get("max"), note=q.get("note"),
            unordered=bool(q.get("unordered", False)))
    return Codebook(questions, tuple(raw.get("notes") or ()))


# ---------------------------------------------------------------- reading the waves

@dataclass
class Survey:
    codebook: Codebook
    waves: dict[int, pd.DataFrame]          # every invited person: pnr, answered (bool), answers
    missing: list[int] = field(default_factory=list)   # waves whose file is not in the extract
    files: dict[int, Path] = field(default_factory=dict)
    free_text_answers: int = 0              # counted, never kept

    @property
    def available(self) -> list[int]:
        return sorted(self.waves)

    def respondents(self, wave: int) -> pd.DataFrame:
        frame = self.waves[wave]
        return frame[frame["answered"]]


def wave_file(data_dir: Path, wave: int) -> Path | None:
    found = [data_dir / f"survey_w{wave}{s}" for s in SUFFIXES if (data_dir / f"survey_w{wave}{s}").exists()]
    if len(found) > 1:
        raise DataError(data_dir, f"more than one survey_w{wave} file: {', '.join(p.name for p in found)}; keep one")
    return found[0] if found else None


def _first_bad(path: Path, mask: pd.Series, column: str, reason: str) -> None:
    bad = np.flatnonzero(mask.to_numpy())
    if len(bad):
        raise DataError(path, reason, row=int(bad[0]) + 1, column=column, more=len(bad) - 1)


def _parse_question(path: Path, q: Question, text: pd.Series) -> pd.Series:
    """Coded answers of one question: Int64 codes/numbers, or frozensets of codes (multi)."""
    given = text != ""
    if q.type == "multi":
        parts = text.str.split(";")
        ok = parts.map(lambda items: all(re.fullmatch(r"\d+", s.strip() or "x") and int(s) in q.codes
                                         for s in items)) | ~given
        _first_bad(path, ~ok, q.id, f"answer outside the options of {q.id!r} "
                   f"(codes {', '.join(map(str, q.codes))}, several joined by ';')")
        return pd.Series([frozenset(int(s) for s in items) if g else None
                          for items, g in zip(parts, given)], index=text.index, dtype=object)
    numeric = pd.to_numeric(text.where(given), errors="coerce")
    whole = numeric.notna() & (numeric == numeric.round())
    _first_bad(path, given & ~whole, q.id, f"answer to {q.id!r} is not a whole number")
    values = numeric.astype("Int64")
    if q.type == "number":
        low, high = q.minimum, q.maximum
        outside = given & (((values < low) if low is not None else False) | ((values > high) if high is not None else False))
        _first_bad(path, outside.fillna(False), q.id, f"answer to {q.id!r} outside {low}..{high}")
    else:
        _first_bad(path, given & ~values.isin(q.codes).fillna(False), q.id,
                   f"answer outside the options of {q.id!r} (codes {', '.join(map(str, q.codes))})")
    return values


def read_wave(path: Path, wave: int, codebook: Codebook, enrolled: set[str]) -> tuple[pd.DataFrame, int]:
    """Validate one wave file; returns (answers, number of free-text answers dropped)."""
    raw = read_table(path)
    for column in (ID_COLUMN, STATUS_COLUMN):
        if column not in raw.columns:
            raise DataError(path, f"missing column {column!r}", column=column)
    asked = {q.id: q for q in codebook.in_wave(wave)}
    for column in raw.columns:
        if column in (ID_COLUMN, STATUS_COLUMN):
            continue
        if column not in codebook.questions:
            raise DataError(path, f"unknown question id {column!r} (not in {CODEBOOK.name})", column=column)
        if column not in asked:
            raise DataError(path, f"question {column!r} is not asked in wave {wave} "
                            f"(asked in wave {', '.join(map(str, codebook[column].waves))})", column=column)
    ids = raw[ID_COLUMN]
    _first_bad(path, ids == "", ID_COLUMN, "empty respondent id")
    _first_bad(path, ~ids.isin(enrolled), ID_COLUMN, "respondent is not among the enrolled participants "
               "(no row with this pnr in registrations)")
    _first_bad(path, ids.duplicated(), ID_COLUMN, f"respondent appears more than once in wave {wave}")
    status = raw[STATUS_COLUMN]
    _first_bad(path, ~status.isin(["ja", "nej"]), STATUS_COLUMN, "must be 'ja' or 'nej'")
    answered = (status == "ja").to_numpy()
    out = pd.DataFrame({ID_COLUMN: ids, "answered": answered})
    free_text = 0
    for q in asked.values():
        text = raw[q.id] if q.id in raw.columns else pd.Series("", index=raw.index)
        _first_bad(path, (text != "") & ~answered, q.id, "answer from a person marked besvaret = nej")
        if q.type == "text":
            free_text += int((text != "").sum())
            values = pd.Series(text != "", index=raw.index)   # presence only
        else:
            values = _parse_question(path, q, text)
        if q.asked_if is not None:
            shown = q.asked_if.holds(out[q.asked_if.question])
            given = (text != "")
            _first_bad(path, given & ~shown, q.id,
                       f"answer to {q.id!r}, which is only asked when {q.asked_if}")
        if q.type != "text":
            out[q.id] = values
    return out, free_text


def load_edition_survey(edition, data_dir: Path, registrations: pd.DataFrame) -> Survey | None:
    """The surveys of an edition whose report has them (else None)."""
    return load_survey(data_dir, registrations) if edition.survey_published else None


def load_survey(data_dir: Path, registrations: pd.DataFrame, codebook: Codebook | None = None) -> Survey:
    """Every wave file present in `data_dir`; a missing wave is listed in `missing`."""
    codebook = codebook or load_codebook()
    enrolled = set(registrations[ID_COLUMN])
    survey = Survey(codebook, {})
    for wave in WAVES:
        path = wave_file(Path(data_dir), wave)
        if path is None:
            survey.missing.append(wave)
            continue
        survey.waves[wave], dropped = read_wave(path, wave, codebook, enrolled)
        survey.files[wave] = path
        survey.free_text_answers += dropped
    return survey


def describe_survey(survey: Survey) -> str:
    """One line for the console: respondents per wave, missing waves, free text dropped."""
    parts = [f"wave {w}: {int(f['answered'].sum())} of {len(f)} answered" for w, f in sorted(survey.waves.items())]
    parts += [f"wave {w}: no file (its pages say so)" for w in survey.missing]
    if survey.free_text_answers:
        parts.append(f"{survey.free_text_answers} free-text answers read and dropped")
    return "; ".join(parts)


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

    def share(self, codes: list[int], wave: int) -> tuple[float | str, int | str]:
        """(percentage, count) of the options `codes` in `wave`; 'x' when that would reveal a
        hidden cell: a set is shown only if it holds none or all of the wave's hidden cells."""
        hidden = set(self.hidden.index[self.hidden[wave]])
        count = int(self.counts.loc[codes, wave].sum())
        within = hidden & set(codes)
        if (within and within != hidden) or 0 < count < self.min_cell:
            return SUPPRESSED, SUPPRESSED
        return 100 * count / self.n[wave], count


def disclose(dist: pd.DataFrame, question: Question, min_cell: int) -> DisclosedDistribution:
    counts = dist.drop(index="n")
    n = dist.loc["n"]
    if question.type == "multi":
        # the options of a multiple-choice question overlap: no total to recover a cell from
        hidden = (counts > 0) & (counts < min_cell)
    else:
        hidden = suppress_counts(counts, min_cell).suppressed
    return DisclosedDistribution(question, counts, n, hidden, min_cell)


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
    """Change for persons with a value in both waves: pairs, mean change and a paired
    test (`t`: paired t-test for the score; `wilcoxon`: signed-rank test for items)."""
    from scipy import stats
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    diff = both["b"] - both["a"]
    out = {"pairs": len(both), "mean_a": both["a"].mean(), "mean_b": both["b"].mean(),
           "change": diff.mean(), "p": np.nan}
    if len(both) >= 2 and diff.abs().sum() > 0:
        out["p"] = (stats.ttest_rel(both["b"], both["a"]).pvalue if test == "t"
                    else stats.wilcoxon(diff, zero_method="wilcox").pvalue)
    return out


PAIRS = ((1, 2), (1, 3), (2, 3))


def paired_table(survey: Survey) -> pd.DataFrame:
    """Paired change for the trivselsscore and every item asked in all waves."""
    rows = []
    items = [("who5_score", "Trivselsscore (WHO-5), 0-100", "t")]
    items += [(q.id, q.full_text, "wilcoxon") for q in survey.codebook.questions.values()
              if q.waves == (1, 2, 3) and q.type == "single"]
    for qid, label, test in items:
        for first, second in PAIRS:
            if first not in survey.waves or second not in survey.waves:
                continue
            if qid == "who5_score":
                a, b = who5_scores(survey, first), who5_scores(survey, second)
            else:
                a, b = ordinal_values(survey, qid, first), ordinal_values(survey, qid, second)
            rows.append({"question": qid, "label": label, "first": first, "second": second, "test": test,
                         **paired_change(a, b, test)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the appendices Bilag 2-11

@dataclass(frozen=True)
class Appendix:
    number: int
    title: str
    questions: tuple[str, ...]


def load_appendices(path: Path = APPENDICES) -> list[Appendix]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [Appendix(int(a["bilag"]), str(a["title"]), tuple(a["questions"])) for a in raw]


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

KEY = re.compile(r"^survey\.(?P<qid>\w+)\.w(?P<wave>\d)\.(?P<codes>[\d+]+)\.(?P<what>pct|count)$")


def share_value(survey: Survey, key: str, min_cell: int):
    """The value of a key `survey.<qid>.w<k>.<codes>.<pct|count>` ('x' if hidden), or None
    when the question or wave is not in the data."""
    match = KEY.match(key)
    if not match:
        raise KeyError(f"{key!r} is not a survey share key (survey.<question>.w<wave>.<codes>.pct|count)")
    q = survey.codebook[match["qid"]]
    wave = int(match["wave"])
    if wave not in q.waves or wave not in survey.waves:
        return None
    d = disclose(distribution(survey, q.id), q, min_cell)
    pct, count = d.share([int(c) for c in match["codes"].split("+")], wave)
    return pct if match["what"] == "pct" else count


def survey_results(survey: Survey, min_cell: int, extra_keys: list[str] = ()) -> pd.DataFrame:
    """key, value, page: every option share and count per question and wave, the sets of
    options in `extra_keys` (e.g. the published 'enig + meget enig'), Tabel 2, the
    trivselsscore. Hidden cells are 'x'."""
    rows: list[tuple[str, object, str]] = []
    disclosed = {}
    for q in survey.codebook.questions.values():
        if q.type not in ("single", "multi") or not any(w in survey.waves for w in q.waves):
            continue
        disclosed[q.id] = d = disclose(distribution(survey, q.id), q, min_cell)
        for wave in d.counts.columns:
            rows.append((f"survey.{q.id}.w{wave}.n", int(d.n[wave]), "bilag02_11"))
            for code in q.codes:
                pct, count = d.share([code], wave)
                rows.append((f"survey.{q.id}.w{wave}.{code}.pct", pct, "bilag02_11"))
                rows.append((f"survey.{q.id}.w{wave}.{code}.count", count, "bilag02_11"))
    done = {key for key, _, _ in rows}
    for key in extra_keys:
        match = KEY.match(key)
        if not match or key in done or match["qid"] not in disclosed:
            continue
        d, wave = disclosed[match["qid"]], int(match["wave"])
        if wave not in d.counts.columns:
            continue
        pct, count = d.share([int(c) for c in match["codes"].split("+")], wave)
        rows.append((key, pct if match["what"] == "pct" else count, "bilag02_11"))
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
    scores = score_summary(survey)
    for wave in scores.columns:
        rows.append((f"survey.who5_score.w{wave}.mean", float(scores.loc["mean", wave]), "resultatmaal1"))
        rows.append((f"survey.who5_score.w{wave}.n", int(scores.loc["n", wave]), "resultatmaal1"))
    if {2, 3} <= set(scores.columns):
        rows.append(("survey.who5_score.w3_vs_w2.diff",
                     float(scores.loc["mean", 3] - scores.loc["mean", 2]), "resultatmaal1"))
    for appendix in load_appendices():
        for wave, n in appendix_n(survey, appendix).items():
            rows.append((f"bilag{appendix.number:02d}.n.w{wave}", n, "bilag02_11"))
    return pd.DataFrame(rows, columns=["key", "value", "page"])
