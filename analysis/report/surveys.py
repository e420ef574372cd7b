"""What the survey chapters call: glue survey shares into the prose, Tabel 2, the charts
of Bilag 2-11 and the question tables of Bilag 15-16, and a clear note when a wave is
missing from the extract."""
from __future__ import annotations

import pandas as pd

from analysis.report import book
from analysis.report import figures
from analysis.disclosure.rules import SUPPRESSED
from analysis.reference.codebook import WAVE_TEXT, WAVES, WHO5_BANDS, Appendix, load_appendices
from analysis.survey.waves import Survey
from analysis.survey.stats import (appendix_n, disclose, distribution, paired_table, response_rates, score_summary, share_value, who5_scores)

SOURCE = "Kilde: Kursistspørgeskema."
POPULATION_WHO5 = 68   # mean trivselsscore of the Danish population (Sundhedsstyrelsen 2017, WHO-5 guide)


def percent(value) -> str:
    """A survey share as the report prints it: whole per cent ('86 %')."""
    return "(skjult)" if value == SUPPRESSED else f"{book.number(value, 0)} %"


def glue_share(ctx, key: str, page: str) -> str:
    """Glue a share or count of survey answers (key as in survey.share_value). Without
    data for it (no surveys, or the wave missing) the text says so and nothing is recorded."""
    survey: Survey | None = ctx.survey
    value = share_value(survey, key, ctx.min_cell) if survey is not None else None
    if value is None:
        return book.glue_text(key, "(ingen data)")
    if key.endswith(".count"):
        return book.glue(key, value, page=page)
    return book.glue(key, value, percent(value), page=page)


def glue_shares(ctx, keys: list[str], page: str) -> None:
    for key in keys:
        glue_share(ctx, key, page)


def n_line(n_by_wave: dict[int, int]) -> str:
    """'N = 218 før kursus; 220 efter kursus; 65 tre mdr. efter kursus.'"""
    return "N = " + "; ".join(f"{book.count(n)} {WAVE_TEXT[w]}" for w, n in n_by_wave.items()) + "."


def missing_waves_note(ctx, waves=(1, 2, 3)) -> None:
    """An admonition when the surveys or some waves are not in the extract."""
    survey = ctx.survey
    if survey is None:
        book.markdown(":::{note}\nDenne udgave har ingen spørgeskemadata.\n:::")
        return
    missing = [w for w in waves if w in survey.missing]
    if missing:
        names = book.join([f"spørgeskemaet {WAVE_TEXT[w]}" for w in missing])
        book.markdown(f":::{{warning}}\nDataudtrækket indeholder ikke {names}. Tal og figurer for "
                      f"{'den runde' if len(missing) == 1 else 'de runder'} mangler på denne side og er markeret "
                      "som *(ingen data)*.\n:::")


def tabel2(ctx, name: str = "tabel-svar") -> None:
    """Tabel 2: questionnaires sent, answered and not answered per wave."""
    survey = ctx.survey
    if survey is None or not survey.waves:
        missing_waves_note(ctx)
        return
    rates = response_rates(survey)

    def cell(n, pct):
        return f"{book.count(int(n))} ({book.number(pct, 0)} %)"
    columns = {WAVES[w]: [cell(rates.loc["sent", w], 100), cell(rates.loc["answered", w], rates.loc["answered_pct", w]),
                          cell(rates.loc["missing", w], rates.loc["missing_pct", w])] for w in rates.columns}
    frame = pd.DataFrame({"Spørgeskemaer i udbredelsesfasen": ["Antal udsendt", "Heraf besvaret",
                                                               "Heraf ikke besvaret"], **columns})
    notes = ["Kilde: Kursistspørgeskema. Spørgeskemaerne efter kurset og tre måneder efter sendes kun til "
             "kursister, der har gennemført kurset og givet samtykke."]
    if survey.missing:
        notes.append("Runder uden data: " + book.join([WAVE_TEXT[w] for w in survey.missing]) + ".")
    book.table(frame, caption="Svar på spørgeskemaerne til kursister i udbredelsesfasen", name=name,
               notes=notes, widths=[6, 3, 3, 3])


def _question_heading(q) -> str:
    return f"**{q.full_text}**"


def _condition_text(codebook, q) -> str:
    """' (stillet til dem, der svarede ... )' for a question behind skip logic."""
    if q.asked_if is None:
        return ""
    parent = codebook[q.asked_if.question]
    label = parent.label(q.asked_if.code)
    verb = {"==": "svarede", "!=": "ikke svarede", "contains": "valgte"}[q.asked_if.op]
    return f" *(stillet til dem, der {verb} »{label}« til »{parent.text}«)*"


