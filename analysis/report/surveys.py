"""What the survey chapters call, from the statistics bundle (analysis.compute.surveys
publishes it) and the codebook: glue survey shares and the trivselsscore into the prose,
Tabel 2, the charts of Bilag 2-11 and the result pages, the paired change tables, the
question tables of Bilag 15-16, and a clear note when a wave is missing from the extract.

A share or figure whose wave is not in the extract reads *(ingen data)*; an edition whose
report has no surveys has no `surveys.waves` table in its bundle."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from analysis.disclosure.rules import SUPPRESSED
from analysis.reference.codebook import (SHARE_KEY, WAVE_TEXT, WAVES, WHO5_BANDS, Codebook, Question, load_appendices,
                                         load_codebook)
from analysis.report import book
from analysis.report import survey_charts as charts

SOURCE = "Kilde: Kursistspørgeskema."
NO_DATA = "(ingen data)"
WHO5_SCORE_LABEL = "Trivselsscore (WHO-5), 0-100"


def codebook(edition=None) -> Codebook:
    """The survey codebook of `edition` (an Edition or None: the final evaluation's,
    data/reference/questionnaire.yml; pilot-2023 has its own, Edition.codebook)."""
    return _codebook(getattr(edition, "codebook", None))


@lru_cache(maxsize=4)
def _codebook(path) -> Codebook:
    return load_codebook(path) if path else load_codebook()


# ---------------------------------------------------------------- what the bundle holds

def wave_status(ctx) -> dict[int, str] | None:
    """'present' or 'missing' per wave (1-3), or None when the edition has no surveys."""
    if not ctx.bundle.has_table("surveys.waves"):
        return None
    status = ctx.table("surveys.waves")["status"]
    return {int(row[1:]): value for row, value in status.items()}


def present_waves(ctx) -> list[int]:
    """The waves the extract holds (none for an edition without surveys)."""
    return [w for w, status in (wave_status(ctx) or {}).items() if status == "present"]


@dataclass
class Answers:
    """One question's published answers (the bundle table `surveys.answers.<question>`)."""
    question: Question
    shares: pd.DataFrame    # option codes x waves: percentage of those who answered, 'x' where hidden
    n: pd.Series            # per wave: the persons who answered ('x' where under the minimum)

    @property
    def waves(self) -> list[int]:
        return list(self.shares.columns)


def answers(ctx, qid: str) -> Answers | None:
    """The answers to `qid` per wave in the extract, or None when no wave that asks it is."""
    name = f"surveys.answers.{qid}"
    if not ctx.bundle.has_table(name):
        return None
    table = ctx.table(name)
    waves = [int(c[1:]) for c in table.columns if not c.endswith(".pct")]
    options = [r for r in table.index if r != "n"]
    shares = pd.DataFrame({w: table.loc[options, f"w{w}.pct"].to_numpy() for w in waves},
                          index=[int(c) for c in options]).map(lambda v: 0.0 if v is None else v)   # nobody asked
    return Answers(codebook(ctx.edition)[qid], shares, pd.Series({w: table.loc["n", f"w{w}"] for w in waves}, dtype=object))


# ---------------------------------------------------------------- glue

def has_answers(ctx, qid: str, wave: int) -> bool:
    a = answers(ctx, qid)
    return a is not None and wave in a.waves


def glue_share(ctx, key: str) -> str:
    """Glue a share (whole per cent) or count of survey answers, key
    `survey.<question>.w<wave>.<codes>.<pct|count>`. Without data for the question in that
    wave (no surveys, or the wave missing) the text says *(ingen data)*; a key the bundle
    lacks although the wave is there stops the chapter (KeyError: add the sum of options
    to analysis.compute.surveys.SUMS)."""
    match = SHARE_KEY.match(key)
    if not match:
        raise KeyError(f"{key!r} is not a survey share key (survey.<question>.w<wave>.<codes>.pct|count)")
    if not has_answers(ctx, match["qid"], int(match["wave"])):
        return book.glue_text(key, NO_DATA)
    return book.glue_value(ctx, key, "count" if match["what"] == "count" else "percent")


def glue_shares(ctx, keys: list[str]) -> None:
    for key in keys:
        glue_share(ctx, key)


