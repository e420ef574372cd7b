"""What the chapter `chapters/deep_dives.md` shows of the deep-dive material: the text of
the method, the themes and the personas, the tables and the figures. The material comes
from the statistics bundle (the document `deep_dives`, analysis.bundle.deep_dives), never
from the data file:

    dd = material(ctx.bundle)
    book.markdown(theme_markdown(dd, "visitation"))
    book.glue_figure("persona-koordinator", persona_figure(dd, "koordinator"))
    book.glue_figure("figur-hold", team_figure(dd))
    overview_table(dd, name="tabel-tema-kommune")
    check_all_shown(dd)      # last: every theme and persona of the material has a section
"""
from __future__ import annotations

import textwrap

import pandas as pd

from analysis.bundle.deep_dives import DOCUMENT, DeepDives, Quote, TeamDiagram, from_document
from analysis.bundle.store import Bundle
from analysis.report import book
from analysis.report.book import COLORS, join

SYNTHETIC_NOTE = "syntetisk citat: en del af de syntetiske data, ikke sagt af en rigtig person"
WORDS = {0: "ingen", 1: "én", 2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks", 7: "syv", 8: "otte",
         9: "ni", 10: "ti", 11: "elleve", 12: "tolv"}


def material(bundle: Bundle) -> DeepDives:
    """The deep-dive material the compute stage published. Raises KeyError when the
    bundle has no such document (an edition without the chapter)."""
    return from_document(bundle.document(DOCUMENT))


def check_all_shown(dd: DeepDives) -> None:
    """Stop the chapter (ValueError) if a theme or persona of the material has no section
    (`theme_markdown`, `persona_markdown`): a theme added to the data file needs a section
    in the chapter."""
    missing = [f"theme {t.id!r}" for t in dd.themes if ("theme", t.id) not in dd.shown]
    missing += [f"persona {p.id!r}" for p in dd.personas if ("persona", p.id) not in dd.shown]
    if missing:
        raise ValueError(f"the deep-dive material has sections the chapter does not show: "
                         f"{', '.join(missing)}; add a section for each")


# ---------------------------------------------------------------- text for the chapter

def word(n: int) -> str:
    """A small count as a Danish word (4 -> 'fire'); larger counts as digits."""
    return WORDS.get(int(n), str(int(n)))


def who(dd: DeepDives, ids: tuple[str, ...] | list[str]) -> str:
    """'Alle kommuner', 'Kommune B' or 'Kommune A, B og C' (a shared first word said once)."""
    if set(ids) == set(dd.pseudonyms) and len(ids) > 1:
        return "Alle kommuner"
    return _compress([dd.pseudonyms[i] for i in ids])


def _compress(labels: list[str]) -> str:
    """['Kommune A', 'Kommune B'] -> 'Kommune A og B'."""
    firsts = {label.split(" ", 1)[0] for label in labels}
    if len(labels) > 1 and len(firsts) == 1 and all(" " in label for label in labels):
        prefix = firsts.pop()
        return f"{prefix} " + join([label.split(" ", 1)[1] for label in labels])
    return join(labels)


def _roles(dd: DeepDives, ids) -> str:
    return join([dd.roles[i].lower() for i in ids])


def quote_markdown(dd: DeepDives, quote: Quote) -> str:
    """A quote box (pull-quote, in HTML and PDF) with its source: the speaker's role, the
    municipality's pseudonym and the interview; a synthetic quote says so beside it."""
    source = f"{dd.roles[quote.role]}, {dd.pseudonyms[quote.municipality]} ({quote.interview.lower()}"
    source += f"; {SYNTHETIC_NOTE})" if quote.synthetic else ")"
    return f"```{{pull-quote}}\n”{quote.text}”\n\n– {source}\n```"


def chapter_quotes(ctx, chapter: str) -> None:
    """Show the quote boxes the qualitative material places in `chapter` (its `chapter`
    field), from the bundle's document; nothing when there are none or no material."""
    if not ctx.bundle.has_document(DOCUMENT):
        return
    dd = from_document(ctx.bundle.document(DOCUMENT))
    for quote in dd.quotes_in(chapter):
        book.markdown(quote_markdown(dd, quote))