def question_chart(ctx, qid: str) -> None:
    """One question: its wording, the chart (waves as bars, or the options of a multiple
    choice), and the source line with N per wave."""
    survey = ctx.survey
    q = survey.codebook[qid]
    dist = distribution(survey, qid)
    if dist.empty:
        book.markdown(f"{_question_heading(q)}\n\n*(ingen data)*")
        return
    d = disclose(dist, q, ctx.min_cell)
    book.markdown(_question_heading(q) + _condition_text(survey.codebook, q))
    if q.type == "multi":
        fig = figures.choice_bars(d, d.counts.columns[0])
        note = "Flere svar mulige; andel af dem, der fik spørgsmålet."
    else:
        fig = figures.stacked_bars([(WAVES[w], d, w) for w in d.counts.columns], q)
        note = ""
    _show(fig)
    book.markdown(" ".join(filter(None, [SOURCE, note, n_line({w: int(d.n[w]) for w in d.counts.columns})])))


def matrix_chart(ctx, qids: list[str], wave: int = 2) -> None:
    """Several questions on one scale asked in one wave (e.g. 'Efter kurset oplever jeg, at...')."""
    survey = ctx.survey
    questions = [survey.codebook[q] for q in qids]
    rows = []
    for q in questions:
        dist = distribution(survey, q.id)
        if wave in dist.columns:
            rows.append((q.text.lstrip(".… "), disclose(dist, q, ctx.min_cell), wave))
    if not rows:
        book.markdown("*(ingen data)*")
        return
    stem = questions[0].stem or questions[0].section
    book.markdown(f"**{questions[0].section}. {stem}**" if questions[0].stem else f"**{stem}**")
    _show(figures.stacked_bars(rows, questions[0]))
    n = max(int(d.n[w]) for _, d, w in rows)
    book.markdown(f"{SOURCE} {n_line({wave: n})}")


def _show(fig) -> None:
    import matplotlib.pyplot as plt
    from IPython.display import display
    display(fig)
    plt.close(fig)


MATRIX_SECTIONS = ("Udbytte af kurset", "Tilfredshed med kurset", "Teknik og brugervenlighed")


def appendix(ctx, number: int) -> None:
    """Bilag `number` (2-11): every question of the appendix as a chart."""
    if ctx.survey is None or not ctx.survey.waves:
        missing_waves_note(ctx)
        return
    spec = next(a for a in load_appendices() if a.number == number)
    missing_waves_note(ctx, sorted({w for q in spec.questions for w in ctx.survey.codebook[q].waves}))
    groups: list[list[str]] = []
    for qid in spec.questions:
        q = ctx.survey.codebook[qid]
        previous = ctx.survey.codebook[groups[-1][0]] if groups else None
        if (previous is not None and q.section in MATRIX_SECTIONS and previous.section == q.section
                and q.waves == (2,) and q.options == previous.options and q.type == "single"):
            groups[-1].append(qid)
        else:
            groups.append([qid])
    for group in groups:
        if len(group) > 1:
            matrix_chart(ctx, group)
        else:
            question_chart(ctx, group[0])


def codebook_tables(ctx, bilag: int, name: str) -> None:
    """Bilag 15 or 16: the questions and their answer options, section by section."""
    from analysis.reference.codebook import load_codebook
    codebook = ctx.survey.codebook if ctx.survey is not None else load_codebook()
    rows = []
    for q in codebook.questions.values():
        if q.bilag != bilag or q.type == "text":
            continue
        if q.type == "number":
            options = f"Årstal ({q.minimum}-{q.maximum})" if q.minimum else "Tal"
        else:
            options = " ".join(f"{o.code}) {o.label}" for o in q.options)
            if q.type == "multi":
                options += " (flere svar mulige)"
        follow = [f.text for f in codebook.questions.values() if f.type == "text" and f.asked_if
                  and f.asked_if.question == q.id]
        if follow:
            options += ". Opfølgende fritekst: " + "; ".join(follow)
        text = q.full_text
        if q.asked_if is not None:
            parent = codebook[q.asked_if.question]
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
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")).strip("-")



def glue_change(ctx, name: str, key_a: str, key_b: str, up: str, down: str, flat: str) -> str:
    """Glue the word for how a share moved from `key_a` to `key_b` (as printed, whole per
    cent), so the prose follows the data."""
    survey = ctx.survey
    values = [share_value(survey, k, ctx.min_cell) if survey is not None else None for k in (key_a, key_b)]
    if any(v is None or v == SUPPRESSED for v in values):
        return book.glue_text(name, "(kan ikke sammenlignes)")
    return book.glue_text(name, book.direction(round(values[1]) - round(values[0]), up, down, flat, decimals=0))