# the value of a glue key that only another edition's sections quote: never shown, and
# distinct from every printed value, so a test can find it if it ever is
OTHER_EDITION = "⟦anden udgave⟧"


def glue_placeholders(names) -> None:
    """Glue a placeholder under each of `names`, keys that only the other editions' sections
    of a chapter shared by editions quote: a section tagged for other editions on its heading
    is dropped after its glue roles are resolved (_ext/tpj_edition.py), so each key needs a
    value; the placeholder is never shown. (An `only` passage of another edition is never
    parsed and needs none.)"""
    for name in sorted(names):
        book.glue_text(name, OTHER_EDITION)


def glue_by_edition(ctx, keys: dict[str, list]) -> None:
    """Glue what the passages of `ctx`'s edition in a chapter shared by editions quote,
    `keys[edition name]`: survey share keys (`glue_share`) or bundle scalars as (key, kind)
    (`book.glue_value`); and a placeholder under every key that only the other editions'
    lists name (`glue_placeholders`). Raises KeyError for an edition without a list."""
    def name(item) -> str:
        return item[0] if isinstance(item, tuple) else item
    own = keys[ctx.edition.name]
    for item in own:
        if isinstance(item, tuple):
            book.glue_value(ctx, *item)
        else:
            glue_share(ctx, item)
    glue_placeholders({name(i) for items in keys.values() for i in items} - {name(i) for i in own})


def paired_finding(ctx, question: str, first: int, second: int) -> tuple[str, object]:
    """(finding, p) of the paired test of `question` ('who5_score' or an item id) between
    waves `first` and `second` (the bundle's `surveys.paired`): 'rise' a significant change
    towards the better end of the scale, 'fall' towards the worse, 'none', 'untested' (no
    such pairs) or 'withheld' (hidden by the disclosure rules, analysis.compute.surveys.
    publish_paired)."""
    if not ctx.bundle.has_table("surveys.paired"):
        return "untested", None
    table = ctx.table("surveys.paired")
    key = f"{question}.w{first}-w{second}"
    if key not in table.index:
        return "untested", None
    if SUPPRESSED in (table.at[key, "pairs"], table.at[key, "p"]):
        return "withheld", None
    return str(table.at[key, "finding"]), table.at[key, "p"]


def glue_change(ctx, name: str, question: str, first: int = 1, second: int = 3) -> str:
    """Glue what the paired test of `question` between two waves (the same persons' answers)
    finds, as a noun phrase with its p: 'en signifikant forbedring (p = 0,007)',
    'ingen signifikant ændring (p = 0,289)' (book.claim, form 'better'). A share moving in
    the figures is not a test; the prose states the shares and this."""
    found, p = paired_finding(ctx, question, first, second)
    text = book.claim(found, "better")
    return book.glue_text(name, f"{text} ({book.p_text(p)})" if p is not None else text)


def who5_glue(ctx) -> None:
    """Glue the mean trivselsscore, its persons and the share in the highest risk band per
    wave, the change from just after the course to three months after (number), the
    paired tests' words between each two waves (survey.who5_score.wA-wB.inv / .inv_den: the
    clause in inverted order with the subject 'trivselsscoren' / 'den', for after an
    adverbial: 'stiger trivselsscoren signifikant') and p (.test),
    and the WHO-5 reference values; *(ingen data)* where a wave is missing (or, for an
    edition whose questionnaire has no WHO-5, everywhere)."""
    for w in WAVES:
        prefix = f"survey.who5_score.w{w}"
        for key, kind in ((f"{prefix}.mean", "number"), (f"{prefix}.n", "count"),
                          (f"{prefix}.band_high.pct", "percent")):
            book.glue_value(ctx, key, kind, missing=NO_DATA)
    key = "survey.who5_score.w3_vs_w2.diff"
    book.glue_value(ctx, key, "abs", missing=NO_DATA)
    for first, second in ((1, 2), (1, 3), (2, 3)):
        found, p = paired_finding(ctx, "who5_score", first, second)
        prefix = f"survey.who5_score.w{first}-w{second}"
        # after an adverbial ("For de samme personer ..."): verb second, then the subject
        book.glue_text(f"{prefix}.inv", book.claim(found, subject="trivselsscoren"))
        book.glue_text(f"{prefix}.inv_den", book.claim(found, subject="den"))
        book.glue_text(f"survey.who5_score.w{first}-w{second}.test", book.p_text(p) or "ikke testet")
    for key in ("who5.band_high.low", "who5.band_high.high", "who5.band_risk.low", "who5.band_risk.high",
                "who5.population"):   # published with the surveys of an edition that asks WHO-5
        book.glue_value(ctx, key, missing=NO_DATA)


