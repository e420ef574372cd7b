"""The deep-dive material as the bundle carries it: the document `deep_dives`.

The compute stage reads and checks `data/qualitative/deep_dives.yml`
(analysis.qualitative.deep_dives.load, which returns a `DeepDives`) and publishes
`to_document(dd)`; the render stage rebuilds it with `from_document` and draws the chapter
from it (analysis.report.deep_dives). Both sides import this module; it imports nothing that
reads files other than the bundle, so a chapter never reaches the loader.

The dataclasses hold what the chapter shows, nothing more: fields of the data file that no
page prints (the file's `source` line, the source pages of themes and personas, how the
persona sliders were set, an activity's kind, the team diagram's title and description) are
checked on loading but neither kept nor published.

Mappings whose order the chapter shows (pseudonyms, roles, the diagram's municipalities)
are stored as lists of `{"id", "label"}` in the document, since the bundle writes JSON with
sorted keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from analysis.bundle.store import BundleError

DOCUMENT = "deep_dives"
FORMAT = 1


@dataclass(frozen=True)
class Municipality:
    name: str
    region: str | None
    role: str
    visited: str | None          # the visit day (ISO date) or None: not known
    participants: int | None     # persons at the visit day or None: not known


@dataclass(frozen=True)
class Activity:
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
    other_sources: tuple[tuple[str, int], ...]   # (label, number of interviews)


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
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
    summary: str
    sliders: dict[str, float]    # dimension id -> value on the scale
    sections: tuple[tuple[str, tuple[str, ...]], ...]   # (heading, points)


@dataclass(frozen=True)
class Team:
    id: str
    label: str
    municipalities: tuple[str, ...]


@dataclass(frozen=True)
class TeamDiagram:
    municipalities: dict[str, str]   # id -> label, in the file's order
    teams: tuple[Team, ...]


@dataclass(frozen=True)
class Quote:
    """A quote from the qualitative material with its source: the theme it illustrates,
    the speaker's role, the municipality's pseudonym, the interview it comes from,
    whether it is synthetic material, and the chapter that shows it."""
    theme: str
    role: str
    text: str
    synthetic: bool
    interview: str
    municipality: str
    chapter: str = "deep_dives"


@dataclass(frozen=True)
class CoordinatorBox:
    title: str
    intro: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class DeepDives:
    municipalities: tuple[Municipality, ...]
    pseudonyms: dict[str, str]   # id -> label, in the file's order
    roles: dict[str, str]        # id -> label, in the file's order
    method: Method
    lead: str
    context: tuple[str, ...]
    references: tuple[tuple[str, str | None], ...]   # (text, url)
    themes: tuple[Theme, ...]
    findings: tuple[Finding, ...]
    coordinator_box: CoordinatorBox
    scale: Scale
    personas: tuple[Persona, ...]
    team_diagram: TeamDiagram
    quotes: tuple[Quote, ...]
    # the themes and personas a chapter has shown, ("theme" | "persona", id): kept by
    # analysis.report.deep_dives, so that a theme added to the file cannot be left out
    shown: set = field(default_factory=set, compare=False, repr=False)

    def theme(self, theme_id: str) -> Theme:
        """The theme `theme_id`; KeyError naming the known ids."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"no theme {theme_id!r} in the deep-dive material "
                       f"(known: {', '.join(t.id for t in self.themes)})")

    def persona(self, persona_id: str) -> Persona:
        """The persona `persona_id`; KeyError naming the known ids."""
        for persona in self.personas:
            if persona.id == persona_id:
                return persona
        raise KeyError(f"no persona {persona_id!r} in the deep-dive material "
                       f"(known: {', '.join(p.id for p in self.personas)})")

    def findings_for(self, theme_id: str) -> list[Finding]:
        return [f for f in self.findings if f.theme == theme_id]

    def quotes_for(self, theme_id: str, chapter: str = "deep_dives") -> list[Quote]:
        return [q for q in self.quotes if q.theme == theme_id and q.chapter == chapter]

    def quotes_in(self, chapter: str) -> list[Quote]:
        return [q for q in self.quotes if q.chapter == chapter]


# ---------------------------------------------------------------- the document

def _labels(mapping: dict[str, str]) -> list[dict]:
    return [{"id": ident, "label": label} for ident, label in mapping.items()]


def _mapping(items: list[dict]) -> dict[str, str]:
    return {item["id"]: item["label"] for item in items}