def who5_glue(ctx, page: str) -> pd.DataFrame | None:
    """Glue the mean trivselsscore per wave, the change after the course and the bands;
    returns the summary (None without data)."""
    survey = ctx.survey
    if survey is None or not survey.waves:
        for w in WAVES:
            book.glue_text(f"survey.who5_score.w{w}.mean", "(ingen data)")
        return None
    summary = score_summary(survey)
    for w in WAVES:
        key = f"survey.who5_score.w{w}.mean"
        if w in summary.columns:
            book.glue(key, float(summary.loc["mean", w]), page=page)
            book.glue(f"survey.who5_score.w{w}.n", int(summary.loc["n", w]), page=page)
            book.glue(f"survey.who5_score.w{w}.band_high.pct",
                      100 * summary.loc["band0", w] / summary.loc["n", w],
                      percent(100 * summary.loc["band0", w] / summary.loc["n", w]), page=page)
        else:
            book.glue_text(key, "(ingen data)")
            book.glue_text(f"survey.who5_score.w{w}.n", "(ingen data)")
            book.glue_text(f"survey.who5_score.w{w}.band_high.pct", "(ingen data)")
    if {2, 3} <= set(summary.columns):
        diff = float(summary.loc["mean", 3] - summary.loc["mean", 2])
        book.glue("survey.who5_score.w3_vs_w2.diff", diff, book.number(abs(diff), 2), page=page)
        book.glue_text("survey.who5_score.w3_vs_w2.verb", book.direction(diff, "stiger", "falder", "er uændret"))
    else:
        book.glue_text("survey.who5_score.w3_vs_w2.diff", "(ingen data)")
        book.glue_text("survey.who5_score.w3_vs_w2.verb", "kan ikke opgøres")
    low, high, _ = WHO5_BANDS[0]
    book.glue("who5.band_high.low", low, page=page)
    book.glue("who5.band_high.high", high, page=page)
    book.glue("who5.band_risk.low", WHO5_BANDS[1][0], page=page)
    book.glue("who5.band_risk.high", WHO5_BANDS[1][1], page=page)
    book.glue("who5.population", POPULATION_WHO5, page=page)
    return summary


def paired_change_table(ctx, questions: list[str], name: str, caption: str) -> None:
    """Paired change for persons who answered two waves: pairs, change and p-value, for
    the trivselsscore and/or Bilag 15 questions (beyond the report, which compares waves
    as separate groups)."""
    survey = ctx.survey
    if survey is None or len(survey.waves) < 2:
        missing_waves_note(ctx)
        return
    table = paired_table(survey)
    table = table[table["question"].isin(questions)]
    short = {1: "før", 2: "efter", 3: "3 mdr."}
    rows, previous = [], None
    for r in table.itertuples():
        hidden = r.pairs < ctx.min_cell
        label = r.label if r.question == "who5_score" else survey.codebook[r.question].text
        rows.append({"Spørgsmål": label if label != previous else "",
                     "Runder": f"{short[r.first]} – {short[r.second]}",
                     "Par": book.count(r.pairs) if not hidden else SUPPRESSED,
                     "Ændring": book.number(r.change, 2, sign=True) if not hidden else SUPPRESSED,
                     "p": ("< 0,001" if r.p < 0.001 else book.number(r.p, 3)) if not hidden and r.p == r.p else "–"})
        previous = label
    book.table(pd.DataFrame(rows), caption=caption, name=name,
               notes=["Kilde: Kursistspørgeskema. Kun kursister, der har besvaret begge runder. Ændring: "
                      "gennemsnitlig ændring pr. person; for spørgsmålene på svarskalaen fra dårligst (1) til "
                      "bedst (5), »Ved ikke« udeladt. p: parret t-test for trivselsscoren, Wilcoxons "
                      "fortegnsrangtest for spørgsmålene."],
               widths=[10, 3, 2, 2, 2])


def empty_figure(text: str = "Ingen data"):
    """A placeholder for a figure whose data is missing (keeps the page's references valid)."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.0, 0.8))
    ax.axis("off")
    ax.text(0, 0.5, text, fontsize=10, color="#555555")
    return fig


def wave_figure(ctx, qid: str):
    """(figure, N line) of a question asked in all waves: one bar per wave."""
    survey = ctx.survey
    if survey is None or not survey.waves:
        return empty_figure(), ""
    q = survey.codebook[qid]
    d = disclose(distribution(survey, qid), q, ctx.min_cell)
    return (figures.stacked_bars([(WAVES[w], d, w) for w in d.counts.columns], q),
            n_line({w: int(d.n[w]) for w in d.counts.columns}))