def who5_chart(ctx):
    """The trivselsscore per wave against the risk bands and the population mean (a
    placeholder without data)."""
    waves = [w for w in WAVES if ctx.has(f"survey.who5_score.w{w}.mean")
             and ctx.value(f"survey.who5_score.w{w}.mean") != SUPPRESSED]
    if not waves:
        return charts.empty_figure()
    summary = pd.DataFrame({w: {"mean": ctx.value(f"survey.who5_score.w{w}.mean"),
                                "n": ctx.value(f"survey.who5_score.w{w}.n")} for w in waves})
    return charts.who5_figure(summary, ctx.value("who5.population"), WHO5_BANDS, WAVES)


# ---------------------------------------------------------------- notes and tables

def n_line(n_by_wave: dict[int, int | str]) -> str:
    """'N = 218 før kursus; 220 efter kursus; 65 tre mdr. efter kursus.' ('x' where hidden)"""
    return "N = " + "; ".join(f"{book.count(n)} {WAVE_TEXT[w]}" for w, n in n_by_wave.items()) + "."


def missing_waves_note(ctx, waves=(1, 2, 3)) -> None:
    """An admonition when the surveys or some of `waves` are not in the extract."""
    status = wave_status(ctx)
    if status is None:
        book.markdown(":::{note}\nDenne udgave har ingen spørgeskemadata.\n:::")
        return
    missing = [w for w in waves if status[w] == "missing"]
    if missing:
        names = book.join([f"spørgeskemaet {WAVE_TEXT[w]}" for w in missing])
        book.markdown(f":::{{warning}}\nDataudtrækket indeholder ikke {names}. Tal og figurer for "
                      f"{'den runde' if len(missing) == 1 else 'de runder'} mangler på denne side og er markeret "
                      "som *(ingen data)*.\n:::")


def _no_data_table(columns: list[str], caption: str, name: str) -> None:
    """A table that says *(ingen data)*, so that references to it stay valid."""
    book.table(pd.DataFrame([[f"*{NO_DATA}*"] + ["–"] * (len(columns) - 1)], columns=columns),
               caption=caption, name=name)


# the phase whose teams answered the surveys: the edition's last (the final evaluation's surveys
# are the spread phase's, its pilot questionnaires having been revised; seed 001's the pilot's)
PHASE_TEXT = {"pilot": "pilotfasen", "udbredelse": "udbredelsesfasen"}


def survey_phase(ctx) -> str:
    """'pilotfasen' or 'udbredelsesfasen': the phase of the edition's survey waves."""
    return PHASE_TEXT[ctx.edition.phases[-1]]


def tabel2_first(ctx) -> str:
    """The heading of Tabel 2's first column: the questionnaires of the edition's phase."""
    return f"Spørgeskemaer i {survey_phase(ctx)}"




def tabel2_frame(ctx) -> pd.DataFrame:
    """Tabel 2 as printed, one column per wave in the extract: 'n (p %)' sent, answered and
    not answered (the keyed results `tabel2.<invited|answered|missing>.w<k>` and `.pct`)."""
    def cell(what: str, w: int) -> str:
        key = f"tabel2.{what}.w{w}"
        return f"{book.value_text(ctx, key, 'count')} ({book.pct(ctx.value(key + '.pct'), 0)})"
    columns = {WAVES[w]: [cell(what, w) for what in ("invited", "answered", "missing")] for w in present_waves(ctx)}
    return pd.DataFrame({tabel2_first(ctx): ["Antal udsendt", "Heraf besvaret", "Heraf ikke besvaret"], **columns})


