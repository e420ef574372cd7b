"""Structured content of the report kept as data (`data/reference/content/*.yml`): the theory
of change, the citizen's route, the coping tools, the division of responsibilities, the
recommendations, the related programmes and the timeline; plus the tables and figures of
"Rammer for indsatsen" drawn from the statistics bundle (enrolment per municipality, Tabel 4
and 5; analysis.compute.activity publishes them).

The YAML files hold reference facts and our own Danish text, never results. A loader
returns simple dataclasses or DataFrames and stops with the file and the key on a file that
does not have the expected shape:

    ContentError: mestringsredskaber.yml: redskaber[3].navn: mangler
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from analysis.disclosure.rules import SUPPRESSED, ZERO
from analysis.editions import CONTENT_DIR

DROPPED = {"ja": "Forventes at udgå efter projektperioden",
           "delvist": "Forventes delvist at udgå efter projektperioden",
           "nej": ""}
AIMS = {"hverdag": "Hverdag og helbred", "beskæftigelse": "Beskæftigelse", "begge": "Begge"}
OTHER_MUNICIPALITIES = "Øvrige kommuner"
NBSP = "&nbsp;"   # an empty cell: an empty LaTeX cell adds a blank line


class ContentError(ValueError):
    """A content file that is missing or does not have the expected shape."""


# ---------------------------------------------------------------- reading and checking

class _Reader:
    """Checked access to one YAML file: every error names the file and the key path."""

    def __init__(self, name: str, directory: Path | None = None):
        self.name = name
        path = Path(directory or CONTENT_DIR) / name
        if not path.exists():
            raise ContentError(f"{name}: filen findes ikke ({path})")
        try:
            self.data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise ContentError(f"{name}: ikke gyldig YAML: {err}") from None
        if not isinstance(self.data, dict):
            raise ContentError(f"{name}: filen skal indeholde en mapping med nøgler øverst")

    def fail(self, where: str, reason: str):
        raise ContentError(f"{self.name}: {where}: {reason}")

    def get(self, mapping, key: str, where: str, kind=str, required: bool = True, default=None):
        path = f"{where}.{key}" if where else key
        if not isinstance(mapping, dict):
            self.fail(where or "(top)", "skal være en mapping med nøgler")
        if key not in mapping or mapping[key] is None:
            if required:
                self.fail(path, "mangler")
            return default
        value = mapping[key]
        if kind is str:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                self.fail(path, "skal være en tekst, der ikke er tom")
            return " ".join(value.split())
        if kind is int:
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(path, f"skal være et heltal, ikke {value!r}")
            return value
        if kind is list:
            if not isinstance(value, list) or not value:
                self.fail(path, "skal være en liste, der ikke er tom")
            return value
        return value

    def texts(self, mapping, key: str, where: str) -> tuple[str, ...]:
        items = self.get(mapping, key, where, kind=list, required=False, default=[]) or []
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{where}.{key}[{i}]", "skal være en tekst, der ikke er tom")
            out.append(" ".join(item.split()))
        return tuple(out)

    def numbered(self, items: list, where: str, key: str = "nummer") -> None:
        """Items numbered 1, 2, ... in order."""
        for i, item in enumerate(items, start=1):
            number = self.get(item, key, f"{where}[{i - 1}]", kind=int)
            if number != i:
                self.fail(f"{where}[{i - 1}].{key}", f"er {number}, men skal være {i} (fortløbende)")


# ---------------------------------------------------------------- the theory of change

@dataclass(frozen=True)
class TheoryItem:
    text: str
    details: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class TheoryColumn:
    key: str
    title: str
    items: tuple[TheoryItem, ...]


def theory_of_change(directory: Path | None = None) -> list[TheoryColumn]:
    """Ressourcer -> Aktiviteter -> Resultater -> Langsigtede resultater."""
    r = _Reader("forandringsteori.yml", directory)
    columns = []
    for c, col in enumerate(r.get(r.data, "kolonner", "", kind=list)):
        where = f"kolonner[{c}]"
        items = []
        for i, item in enumerate(r.get(col, "punkter", where, kind=list)):
            w = f"{where}.punkter[{i}]"
            items.append(TheoryItem(r.get(item, "tekst", w), r.texts(item, "detaljer", w),
                                    r.get(item, "note", w, required=False)))
        columns.append(TheoryColumn(r.get(col, "noegle", where), r.get(col, "titel", where), tuple(items)))
    return columns


def result_goals(columns: list[TheoryColumn]) -> tuple[TheoryItem, ...]:
    """The result goals the evaluation measures: the items of the column 'resultater'.
    Raises ContentError when the theory of change has no such column."""
    for column in columns:
        if column.key == "resultater":
            return column.items
    raise ContentError("forandringsteori.yml: kolonner: ingen kolonne med noegle 'resultater'")


# ---------------------------------------------------------------- the citizen's route

@dataclass(frozen=True)
class RouteStep:
    number: int
    title: str
    actor: str
    description: str
    dropped: str            # 'nej', 'ja' or 'delvist': expected to be dropped after the project
    note: str | None = None


def citizen_route(directory: Path | None = None) -> list[RouteStep]:
    r = _Reader("borgerens_vej.yml", directory)
    steps = r.get(r.data, "trin", "", kind=list)
    r.numbered(steps, "trin")
    out = []
    for i, step in enumerate(steps):
        where = f"trin[{i}]"
        dropped = step.get("udgaar") if isinstance(step, dict) else None
        dropped = {True: "ja", False: "nej"}.get(dropped, dropped)   # YAML reads ja/nej as text
        if dropped not in DROPPED:
            r.fail(f"{where}.udgaar", f"skal være ja, nej eller delvist, ikke {dropped!r}")
        out.append(RouteStep(step["nummer"], r.get(step, "titel", where), r.get(step, "aktoer", where),
                             r.get(step, "beskrivelse", where), dropped, r.get(step, "note", where, required=False)))
    return out


# ---------------------------------------------------------------- tools, responsibilities, recommendations

def coping_tools(directory: Path | None = None) -> pd.DataFrame:
    """One row per coping tool: navn, modul ('' if unknown), sigte, beskrivelse."""
    r = _Reader("mestringsredskaber.yml", directory)
    rows = []
    for i, tool in enumerate(r.get(r.data, "redskaber", "", kind=list)):
        where = f"redskaber[{i}]"
        aim = r.get(tool, "sigte", where)
        if aim not in AIMS:
            r.fail(f"{where}.sigte", f"skal være en af {', '.join(AIMS)}, ikke {aim!r}")
        rows.append({"navn": r.get(tool, "navn", where), "modul": r.get(tool, "modul", where, required=False) or "",
                     "sigte": aim, "beskrivelse": r.get(tool, "beskrivelse", where)})
    frame = pd.DataFrame(rows)
    duplicated = frame["navn"][frame["navn"].duplicated()]
    if len(duplicated):
        r.fail(f"redskaber[{duplicated.index[0]}].navn", f"{duplicated.iloc[0]!r} står der to gange")
    return frame


@dataclass(frozen=True)
class Party:
    key: str
    name: str
    areas: tuple[tuple[str, str], ...]     # (title, description)


def responsibilities(directory: Path | None = None) -> list[Party]:
    r = _Reader("ansvarsfordeling.yml", directory)
    parties = []
    for p, party in enumerate(r.get(r.data, "parter", "", kind=list)):
        where = f"parter[{p}]"
        areas = tuple((r.get(a, "titel", f"{where}.omraader[{i}]"), r.get(a, "beskrivelse", f"{where}.omraader[{i}]"))
                      for i, a in enumerate(r.get(party, "omraader", where, kind=list)))
        parties.append(Party(r.get(party, "noegle", where), r.get(party, "navn", where), areas))
    return parties


@dataclass(frozen=True)
class Recommendation:
    number: int
    title: str
    addressee: str
    text: str


def recommendations(directory: Path | None = None) -> list[Recommendation]:
    r = _Reader("anbefalinger.yml", directory)
    items = r.get(r.data, "anbefalinger", "", kind=list)
    r.numbered(items, "anbefalinger")
    return [Recommendation(item["nummer"], r.get(item, "titel", f"anbefalinger[{i}]"),
                           r.get(item, "rettet_mod", f"anbefalinger[{i}]"), r.get(item, "tekst", f"anbefalinger[{i}]"))
            for i, item in enumerate(items)]


@dataclass(frozen=True)
class Case:
    municipality: str
    key: str                              # the bundle's count kommune.<key>.count
    intro: str
    sections: tuple[tuple[str, str], ...]  # (heading, text)


def cases(directory: Path | None = None) -> list[Case]:
    """The municipal cases of `cases.yml` (the pilot evaluation's, data/reference/content/
    pilot-2023/; seed 001 l.989-1060): municipality, the key of its enrolled count, an
    introduction and headed sections. Raises ContentError naming the field."""
    r = _Reader("cases.yml", directory)
    out = []
    for i, item in enumerate(r.get(r.data, "cases", "", kind=list)):
        where = f"cases[{i}]"
        sections = tuple((r.get(s, "overskrift", f"{where}.afsnit[{j}]"), r.get(s, "tekst", f"{where}.afsnit[{j}]"))
                         for j, s in enumerate(r.get(item, "afsnit", where, kind=list)))
        out.append(Case(r.get(item, "kommune", where), r.get(item, "noegle", where), r.get(item, "indledning", where),
                        sections))
    return out


def show_case(ctx, case: Case, municipality: str) -> None:
    """A case's text under the heading the chapter writes (`municipality`, checked against
    the file): its introduction with the municipality's enrolled citizens from the bundle
    (kommune.<key>.count), then each section as a bold lead and its text."""
    from analysis.report import book
    if case.municipality != municipality:
        raise ContentError(f"cases.yml: the chapter's heading {municipality!r} is not the case's "
                           f"municipality {case.municipality!r}")
    enrolled = book.value_text(ctx, f"kommune.{case.key}.count", "count")
    lines = [f"**{case.intro}** I alt blev {enrolled} borgere fra kommunen tilmeldt.", ""]
    for heading, text in case.sections:
        lines += [f"**{heading}.** {text}", ""]
    book.markdown("\n".join(lines))


def related_programmes(directory: Path | None = None) -> pd.DataFrame:
    """navn, periode, design, n, effekt, kilde, note, forbehold ('' if none), as printed in seed 003."""
    r = _Reader("relaterede_indsatser.yml", directory)
    fields = ("navn", "periode", "design", "n", "effekt", "kilde", "note")
    return pd.DataFrame([{**{f: r.get(item, f, f"indsatser[{i}]") for f in fields},
                          "forbehold": r.get(item, "forbehold", f"indsatser[{i}]", required=False) or ""}
                         for i, item in enumerate(r.get(r.data, "indsatser", "", kind=list))])


def timeline(directory: Path | None = None) -> pd.DataFrame:
    """navn, periode, beskrivelse of the project's phases; the periods as the book prints
    them ('2022-2023' -> '2022–2023', `book.typeset`), so the chart, its data and its alt
    text carry the en dash."""
    from analysis.report.book import typeset
    r = _Reader("tidslinje.yml", directory)
    frame = pd.DataFrame([{f: r.get(item, f, f"faser[{i}]") for f in ("navn", "periode", "beskrivelse")}
                          for i, item in enumerate(r.get(r.data, "faser", "", kind=list))])
    frame["periode"] = frame["periode"].map(lambda p: typeset(str(p)))
    return frame


# ---------------------------------------------------------------- tables and markdown

def tools_table(tools: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Nr.": [str(i) for i in range(1, len(tools) + 1)], "Mestringsredskab": tools["navn"],
                         "Sigte": tools["sigte"].map(AIMS), "Kort om redskabet": tools["beskrivelse"]})


def party_table(party: Party) -> pd.DataFrame:
    return pd.DataFrame({"Ansvarsområde": [t for t, _ in party.areas], "Hvad det dækker": [d for _, d in party.areas]})


def programmes_table(programmes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Indsats": [f"{n} ({p})" for n, p in zip(programmes["navn"], programmes["periode"])],
                         "Design": programmes["design"], "Antal borgere": programmes["n"],
                         "Effekt (som trykt)": programmes["effekt"]})


def programmes_sources(programmes: pd.DataFrame) -> str:
    """'Kilder: Mentorforsøget: ...; Brobygning ...: ...' for the table's notes."""
    return "Kilder: " + "; ".join(f"{n}: {k}" for n, k in zip(programmes["navn"], programmes["kilde"])) + "."