def theme_markdown(dd: DeepDives, theme_id: str) -> str:
    """A theme page: the key message, the cross-municipal summary, the theme's quotes and
    the findings per municipality under a rubric; records the theme as shown
    (`check_all_shown`)."""
    theme = dd.theme(theme_id)
    dd.shown.add(("theme", theme_id))
    parts = [f"**{theme.lead}**", theme.summary]
    parts += [quote_markdown(dd, q) for q in dd.quotes_for(theme_id)]
    findings = dd.findings_for(theme_id)
    if findings:
        # a rubric, not a paragraph: in the PDF a heading (\subsubsection*) that the house
        # style keeps with the list below it
        parts.append("```{rubric} Fund fra de enkelte kommuner\n```")
        parts.append("\n".join(f"- **{who(dd, f.sources)}:** {f.text} *({_roles(dd, f.roles)})*"
                               for f in findings))
    return "\n\n".join(parts)


def method_markdown(dd: DeepDives) -> str:
    """The method: the form of a visit day and its activities, how the municipalities were
    chosen, the other qualitative sources, the anonymity and when the visits took place
    ("ikke oplyst i kilden" when the material does not say)."""
    m = dd.method
    lines = [f"**Form:** {m.format}. {m.focus}", "", "Besøgsdagen bestod af:", ""]
    for a in m.activities:
        extra = []
        if a.per_municipality:
            extra.append(f"{word(a.per_municipality)} pr. kommune")
        if a.where_possible:
            extra.append("hvor det var muligt")
        tail = f"; {', '.join(extra)}" if extra else ""
        lines.append(f"- {a.label} *(deltagere: {_roles(dd, a.participants)}{tail})*")
    lines += ["", m.selection]
    if m.other_sources:
        others = join([f"{label.lower()} ({n})" for label, n in m.other_sources])
        lines += ["", f"Deep dives supplerer evalueringens øvrige kvalitative kilder: {others}."]
    lines += ["", m.anonymity]
    if m.when is None:
        lines += ["", "Hvornår besøgene fandt sted, er ikke oplyst i kilden."]
    else:
        lines += ["", f"Besøgene fandt sted {m.when}."]
    return "\n".join(lines)


def context_markdown(dd: DeepDives) -> str:
    """The context paragraphs and their sources (as links where they have a url)."""
    parts = list(dd.context)
    if dd.references:
        parts.append("Kilder:\n\n" + "\n".join(f"- [{text}]({url})" if url else f"- {text}"
                                              for text, url in dd.references))
    return "\n\n".join(parts)


def municipality_frame(dd: DeepDives) -> pd.DataFrame:
    """The visited municipalities: Kommune, Region, Rolle, and Besøgsdag and Deltagere
    only when some municipality has them ("ikke oplyst" for the others)."""
    frame = pd.DataFrame({"Kommune": [m.name for m in dd.municipalities],
                          "Region": [m.region or "–" for m in dd.municipalities],
                          "Rolle": [m.role for m in dd.municipalities]})
    if any(m.visited for m in dd.municipalities):
        frame["Besøgsdag"] = [m.visited or "ikke oplyst" for m in dd.municipalities]
    if any(m.participants is not None for m in dd.municipalities):
        frame["Deltagere"] = ["ikke oplyst" if m.participants is None else str(m.participants)
                              for m in dd.municipalities]
    return frame


def persona_lead(dd: DeepDives, persona_id: str) -> str:
    """The lead sentence of a persona's section: its summary in bold (the summary is also
    drawn on the persona card, which a reader of the text alone does not see)."""
    return f"**{dd.persona(persona_id).summary.strip()}**"


def persona_markdown(dd: DeepDives, persona_id: str) -> str:
    """The persona's story as headed bullet lists (the summary is on the persona card);
    records the persona as shown (`check_all_shown`)."""
    persona = dd.persona(persona_id)
    dd.shown.add(("persona", persona_id))
    parts = []   # the summary is on the persona card
    for heading, points in persona.sections:
        parts.append(f"*{heading}*\n\n" + "\n".join(f"- {p}" for p in points))
    return "\n\n".join(parts)


def coordinator_box_markdown(dd: DeepDives, kind: str = "tip") -> str:
    """The box on choosing a coordinator as an admonition of class `kind`."""
    box = dd.coordinator_box
    intro = f"{box.intro}:\n\n" if box.intro else ""
    bullets = "\n".join(f"- {c}" for c in box.criteria)
    return f":::{{admonition}} {box.title}\n:class: {kind}\n{intro}{bullets}\n:::"


