"""What the chapter notebooks call: the statistics bundle (and nothing else), Danish number
formats, glue for the prose, and tables and figures in the house style.

A chapter stays thin; its parameters are the edition and the bundle:

    ctx = book.context(edition, bundle)
    book.glue_value(ctx, "tabel6.mean.w0")            # {glue:text}`tabel6.mean.w0` in the prose
    book.table(frame, caption="...", name="tabel-6", notes=[...])

Nothing here (or in anything a chapter imports) can read an extract: the render stage sees
only the bundle (tests/test_stages.py checks the imports).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
from babel.numbers import format_decimal

from analysis.bundle.store import Bundle
from analysis.disclosure.rules import SUPPRESSED
from analysis.editions import Edition, get_edition
from analysis.rounding import half_up

LOCALE = "da_DK"
GLUE_PREFIX = "application/papermill.record/"
STAR_LEGEND = "* p<0,05, ** p<0,01, *** p<0,001"
# One colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design"), one meaning per
# colour across the book: black is the whole group (all completers, "samlet"), grey reference
# lines and "ved ikke", light blue the course weeks, vermillion ("red") only the end of the
# register data; the groups of one comparison take SERIES in their declared order (blue,
# orange, sky blue, bluish green, reddish purple), and an ordered answer scale runs from
# blue (best) to orange (worst). No red-green pair anywhere.
COLORS = {"black": "#000000", "blue": "#0072B2", "red": "#D55E00", "lightblue": "#cfe3f5",
          "grey": "#8c8c8c", "green": "#009E73", "orange": "#E69F00", "purple": "#CC79A7",
          "skyblue": "#56B4E9"}
SERIES = [COLORS["blue"], COLORS["orange"], COLORS["skyblue"], COLORS["green"], COLORS["purple"]]


# ---------------------------------------------------------------- numbers in Danish

MINUS = "\u2212"          # U+2212, the minus sign of Danish typography
NBSP = "\u00a0"           # before "%", between "uge" and its number
EN_DASH = "\u2013"        # in ranges: "25–35 år", "uge 1–7"


def number(value, decimals: int = 2, sign: bool = False) -> str:
    """2.8101 -> '2,81'; -0.6742 -> '−0,67' (U+2212); 1.45 -> '1,5' with one decimal
    (analysis.rounding.half_up); sign=True gives '+1,46' for positive values; 'x' stays
    'x'. Decimal comma and '.' for thousands (Danish, babel's da_DK)."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return EN_DASH
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(half_up(value, decimals), format=pattern, locale=LOCALE)
    text = text.replace("-", MINUS)
    return ("+" + text) if sign and float(value) > 0 and text != number(0.0, decimals) else text


def count(value) -> str:
    """A count without decimals: 12345 -> '12.345'; 303.0 -> '303'; 'x' stays 'x'."""
    if isinstance(value, str):
        return value
    return format_decimal(int(half_up(value)), format="#,##0", locale=LOCALE).replace("-", MINUS)


def pct(value, decimals: int = 1) -> str:
    """88.4 (already a percentage) -> '88,4 %' with a no-break space before '%'."""
    return value if isinstance(value, str) else f"{number(value, decimals)}{NBSP}%"


# the rules of `typeset`, in order: (pattern, replacement)
_TYPESET = [
    (re.compile(r"(?<![\w.,\-\u2212])-(?=\d)"), MINUS),                       # '-0,67', 'uge -26'
    # '25-35' -> '25–35' (an ISO date '2025-04-01' is left alone)
    (re.compile(r"(?<!\d{4}-\d\d)(?<=\d) ?- ?(?=\d)(?!\d-\d)(?!\d\d-\d)"), EN_DASH),
    (re.compile(r"(?<=\d)[ \u2009]?%"), NBSP + "%"),                             # '88,4 %' unbreakable
    (re.compile(r"\b([Uu]ge|[Uu]gerne|[Hh]old) (?=[\u2212\d])"), "\\1" + NBSP),   # 'uge 26', 'Hold 3'
    (re.compile(r"\bN ?= ?(?=[\d\u2212x])"), "N" + NBSP + "=" + NBSP),             # 'N = 268'
    (re.compile(r"([<>≤≥]) (?=[\d\u2212])"), "\\1" + NBSP),                             # '< 0,001' whole
]


SOURCE_LINE = re.compile(r"(Kilder?:\s+)([^.;]*?(?:DREAM|registrering|spørgeskema)[^.;]*?)([.;])", re.IGNORECASE)


def mark_sources(text: str) -> str:
    """'Kilde: DREAM. N = 268' -> 'Kilde: DREAM (syntetiske data). N = 268': in a book built on
    synthetic data, every source line that names a data source (DREAM, the registrations,
    the surveys) says so, so that a table or chart lifted out of the book still does."""
    return SOURCE_LINE.sub(lambda m: m.group(0) if "syntetisk" in m.group(2)
                           else f"{m.group(1)}{m.group(2)} (syntetiske data){m.group(3)}", text)


def typeset(text: str) -> str:
    """Danish typography for text the book shows (prose glued from data, table cells,
    captions, notes, chart labels): U+2212 for a minus before a number, an en dash in a
    range of numbers ('25-35 år' -> '25–35 år'), a no-break space before '%', after 'uge'
    and 'Hold' when a number follows, and around '=' in 'N = 268'. The one place these rules live
    (Retskrivningsordbogen §§ 14, 29, 56; Sprognævnets anbefaling om procenttegn).

    Not for MyST markup itself (labels like 'tabel-6' have no digit before the hyphen and
    are left alone, but a date '2025-04-01' would become a range): pass text, not markup."""
    for pattern, replacement in _TYPESET:
        text = pattern.sub(replacement, text)
    return text


# ---------------------------------------------------------------- the bundle

@dataclass
class Context:
    """What a chapter knows: the edition's settings and its statistics bundle."""
    edition: Edition
    bundle: Bundle

    @property
    def min_cell(self) -> int:
        return self.bundle.min_cell

    @property
    def inference(self) -> str:
        return self.bundle.inference

    @property
    def synthetic(self) -> bool:
        return self.bundle.synthetic

    @cached_property
    def results(self) -> pd.DataFrame:
        """key, value, page: every scalar of the bundle (hidden 'x')."""
        return self.bundle.results()

    @cached_property
    def models(self) -> pd.DataFrame:
        """Every model estimate (the bundle's estimates) with `published` (not hidden)."""
        estimates = self.bundle.estimates.copy()
        estimates["published"] = estimates["status"].eq("shown")
        return estimates

    def model(self, group: str, model: str = "two_point") -> pd.DataFrame:
        return self.models[(self.models["group"] == group) & (self.models["model"] == model)]

    def value(self, key: str):
        return self.bundle.value(key)

    def has(self, key: str) -> bool:
        return self.bundle.has(key)

    def table(self, name: str) -> pd.DataFrame:
        return self.bundle.table(name)

    def figure(self, name: str) -> pd.DataFrame:
        return self.bundle.figure(name)


@lru_cache(maxsize=4)
def context(edition: str = "final-2025", bundle: str | None = None) -> Context:
    """The chapter's context: `bundle` is the bundle directory (default: where `compute`
    writes the edition's bundle). Raises BundleError when there is no bundle, or it
    belongs to another edition."""
    return Context(get_edition(edition), Bundle.open(bundle or get_edition(edition).bundle, edition))


def data_statement(bundle: Bundle) -> str:
    """The banner: which data the book was built on (from the bundle's manifest)."""
    extract = bundle.manifest.get("extract", {})
    if extract.get("synthetic"):
        return ("Bygget på syntetiske data, kalibreret til den publicerede rapport. "
                "Tallene er ikke registerdata og kan ikke bruges som resultater.")
    return f"Bygget på dataudtrækket {extract.get('name', '')} ({extract.get('date', '')})."


# ---------------------------------------------------------------- output for the book

def _display(bundle: dict, metadata: dict | None = None) -> None:
    from IPython.display import display
    display(bundle, raw=True, metadata=metadata or {})


def glue(key: str, value, text: str | None = None, decimals: int = 2) -> str:
    """Glue a value for `{glue:text}` in the prose: `text`, or the Danish formatting of
    `value` (an int as a count, a float with `decimals` decimals). For values a page
    derives from the bundle or from reference content; a bundle scalar is glued with
    `glue_value`."""
    if text is None:
        text = count(value) if isinstance(value, (int, np.integer)) else number(value, decimals)
    return glue_text(key, text)


FORMATS = {"number": lambda v: number(v), "signed": lambda v: number(v, sign=True),
           "count": lambda v: count(int(v)), "percent": lambda v: pct(v, 0), "pct": lambda v: pct(v, 1),
           "abs": lambda v: number(abs(float(v))), "text": str}
DEFAULT_FORMAT = {"count": "count", "number": "number", "percent": "pct", "text": "text", "setting": "number"}


def value_text(ctx: Context, key: str, kind: str | None = None, hidden: str = "(skjult)") -> str:
    """The Danish text of the bundle scalar `key`: `kind` is one of FORMATS ('number': two
    decimals, 'signed', 'count', 'percent': whole per cent, 'pct': one decimal, 'abs',
    'text'), by default the scalar's own kind. A hidden value gives `hidden`. Raises
    KeyError when the bundle lacks the key."""
    value = ctx.value(key)
    if value == SUPPRESSED:
        return hidden
    if value is None:
        return "–"
    if kind is None:
        row = ctx.bundle.scalars.loc[key]
        kind = DEFAULT_FORMAT[row["kind"]]
        if row["kind"] == "setting" and int(row["decimals"]) == 0:
            kind = "count"
    return FORMATS[kind](value)


def glue_value(ctx: Context, key: str, kind: str | None = None, name: str | None = None,
               missing: str | None = None) -> str:
    """Glue the bundle scalar `key` under `name` (default: the key) as `value_text` formats
    it. A key the bundle does not hold stops the chapter (KeyError), unless `missing` gives
    the text to show instead (e.g. for a survey wave that is not in the extract)."""
    if missing is not None and not ctx.has(key):
        return glue_text(name or key, missing)
    return glue_text(name or key, value_text(ctx, key, kind))


def week_text(week: str | int) -> str:
    """An ISO week as the report writes it: '2023-W39' (or its week index) -> 'uge 39 i 2023'."""
    from analysis.weeks import iso_year_week, parse_week_label
    index = parse_week_label(week) if isinstance(week, str) else int(week)
    year, number = iso_year_week(index)
    return f"uge {number} i {year}"


def join(labels: list[str], last: str = "og") -> str:
    """['a', 'b', 'c'] -> 'a, b og c'."""
    labels = list(labels)
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + f" {last} " + labels[-1]


# ---------------------------------------------------------------- words that follow tests
#
# Every direction word ("stiger", "falder") and every comparison between groups in the prose
# comes from `claim` or `comparison`, which read a test's finding: 'rise' or 'fall' (the test
# rejects "no change" / "no difference" at 5 %, two-sided), 'none' (it does not) or
# 'untested' (no test: too few teams, or a withheld estimate). The finding is decided at
# compute time on the exact p (analysis.register.inference.finding) and published in the
# bundle: the estimates' `finding` column, the `cmp.<name>.finding` scalars of the
# differences between groups, the survey's paired tests.

FINDINGS = ("rise", "fall", "none", "untested", "withheld")
# a change over time as a Danish clause, in parts: (verb, reflexive pronoun, sentence
# adverbial, the rest). The parts are ordered by `claim` for the clause it stands in:
# a main clause puts the sentence adverbial ("ikke") after the finite verb (and after an
# unstressed pronoun, "sig"), a subordinate clause ("mens", "at", "fordi") before it
# (Diderichsen's sætningsskema: P. Diderichsen, Elementær dansk grammatik, 1946; E. Hansen &
# L. Heltoft, Grammatik over det Danske Sprog, 2011).
VERB_CLAUSES = {
    "rise": ("stiger", "", "", "signifikant"),
    "fall": ("falder", "", "", "signifikant"),
    "none": ("ændrer", "sig", "ikke", "signifikant"),
    "untested": ("ændrer", "sig", "", ", uden at ændringen kan testes"),
    # hidden by the disclosure rules (the change would give away a cell under the minimum)
    "withheld": ("vises", "", "ikke", "af hensyn til diskretionen"),
}
ORDERS = ("main", "inverted", "sub")
CLAIMS = {
    # a change over time, as the verb phrase after its subject: "scoren stiger signifikant"
    "verb": {f: " ".join(w for w in (v, r, a, rest) if w).replace(" ,", ",")
             for f, (v, r, a, rest) in VERB_CLAUSES.items()},
    # ... as a noun phrase: "der ses en signifikant stigning"
    "noun": {"rise": "en signifikant stigning", "fall": "et signifikant fald",
             "none": "ingen signifikant ændring", "untested": "en ændring, der ikke kan testes",
             "withheld": "en ændring, der ikke vises af hensyn til diskretionen"},
    # ... as an adjective of a development: "udviklingen er signifikant stigende"
    "trend": {"rise": "signifikant stigende", "fall": "signifikant faldende",
              "none": "uden signifikant stigning eller fald", "untested": "ikke testbar",
              "withheld": "ikke vist af hensyn til diskretionen"},
    # a paired survey test, where 'rise' is a change towards the better end of the scale
    "better": {"rise": "en signifikant forbedring", "fall": "en signifikant forværring",
               "none": "ingen signifikant ændring", "untested": "en ændring, der ikke kan testes",
               "withheld": "en ændring, der ikke vises af hensyn til diskretionen"},
    # a difference of slopes (the interaction): "ændringen pr. uge er signifikant større"
    "slope": {"rise": "signifikant større", "fall": "signifikant mindre",
              "none": "ikke signifikant anderledes", "untested": "uden at forskellen kan testes",
              "withheld": "ikke vist af hensyn til diskretionen"},
}
COMPARISONS = {
    # a difference of levels, a minus b
    "level": {"rise": "{a} ligger signifikant højere end {b}", "fall": "{a} ligger signifikant lavere end {b}",
              "none": "forskellen mellem {a} og {b} er ikke signifikant",
              "untested": "forskellen mellem {a} og {b} kan ikke testes",
              "withheld": "forskellen mellem {a} og {b} vises ikke af hensyn til diskretionen"},
    # a difference of changes, a minus b
    "change": {"rise": "ændringen er signifikant større for {a} end for {b}",
               "fall": "ændringen er signifikant mindre for {a} end for {b}",
               "none": "ændringen for {a} er ikke signifikant forskellig fra ændringen for {b}",
               "untested": "forskellen mellem ændringerne for {a} og {b} kan ikke testes",
               "withheld": "forskellen mellem ændringerne for {a} og {b} vises ikke af hensyn til diskretionen"},
}


def claim(finding: str, form: str = "verb", subject: str | None = None, order: str = "inverted") -> str:
    """The Danish words for a test's finding ('rise', 'fall', 'none', 'untested',
    'withheld' by the disclosure rules; '' or None count as 'untested') in one of the forms of CLAIMS: 'verb' ('stiger
    signifikant', the verb phrase after its subject), 'noun' ('en signifikant stigning'),
    'trend' ('signifikant stigende'), 'slope' ('signifikant større'), 'better' ('en
    signifikant forbedring').

    With `subject` (form 'verb' only), the whole clause in the word order `order`:
    'inverted' (the default: a main clause that starts with an adverbial, verb second:
    '[I halvåret før kurset] ændrer scoren sig ikke signifikant'), 'main' ('scoren ændrer
    sig ikke signifikant') or 'sub' (a subordinate clause, 'ikke' before the verb: '[mens]
    scoren ikke ændrer sig signifikant'); word order after VERB_CLAUSES. Raises KeyError
    for an unknown form or finding, ValueError for an unknown order or a subject with a
    form other than 'verb'."""
    finding = finding or "untested"
    if subject is None:
        return CLAIMS[form][finding]
    if form != "verb":
        raise ValueError(f"a subject needs the form 'verb', not {form!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    verb, pronoun, adverbial, rest = VERB_CLAUSES[finding]
    parts = {"main": (subject, verb, pronoun, adverbial, rest),
             "inverted": (verb, subject, pronoun, adverbial, rest),
             "sub": (subject, adverbial, verb, pronoun, rest)}[order]
    return " ".join(w for w in parts if w).replace(" ,", ",")


def comparison(finding: str, a: str, b: str, kind: str = "change") -> str:
    """The sentence part comparing two groups from the test of their difference (a minus b):
    kind 'change' (their changes) or 'level' (their levels), e.g. 'ændringen for mænd er
    ikke signifikant forskellig fra ændringen for kvinder'. Only a significant finding
    gives 'større', 'højere', 'lavere' or 'mindre'."""
    return COMPARISONS[kind][finding or "untested"].format(a=a, b=b)


# the confidence level of every interval the book shows (analysis.register.inference.LEVEL)
CI_LEVEL = "95 %"


def p_text(p) -> str:
    """A p-value as printed: 'p = 0,142', 'p < 0,001' (p published as 0), '' when missing."""
    if p is None or isinstance(p, str) or (isinstance(p, float) and np.isnan(p)):
        return ""
    return "p < 0,001" if float(p) < 0.001 else f"p = {number(p, 3)}"


def interval(low, high, decimals: int = 2) -> str:
    """A 95 % interval as printed: '1,09 til 1,83'; '–' when either end is missing."""
    if any(v is None or isinstance(v, str) or np.isnan(float(v)) for v in (low, high)):
        return "–"
    return f"{number(low, decimals)} til {number(high, decimals)}"


def test_text(row) -> str:
    """An estimate's test as the prose cites it (`row`: an estimates row with ci_low, ci_high
    and p; a Series or a named tuple): '95 %-konfidensinterval 1,09 til 1,83; p < 0,001'."""
    low, high, p = (row[k] if isinstance(row, (dict, pd.Series)) else getattr(row, k) for k in ("ci_low", "ci_high", "p"))
    return f"{CI_LEVEL}-konfidensinterval {interval(low, high)}; {p_text(p)}"


def diagram_canvas(width: float, height: float):
    """A blank figure of `width` x `height` inches whose axes span it in inch units (no
    frame, no ticks), for the drawn diagrams (timeline, theory of change, nested sets).
    Returns (fig, ax)."""
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax


def glue_comparison(ctx: "Context", name: str, kind: str = "change", a: str | None = None,
                    b: str | None = None) -> str:
    """Glue the comparison cmp.<name> of the bundle (analysis.compute.subgroups) as
    `cmp.<name>` (the words of `comparison`, a main clause: use it after a colon or a
    semicolon, or capitalised as `cmp.<name>.cap` to start a sentence; Danish places
    'ikke' differently in an at-clause), `cmp.<name>.test` ('p = …') and the labels
    `cmp.<name>.a` / `.b` (or `a`, `b` given). A comparison the bundle lacks (a group
    withheld) is glued as not testable."""
    prefix = f"cmp.{name}"
    if not ctx.has(f"{prefix}.finding"):
        glue_text(f"{prefix}.test", "ikke testet")
        words = comparison("untested", a or "grupperne", b or "de øvrige", kind)
        glue_text(f"{prefix}.cap", words[:1].upper() + words[1:])
        return glue_text(prefix, words)
    a = a or ctx.value(f"{prefix}.a")
    b = b or ctx.value(f"{prefix}.b")
    glue_text(f"{prefix}.a", a)
    glue_text(f"{prefix}.b", b)
    glue_text(f"{prefix}.test", p_text(ctx.value(f"{prefix}.p")))
    words = comparison(ctx.value(f"{prefix}.finding"), a, b, kind)
    glue_text(f"{prefix}.cap", words[:1].upper() + words[1:])
    return glue_text(prefix, words)


def glue_text(key: str, text: str) -> str:
    """Glue a word or phrase for `{glue:text}`."""
    bundle = {GLUE_PREFIX + "text/plain": repr(text), GLUE_PREFIX + "text/markdown": text}
    _display(bundle, {"scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX}})
    return text


DATA_DIR = "_data"        # the staged book's folder of CSV files (written by the build driver)
CSV_LINK = {"table": "Tal bag tabellen (CSV)", "figure": "Tal bag figuren (CSV)"}


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as the book publishes it for download: ';'-separated with the decimal comma
    (as a Danish spreadsheet reads it, and as the front page promises), a table's cells
    exactly as the page shows them, a figure's numbers unrounded; no index. A number in a
    column that also holds text (a hidden 'x') gets the decimal comma too (pandas' `decimal`
    reaches numeric columns only)."""
    def comma(value):
        if isinstance(value, (float, np.floating)) and not np.isnan(value):
            return repr(float(value)).replace(".", ",")
        return value
    frame = frame.copy()
    for i in range(frame.shape[1]):           # by position: any column name, repeated ones too
        if frame.iloc[:, i].dtype == object:
            frame.iloc[:, i] = frame.iloc[:, i].map(comma)
    return frame.to_csv(sep=";", decimal=",", index=False, lineterminator="\n")


def data_metadata(name: str, frame: pd.DataFrame, alt: str | None = None) -> dict:
    """The output metadata that carries a table's or figure's numbers: the build driver
    writes `csv` to `_data/<name>.csv` in the staged book (analysis.build.driver
    .write_data_files), the book's Sphinx extension (_ext/tpj_house.py) puts `alt` on the
    image and links the CSV under the figure."""
    if frame is None or frame.empty:
        raise ValueError(f"{name}: a table or figure needs the data behind it")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name):
        raise ValueError(f"{name!r}: a data file name is lower-case letters, digits, '-', '_' and '.'")
    return {"tpj": {"csv": {"name": f"{name}.csv", "text": csv_text(frame)}, **({"alt": alt} if alt else {})}}


def data_link(name: str, kind: str = "table") -> str:
    """MyST for the download link of `_data/<name>.csv` (in the HTML only)."""
    return f":::{{only}} html\n{{download}}`{CSV_LINK[kind]} </{DATA_DIR}/{name}.csv>`\n:::"


def attach(fig, data: pd.DataFrame, alt: str):
    """Attach to a figure the numbers it draws and the alt text that says what it shows:
    the function that draws a chart knows both (`glue_figure` publishes them). Returns fig."""
    fig.tpj_data, fig.tpj_alt = data, alt
    return fig


def glue_figure(key: str, fig, data: pd.DataFrame | None = None, alt: str | None = None) -> None:
    """Glue a matplotlib figure for a `glue:figure` directive (numbered, with caption), with
    the numbers it draws (`data`, read from the bundle: published as `_data/<key>.csv` and
    linked under the figure) and its alt text (`alt`, e.g. from `alt_series` or `alt_bars`);
    both default to what the drawing function `attach`ed. Raises ValueError without data."""
    import matplotlib.pyplot as plt
    from IPython.core.formatters import format_display_data
    data = data if data is not None else getattr(fig, "tpj_data", None)
    alt = alt or getattr(fig, "tpj_alt", None)
    if not alt:
        raise ValueError(f"figure {key}: no alt text (attach it where the figure is drawn)")
    mimebundle, metadata = format_display_data(fig)
    plt.close(fig)
    metadata = {**metadata, "scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX},
                **data_metadata(key, data, alt)}
    _display({GLUE_PREFIX + mime: value for mime, value in mimebundle.items()}, metadata)


def show_figure(key: str, fig, data: pd.DataFrame | None = None, alt: str | None = None) -> None:
    """Show a figure without number or caption where the code runs (e.g. a survey chart in
    Bilag 2–11), with its data and alt text as in `glue_figure`. `key` is unique in the book."""
    glue_figure(key, fig, data, alt)
    _display({"text/markdown": f"```{{glue:figure}} {key}\n```", "text/plain": ""})


def keep_with_figure(fig, lines: int = 4) -> None:
    """In the PDF, start a new page unless the figure and `lines` lines of heading and source
    fit on this one (so a heading is never left at the foot of a page without its chart).
    The height is the figure's, scaled as LaTeX scales it to the text width."""
    width, height = fig.get_size_inches()
    scaled = height * min(1.0, 6.1 / width)
    raw = f"```{{raw}} latex\n\\needspace{{\\dimexpr {scaled:.2f}in+{lines}\\baselineskip\\relax}}\n```"
    _display({"text/markdown": raw, "text/plain": ""})


def alt_series(title: str, frame: pd.DataFrame, x_label: str = "uge", decimals: int = 2) -> str:
    """Alt text of a line chart from its data (`frame`: series, x, y as in the bundle's
    series file): the title, then each line's first and last point and its range."""
    parts = [f"Linjediagram: {title}."]
    for name, part in frame.groupby("series", sort=False):
        part = part.dropna(subset=["y"]).sort_values("x")
        if part.empty:
            continue
        first, last = part.iloc[0], part.iloc[-1]
        parts.append(f"{name}: {number(first['y'], decimals)} i {x_label} {number(first['x'], 0)}, "
                     f"{number(last['y'], decimals)} i {x_label} {number(last['x'], 0)}; laveste "
                     f"{number(part['y'].min(), decimals)}, højeste {number(part['y'].max(), decimals)}.")
    return " ".join(parts)


def alt_bars(title: str, rows: list[tuple[str, dict[str, object]]], unit: str = "%") -> str:
    """Alt text of a bar chart from its data: the title, then per bar (label, {segment:
    value}) its shown values in order ('x' for a hidden value)."""
    parts = [f"Søjlediagram: {title}."]
    for label, values in rows:
        shown = [f"{name} {value if isinstance(value, str) else number(value, 0)}{NBSP}{unit}".rstrip()
                 if unit else f"{name} {value if isinstance(value, str) else number(value, 0)}"
                 for name, value in values.items()]
        parts.append(f"{label}: " + ", ".join(shown) + ".")
    return " ".join(parts)


def markdown(text: str) -> None:
    """Show MyST markdown (rendered by the book as if written in a markdown cell)."""
    _display({"text/markdown": text, "text/plain": text})


def _cell(value) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if text.strip() else "\u00a0"   # an empty LaTeX cell would add a blank line


# a cell of a number column: numbers, signs, stars, 'x' (hidden), and intervals '1,08 til 1,84'
NUMERIC = re.compile(r"^(?:[\s\d.,%*+\-–\u2212x<()]|(?<=\d )til(?= [\d\u2212-]))*$")


def table(frame: pd.DataFrame, caption: str, name: str, notes: list[str] | None = None,
          index: bool = False, widths: list[int] | None = None,
          right: tuple[int, ...] | None = None) -> None:
    """Show a numbered table (`Tabel n: caption`) with notes, in HTML and PDF, and its cells
    as a CSV download (`_data/<name>.csv`, linked under the table in the HTML)."""
    text = table_markdown(frame, caption, name, notes, index, widths, right) + "\n\n" + data_link(name)
    _display({"text/markdown": text, "text/plain": text},
             data_metadata(name, frame.reset_index() if index else frame))


def download(frame: pd.DataFrame, name: str, label: str) -> None:
    """A table published only as a CSV download (`_data/<name>.csv`), e.g. a comparison too
    long for the page: a link `label` in the HTML, nothing in the PDF."""
    text = f":::{{only}} html\n{{download}}`{label} </{DATA_DIR}/{name}.csv>`\n:::"
    _display({"text/markdown": text, "text/plain": text}, data_metadata(name, frame))


def table_markdown(frame: pd.DataFrame, caption: str, name: str, notes: list[str] | None = None,
                   index: bool = False, widths: list[int] | None = None,
                   right: tuple[int, ...] | None = None) -> str:
    """The MyST of a table: columns holding numbers are right-aligned and aligned on the
    decimal comma (`align_decimals`), text left (or give `right`, the column positions to
    right-align). The PDF sets every table at full width, its columns wide enough for every
    header word in bold and every number on one line (`column_widths`); `widths` are
    relative weights for the space left over (default: the columns' text length)."""
    frame = frame.reset_index() if index else frame
    if right is None:
        right = tuple(i for i, col in enumerate(frame.columns)
                      if i > 0 and all(NUMERIC.match(str(v)) for v in frame[col]))
    shown = frame.astype(object)       # numbers of an int column become padded text
    for i in right:
        shown.iloc[:, i] = align_decimals([str(v) for v in frame.iloc[:, i]])
    header = "| " + " | ".join(_cell(c) for c in shown.columns) + " |"
    align = "|" + "|".join("---:" if i in right else ":---" for i in range(len(shown.columns))) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    points = column_widths(shown, right, widths)
    tenths = [int(round(10 * w)) for w in points]      # \X{w}{total}: tenths of a point
    total = sum(tenths)
    spec = "".join(">{" + ("\\raggedleft" if i in right else "\\raggedright")
                   + f"\\arraybackslash}}\\X{{{w}}}{{{total}}}" for i, w in enumerate(tenths))
    lines = [f"```{{tabularcolumns}} {spec}", "```", ""]
    lines += [_keep_together(shown, points, notes), ""]
    lines += [f":::{{table}} {caption}", f":name: {name}", ":align: left", "", header, align, *body, ":::"]
    if notes:
        lines += ["", " ".join(notes)]
    return "\n".join(lines)


FIGURE_SPACE = "\u2007"        # as wide as a digit (tpj.sty: \\hphantom{0}; HTML: tabular figures)
PUNCTUATION_SPACE = "\u2008"   # as wide as the decimal comma (tpj.sty: \\hphantom{,})
_LAST_NUMBER = re.compile(r"\d+(?:\.\d{3})*(?:,(\d+))?(?!.*\d)")


def align_decimals(cells: list[str]) -> list[str]:
    """The cells of a right-aligned column, each number padded on the right with invisible
    space to the column's largest number of decimals, so that right-aligned numbers line up
    on the decimal comma: ['12', '5,5 %', '0,25'] -> ['12' + 3 spaces, '5,5' + 1 space + ' %',
    '0,25']; the digits printed are unchanged (no '12,00'). The padding is U+2008 for a
    missing comma and U+2007 per missing digit (the LaTeX style sets them as phantoms of ','
    and '0'; the site's tables use tabular figures). The last number of a cell is the one
    aligned ('2,48 til 3,14'); a cell without a number ('x', '***', '–') is left as it is."""
    found = [_LAST_NUMBER.search(c) for c in cells]
    decimals = [len(m.group(1) or "") if m else 0 for m in found]
    most = max(decimals, default=0)
    if most == 0:
        return list(cells)
    out = []
    for cell, match, have in zip(cells, found, decimals):
        if match is None or have == most:
            out.append(cell)
            continue
        pad = ("" if have else PUNCTUATION_SPACE) + FIGURE_SPACE * (most - have)
        out.append(cell[:match.end()] + pad + cell[match.end():])
    return out


# The PDF's tables (Sphinx's LaTeX, _static/tpj.sty): \small (10 pt) in TeX Gyre Heros,
# headers bold; Sphinx's \X{w}{total} column is w/total of the line width less 2 \tabcolsep.
TABLE_FONT_PT = 10.0
TABLE_COLSEP_PT = 4.0     # \tabcolsep in tpj.sty
LINE_WIDTH_PT = 452.97    # A4 less Sphinx's 1 in margins (book.log: \textwidth=452.9679pt)


@lru_cache(maxsize=2)
def _font_metrics(bold: bool) -> dict[str, int]:
    """{glyph name: advance width in 1/1000 em} of Helvetica (bold or regular), whose
    metrics TeX Gyre Heros (the PDF's font) shares: the Adobe core-font metrics matplotlib
    ships, read with fontTools' AFM parser."""
    import os

    import matplotlib
    from fontTools import afmLib
    path = os.path.join(matplotlib.get_data_path(), "fonts", "pdfcorefonts",
                        "Helvetica-Bold.afm" if bold else "Helvetica.afm")
    afm = afmLib.AFM(path)
    return {name: afm[name][1] for name in afm.chars()}


_GLYPH_STAND_INS = {"\u00a0": "space", FIGURE_SPACE: "zero", PUNCTUATION_SPACE: "comma", "\u2009": "period"}
# characters the PDF sets from another font: U+2212 is the math minus of cmsy10 (the book's
# preamble: \DeclareUnicodeCharacter{2212}{\ensuremath{-}}), 0.778 em wide
_OTHER_FONT_UNITS = {MINUS: 778}


def text_width(text: str, bold: bool = False, size: float = TABLE_FONT_PT) -> float:
    """The width in points of `text` set in the PDF's sans-serif (Helvetica metrics) at
    `size` points (the minus sign in the math font's width); a character the metrics lack
    counts as an 'n'."""
    from fontTools.agl import UV2AGL
    metrics = _font_metrics(bold)
    units = 0
    for char in text:
        if char in _OTHER_FONT_UNITS:
            units += _OTHER_FONT_UNITS[char]
            continue
        name = _GLYPH_STAND_INS.get(char) or UV2AGL.get(ord(char), char)
        units += metrics.get(name, metrics["n"])
    return units * size / 1000


def _cell_parts(cell, bold: bool = False) -> list[tuple[str, bool]]:
    """The words (split at ordinary spaces, where LaTeX may break a line; a no-break space
    holds) of a table cell after the house typography, each with whether it is set bold
    (a header, or a cell in **...**)."""
    text = typeset(str(cell))
    if text.startswith("**") and text.endswith("**") and len(text) > 4:
        text, bold = text[2:-2], True
    return [(word, bold) for word in text.split(" ") if word]


def column_widths(frame: pd.DataFrame, right: tuple[int, ...] = (), weights: list[int] | None = None,
                  line_width: float = LINE_WIDTH_PT) -> list[float]:
    """The PDF widths of a table's columns in points (each including its 2 \\tabcolsep),
    summing to `line_width`: every column at least as wide as its widest header word set in
    bold (headers are not hyphenated: a narrower column would clip 'Personer' to 'Persone')
    and its widest word of text; a right-aligned (number) column as wide as its widest cell,
    so that no number breaks ('−1,03 til' / '−0,33'), unless that cannot fit the line. The
    space left over goes to the columns in proportion to `weights` (default: each column's
    widest cell), never taking a column below its minimum.

    If even the minimum widths exceed the line, the minimum widths are returned (the table
    is then wider than the text, which tests/test_pdf_layout.py reports)."""
    columns = range(len(frame.columns))
    sep = 2 * TABLE_COLSEP_PT

    def widest(parts) -> float:
        return max([text_width(w, b) for w, b in parts], default=0.0)
    header = [widest(_cell_parts(c, bold=True)) for c in frame.columns]
    words = [max([widest(_cell_parts(v)) for v in frame.iloc[:, i]], default=0.0) for i in columns]
    whole = [max([text_width(" ".join(w for w, _ in _cell_parts(v)), any(b for _, b in _cell_parts(v)))
                  for v in frame.iloc[:, i]], default=0.0) for i in columns]
    minimum = [max(header[i], whole[i] if i in right else words[i]) + sep for i in columns]
    if sum(minimum) > line_width:       # numbers may then wrap at their spaces
        minimum = [max(header[i], words[i]) + sep for i in columns]
    if sum(minimum) >= line_width:
        return [math.ceil(10 * m) / 10 for m in minimum]
    weights = list(weights) if weights else [max(header[i], whole[i]) + sep for i in columns]
    widths, fixed = list(minimum), set()
    while True:             # share the line by weight; a column under its minimum keeps that
        free = line_width - sum(minimum[i] for i in fixed)
        share = sum(weights[i] for i in columns if i not in fixed)
        under = {i for i in columns if i not in fixed and free * weights[i] / share < minimum[i]}
        if not under:
            widths = [minimum[i] if i in fixed else free * weights[i] / share for i in columns]
            break
        fixed |= under
    return [math.ceil(10 * w) / 10 for w in widths]


TEXT_WIDTH_CHARS = 100   # characters of table text (\small) across the PDF's text width
PAGE_LINES = 48          # lines of table text on a page
LONGTABLE_ROWS = 30      # Sphinx sets a table of more rows (header included) as a longtable


def _keep_together(frame: pd.DataFrame, widths: list[int], notes: list[str] | None) -> str:
    """Raw LaTeX that starts a new page unless the table, its caption and its notes fit on
    this one (so a note never stands alone at the top of a page): the height is estimated
    from the cells' text wrapped in their column widths. A longtable (more than
    LONGTABLE_ROWS rows, Sphinx's rule in sphinx.writers.latex.Table.is_longtable) breaks
    across pages: it gets `\\tpjlongtablerows{n}` instead, and _static/tpj.sty keeps its
    first rows with its header and its last rows with its end (a new page for the whole
    table left a page with only the text before it, a break anywhere its total row alone);
    a table longer than a page gets nothing."""
    total = sum(widths)
    chars = [max(4, int(TEXT_WIDTH_CHARS * w / total) - 2) for w in widths]

    def height(cells) -> int:
        return max(1, *[-(-len(str(c)) // n) for c, n in zip(cells, chars)])
    rows = list(frame.itertuples(index=False))
    if 1 + len(rows) > LONGTABLE_ROWS:      # one header row (table_markdown writes one)
        # tpj.sty keeps its first and last rows together (a \needspace here would make
        # the page break before the table win over any break inside it)
        return f"```{{raw}} latex\n\\tpjlongtablerows{{{len(rows)}}}\n```"
    lines = 3 + height(frame.columns) + sum(height(row) for row in rows)
    lines += sum(-(-len(note) // 110) for note in (notes or []))
    if lines > PAGE_LINES:
        return ""
    return f"```{{raw}} latex\n\\needspace{{{lines}\\baselineskip}}\n```"


def band_label(band: str) -> str:
    """The row label of a Tabel 6 band key: '8-10' -> '8–10 Beskæftigelse, ...', '7' ->
    '7 Løntilskud', 'na' -> 'NA (ingen score i ugen)'."""
    from analysis.reference.scoring import SCALE_LABELS
    if band == "na":
        return "NA (ingen score i ugen)"
    low, _, high = band.partition("-")
    scores = range(int(high or low), int(low) - 1, -1)
    names = ", ".join(SCALE_LABELS[s] for s in scores)
    return f"{low} {names}" if not high else f"{low}–{high} {names}"


def score_band_table(ctx: Context, labels: dict[str, str], n: int, name: str,
                     table_name: str = "score.bands") -> None:
    """Tabel 6: the number of completers with each score at the time points, the sparse
    score values in bands and small cells hidden (as the bundle holds it)."""
    from analysis.disclosure.rules import legend
    shown = ctx.table(table_name).map(lambda v: count(v) if isinstance(v, (int, np.integer)) else v)
    shown.index = [band_label(b) for b in shown.index]
    shown = shown.rename(columns=labels).reset_index().rename(columns={"index": "Antal kursister"})
    table(shown, caption="Antal kursister med de enkelte værdier af beskæftigelsesscoren før og efter kurset",
          name=name,
          notes=[f"Kilde: DREAM. N = {count(n)} kursister, der har gennemført kurset. "
                 "Scoreværdier, som kun få kursister har, er slået sammen, så ingen celle med under "
                 f"{ctx.min_cell} personer kan udledes af tabellens gennemsnit.",
                 legend(ctx.min_cell)], widths=[9] + [3] * len(labels))


TERM_NAMES = {"intercept": "Skæringspunkt", "coef": "Koefficient", "interaction": "Før-efter-model"}


def model_row(row, name: str) -> dict:
    """One estimate as a row of a model table: estimate, 95 % interval, p, stars (never on
    an intercept: a mean score, not tested), persons, person-weeks and clusters; a
    withheld estimate shows 'x'."""
    if not bool(row["published"]):
        return {"": name, "Estimat": SUPPRESSED, f"{CI_LEVEL}-interval": SUPPRESSED, "p": "",
                "Signifikans": "", "Personer": SUPPRESSED, "Personuger": SUPPRESSED, "Hold": SUPPRESSED}
    tested = row["term"] != "intercept"
    p = row["p"] if tested else None
    return {"": name, "Estimat": number(row["estimate"]),
            f"{CI_LEVEL}-interval": interval(row["ci_low"], row["ci_high"]),
            "p": p_text(p).removeprefix("p = ").removeprefix("p ") if p is not None else "",
            "Signifikans": (row["stars"] or "") if tested else "",
            "Personer": count(row["persons"]), "Personuger": count(row["person_weeks"]),
            "Hold": count(row["clusters"]) if not pd.isna(row["clusters"]) else "–"}


def model_table(estimates: pd.DataFrame, label: str) -> pd.DataFrame:
    """The model table of a group: rows Inden/Efter kursus with Skæringspunkt and
    Koefficient (and the Før-efter-model of the weekly models); columns estimate, 95 %
    interval, p, stars, persons, person-weeks and teams (`model_row`). `label` heads the
    first column."""
    rows = []
    for period, title in (("inden", "Inden kursus"), ("efter", "Efter kursus")):
        part = estimates[estimates["period"] == period]
        if part.empty:
            continue
        rows.append({"": f"**{title}**"})
        for term in ("intercept", "coef"):
            rows.append(model_row(part[part["term"] == term].iloc[0], TERM_NAMES[term]))
    interaction = estimates[estimates["period"] == "interaction"]
    if not interaction.empty:
        rows.append(model_row(interaction.iloc[0], TERM_NAMES["interaction"]))
    out = pd.DataFrame(rows).fillna("").rename(columns={"": label})
    return out



def star_note(ctx: "Context") -> str:
    """The note under a model table: what the stars mean and which inference gave the p
    and the interval (the bundle's: `inference`, and for the bootstrap its draws,
    `inference.boot_reps` for the p-value, `inference.interval_reps` for the interval)."""
    inference = ctx.inference
    if inference == "team":
        reps, interval_reps = (value_text(ctx, key, "count") if ctx.has(key) else "mange"
                               for key in ("inference.boot_reps", "inference.interval_reps"))
        # short: it stands under every model table; the method page explains the rest
        errors = (f"koefficienternes p-værdier og {CI_LEVEL}-intervaller fra en vild klynge-bootstrap "
                  f"med hold som klynge ({reps} og {interval_reps} gentagelser, se Fremgangsmåde). "
                  "Skæringspunkterne er gennemsnitlige scorer og testes ikke")
    elif inference == "person":
        errors = "standardfejl klynget på person og p-værdier fra normalfordelingen (som i den publicerede rapport)"
    else:
        errors = "almindelige OLS-standardfejl"
    return f"Signifikans: {STAR_LEGEND}; {errors}."


# ---------------------------------------------------------------- figures

# the figure formats a chapter renders: SVG for the HTML, vector PDF for the LaTeX build; an
# HTML-only build asks for SVG alone (TPJ_FIGURE_FORMATS=svg), which halves the drawing time
FIGURE_FORMATS = ("svg", "pdf")


def figure_style() -> None:
    """Matplotlib house style; figures as SVG (HTML) and PDF (LaTeX), or the formats in
    TPJ_FIGURE_FORMATS (comma-separated; the build driver sets it)."""
    import os

    import matplotlib as mpl
    from matplotlib_inline.backend_inline import set_matplotlib_formats
    formats = os.environ.get("TPJ_FIGURE_FORMATS", ",".join(FIGURE_FORMATS)).split(",")
    set_matplotlib_formats(*[f.strip() for f in formats if f.strip()])
    mpl.rcParams.update({
        "figure.figsize": (7.0, 3.6), "figure.dpi": 110, "font.size": 10, "axes.titlesize": 10,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
        "grid.color": "#e6e6e6", "grid.linewidth": 0.6, "legend.frameon": False,
        "svg.fonttype": "none", "pdf.fonttype": 42,
        "axes.unicode_minus": True,    # U+2212 on the axes, as in the text and the tables
    })


def decimal_comma_axis(ax, decimals: int = 1) -> None:
    from matplotlib.ticker import FuncFormatter
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, decimals)))


def weekly_figure(series: list[tuple[str, pd.DataFrame, str]], course_weeks: int,
                  segments: list[tuple[str, list[tuple[float, float, float, float]]]] | None = None,
                  weeks: tuple[int, int] = (-26, 26), ylim: tuple[float, float] | None = None,
                  ylabel: str = "Gennemsnitlig beskæftigelsesscore", persons: bool = False):
    """Weekly mean score per series (label, frame with week and mean, colour), course weeks
    shaded light blue, and straight model segments (colour, [(x0, y0, x1, y1), ...]). With
    `persons`, a panel below shows the number of persons behind each week's mean (each
    series frame's `persons` column: grey bars for one series, a step line in the series'
    colour for several), so that a reader sees where a line rests on fewer."""
    import matplotlib.pyplot as plt
    if not persons:
        fig, ax = plt.subplots()
    else:
        fig, (ax, low) = plt.subplots(2, 1, sharex=True, figsize=(7.0, 4.4),
                                      gridspec_kw={"height_ratios": [3.2, 1]})
        top = 1.0
        for _, frame, colour in series:
            shown = frame[(frame["week"] >= weeks[0]) & (frame["week"] <= weeks[1])]
            if len(series) == 1:
                low.bar(shown["week"], shown["persons"], width=0.8, color=COLORS["grey"])
            else:
                low.step(shown["week"], shown["persons"], where="mid", color=colour, linewidth=1.2)
            top = max(top, float(shown["persons"].max()) if len(shown) else 0.0)
        low.set_ylabel("Antal", fontsize=8)
        low.set_xlabel("Antal uger ift. kursusstart")
        low.set_ylim(0, top * 1.1)
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
    if not persons:
        ax.set_xlabel("Antal uger ift. kursusstart")
    ax.set_ylabel(ylabel)
    decimal_comma_axis(ax)
    ax.legend(loc="upper left", fontsize=8, ncols=3)
    fig.tight_layout()
    plt.close(fig)
    drawn = [pd.DataFrame({"series": label, "x": frame["week"], "y": frame["mean"]})
             for label, frame, _ in series]
    drawn = pd.concat(drawn, ignore_index=True)
    drawn = drawn[(drawn["x"] >= weeks[0]) & (drawn["x"] <= weeks[1])]
    lines = [{"series": f"Model ({name})", "x": x, "y": half_up(y, 2)}
             for (colour, segs) in (segments or []) for name in [_colour_owner(series, colour)]
             for x0, y0, x1, y1 in segs for x, y in ((x0, y0), (x1, y1))]
    table_ = pd.concat([drawn, pd.DataFrame(lines)], ignore_index=True) if lines else drawn
    table_ = table_.rename(columns={"series": "Serie", "x": "Uge ift. kursusstart", "y": ylabel})
    return attach(fig, table_, alt_series(ylabel + " pr. uge i forhold til kursusstart", drawn))


def _colour_owner(series, colour) -> str:
    """The label of the series drawn in `colour` (a model line takes its group's colour)."""
    return next((label for label, _, c in series if c == colour), "samlet")
