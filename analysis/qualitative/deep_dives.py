"""The deep dives' qualitative material in `data/qualitative/deep_dives.yml`: read and
checked by the compute stage, which publishes it as the bundle's document `deep_dives`
(analysis.compute.qualitative); the chapter draws it from the bundle
(analysis.report.deep_dives).

    dd = load()          # a DeepDives (analysis.bundle.deep_dives); stops with file, key and reason

The format is described field by field in `data/qualitative/README.md`. The material is
written for this report. Every quote names its source (the interview, the speaker's role,
the municipality's pseudonym) and says whether it is synthetic (`synthetic: true`: part of
the synthetic material, said by nobody). Fields no page shows are checked here but not
kept (see analysis.bundle.deep_dives).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from analysis.bundle.deep_dives import (Activity, CoordinatorBox, DeepDives, Finding, Method, Municipality, Persona,
                                        Quote, Scale, Team, TeamDiagram, Theme)
from analysis.editions import REPO
from analysis.errors import DataError

DEFAULT_PATH = REPO / "data" / "qualitative" / "deep_dives.yml"
FORMAT = 1
ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
ACTIVITY_KINDS = {"fokusgruppe", "interview", "observation", "andet"}


class QualitativeError(DataError):
    """Bad qualitative material: names the file, the key (a path such as
    `findings[3].theme`) and the reason."""

    def __init__(self, file: str | Path, key: str, reason: str):
        self.key = key
        super().__init__(file, reason, column=key)

    def __str__(self) -> str:
        return f"{self.file}, key {self.key!r}: {self.reason}"


# ---------------------------------------------------------------- typed access to the YAML

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


# ---------------------------------------------------------------- loading

def load(path: str | Path = DEFAULT_PATH) -> DeepDives:
    """Read and check the qualitative material. Every id a section refers to must be
    defined (themes, pseudonyms, roles, dimensions, diagram municipalities), every
    persona has a value within the scale for each dimension, and a quote says whether
    it is illustrative. Raises QualitativeError (a DataError) naming file, key and reason."""
    path = Path(path)
    r = _Reader(path)
    raw = _top(r, path)
    municipalities = _municipalities(r, raw["municipalities"])
    pseudonyms = r.label_map(raw["pseudonyms"], "pseudonyms")
    if len(pseudonyms) != len(municipalities):
        r.fail("pseudonyms", f"one pseudonym per municipality: {len(pseudonyms)} pseudonyms for "
                             f"{len(municipalities)} municipalities")
    roles = r.label_map(raw["roles"], "roles")
    method = _method(r, raw["method"], set(roles))
    lead, context, references = _introduction(r, raw["introduction"])
    themes = _themes(r, raw["themes"])
    theme_ids = {t.id for t in themes}
    findings = _findings(r, raw["findings"], theme_ids, set(pseudonyms), set(roles))
    box = _coordinator_box(r, raw["coordinator_box"])
    scale = _scale(r, raw["persona_scale"])
    personas = _personas(r, raw["personas"], scale, set(roles))
    diagram = _team_diagram(r, raw["team_diagram"])
    quotes = _quotes(r, raw["quotes"], theme_ids, set(roles), set(pseudonyms))
    return DeepDives(municipalities, pseudonyms, roles, method, lead, context, references, themes, findings, box,
                     scale, personas, diagram, quotes)


def _top(r: _Reader, path: Path) -> dict:
    """The parsed file: a mapping with exactly the top-level sections, of this format."""
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
    r.get(raw, "source", "")   # checked, not shown
    return raw


def _date(r: _Reader, mapping: dict, name: str, key: str) -> str | None:
    """A date (YAML parses `2025-03-14` as one) as ISO text, or a text, or None."""
    value = mapping.get(name)
    if isinstance(value, dt.date):
        return value.isoformat()
    return r.get(mapping, name, key, required=False)


def _texts(r: _Reader, values, key: str, empty: bool = False) -> tuple[str, ...]:
    """A list of non-empty texts, white space folded."""
    values = r.items(values, key, empty=empty)
    for i, text in enumerate(values):
        if not isinstance(text, str) or not text.strip():
            r.fail(f"{key}[{i}]", "expected a non-empty text")
    return tuple(" ".join(text.split()) for text in values)


def _unique(r: _Reader, ids: list[str], key: str, what: str) -> None:
    if len(set(ids)) != len(ids):
        r.fail(key, f"a {what} id is used twice: {ids}")


def _municipalities(r: _Reader, raw) -> tuple[Municipality, ...]:
    out = []
    for i, item in enumerate(r.items(raw, "municipalities")):
        key = f"municipalities[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"name", "region", "role", "visited", "participants"}, key)
        visited = _date(r, item, "visited", key)
        participants = r.get(item, "participants", key, int, required=False)
        if participants is not None and participants < 0:
            r.fail(f"{key}.participants", f"a number of persons cannot be negative ({participants})")
        out.append(Municipality(r.get(item, "name", key), r.get(item, "region", key, required=False),
                                r.get(item, "role", key), visited, participants))
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        r.fail("municipalities", "a municipality is listed twice")
    return tuple(out)


def _method(r: _Reader, raw, roles: set[str]) -> Method:
    m = r.mapping(raw, "method")
    r.unknown_keys(m, {"format", "when", "selection", "focus", "anonymity", "activities", "other_sources"},
                   "method")
    activities = []
    for i, item in enumerate(r.items(m.get("activities"), "method.activities")):
        key = f"method.activities[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"kind", "label", "participants", "per_municipality", "where_possible"}, key)
        r.get(item, "kind", key, allowed=ACTIVITY_KINDS)   # checked, not shown
        activities.append(Activity(r.get(item, "label", key), r.ids(item, "participants", key, roles, "role"),
                                   r.get(item, "per_municipality", key, int, required=False),
                                   bool(r.get(item, "where_possible", key, bool, required=False))))
    other = []
    for i, item in enumerate(r.items(m.get("other_sources", []), "method.other_sources", empty=True)):
        key = f"method.other_sources[{i}]"
        item = r.mapping(item, key)
        other.append((r.get(item, "label", key), r.get(item, "n", key, int)))
    return Method(r.get(m, "format", "method"), _date(r, m, "when", "method"), r.get(m, "selection", "method"),
                  r.get(m, "focus", "method"), r.get(m, "anonymity", "method"), tuple(activities), tuple(other))


def _introduction(r: _Reader, raw) -> tuple[str, tuple[str, ...], tuple[tuple[str, str | None], ...]]:
    """(lead, context paragraphs, references as (text, url))."""
    intro = r.mapping(raw, "introduction")
    r.unknown_keys(intro, {"lead", "context", "references"}, "introduction")
    context = _texts(r, intro.get("context", []), "introduction.context", empty=True)
    references = []
    for i, item in enumerate(r.items(intro.get("references", []), "introduction.references", empty=True)):
        key = f"introduction.references[{i}]"
        item = r.mapping(item, key)
        references.append((r.get(item, "text", key), r.get(item, "url", key, required=False)))
    return r.get(intro, "lead", "introduction"), context, tuple(references)


def _themes(r: _Reader, raw) -> tuple[Theme, ...]:
    themes = []
    for i, item in enumerate(r.items(raw, "themes")):
        key = f"themes[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"id", "title", "page", "lead", "summary"}, key)
        ident = r.get(item, "id", key)
        if not ID.match(ident):
            r.fail(f"{key}.id", "an id is letters, digits, '_' or '-', starting with a letter")
        r.get(item, "page", key, int, required=False)   # checked, not shown
        themes.append(Theme(ident, r.get(item, "title", key), r.get(item, "lead", key), r.get(item, "summary", key)))
    _unique(r, [t.id for t in themes], "themes", "theme")
    return tuple(themes)


def _findings(r: _Reader, raw, themes: set[str], pseudonyms: set[str], roles: set[str]) -> tuple[Finding, ...]:
    findings = []
    for i, item in enumerate(r.items(raw, "findings")):
        key = f"findings[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"theme", "from", "roles", "text"}, key)
        findings.append(Finding(r.get(item, "theme", key, allowed=themes, what="theme"),
                                r.ids(item, "from", key, pseudonyms, "municipality (pseudonym)"),
                                r.ids(item, "roles", key, roles, "role"), r.get(item, "text", key)))
    return tuple(findings)


def _coordinator_box(r: _Reader, raw) -> CoordinatorBox:
    box = r.mapping(raw, "coordinator_box")
    r.unknown_keys(box, {"title", "intro", "criteria"}, "coordinator_box")
    criteria = _texts(r, box.get("criteria"), "coordinator_box.criteria")
    return CoordinatorBox(r.get(box, "title", "coordinator_box"),
                          r.get(box, "intro", "coordinator_box", required=False) or "", criteria)


def _scale(r: _Reader, raw) -> Scale:
    s = r.mapping(raw, "persona_scale")
    r.unknown_keys(s, {"min", "max", "low", "high", "dimensions"}, "persona_scale")
    low, high = r.get(s, "min", "persona_scale", float), r.get(s, "max", "persona_scale", float)
    if not low < high:
        r.fail("persona_scale", f"min ({low:g}) must be below max ({high:g})")
    dimensions = []
    for i, item in enumerate(r.items(s.get("dimensions"), "persona_scale.dimensions")):
        key = f"persona_scale.dimensions[{i}]"
        item = r.mapping(item, key)
        dimensions.append((r.get(item, "id", key), r.get(item, "label", key)))
    _unique(r, [d for d, _ in dimensions], "persona_scale.dimensions", "dimension")
    return Scale(low, high, r.get(s, "low", "persona_scale"), r.get(s, "high", "persona_scale"), tuple(dimensions))


def _sliders(r: _Reader, raw, key: str, scale: Scale) -> dict[str, float]:
    """One value per dimension of the scale, within its min and max."""
    sliders = r.mapping(raw, key)
    dims = [d for d, _ in scale.dimensions]
    for name in dims:
        if name not in sliders:
            r.fail(f"{key}.{name}", "missing: every persona has a value for every dimension")
    values = {}
    for name in sliders:
        if name not in dims:
            r.fail(f"{key}.{name}", f"unknown dimension id {name!r} (known: {', '.join(dims)})")
        value = r.get(sliders, name, key, float)
        if not scale.min <= value <= scale.max:
            r.fail(f"{key}.{name}", f"{value:g} is outside the scale {scale.min:g}–{scale.max:g} "
                                    f"({scale.low}–{scale.high})")
        values[name] = value
    return values


def _personas(r: _Reader, raw, scale: Scale, roles: set[str]) -> tuple[Persona, ...]:
    personas = []
    for i, item in enumerate(r.items(raw, "personas")):
        key = f"personas[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"id", "title", "role", "page", "summary", "sliders", "slider_basis", "sections"}, key)
        sliders = _sliders(r, item.get("sliders"), f"{key}.sliders", scale)
        sections = []
        for j, sec in enumerate(r.items(item.get("sections", []), f"{key}.sections", empty=True)):
            skey = f"{key}.sections[{j}]"
            sec = r.mapping(sec, skey)
            points = _texts(r, sec.get("points"), f"{skey}.points")
            sections.append((r.get(sec, "heading", skey), points))
        r.get(item, "page", key, int, required=False)            # checked, not shown
        r.get(item, "slider_basis", key, required=False)         # checked, not shown
        personas.append(Persona(r.get(item, "id", key), r.get(item, "title", key),
                                r.get(item, "role", key, allowed=roles, what="role"), r.get(item, "summary", key),
                                sliders, tuple(sections)))
    _unique(r, [p.id for p in personas], "personas", "persona")
    return tuple(personas)


def _team_diagram(r: _Reader, raw) -> TeamDiagram:
    d = r.mapping(raw, "team_diagram")
    r.unknown_keys(d, {"title", "description", "municipalities", "teams"}, "team_diagram")
    places = r.label_map(d.get("municipalities"), "team_diagram.municipalities")
    teams = []
    for i, item in enumerate(r.items(d.get("teams"), "team_diagram.teams")):
        key = f"team_diagram.teams[{i}]"
        item = r.mapping(item, key)
        teams.append(Team(r.get(item, "id", key), r.get(item, "label", key),
                          r.ids(item, "municipalities", key, set(places), "municipality")))
    on_a_team = {m for t in teams for m in t.municipalities}
    for ident in places:
        if ident not in on_a_team:
            r.fail(f"team_diagram.municipalities.{ident}", "the municipality is on no team")
    r.get(d, "title", "team_diagram")          # checked, not shown
    r.get(d, "description", "team_diagram")    # checked, not shown
    return TeamDiagram(places, tuple(teams))


# the chapters a quote may be placed in (a chapter file of the book); default: the deep dives
CHAPTERS = Path(__file__).resolve().parents[2] / "chapters"


def _quotes(r: _Reader, raw, themes: set[str], roles: set[str], pseudonyms: set[str]) -> tuple[Quote, ...]:
    """Each quote with its source: theme (a theme id), chapter (a chapter file, default
    'deep_dives'), role (a role id), municipality (a pseudonym id), interview (which
    interview or focus group), synthetic (required: true for synthetic material) and text."""
    quotes = []
    chapters = {p.stem for p in CHAPTERS.glob("*.md")}
    for i, item in enumerate(r.items(raw, "quotes", empty=True)):
        key = f"quotes[{i}]"
        item = r.mapping(item, key)
        r.unknown_keys(item, {"theme", "chapter", "role", "municipality", "interview", "text", "synthetic"}, key)
        if "synthetic" not in item:
            r.fail(f"{key}.synthetic", "missing: say `synthetic: true` for a quote of the synthetic material, or "
                                       "`synthetic: false` for a real one (with consent)")
        synthetic = r.get(item, "synthetic", key, bool)
        chapter = r.get(item, "chapter", key, required=False) or "deep_dives"
        if chapter not in chapters:
            r.fail(f"{key}.chapter", f"no chapter {chapter!r} in {CHAPTERS}")
        quotes.append(Quote(r.get(item, "theme", key, allowed=themes, what="theme"),
                            r.get(item, "role", key, allowed=roles, what="role"), r.get(item, "text", key),
                            synthetic, r.get(item, "interview", key),
                            r.get(item, "municipality", key, allowed=pseudonyms, what="pseudonym"), chapter))
    return tuple(quotes)