# ---------------------------------------------------------------- the overview table

def short_labels(dd: DeepDives) -> dict[str, str]:
    """'Kommune A' -> 'A' when every pseudonym starts with the same word (narrow columns)."""
    labels = dd.pseudonyms
    firsts = {label.split(" ", 1)[0] for label in labels.values()}
    if len(firsts) == 1 and all(" " in label for label in labels.values()):
        return {i: label.split(" ", 1)[1] for i, label in labels.items()}
    return dict(labels)


def overview_frame(dd: DeepDives) -> pd.DataFrame:
    """Theme × municipality: how many findings each municipality (pseudonym) contributes to
    each theme ('–' for none), the theme's findings in all and the roles behind them."""
    rows = []
    short = short_labels(dd)
    for theme in dd.themes:
        findings = dd.findings_for(theme.id)
        row = {"Tema": theme.title}
        for ident in dd.pseudonyms:
            n = sum(ident in f.sources for f in findings)
            row[short[ident]] = str(n) if n else "–"
        row["Fund i alt"] = str(len(findings))
        roles = [r for r in dd.roles if any(r in f.roles for f in findings)]
        row["Roller bag fundene"] = ", ".join(dd.roles[r].lower() for r in roles) or "–"
        rows.append(row)
    return pd.DataFrame(rows)


def overview_table(dd: DeepDives, name: str = "tabel-tema-kommune",
                   caption: str = "Fund fra deep dives efter tema og kommune") -> None:
    """Show `overview_frame` as a numbered table, with a note on the short column labels."""
    frame = overview_frame(dd)
    k = len(dd.pseudonyms)
    short = short_labels(dd)
    columns = (f"Kolonnerne {join(list(short.values()))} er {_compress(list(dd.pseudonyms.values()))}. "
               if short != dd.pseudonyms else "")
    book.table(frame, caption=caption, name=name,
               notes=[f"{columns}Tallene er antallet af fund i kapitlet, som "
                      "kommunen bidrager til; et fund kan komme fra flere kommuner. Kommunerne er "
                      "anonymiseret som i den oprindelige rapport."],
               widths=[6] + [1] * k + [2, 6])


# ---------------------------------------------------------------- figures

