"""The deep dives: qualitative material in `data/qualitative/deep_dives.yml`, checked on
loading, and what the chapter `chapters/deep_dives.md` shows from it.

    dd = load()                              # stops with file, key and reason on bad input
    book.markdown(theme_markdown(dd, "visitation"))
    book.glue_figure("persona-koordinator", persona_figure(dd, "koordinator"))
    book.glue_figure("figur-hold", team_figure(dd))
    overview_table(dd, name="tabel-tema-kommune")

The format is described field by field in `data/qualitative/README.md`. The material is
written for this report; a quote must say `illustrative: true` (written for the report) or
be a real quote with a `source`.
"""
from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from analysis.editions import REPO
from analysis.errors import DataError

DEFAULT_PATH = REPO / "data" / "qualitative" / "deep_dives.yml"
FORMAT = 1
ILLUSTRATIVE_NOTE = "illustrativt citat skrevet til denne rapport"
ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
WORDS = {0: "ingen", 1: "én", 2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks", 7: "syv", 8: "otte",
         9: "ni", 10: "ti", 11: "elleve", 12: "tolv"}


class QualitativeError(DataError):
    """Bad qualitative material: names the file, the key (a path such as
    `findings[3].theme`) and the reason."""

    def __init__(self, file: str | Path, key: str, reason: str):
        self.key = key
        super().__init__(file, reason, column=key)

    def __str__(self) -> str:
        return f"{self.file}, key {self.key!r}: {self.reason}"


# ---------------------------------------------------------------- the material

@dataclass(frozen=True)
class Municipality:
    name: str
    region: str | None
    role: str
    visited: str | None          # the visit day (ISO date) or None: not known
    participants: int | None     # persons at the visit day or None: not known


@dataclass(frozen=True)
class Activity:
    kind: str                    # fokusgruppe | interview | observation | andet
    label: str
    participants: tuple[str, ...]   # role ids
    per_municipality: int | None
    where_possible: bool


@dataclass(frozen=True)
class Method:
    format: str
    when: str | None
    selection: str
    focus: str
    anonymity: str
    activities: tuple[Activity, ...]
    other_sources: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    page: int | None
    lead: str
    summary: str


@dataclass(frozen=True)
class Finding:
    theme: str
    sources: tuple[str, ...]     # pseudonym ids (`from` in the file)
    roles: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Scale:
    min: float
    max: float
    low: str
    high: str
    dimensions: tuple[tuple[str, str], ...]   # (id, label)


@dataclass(frozen=True)
class Persona:
    id: str
    title: str
    role: str
    page: int | None
    summary: str
    sliders: dict[str, float]
    slider_basis: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Team:
    id: str
    label: str
    municipalities: tuple[str, ...]


@dataclass(frozen=True)
class TeamDiagram:
    title: str
    description: str
    municipalities: dict[str, str]
    teams: tuple[Team, ...]


@dataclass(frozen=True)
class Quote:
    theme: str
    role: str
    text: str
    illustrative: bool
    source: str | None


@dataclass(frozen=True)
class CoordinatorBox:
    title: str
    intro: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class DeepDives:
    path: Path
    source: str
    municipalities: tuple[Municipality, ...]
    pseudonyms: dict[str, str]
    roles: dict[str, str]
    method: Method
    lead: str
    context: tuple[str, ...]
    references: tuple[tuple[str, str | None], ...]
    themes: tuple[Theme, ...]
    findings: tuple[Finding, ...]
    coordinator_box: CoordinatorBox
    scale: Scale
    personas: tuple[Persona, ...]
    team_diagram: TeamDiagram
    quotes: tuple[Quote, ...]
    shown: set = field(default_factory=set, compare=False, repr=False)

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"no theme {theme_id!r} in {self.path} (known: {', '.join(t.id for t in self.themes)})")

    def persona(self, persona_id: str) -> Persona:
        for persona in self.personas:
            if persona.id == persona_id:
                return persona
        raise KeyError(f"no persona {persona_id!r} in {self.path} "
                       f"(known: {', '.join(p.id for p in self.personas)})")

    def findings_for(self, theme_id: str) -> list[Finding]:
        return [f for f in self.findings if f.theme == theme_id]

    def quotes_for(self, theme_id: str) -> list[Quote]:
        return [q for q in self.quotes if q.theme == theme_id]

    def check_all_shown(self) -> None:
        """Stop the chapter if a theme or persona in the file has no section (a theme added to
        the file needs a section in the chapter)."""
        missing = [f"theme {t.id!r}" for t in self.themes if ("theme", t.id) not in self.shown]
        missing += [f"persona {p.id!r}" for p in self.personas if ("persona", p.id) not in self.shown]
        if missing:
            raise QualitativeError(self.path, "themes/personas",
                                   f"not shown in the chapter: {', '.join(missing)}; add a section for each")