def recommendations_markdown(items: list[Recommendation]) -> str:
    """The recommendations as a numbered MyST list: title in bold, text, whom it addresses."""
    lines = []
    for rec in items:
        title = rec.title if rec.title[-1] in ".?!" else rec.title + "."
        lines.append(f"{rec.number}. **{title}** {rec.text} *Rettet mod: {rec.addressee}.*")
        lines.append("")
    return "\n".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]


def theory_of_change_figure(columns: list[TheoryColumn], width: float = 7.0):
    """One column of boxes per theory column (final evaluation: resources, activities, results,
    long-term results; the pilot's has no resources column), joined by arrows. A column's shade
    follows its key, so a column keeps its colour whichever columns precede it."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from analysis.report import book

    n = len(columns)
    gap = 0.32
    col_w = (width - 0.1 - gap * (n - 1)) / n
    chars = int(col_w * 16.5)
    line_h, pad, space, head_h = 0.127, 0.07, 0.07, 0.36

    def item_lines(item: TheoryItem) -> tuple[list[str], list[str]]:
        head = _wrap(item.text + ("*" if item.note else ""), chars)
        details = [ln for d in item.details for ln in
                   [("– " + x if j == 0 else "  " + x) for j, x in enumerate(_wrap(d, chars - 2))]]
        return head, details

    heights = []
    for col in columns:
        h = [(len(a) + len(b)) * line_h + 2 * pad + (0.04 if b else 0) for a, b in map(item_lines, col.items)]
        heights.append(h)
    body = max(sum(h) + space * (len(h) - 1) for h in heights)
    total_h = head_h + 0.12 + body + 0.1
    fig, ax = book.diagram_canvas(width, total_h)
    shades = {"ressourcer": book.COLORS["lightblue"], "aktiviteter": "#e8f1fa", "resultater": "#dcebd9",
              "langsigtede": "#f6e3c4"}
    for c, (col, hs) in enumerate(zip(columns, heights)):
        x = 0.05 + c * (col_w + gap)
        top = total_h - 0.05
        ax.add_patch(FancyBboxPatch((x, top - head_h), col_w, head_h, boxstyle="round,pad=0,rounding_size=0.05",
                                    facecolor=book.COLORS["blue"], edgecolor="none"))
        ax.text(x + col_w / 2, top - head_h / 2, "\n".join(_wrap(col.title.upper(), int(col_w * 13))),
                ha="center", va="center", color="white", fontsize=7.5, fontweight="bold", linespacing=1.1)
        y = top - head_h - 0.12
        for item, h in zip(col.items, hs):
            ax.add_patch(FancyBboxPatch((x, y - h), col_w, h, boxstyle="round,pad=0,rounding_size=0.04",
                                        facecolor=shades.get(col.key, "#e8f1fa"), edgecolor="#9fb8d3", linewidth=0.6))
            head, details = item_lines(item)
            ax.text(x + 0.07, y - pad, "\n".join(head), ha="left", va="top", fontsize=7,
                    fontweight="bold" if details else "normal", linespacing=1.25)
            if details:
                ax.text(x + 0.07, y - pad - len(head) * line_h - 0.04, "\n".join(details), ha="left", va="top",
                        fontsize=6.6, linespacing=1.3)
            y -= h + space
        if c < n - 1:
            mid = total_h - 0.05 - head_h / 2
            ax.add_patch(FancyArrowPatch((x + col_w + 0.03, mid), (x + col_w + gap - 0.03, mid),
                                         arrowstyle="-|>", mutation_scale=12, color=book.COLORS["blue"], lw=1.4))
            body_mid = total_h - head_h - 0.12 - body / 2
            ax.add_patch(FancyArrowPatch((x + col_w + 0.03, body_mid), (x + col_w + gap - 0.03, body_mid),
                                         arrowstyle="simple,head_width=1.1,head_length=0.8,tail_width=0.45",
                                         mutation_scale=14, color="#b8cde3", lw=0))
    plt.close(fig)
    data = pd.DataFrame([{"Kolonne": col.title, "Punkt": item.text, "Uddybning": "; ".join(item.details)}
                         for col in columns for item in col.items])
    alt = (f"Diagram over forandringsteorien i {n} kolonner forbundet med pile: "
           + "; ".join(f"{col.title} ({len(col.items)} punkter)" for col in columns) + ".")
    return book.attach(fig, data, alt)


def route_figure(steps: list[RouteStep], width: float = 7.0):
    """The citizen's route as numbered boxes from top to bottom; a dashed frame marks a step
    expected to be dropped after the project period, a dash-dotted frame one dropped in part."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyBboxPatch, Patch

    from analysis.report import book

    line_h, pad, space = 0.15, 0.08, 0.13
    x_box, box_w = 0.62, width - 0.72
    chars = int(box_w * 15)
    blocks = []
    for s in steps:
        desc = _wrap(s.description + (f" ({s.note})" if s.note else ""), chars)
        blocks.append((s, desc, (1 + len(desc)) * line_h + 2 * pad + 0.03))
    legend_h = 0.42
    total_h = sum(h for _, _, h in blocks) + space * (len(blocks) - 1) + 0.1 + legend_h
    fig, ax = book.diagram_canvas(width, total_h)
    styles = {"nej": ("solid", book.COLORS["blue"]), "ja": ((0, (4, 3)), book.COLORS["grey"]),
              "delvist": ((0, (6, 2, 1.5, 2)), book.COLORS["grey"])}
    y = total_h - 0.05
    centres = []
    for s, desc, h in blocks:
        style, edge = styles[s.dropped]
        ax.add_patch(FancyBboxPatch((x_box, y - h), box_w, h, boxstyle="round,pad=0,rounding_size=0.05",
                                    facecolor="#f3f7fb" if s.dropped == "nej" else "white", edgecolor=edge,
                                    linewidth=1.1, linestyle=style))
        ax.text(x_box + 0.1, y - pad, f"{s.title.upper()}", ha="left", va="top", fontsize=8, fontweight="bold",
                color=book.COLORS["blue"])
        ax.text(x_box + box_w - 0.1, y - pad, s.actor, ha="right", va="top", fontsize=7.2, style="italic",
                color="#555555")
        ax.text(x_box + 0.1, y - pad - line_h - 0.03, "\n".join(desc), ha="left", va="top", fontsize=7.4,
                linespacing=1.3)
        centres.append(y - h / 2)
        y -= h + space
    ax.plot([0.3, 0.3], [centres[-1], centres[0]], color=book.COLORS["blue"], linewidth=2, zorder=1)
    for s, c in zip(steps, centres):
        ax.add_patch(Circle((0.3, c), 0.19, facecolor=book.COLORS["blue"], edgecolor="white", lw=1.5, zorder=2))
        ax.text(0.3, c, str(s.number), ha="center", va="center", color="white", fontsize=10, fontweight="bold",
                zorder=3)
    handles = [Patch(facecolor="#f3f7fb", edgecolor=book.COLORS["blue"], label="Fortsætter efter projektperioden"),
               Patch(facecolor="white", edgecolor=book.COLORS["grey"], linestyle=styles["ja"][0],
                     label="Forventes at udgå"),
               Patch(facecolor="white", edgecolor=book.COLORS["grey"], linestyle=styles["delvist"][0],
                     label="Forventes delvist at udgå")]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(x_box / width, 0), ncols=3, fontsize=7.5,
              frameon=False, handlelength=2.2)
    plt.close(fig)
    data = pd.DataFrame([{"Trin": s.number, "Titel": s.title, "Aktør": s.actor, "Beskrivelse": s.description,
                          "Forventes at udgå": s.dropped} for s in steps])
    alt = (f"Diagram over borgerens vej gennem kurset i {len(steps)} nummererede trin: "
           + "; ".join(f"{s.number}. {s.title}" for s in steps) + ".")
    return book.attach(fig, data, alt)