def tabel2(ctx, name: str = "tabel-svar") -> None:
    """Tabel 2 (`tabel2_frame`) with its notes; without survey data a note and an empty table."""
    caption = f"Svar på spørgeskemaerne til kursister i {survey_phase(ctx)}"
    if not present_waves(ctx):
        missing_waves_note(ctx)
        _no_data_table([tabel2_first(ctx), *WAVES.values()], caption, name)
        return
    # who was sent the later questionnaires: the final evaluation's completers who consented
    # (seed 004 Tabel 2's note); seed 001 says only that the completers were asked
    consent = " og givet samtykke" if survey_phase(ctx) == PHASE_TEXT["udbredelse"] else ""
    notes = ["Kilde: Kursistspørgeskema. Spørgeskemaerne efter kurset og tre måneder efter sendes kun til "
             f"kursister, der har gennemført kurset{consent}."]
    missing = [w for w, status in wave_status(ctx).items() if status == "missing"]
    if missing:
        notes.append("Runder uden data: " + book.join([WAVE_TEXT[w] for w in missing]) + ".")
    book.table(tabel2_frame(ctx), caption=caption, name=name, notes=notes, widths=[6, 3, 3, 3])


PAIRED_COLUMNS = ["Spørgsmål", "Runder", "Par", "Ændring", "p"]


NO_P = ""    # a p the test cannot give (no one changed answer), explained in the table's note


def paired_frame(ctx, questions: list[str]) -> pd.DataFrame:
    """The paired change of `questions` (ids, or 'who5_score') as printed, from the bundle
    table `surveys.paired`: a row per pair of waves with the pairs, the mean change (signed,
    two decimals) and p (three decimals, '< 0,001'); 'x' for pairs and change where the
    bundle hides them (too few pairs, or too few who moved one way), 'x' for a p hidden with
    its change ('–' is a zero in the book's tables, never a hidden number), and blank for a
    p that cannot be computed (nobody changed answer: `NO_P`)."""
    table = ctx.table("surveys.paired")
    table = table[table["question"].isin(questions)]
    short = {1: "før", 2: "efter", 3: "3 mdr."}
    rows, previous = [], None
    for r in table.itertuples():
        label = WHO5_SCORE_LABEL if r.question == "who5_score" else codebook(ctx.edition)[r.question].text
        shown = r.pairs != SUPPRESSED
        change_shown = shown and r.change != SUPPRESSED   # hidden too where few moved each way
        rows.append([label if label != previous else "", f"{short[r.first]} – {short[r.second]}",
                     book.count(r.pairs) if shown else SUPPRESSED,
                     book.number(r.change, 2, sign=True) if change_shown else SUPPRESSED,
                     SUPPRESSED if not change_shown or r.p == SUPPRESSED
                     else NO_P if r.p is None or pd.isna(r.p)
                     else "< 0,001" if r.p < 0.001 else book.number(r.p, 3)])
        previous = label
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


def paired_change_table(ctx, questions: list[str], name: str, caption: str) -> None:
    """Paired change for persons who answered two waves (`paired_frame`), for the
    trivselsscore and/or Bilag 15 questions (beyond the report, which compares waves as
    separate groups). With fewer than two waves in the extract: a note and an empty table."""
    if not ctx.bundle.has_table("surveys.paired"):
        missing_waves_note(ctx)
        _no_data_table(PAIRED_COLUMNS, caption, name)
        return
    tests = []
    if "who5_score" in questions:
        tests.append("parret t-test for trivselsscoren")
    if any(q != "who5_score" for q in questions):
        tests.append("Wilcoxons fortegnsrangtest for "
                     + ("spørgsmålene" if "who5_score" in questions else "hvert spørgsmål"))
    frame = paired_frame(ctx, questions)
    book.table(frame, caption=caption, name=name,
               notes=["Kilde: Kursistspørgeskema. Kun kursister, der har besvaret begge runder. Ændring: "
                      "gennemsnitlig ændring pr. person"
                      + ("; for spørgsmålene på svarskalaen fra dårligst (1) til bedst (5), »Ved ikke« udeladt"
                         if any(q != "who5_score" for q in questions) else "")
                      + ". p: " + book.join(tests) + " (tosidet)"
                      + ("; tom, hvor ingen ændrede svar" if (frame["p"] == NO_P).any() else "") + "."
                      + (f" {SUPPRESSED}: skjult, fordi tallet bygger på færre end {book.count(ctx.min_cell)} "
                         "personer eller kunne afsløre sådanne." if (frame == SUPPRESSED).any().any() else "")],
               widths=[10, 3, 2, 2, 2])