# ---------------------------------------------------------------- loading and checks

class _Reader:
    """Typed access to the parsed YAML that names the file and key on every error."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, reason: str):
        raise QualitativeError(self.path, key, reason)

    def mapping(self, value, key: str) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping (key: value), got {type(value).__name__}")
        return value

    def items(self, value, key: str, empty: bool = False) -> list:
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {type(value).__name__}")
        if not value and not empty:
            self.fail(key, "the list is empty")
        return value

    def get(self, mapping: dict, name: str, key: str, kind=str, required: bool = True,
            allowed: set[str] | None = None, what: str = ""):
        where = f"{key}.{name}" if key else name
        if name not in mapping or mapping[name] is None:
            if required:
                self.fail(where, "missing" if name not in mapping else "must not be empty")
            return None
        value = mapping[name]
        if kind is str:
            if not isinstance(value, str) or not value.strip():
                self.fail(where, f"expected a non-empty text, got {value!r}")
            value = " ".join(value.split())
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(where, f"expected a whole number, got {value!r}")
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(where, f"expected a number, got {value!r}")
            value = float(value)
        elif kind is bool:
            if not isinstance(value, bool):
                self.fail(where, f"expected true or false, got {value!r}")
        if allowed is not None and value not in allowed:
            self.fail(where, f"unknown {what + ' ' if what else ''}id {value!r} "
                             f"(known: {', '.join(sorted(allowed))})")
        return value

    def ids(self, mapping: dict, name: str, key: str, allowed: set[str], what: str) -> tuple[str, ...]:
        where = f"{key}.{name}"
        values = self.items(mapping.get(name), where)
        for i, value in enumerate(values):
            if value not in allowed:
                self.fail(f"{where}[{i}]", f"unknown {what} id {value!r} (known: {', '.join(sorted(allowed))})")
        if len(set(values)) != len(values):
            self.fail(where, f"an id is listed twice: {values}")
        return tuple(values)

    def unknown_keys(self, mapping: dict, known: set[str], key: str) -> None:
        extra = sorted(set(mapping) - known)
        if extra:
            self.fail(f"{key}.{extra[0]}" if key else extra[0],
                      f"unknown key (allowed here: {', '.join(sorted(known))})")

    def label_map(self, value, key: str) -> dict[str, str]:
        value = self.mapping(value, key)
        if not value:
            self.fail(key, "the mapping is empty")
        out = {}
        for ident, label in value.items():
            ident = str(ident)
            if not ID.match(ident):
                self.fail(f"{key}.{ident}", "an id is letters, digits, '_' or '-', starting with a letter")
            out[ident] = self.get({ident: label}, ident, key)
        return out


TOP = {"format", "source", "municipalities", "pseudonyms", "roles", "method", "introduction", "themes",
       "findings", "coordinator_box", "persona_scale", "personas", "team_diagram", "quotes"}


def load(path: str | Path = DEFAULT_PATH) -> DeepDives:
    """Read and check the qualitative material; a QualitativeError names file, key and reason."""
    path = Path(path)
    r = _Reader(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QualitativeError(path, "(file)", "the file does not exist") from None
    except yaml.YAMLError as error:
        raise QualitativeError(path, "(file)", f"not valid YAML: {error}") from None
    raw = r.mapping(raw, "(file)")
    r.unknown_keys(raw, TOP, "")
    for name in sorted(TOP):
        if name not in raw:
            r.fail(name, "missing")
    if raw["format"] != FORMAT:
        r.fail("format", f"this code reads format {FORMAT}, the file says {raw['format']!r}")

    municipalities = []
    for i, item in enumerate(r.items(raw["municipalities"], "municipalities")):
        key = f"municipalities[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"name", "region", "role", "visited", "participants"}, key)
        visited = item.get("visited")
        if isinstance(visited, dt.date):
            visited = visited.isoformat()
        elif visited is not None:
            visited = r.get(item, "visited", key)
        participants = r.get(item, "participants", key, int, required=False)
        if participants is not None and participants < 0:
            r.fail(f"{key}.participants", f"a number of persons cannot be negative ({participants})")
        municipalities.append(Municipality(r.get(item, "name", key), r.get(item, "region", key, required=False),
                                           r.get(item, "role", key), visited, participants))
    names = [m.name for m in municipalities]
    if len(set(names)) != len(names):
        r.fail("municipalities", "a municipality is listed twice")

    pseudonyms = r.label_map(raw["pseudonyms"], "pseudonyms")
    if len(pseudonyms) != len(municipalities):
        r.fail("pseudonyms", f"one pseudonym per municipality: {len(pseudonyms)} pseudonyms for "
                             f"{len(municipalities)} municipalities")
    roles = r.label_map(raw["roles"], "roles")

    m = r.mapping(raw["method"], "method")
    r.unknown_keys(m, {"format", "when", "selection", "focus", "anonymity", "activities", "other_sources"},
                   "method")
    activities = []
    for i, item in enumerate(r.items(m.get("activities"), "method.activities")):
        key = f"method.activities[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"kind", "label", "participants", "per_municipality", "where_possible"}, key)
        per = r.get(item, "per_municipality", key, int, required=False)
        activities.append(Activity(
            r.get(item, "kind", key, allowed={"fokusgruppe", "interview", "observation", "andet"}),
            r.get(item, "label", key), r.ids(item, "participants", key, set(roles), "role"), per,
            bool(r.get(item, "where_possible", key, bool, required=False))))
    other = []
    for i, item in enumerate(r.items(m.get("other_sources", []), "method.other_sources", empty=True)):
        key = f"method.other_sources[{i}]"
        item = r.mapping(item, key)
        other.append((r.get(item, "label", key), r.get(item, "n", key, int)))
    when = m.get("when")
    when = when.isoformat() if isinstance(when, dt.date) else r.get(m, "when", "method", required=False)
    method = Method(r.get(m, "format", "method"), when, r.get(m, "selection", "method"),
                    r.get(m, "focus", "method"), r.get(m, "anonymity", "method"), tuple(activities), tuple(other))

    intro = r.mapping(raw["introduction"], "introduction")
    r.unknown_keys(intro, {"lead", "context", "references"}, "introduction")
    context = []
    for i, text in enumerate(r.items(intro.get("context", []), "introduction.context", empty=True)):
        if not isinstance(text, str) or not text.strip():
            r.fail(f"introduction.context[{i}]", "expected a non-empty paragraph of text")
        context.append(" ".join(text.split()))
    references = []
    for i, item in enumerate(r.items(intro.get("references", []), "introduction.references", empty=True)):
        key = f"introduction.references[{i}]"
        item = r.mapping(item, key)
        references.append((r.get(item, "text", key), r.get(item, "url", key, required=False)))

    themes = []
    for i, item in enumerate(r.items(raw["themes"], "themes")):
        key = f"themes[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"id", "title", "page", "lead", "summary"}, key)
        ident = r.get(item, "id", key)
        if not ID.match(ident):
            r.fail(f"{key}.id", "an id is letters, digits, '_' or '-', starting with a letter")
        themes.append(Theme(ident, r.get(item, "title", key), r.get(item, "page", key, int, required=False),
                            r.get(item, "lead", key), r.get(item, "summary", key)))
    theme_ids = [t.id for t in themes]
    if len(set(theme_ids)) != len(theme_ids):
        r.fail("themes", f"a theme id is used twice: {theme_ids}")

    findings = []
    for i, item in enumerate(r.items(raw["findings"], "findings")):
        key = f"findings[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"theme", "from", "roles", "text"}, key)
        findings.append(Finding(r.get(item, "theme", key, allowed=set(theme_ids), what="theme"),
                                r.ids(item, "from", key, set(pseudonyms), "municipality (pseudonym)"),
                                r.ids(item, "roles", key, set(roles), "role"), r.get(item, "text", key)))

    box = r.mapping(raw["coordinator_box"], "coordinator_box")
    r.unknown_keys(box, {"title", "intro", "criteria"}, "coordinator_box")
    criteria = r.items(box.get("criteria"), "coordinator_box.criteria")
    for i, text in enumerate(criteria):
        if not isinstance(text, str) or not text.strip():
            r.fail(f"coordinator_box.criteria[{i}]", "expected a non-empty text")
    coordinator_box = CoordinatorBox(r.get(box, "title", "coordinator_box"),
                                     r.get(box, "intro", "coordinator_box", required=False) or "",
                                     tuple(" ".join(c.split()) for c in criteria))

    s = r.mapping(raw["persona_scale"], "persona_scale")
    r.unknown_keys(s, {"min", "max", "low", "high", "dimensions"}, "persona_scale")
    low, high = r.get(s, "min", "persona_scale", float), r.get(s, "max", "persona_scale", float)
    if not low < high:
        r.fail("persona_scale", f"min ({low:g}) must be below max ({high:g})")
    dimensions = []
    for i, item in enumerate(r.items(s.get("dimensions"), "persona_scale.dimensions")):
        key = f"persona_scale.dimensions[{i}]"
        item = r.mapping(item, key)
        dimensions.append((r.get(item, "id", key), r.get(item, "label", key)))
    dim_ids = [d for d, _ in dimensions]
    if len(set(dim_ids)) != len(dim_ids):
        r.fail("persona_scale.dimensions", f"a dimension id is used twice: {dim_ids}")
    scale = Scale(low, high, r.get(s, "low", "persona_scale"), r.get(s, "high", "persona_scale"), tuple(dimensions))

    personas = []
    for i, item in enumerate(r.items(raw["personas"], "personas")):
        key = f"personas[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"id", "title", "role", "page", "summary", "sliders", "slider_basis", "sections"}, key)
        sliders = r.mapping(item.get("sliders"), f"{key}.sliders")
        for name in dim_ids:
            if name not in sliders:
                r.fail(f"{key}.sliders.{name}", "missing: every persona has a value for every dimension")
        values = {}
        for name in sliders:
            if name not in dim_ids:
                r.fail(f"{key}.sliders.{name}", f"unknown dimension id {name!r} (known: {', '.join(dim_ids)})")
            value = r.get(sliders, name, f"{key}.sliders", float)
            if not low <= value <= high:
                r.fail(f"{key}.sliders.{name}",
                       f"{value:g} is outside the scale {low:g}–{high:g} ({scale.low}–{scale.high})")
            values[name] = value
        sections = []
        for j, sec in enumerate(r.items(item.get("sections", []), f"{key}.sections", empty=True)):
            skey = f"{key}.sections[{j}]"
            sec = r.mapping(sec, skey)
            points = r.items(sec.get("points"), f"{skey}.points")
            for k, text in enumerate(points):
                if not isinstance(text, str) or not text.strip():
                    r.fail(f"{skey}.points[{k}]", "expected a non-empty text")
            sections.append((r.get(sec, "heading", skey), tuple(" ".join(p.split()) for p in points)))
        personas.append(Persona(r.get(item, "id", key), r.get(item, "title", key),
                                r.get(item, "role", key, allowed=set(roles), what="role"),
                                r.get(item, "page", key, int, required=False), r.get(item, "summary", key),
                                values, r.get(item, "slider_basis", key, required=False) or "", tuple(sections)))
    persona_ids = [p.id for p in personas]
    if len(set(persona_ids)) != len(persona_ids):
        r.fail("personas", f"a persona id is used twice: {persona_ids}")

    d = r.mapping(raw["team_diagram"], "team_diagram")
    r.unknown_keys(d, {"title", "description", "municipalities", "teams"}, "team_diagram")
    diagram_places = r.label_map(d.get("municipalities"), "team_diagram.municipalities")
    teams = []
    for i, item in enumerate(r.items(d.get("teams"), "team_diagram.teams")):
        key = f"team_diagram.teams[{i}]"
        item = r.mapping(item, key)
        teams.append(Team(r.get(item, "id", key), r.get(item, "label", key),
                          r.ids(item, "municipalities", key, set(diagram_places), "municipality")))
    in_teams = {m for t in teams for m in t.municipalities}
    for ident in diagram_places:
        if ident not in in_teams:
            r.fail(f"team_diagram.municipalities.{ident}", "the municipality is on no team")
    diagram = TeamDiagram(r.get(d, "title", "team_diagram"), r.get(d, "description", "team_diagram"),
                          diagram_places, tuple(teams))

    quotes = []
    for i, item in enumerate(r.items(raw["quotes"], "quotes", empty=True)):
        key = f"quotes[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"theme", "role", "text", "illustrative", "source"}, key)
        if "illustrative" not in item:
            r.fail(f"{key}.illustrative", "missing: say `illustrative: true` for a quote written for this "
                                          "report, or `illustrative: false` with a `source` for a real one")
        illustrative = r.get(item, "illustrative", key, bool)
        source = r.get(item, "source", key, required=False)
        if not illustrative and source is None:
            r.fail(f"{key}.source", "a real quote (`illustrative: false`) needs a `source` (interview and date)")
        quotes.append(Quote(r.get(item, "theme", key, allowed=set(theme_ids), what="theme"),
                            r.get(item, "role", key, allowed=set(roles), what="role"), r.get(item, "text", key),
                            illustrative, source))

    return DeepDives(path, r.get(raw, "source", ""), tuple(municipalities), pseudonyms, roles, method,
                     r.get(intro, "lead", "introduction"), tuple(context), tuple(references), tuple(themes),
                     tuple(findings), coordinator_box, scale, tuple(personas), diagram, tuple(quotes))


# ---------------------------------------------------------------- text for the chapter

def word(n: int) -> str:
    """A small count as a Danish word (4 -> 'fire'); larger counts as digits."""
    return WORDS.get(int(n), str(int(n)))


def _join(labels: list[str]) -> str:
    from analysis.report.book import join
    return join(labels)


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
        return f"{prefix} " + _join([label.split(" ", 1)[1] for label in labels])
    return _join(labels)


def _roles(dd: DeepDives, ids) -> str:
    return _join([dd.roles[i].lower() for i in ids])


def quote_markdown(dd: DeepDives, quote: Quote) -> str:
    note = f" ({ILLUSTRATIVE_NOTE})" if quote.illustrative else f" ({quote.source})"
    return f"```{{pull-quote}}\n”{quote.text}”\n\n– {dd.roles[quote.role]}{note}\n```"


def theme_markdown(dd: DeepDives, theme_id: str) -> str:
    """A theme page: the key message, the cross-municipal summary, the findings per
    municipality and the theme's illustrative quotes."""
    theme = dd.theme(theme_id)
    dd.shown.add(("theme", theme_id))
    parts = [f"**{theme.lead}**", theme.summary]
    parts += [quote_markdown(dd, q) for q in dd.quotes_for(theme_id)]
    findings = dd.findings_for(theme_id)
    if findings:
        parts.append("Fund fra de enkelte kommuner:")
        parts.append("\n".join(f"- **{who(dd, f.sources)}:** {f.text} *({_roles(dd, f.roles)})*"
                               for f in findings))
    return "\n\n".join(parts)