def timeline_figure(phases: pd.DataFrame, width: float = 7.0):
    """The project's phases as chevrons with their periods."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    from analysis.report import book

    n = len(phases)
    height = 1.45
    fig, ax = book.diagram_canvas(width, height)
    tip, y0, y1 = 0.18, 0.7, 1.4
    w = (width - 0.1 - tip) / n
    colours = [book.COLORS["lightblue"], book.COLORS["blue"]]
    for i, row in enumerate(phases.itertuples()):
        x = 0.05 + i * w
        left_notch = tip if i else 0
        poly = [(x, y0), (x + w - 0.04, y0), (x + w - 0.04 + tip, (y0 + y1) / 2), (x + w - 0.04, y1), (x, y1),
                (x + left_notch, (y0 + y1) / 2)]
        evaluation = "evaluering" in row.navn.lower()
        ax.add_patch(Polygon(poly, closed=True, facecolor=colours[evaluation], edgecolor="white", lw=1.5))
        ax.text(x + w / 2 + (tip / 2 if i else 0) - 0.03, (y0 + y1) / 2 + 0.09, row.navn, ha="center", va="center",
                fontsize=10, fontweight="bold", color="white" if evaluation else "black")
        ax.text(x + w / 2 + (tip / 2 if i else 0) - 0.03, (y0 + y1) / 2 - 0.15, row.periode, ha="center",
                va="center", fontsize=9.5, color="white" if evaluation else "black")
        ax.text(x + w / 2, y0 - 0.08, "\n".join(_wrap(row.beskrivelse, int(w * 13))), ha="center", va="top",
                fontsize=8, color="#333333")
    plt.close(fig)
    data = phases[["navn", "periode", "beskrivelse"]].rename(
        columns={"navn": "Fase", "periode": "Periode", "beskrivelse": "Beskrivelse"})
    alt = "Tidslinje over projektets faser: " + "; ".join(f"{r.navn} ({r.periode})" for r in phases.itertuples()) + "."
    return book.attach(fig, data, alt)


# ---------------------------------------------------------------- enrolment per municipality

def municipality_figure(bars: pd.DataFrame, merged: int, width: float = 7.0):
    """Horizontal bars of enrolled citizens per municipality: `bars` has columns series
    (the municipality, or OTHER_MUNICIPALITIES for the merged bar), x (position, largest
    first) and y (persons), as the bundle's figure 'activity.municipalities' holds them;
    `merged`: how many municipalities the merged bar (grey, last) stands for."""
    import matplotlib.pyplot as plt

    from analysis.report import book

    bars = bars.sort_values("x")
    counts = pd.DataFrame({"kommune": bars["series"].to_numpy(), "n": bars["y"].astype(int).to_numpy()})
    labels = [k if k != OTHER_MUNICIPALITIES else f"{k} ({merged})" for k in counts["kommune"]]
    fig, ax = plt.subplots(figsize=(width, 0.55 + 0.165 * len(counts)))
    colours = [book.COLORS["grey"] if k == OTHER_MUNICIPALITIES else book.COLORS["blue"] for k in counts["kommune"]]
    y = range(len(counts))
    ax.barh(list(y), counts["n"], color=colours, height=0.7)
    for i, n in zip(y, counts["n"]):
        ax.text(n + counts["n"].max() * 0.008, i, book.count(n), va="center", fontsize=7)
    ax.set_yticks(list(y), labels, fontsize=7.5)
    ax.invert_yaxis()
    ax.set_ylim(len(counts) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Antal tilmeldte kursister", fontsize=8)
    ax.tick_params(axis="x", labelsize=7.5)
    ax.margins(x=0.06)
    fig.tight_layout()
    plt.close(fig)
    data = pd.DataFrame({"Kommune": labels, "Antal tilmeldte kursister": counts["n"]})
    alt = book.alt_bars("antal tilmeldte kursister pr. kommune", [("Kommuner", dict(zip(labels, counts["n"])))],
                        unit="")
    return book.attach(fig, data, alt)


# ---------------------------------------------------------------- Tabel 4 and Tabel 5 from the bundle

PHASE_LABELS = {"pilot": "Pilot", "udbredelse": "Udbredelse", "total": "Total"}
TABEL4_ROWS = {"hold": "Antal hold", "enrolled": "Antal kursister", "completed": "– Heraf gennemført",
               "afmeldt": "– Heraf afmeldt"}
TABEL5_BLOCKS = {
    "Visitationskategori": {"visitation_kontant": "Akt.parat kontanthjælpsmodtager",
                            "visitation_udd": "Akt.parat udd.hjælpsmodtager",
                            "visitation_ressource": "Ressourceforløb", "visitation_andet": "Andet"},
    "Køn": {"mand": "Mænd", "kvinde": "Kvinder"},
    "Aldersgruppe": {"alder_under25": "Under 25 år", "alder_25_35": "25-35 år", "alder_36_45": "36-45 år",
                     "alder_46_55": "46-55 år", "alder_over55": "Over 55 år"},
}


def tabel4_frame(values: dict[str, object]) -> pd.DataFrame:
    """Tabel 4 as the page shows it, from the bundle's `tabel4.` scalars keyed without the
    prefix (`<phase>.<row>.count|pct`, as `Bundle.values("tabel4.")` gives them; 'x' hidden)."""
    from analysis.report import book
    rows = []
    for row, label in TABEL4_ROWS.items():
        line = {"": label}
        for phase, title in PHASE_LABELS.items():
            count = values.get(f"{phase}.{row}.count")
            pct = values.get(f"{phase}.{row}.pct")
            line[f"{title} antal"] = NBSP if count is None else (count if count == SUPPRESSED else book.count(int(count)))
            line[f"{title} pct."] = NBSP if pct is None else (pct if pct == SUPPRESSED else book.pct(pct, 0))
        rows.append(line)
    return pd.DataFrame(rows)


def tabel5_frame(tabel3: pd.DataFrame) -> pd.DataFrame:
    """Tabel 5: participants with a registration by visitation category, gender and age: the
    registered column of the published Tabel 3 (the bundle's `representativity.tabel3`:
    index 'n' and the category rows; columns registered and registered_pct, 'x' hidden,
    '–' none)."""
    from analysis.report import book

    def cells(row):
        count, pct = tabel3.loc[row, "registered"], tabel3.loc[row, "registered_pct"]
        fmt_count = count if count in (SUPPRESSED, ZERO) else book.count(int(count))
        fmt_pct = pct if pct == SUPPRESSED else book.pct(pct, 1)
        return fmt_count, fmt_pct

    n, pct = cells("n")
    rows = [{"": "Kursister med registrering i alt", "Antal": n, "Pct.": pct}]
    for block, labels in TABEL5_BLOCKS.items():
        rows.append({"": f"**{block}**", "Antal": NBSP, "Pct.": NBSP})
        for key, label in labels.items():
            count, share = cells(key)
            rows.append({"": label, "Antal": count, "Pct.": share})
    return pd.DataFrame(rows)


def tabel5_errata_note(published: Path) -> str:
    """The printed Tabel 5's errata, in words and with the printed numbers taken from the
    published reference (no number typed here): the total and the share under 25."""
    from analysis.report import book
    pub = pd.read_csv(published).set_index("ref")
    parts = []
    if "tabel3.registered.n.count" in pub.index:
        parts.append("Den trykte rapport angiver i denne tabel et andet antal i alt end de "
                     f"{book.count(int(pub.loc['tabel3.registered.n.count', 'value']))} kursister, som "
                     "kategorierne summerer til, og som rapporten selv bruger for samme gruppe i sin tabel over "
                     "stikprøvens repræsentativitet")
    if "tabel3.registered.alder_under25.pct" in pub.index:
        parts.append("andelen under 25 år er også fejltrykt (rapporten trykker den andetsteds som "
                     f"{book.pct(float(pub.loc['tabel3.registered.alder_under25.pct', 'value']), 1)})")
    if not parts:
        return ("Den trykte rapports tabel har fejl i antallet i alt og i andelen for en aldersgruppe; "
                "tallene her er beregnet.")
    return "; ".join(parts) + ". Tallene her er beregnet."