def persona_figure(dd: DeepDives, persona_id: str, width: float = 7.0):
    """A persona card: title and summary on the left, one Lav–Høj slider per dimension on
    the right, the persona's value as a marker."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch
    persona = dd.persona(persona_id)
    scale = dd.scale
    n = len(scale.dimensions)
    height = max(2.3, 0.75 * n + 0.7)
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((0.08, 0.08), width - 0.16, height - 0.16,
                                boxstyle="round,pad=0,rounding_size=0.12", facecolor="#f3f7fc",
                                edgecolor=COLORS["lightblue"], linewidth=1.2))
    # left: who the persona is
    ax.text(0.3, height - 0.35, persona.title, fontsize=13, fontweight="bold", va="top", color=COLORS["blue"])
    ax.text(0.3, height - 0.72, f"Persona · {dd.roles[persona.role]}", fontsize=9, va="top",
            color=COLORS["grey"])
    ax.text(0.3, height - 1.05, textwrap.fill(persona.summary, 38), fontsize=9.5, va="top",
            linespacing=1.4)
    # right: the sliders
    x0, x1 = 3.75, width - 0.55
    top = height - 0.45
    step = (top - 0.45) / max(n, 1)
    for i, (dim, label) in enumerate(scale.dimensions):
        y = top - (i + 0.7) * step
        ax.text(x0, y + 0.17, label, fontsize=8.5, va="bottom")
        ax.plot([x0, x1], [y, y], color=COLORS["lightblue"], linewidth=5, solid_capstyle="round", zorder=1)
        for t in range(int(scale.min), int(scale.max) + 1):
            if scale.min <= t <= scale.max:
                xt = x0 + (t - scale.min) / (scale.max - scale.min) * (x1 - x0)
                ax.plot([xt, xt], [y - 0.06, y + 0.06], color="white", linewidth=1, zorder=2)
        value = persona.sliders[dim]
        xv = x0 + (value - scale.min) / (scale.max - scale.min) * (x1 - x0)
        ax.scatter([xv], [y], s=110, color=COLORS["blue"], edgecolor="white", linewidth=1.5, zorder=3)
        ax.text(x0, y - 0.13, scale.low, fontsize=7.5, va="top", ha="left", color=COLORS["grey"])
        ax.text(x1, y - 0.13, scale.high, fontsize=7.5, va="top", ha="right", color=COLORS["grey"])
    plt.close(fig)
    data = pd.DataFrame({"Persona": persona.title, "Dimension": [label for _, label in scale.dimensions],
                         "Værdi": [persona.sliders[dim] for dim, _ in scale.dimensions],
                         "Skala": f"{scale.min:g}–{scale.max:g} ({scale.low}–{scale.high})"})
    alt = (f"Personakort: {persona.title}. {persona.summary} Placering på skalaen fra {scale.low} til "
           f"{scale.high}: " + "; ".join(f"{label}: {book.number(persona.sliders[dim], 0)}"
                                         for dim, label in scale.dimensions) + ".")
    return book.attach(fig, data, alt)


def _team_layout(diagram: TeamDiagram, width: float, height: float):
    """Team centres along the middle; each municipality on a ring around the mean of its
    teams' centres (a municipality on several teams sits between them)."""
    import numpy as np
    k = len(diagram.teams)
    xs = np.linspace(width / (2 * k), width - width / (2 * k), k) if k > 1 else np.array([width / 2])
    centres = {t.id: (float(x), height / 2) for t, x in zip(diagram.teams, xs)}
    members = {m: [t.id for t in diagram.teams if m in t.municipalities] for m in diagram.municipalities}
    radius = min(height * 0.36, width / (2 * k) * 0.8)
    places = {}
    groups: dict[tuple, list[str]] = {}
    for m, teams in members.items():
        groups.setdefault(tuple(teams), []).append(m)
    for teams, ms in groups.items():
        cx = float(np.mean([centres[t][0] for t in teams]))
        cy = height / 2
        if len(teams) == 1:
            angles = np.linspace(np.pi / 2, np.pi / 2 + 2 * np.pi, len(ms), endpoint=False)
            for m, a in zip(ms, angles):
                places[m] = (cx + radius * 1.25 * np.cos(a), cy + radius * np.sin(a))
        else:   # shared municipalities: stacked between their teams
            for j, m in enumerate(ms):
                places[m] = (cx, cy + radius * (0.9 if j % 2 == 0 else -0.9) * (1 + j // 2 * 0.4))
    return centres, places, radius


def team_figure(dd: DeepDives, width: float = 7.0, height: float = 3.6):
    """The cross-municipal team diagram: teams as shaded groups with a central node, the
    municipalities whose citizens share a team as nodes linked to it."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse
    diagram = dd.team_diagram
    centres, places, radius = _team_layout(diagram, width, height)
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    for team in diagram.teams:
        cx, cy = centres[team.id]
        ax.add_patch(Ellipse((cx, cy), radius * 2.5 * 1.45, radius * 2 * 1.3, facecolor="#f3f7fc",
                             edgecolor=COLORS["lightblue"], linewidth=1.2, linestyle="--", zorder=0))
        for m in team.municipalities:
            mx, my = places[m]
            ax.plot([cx, mx], [cy, my], color=COLORS["grey"], linewidth=1.1, zorder=1)
        ax.add_patch(Ellipse((cx, cy), 1.75, 0.62, facecolor=COLORS["blue"], edgecolor="none", zorder=2))
        ax.text(cx, cy, textwrap.fill(team.label, 16, break_on_hyphens=False), ha="center", va="center", color="white",
                fontsize=9, fontweight="bold", zorder=3)
    for m, (mx, my) in places.items():
        ax.add_patch(Ellipse((mx, my), 1.15, 0.42, facecolor="white", edgecolor=COLORS["blue"],
                             linewidth=1.3, zorder=2))
        ax.text(mx, my, diagram.municipalities[m], ha="center", va="center", fontsize=8.5, zorder=3)
    plt.close(fig)
    data = pd.DataFrame([{"Hold": team.label, "Kommune": diagram.municipalities[m]}
                         for team in diagram.teams for m in team.municipalities])
    alt = ("Diagram over tværkommunale hold: " + "; ".join(
        f"{team.label} samler {book.join([diagram.municipalities[m] for m in team.municipalities])}"
        for team in diagram.teams) + ".")
    return book.attach(fig, data, alt)