def to_document(dd: DeepDives) -> dict:
    """The material as the JSON document `deep_dives` of the bundle (plain dicts, lists,
    strings, numbers, booleans and nulls)."""
    m = dd.method
    return {
        "format": FORMAT,
        "municipalities": [{"name": x.name, "region": x.region, "role": x.role, "visited": x.visited,
                            "participants": x.participants} for x in dd.municipalities],
        "pseudonyms": _labels(dd.pseudonyms),
        "roles": _labels(dd.roles),
        "method": {"format": m.format, "when": m.when, "selection": m.selection, "focus": m.focus,
                   "anonymity": m.anonymity,
                   "activities": [{"label": a.label, "participants": list(a.participants),
                                   "per_municipality": a.per_municipality, "where_possible": a.where_possible}
                                  for a in m.activities],
                   "other_sources": [{"label": label, "n": n} for label, n in m.other_sources]},
        "introduction": {"lead": dd.lead, "context": list(dd.context),
                         "references": [{"text": text, "url": url} for text, url in dd.references]},
        "themes": [{"id": t.id, "title": t.title, "lead": t.lead, "summary": t.summary} for t in dd.themes],
        "findings": [{"theme": f.theme, "from": list(f.sources), "roles": list(f.roles), "text": f.text}
                     for f in dd.findings],
        "coordinator_box": {"title": dd.coordinator_box.title, "intro": dd.coordinator_box.intro,
                            "criteria": list(dd.coordinator_box.criteria)},
        "persona_scale": {"min": dd.scale.min, "max": dd.scale.max, "low": dd.scale.low, "high": dd.scale.high,
                          "dimensions": [{"id": d, "label": label} for d, label in dd.scale.dimensions]},
        "personas": [{"id": p.id, "title": p.title, "role": p.role, "summary": p.summary, "sliders": dict(p.sliders),
                      "sections": [{"heading": h, "points": list(points)} for h, points in p.sections]}
                     for p in dd.personas],
        "team_diagram": {"municipalities": _labels(dd.team_diagram.municipalities),
                         "teams": [{"id": t.id, "label": t.label, "municipalities": list(t.municipalities)}
                                   for t in dd.team_diagram.teams]},
        "quotes": [{"theme": q.theme, "role": q.role, "text": q.text, "synthetic": q.synthetic,
                    "interview": q.interview, "municipality": q.municipality, "chapter": q.chapter}
                   for q in dd.quotes],
    }


def from_document(doc: dict) -> DeepDives:
    """Rebuild the material from the bundle's document (`to_document`'s output). Raises
    BundleError when the document is of another format version."""
    if doc.get("format") != FORMAT:
        raise BundleError(f"document {DOCUMENT!r}: format {doc.get('format')!r}, this package reads "
                          f"format {FORMAT}; compute the bundle again")
    m, intro, box, scale = doc["method"], doc["introduction"], doc["coordinator_box"], doc["persona_scale"]
    method = Method(m["format"], m["when"], m["selection"], m["focus"], m["anonymity"],
                    tuple(Activity(a["label"], tuple(a["participants"]), a["per_municipality"], a["where_possible"])
                          for a in m["activities"]),
                    tuple((o["label"], o["n"]) for o in m["other_sources"]))
    return DeepDives(
        municipalities=tuple(Municipality(x["name"], x["region"], x["role"], x["visited"], x["participants"])
                             for x in doc["municipalities"]),
        pseudonyms=_mapping(doc["pseudonyms"]),
        roles=_mapping(doc["roles"]),
        method=method,
        lead=intro["lead"],
        context=tuple(intro["context"]),
        references=tuple((r["text"], r["url"]) for r in intro["references"]),
        themes=tuple(Theme(t["id"], t["title"], t["lead"], t["summary"]) for t in doc["themes"]),
        findings=tuple(Finding(f["theme"], tuple(f["from"]), tuple(f["roles"]), f["text"]) for f in doc["findings"]),
        coordinator_box=CoordinatorBox(box["title"], box["intro"], tuple(box["criteria"])),
        scale=Scale(scale["min"], scale["max"], scale["low"], scale["high"],
                    tuple((d["id"], d["label"]) for d in scale["dimensions"])),
        personas=tuple(Persona(p["id"], p["title"], p["role"], p["summary"], dict(p["sliders"]),
                               tuple((s["heading"], tuple(s["points"])) for s in p["sections"]))
                       for p in doc["personas"]),
        team_diagram=TeamDiagram(_mapping(doc["team_diagram"]["municipalities"]),
                                 tuple(Team(t["id"], t["label"], tuple(t["municipalities"]))
                                       for t in doc["team_diagram"]["teams"])),
        quotes=tuple(Quote(q["theme"], q["role"], q["text"], q["synthetic"], q["interview"], q["municipality"],
                           q["chapter"]) for q in doc["quotes"]),
    )