def method_markdown(dd: DeepDives) -> str:
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
        others = _join([f"{label.lower()} ({n})" for label, n in m.other_sources])
        lines += ["", f"Deep dives supplerer evalueringens øvrige kvalitative kilder: {others}."]
    lines += ["", m.anonymity]
    if m.when is None:
        lines += ["", "Hvornår besøgene fandt sted, er ikke oplyst i kilden."]
    else:
        lines += ["", f"Besøgene fandt sted {m.when}."]
    return "\n".join(lines)


def context_markdown(dd: DeepDives) -> str:
    parts = list(dd.context)
    if dd.references:
        parts.append("Kilder:\n\n" + "\n".join(f"- [{text}]({url})" if url else f"- {text}"
                                              for text, url in dd.references))
    return "\n\n".join(parts)


def municipality_frame(dd: DeepDives) -> pd.DataFrame:
    frame = pd.DataFrame({"Kommune": [m.name for m in dd.municipalities],
                          "Region": [m.region or "–" for m in dd.municipalities],
                          "Rolle": [m.role for m in dd.municipalities]})
    if any(m.visited for m in dd.municipalities):
        frame["Besøgsdag"] = [m.visited or "ikke oplyst" for m in dd.municipalities]
    if any(m.participants is not None for m in dd.municipalities):
        frame["Deltagere"] = ["ikke oplyst" if m.participants is None else str(m.participants)
                              for m in dd.municipalities]
    return frame


def persona_markdown(dd: DeepDives, persona_id: str) -> str:
    persona = dd.persona(persona_id)
    dd.shown.add(("persona", persona_id))
    parts = []   # the summary is on the persona card
    for heading, points in persona.sections:
        parts.append(f"*{heading}*\n\n" + "\n".join(f"- {p}" for p in points))
    return "\n\n".join(parts)


def coordinator_box_markdown(dd: DeepDives, kind: str = "tip") -> str:
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
    from analysis.report import book
    frame = overview_frame(dd)
    k = len(dd.pseudonyms)
    short = short_labels(dd)
    columns = (f"Kolonnerne {_join(list(short.values()))} er {_compress(list(dd.pseudonyms.values()))}. "
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

    from analysis.report.book import COLORS
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
    return fig


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

    from analysis.report.book import COLORS
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
    return fig
