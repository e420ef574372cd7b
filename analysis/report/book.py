"""What the chapter notebooks call: load an extract once, Danish number formats, glue
numbers into the prose, and tables and figures in the house style.

A chapter stays thin:

    ctx = book.context(edition, data_dir, min_cell, inference)
    book.glue("tabel6.mean.w0", ctx.means["w0"], page="beskaeftigelsesscore")
    book.table(frame, caption="...", name="tabel-6", notes=[...])
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from babel.numbers import format_decimal

from analysis.disclosure.rules import SUPPRESSED
from analysis.editions import Edition, get_edition
from analysis.register.models import STAR_LEGEND
from analysis.register.extract import Extract, load_extract
from analysis.register.panel import build_panel
from analysis.compute.results import edition_results
from analysis.reference.scoring import ScoreMapping, load_mapping
from analysis.survey.waves import Survey, load_edition_survey

LOCALE = "da_DK"
GLUE_PREFIX = "application/papermill.record/"
RESULT_MIME = GLUE_PREFIX + "text/x-tpj-result"   # the number behind a glued text, for results.csv
COLORS = {"black": "#000000", "blue": "#1f5fa8", "red": "#c0282d", "lightblue": "#cfe3f5",
          "grey": "#8c8c8c", "green": "#2e8b57", "orange": "#e08a1e", "purple": "#7b4fa0"}
SERIES = [COLORS["red"], COLORS["blue"], COLORS["green"], COLORS["orange"], COLORS["purple"]]


# ---------------------------------------------------------------- numbers in Danish

def number(value, decimals: int = 2, sign: bool = False) -> str:
    """2.8101 -> '2,81'; sign=True gives '+1,46' for positive values; 'x' stays 'x'."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(round(float(value), decimals) + 0.0, format=pattern, locale=LOCALE)
    return ("+" + text) if sign and float(value) > 0 else text


def count(value) -> str:
    return value if isinstance(value, str) else format_decimal(int(value), format="#,##0", locale=LOCALE)


def pct(value, decimals: int = 1) -> str:
    """88.4 (already a percentage) -> '88,4 %'."""
    return value if isinstance(value, str) else f"{number(value, decimals)} %"


# ---------------------------------------------------------------- loading

@dataclass
class Context:
    edition: Edition
    data_dir: Path
    min_cell: int
    inference: str
    mapping: ScoreMapping
    extract: Extract
    panel: pd.DataFrame
    survey: Survey | None       # None: the edition's report has no surveys
    results: pd.DataFrame       # key, value, page (after disclosure control)
    models: pd.DataFrame        # every estimate, with `published`
    manifest: dict

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    def model(self, group: str, model: str = "two_point") -> pd.DataFrame:
        return self.models[(self.models["group"] == group) & (self.models["model"] == model)]


@lru_cache(maxsize=4)
def context(edition: str = "final-2025", data_dir: str | None = None, min_cell: int | None = None,
            inference: str | None = None) -> Context:
    ed = get_edition(edition)
    data = Path(data_dir) if data_dir else ed.data_dir
    min_cell = int(min_cell or ed.min_cell)
    inference = inference or ed.inference
    mapping = load_mapping()
    extract = load_extract(data, ed, mapping)
    panel = build_panel(extract, mapping)
    survey = load_edition_survey(ed, data, extract.registrations)
    results, models = edition_results(extract, panel, survey, inference, min_cell)
    manifest_path = data / "extract.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    return Context(ed, data, min_cell, inference, mapping, extract, panel, survey, results, models, manifest)


# ---------------------------------------------------------------- output for the book

def _display(bundle: dict, metadata: dict | None = None) -> None:
    from IPython.display import display
    display(bundle, raw=True, metadata=metadata or {})