def paired_summary(ctx, questions: list[str]) -> str:
    """One or two sentences on what the paired tests of `questions` find (every pair of
    waves): which changes are significant improvements, which significant worsenings, and
    that the rest are not significant. Each significant row is named with its waves and p,
    so that no significant change in a table goes unmentioned."""
    if not ctx.bundle.has_table("surveys.paired"):
        return "Der er ikke data fra to runder, så ændringen kan ikke testes."
    table = ctx.table("surveys.paired")
    table = table[table["question"].isin(questions)]
    names = {1: "før kurset", 2: "lige efter kurset", 3: "tre måneder efter"}
    parts = {"rise": [], "fall": []}
    for r in table.itertuples():
        if r.finding in parts:
            label = WHO5_SCORE_LABEL.lower() if r.question == "who5_score" else f"»{codebook(ctx.edition)[r.question].text}«"
            parts[r.finding].append(f"{label} fra {names[r.first]} til {names[r.second]} "
                                    f"({book.number(r.change, 2, sign=True)}; {book.p_text(r.p)})")
    sentences = []
    if parts["rise"]:
        sentences.append("De parrede test viser en signifikant forbedring for " + book.join(parts["rise"]) + ".")
    if parts["fall"]:
        sentences.append("De viser en signifikant forværring for " + book.join(parts["fall"]) + ".")
    # a change the bundle hides (finding 'withheld': too few pairs, or the pairs would give
    # away a small cell of a wave's respondents, or too few moved one way) is not shown
    hidden = bool((table["change"] == SUPPRESSED).any())
    note = (" En ændring vist som x er skjult, fordi den sammen med rundernes antal svar kunne vise, "
            f"hvordan færre end {book.value_text(ctx, 'min_cell')} personer har svaret." if hidden else "")
    if not sentences:
        return ("Ingen af de viste parrede test viser en signifikant ændring." if hidden
                else "Ingen af de parrede test viser en signifikant ændring.") + note
    return " ".join(sentences) + (" De øvrige viste ændringer i tabellen er ikke signifikante." if hidden
                                  else " De øvrige ændringer i tabellen er ikke signifikante.") + note


def codebook_tables(bilag: int, name: str, edition=None) -> None:
    """Bilag 15 or 16: the questions and their answer options, section by section (the
    questionnaire of `edition`, `codebook`)."""
    book_ = codebook(edition)
    rows = []
    for q in book_.questions.values():
        if q.bilag != bilag or q.type == "text":
            continue
        if q.type == "number":
            options = f"Årstal ({q.minimum}-{q.maximum})" if q.minimum else "Tal"
        else:
            options = " ".join(f"{o.code}) {o.label}" for o in q.options)
            if q.type == "multi":
                options += " (flere svar mulige)"
        follow = [f.text for f in book_.questions.values() if f.type == "text" and f.asked_if
                  and f.asked_if.question == q.id]
        if follow:
            options += ". Opfølgende fritekst: " + "; ".join(follow)
        text = q.full_text
        if q.asked_if is not None:
            parent = book_[q.asked_if.question]
            if q.asked_if.op == "==":
                text += f" (hvis '{parent.label(q.asked_if.code)}' til spm. {parent.number})"
            elif q.asked_if.op == "!=":
                text += f" (hvis ikke '{parent.label(q.asked_if.code)}' til spm. {parent.number})"
            else:
                text += f" (hvis '{parent.label(q.asked_if.code)}' er valgt i spm. {parent.number})"
        rows.append({"Nr.": str(q.number), "Afsnit": q.section, "Spørgsmål": text, "Svarmuligheder": options})
    frame = pd.DataFrame(rows)
    for section, part in frame.groupby("Afsnit", sort=False):
        book.table(part.drop(columns="Afsnit"), caption=section, name=f"{name}-{_slug(section)}",
                   widths=[1, 8, 10], right=(0,))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")).strip("-")


# ---------------------------------------------------------------- charts

def _question_heading(q: Question) -> str:
    return f"**{q.full_text}**"