def glue(key: str, value, text: str | None = None, page: str = "", decimals: int = 2) -> str:
    """Glue a number for `{glue:text}` in the prose and record it for results.csv.

    `text` defaults to the Danish formatting of `value` with `decimals` decimals. A
    suppressed value ('x') is shown as "færre end 3" style text by the caller.
    """
    if text is None:
        text = count(value) if isinstance(value, (int, np.integer)) else number(value, decimals)
    record = {"key": key, "value": value if isinstance(value, str) else float(value), "page": page,
              "text": text}
    # text/plain holds the repr: myst-nb's {glue:text} literal-evals it ('2,81' would become a tuple)
    bundle = {GLUE_PREFIX + "text/plain": repr(text), GLUE_PREFIX + "text/markdown": text,
              RESULT_MIME: json.dumps(record, ensure_ascii=False)}
    _display(bundle, {"scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX}})
    return text


def glue_result(ctx: Context, key: str, page: str, kind: str = "number", name: str | None = None,
                missing: str | None = None) -> str:
    """Glue a number computed elsewhere in the build (ctx.results, the same table the
    chapters and results.csv use) under `name` (default: the key). `kind`: 'number' (two
    decimals), 'signed', 'count', 'percent' (whole per cent) or 'abs' (two decimals, no
    sign). A key the results do not hold stops the chapter, unless `missing` gives the text
    to show instead (e.g. for a survey wave that is not in the extract)."""
    values = ctx.results.drop_duplicates("key").set_index("key")["value"]
    if key not in values.index:
        if missing is not None:
            return glue_text(name or key, missing)
        raise KeyError(f"{key!r} is not among the computed results")
    value = values[key]
    if value == SUPPRESSED:
        return glue(name or key, SUPPRESSED, "(skjult)", page=page)
    text = {"number": lambda v: number(v), "signed": lambda v: number(v, sign=True),
            "count": lambda v: count(int(v)), "percent": lambda v: f"{number(v, 0)} %",
            "abs": lambda v: number(abs(float(v)))}[kind](value)
    return glue(name or key, int(value) if kind == "count" else float(value), text, page=page)


def join(labels: list[str], last: str = "og") -> str:
    """['a', 'b', 'c'] -> 'a, b og c'."""
    labels = list(labels)
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + f" {last} " + labels[-1]


def direction(value: float, up: str = "stiger", down: str = "falder", flat: str = "er uændret",
              decimals: int = 2) -> str:
    """The verb that matches the sign of a change as printed (so prose follows the data)."""
    rounded = round(float(value), decimals)
    return up if rounded > 0 else down if rounded < 0 else flat


def glue_text(key: str, text: str) -> str:
    """Glue a word or phrase that depends on the data (not recorded as a number)."""
    bundle = {GLUE_PREFIX + "text/plain": repr(text), GLUE_PREFIX + "text/markdown": text}
    _display(bundle, {"scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX}})
    return text


def glue_figure(key: str, fig) -> None:
    """Glue a matplotlib figure for a `glue:figure` directive (numbered, with caption)."""
    from myst_nb import glue as nb_glue
    nb_glue(key, fig, display=False)


def markdown(text: str) -> None:
    """Show MyST markdown (rendered by the book as if written in a markdown cell)."""
    _display({"text/markdown": text, "text/plain": text})


def _cell(value) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if text.strip() else "\u00a0"   # an empty LaTeX cell would add a blank line


NUMERIC = re.compile(r"^[\s\d.,%*+\-–x<()]*$")


def table(frame: pd.DataFrame, caption: str, name: str, notes: list[str] | None = None,
          index: bool = False, widths: list[int] | None = None,
          right: tuple[int, ...] | None = None) -> None:
    """Show a numbered table (`Tabel n: caption`) with notes, in HTML and PDF."""
    markdown(table_markdown(frame, caption, name, notes, index, widths, right))


def table_markdown(frame: pd.DataFrame, caption: str, name: str, notes: list[str] | None = None,
                   index: bool = False, widths: list[int] | None = None,
                   right: tuple[int, ...] | None = None) -> str:
    """The MyST of a table: columns holding numbers are right-aligned, text left (or give
    `right`, the column positions to right-align); `widths` are relative PDF widths."""
    frame = frame.reset_index() if index else frame
    if right is None:
        right = tuple(i for i, col in enumerate(frame.columns)
                      if i > 0 and all(NUMERIC.match(str(v)) for v in frame[col]))
    header = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    align = "|" + "|".join("---:" if i in right else ":---" for i in range(len(frame.columns))) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    lines = []
    if widths:
        total = sum(widths)
        spec = "".join(">{" + ("\\raggedleft" if i in right else "\\raggedright")
                       + f"\\arraybackslash}}\\X{{{w}}}{{{total}}}" for i, w in enumerate(widths))
        lines += [f"```{{tabularcolumns}} {spec}", "```", ""]
    lines += [f":::{{table}} {caption}", f":name: {name}", ":align: left", "", header, align, *body, ":::"]
    if notes:
        lines += ["", " ".join(notes)]
    return "\n".join(lines)


def score_band_table(dist: pd.DataFrame, labels: dict[str, str], min_cell: int, n: int, name: str) -> None:
    """The number of completers with each score at the time points (`score_distribution`),
    the sparse score values in bands (results.TABEL6_BANDS) and small cells hidden."""
    from analysis.disclosure.rules import legend
    from analysis.compute.results import TABEL6_BANDS, tabel6_disclosed
    from analysis.reference.scoring import SCALE_LABELS

    def band_label(band):
        if band == ("na",):
            return "NA (ingen score i ugen)"
        names = ", ".join(SCALE_LABELS[int(s)] for s in band)
        return f"{band[0]} {names}" if len(band) == 1 else f"{band[-1]}–{band[0]} {names}"

    disclosed = tabel6_disclosed(dist, min_cell).render(count)
    disclosed.index = [band_label(b) for b in TABEL6_BANDS]
    disclosed = disclosed.rename(columns=labels).reset_index().rename(columns={"index": "Antal kursister"})
    table(disclosed, caption="Antal kursister med de enkelte værdier af beskæftigelsesscoren før og efter kurset",
          name=name,
          notes=[f"Kilde: DREAM. N = {count(n)} kursister, der har gennemført kurset. "
                 "Scoreværdier, som kun få kursister har, er slået sammen, så ingen celle med under "
                 f"{min_cell} personer kan udledes af tabellens gennemsnit.",
                 legend(min_cell)], widths=[9] + [3] * len(labels))


def model_table(estimates: pd.DataFrame, label: str) -> pd.DataFrame:
    """The report's model table: rows Inden/Efter kursus, Skæringspunkt, Koefficient."""
    rows = []
    periods = [("inden", "Inden kursus"), ("efter", "Efter kursus")]
    names = {"intercept": "Skæringspunkt", "coef": "Koefficient"}
    for period, title in periods:
        part = estimates[estimates["period"] == period]
        if part.empty:
            continue
        rows.append({label: f"**{title}**", "Estimat": "", "Signifikans": ""})
        for term in ("intercept", "coef"):
            row = part[part["term"] == term].iloc[0]
            shown = bool(row["published"])
            rows.append({label: names[term], "Estimat": number(row["estimate"]) if shown else SUPPRESSED,
                         "Signifikans": (row["stars"] or "") if shown else ""})
    interaction = estimates[estimates["period"] == "interaction"]
    if not interaction.empty:
        row = interaction.iloc[0]
        shown = bool(row["published"])
        rows.append({label: "Før-efter-model", "Estimat": number(row["estimate"]) if shown else SUPPRESSED,
                     "Signifikans": (row["stars"] or "") if shown else ""})
    return pd.DataFrame(rows)


def star_note(inference: str) -> str:
    errors = ("standardfejl klynget på person" if inference == "cluster"
              else "almindelige OLS-standardfejl (som i den publicerede rapport)")
    return f"Signifikans: {STAR_LEGEND}; {errors}."


# ---------------------------------------------------------------- figures

def figure_style() -> None:
    """Matplotlib house style; SVG in the HTML, vector PDF in the LaTeX build."""
    import matplotlib as mpl
    from matplotlib_inline.backend_inline import set_matplotlib_formats
    set_matplotlib_formats("svg", "pdf")
    mpl.rcParams.update({
        "figure.figsize": (7.0, 3.6), "figure.dpi": 110, "font.size": 10, "axes.titlesize": 10,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
        "grid.color": "#e6e6e6", "grid.linewidth": 0.6, "legend.frameon": False,
        "svg.fonttype": "none", "pdf.fonttype": 42,
        "axes.unicode_minus": False,   # a hyphen for minus, as in the text and the tables
    })


def decimal_comma_axis(ax, decimals: int = 1) -> None:
    from matplotlib.ticker import FuncFormatter
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, decimals)))


def weekly_figure(series: list[tuple[str, pd.DataFrame, str]], course_weeks: int,
                  segments: list[tuple[str, list[tuple[float, float, float, float]]]] | None = None,
                  weeks: tuple[int, int] = (-26, 26), ylim: tuple[float, float] | None = None,
                  ylabel: str = "Gennemsnitlig beskæftigelsesscore"):
    """Weekly mean score per series (label, frame with week and mean, colour), course weeks
    shaded light blue, and straight model segments (colour, [(x0, y0, x1, y1), ...])."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.axvspan(0.5, course_weeks + 0.5, color=COLORS["lightblue"], zorder=0, label="Kursusuger")
    for label, frame, colour in series:
        frame = frame[(frame["week"] >= weeks[0]) & (frame["week"] <= weeks[1])]
        ax.plot(frame["week"], frame["mean"], color=colour, linewidth=1.6, label=label)
    for colour, lines in segments or []:
        for x0, y0, x1, y1 in lines:
            ax.plot([x0, x1], [y0, y1], color=colour, linewidth=1.2, linestyle="--")
    ax.set_xlim(weeks[0] - 0.5, weeks[1] + 0.5)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_xlabel("Antal uger ift. kursusstart")
    ax.set_ylabel(ylabel)
    decimal_comma_axis(ax)
    ax.legend(loc="upper left", fontsize=8, ncols=3)
    fig.tight_layout()
    plt.close(fig)
    return fig