def _condition_text(q: Question, edition=None) -> str:
    """' (stillet til dem, der svarede ... )' for a question behind skip logic."""
    if q.asked_if is None:
        return ""
    parent = codebook(edition)[q.asked_if.question]
    label = parent.label(q.asked_if.code)
    verb = {"==": "svarede", "!=": "ikke svarede", "contains": "valgte"}[q.asked_if.op]
    return f" *(stillet til dem, der {verb} »{label}« til »{parent.text}«)*"


def _show(key: str, fig) -> None:
    """A survey chart where it is drawn (no number), with its data and alt text; the PDF
    keeps the question's heading on the page of its chart."""
    book.show_figure(key, fig)


def question_chart(ctx, qid: str) -> None:
    """One question: its wording, the chart (waves as bars, or the options of a multiple
    choice in its first wave), and the source line with N per wave."""
    q = codebook(ctx.edition)[qid]
    a = answers(ctx, qid)
    if a is None:
        book.markdown(f"{_question_heading(q)}\n\n*{NO_DATA}*")
        return
    if q.type == "multi":
        fig = charts.choice_bars(a.shares[a.waves[0]], q)
        note = "Flere svar mulige; andel af dem, der fik spørgsmålet."
    else:
        fig = charts.stacked_bars([(WAVES[w], a.shares[w]) for w in a.waves], q)
        note = ""
    book.keep_with_figure(fig)
    book.markdown(_question_heading(q) + _condition_text(q, ctx.edition))
    _show(f"spm-{_slug(qid)}", fig)
    book.markdown(" ".join(filter(None, [SOURCE, note, n_line(a.n.to_dict())])))


def matrix_chart(ctx, qids: list[str], wave: int = 2) -> None:
    """Several questions on one scale asked in one wave (e.g. 'Efter kurset oplever jeg, at...')."""
    questions = [codebook(ctx.edition)[q] for q in qids]
    rows, ns = [], []
    for q in questions:
        a = answers(ctx, q.id)
        if a is not None and wave in a.waves:
            rows.append((q.text.lstrip(".… "), a.shares[wave]))
            ns.append(a.n[wave])
    if not rows:
        book.markdown(f"*{NO_DATA}*")
        return
    stem = questions[0].stem or questions[0].section
    fig = charts.stacked_bars(rows, questions[0])
    book.keep_with_figure(fig)
    book.markdown(f"**{questions[0].section}. {stem}**" if questions[0].stem else f"**{stem}**")
    _show(f"spm-{_slug(questions[0].id)}-{len(questions)}", fig)
    book.markdown(f"{SOURCE} {n_line({wave: max((n for n in ns if n != SUPPRESSED), default=SUPPRESSED)})}")


MATRIX_SECTIONS = ("Udbytte af kurset", "Tilfredshed med kurset", "Teknik og brugervenlighed")


def appendix(ctx, number: int) -> None:
    """Bilag `number` (2-11): every question of the appendix as a chart; questions on one
    scale asked only after the course share a chart."""
    if not present_waves(ctx):
        missing_waves_note(ctx)
        return
    spec = next(a for a in load_appendices() if a.number == number)
    cb = codebook(ctx.edition)
    missing_waves_note(ctx, sorted({w for q in spec.questions for w in cb[q].waves}))
    groups: list[list[str]] = []
    for qid in spec.questions:
        q = cb[qid]
        previous = cb[groups[-1][0]] if groups else None
        if (previous is not None and q.section in MATRIX_SECTIONS and previous.section == q.section
                and q.waves == (2,) and q.options == previous.options and q.type == "single"):
            groups[-1].append(qid)
        else:
            groups.append([qid])
    chart_groups(ctx, groups)


def chart_groups(ctx, groups: list[list[str]]) -> None:
    """A chart per group of question ids, in order: one question by wave (`question_chart`),
    several on one scale in one wave (`matrix_chart`)."""
    for group in groups:
        if len(group) > 1:
            matrix_chart(ctx, group)
        else:
            question_chart(ctx, group[0])


def wave_figure(ctx, qid: str):
    """(figure, N line) of a question asked in all waves: one bar per wave (a placeholder
    and no N line without data)."""
    a = answers(ctx, qid)
    if a is None:
        return charts.empty_figure(), ""
    q = codebook(ctx.edition)[qid]
    return (charts.stacked_bars([(WAVES[w], a.shares[w]) for w in a.waves], q),
            n_line(a.n.to_dict()))
