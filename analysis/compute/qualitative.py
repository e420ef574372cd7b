"""The deep dives (chapters/deep_dives.md, final edition only): the qualitative material
in data/qualitative/deep_dives.yml, read and checked, as the bundle's document
`deep_dives`, and the counts of it the chapter's prose quotes."""
from __future__ import annotations

from analysis.bundle.deep_dives import DOCUMENT, DeepDives, to_document
from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata
from analysis.qualitative.deep_dives import load

PAGE = "deep_dives"
EDITIONS = ("final-2025",)   # the editions whose table of contents has the chapter


def counts(dd: DeepDives) -> dict[str, int]:
    """What the chapter counts in words, keyed as `deep_dives.<name>`: municipalities
    visited, personas, themes, findings, quotes, slider dimensions, coordinator criteria
    and the municipalities of the team diagram. None is a number of persons."""
    return {"kommuner": len(dd.municipalities), "personaer": len(dd.personas), "temaer": len(dd.themes),
            "fund": len(dd.findings), "citater": len(dd.quotes), "dimensioner": len(dd.scale.dimensions),
            "kriterier": len(dd.coordinator_box.criteria), "holdkommuner": len(dd.team_diagram.municipalities)}


def publish(md: Microdata, w: BundleWriter) -> None:
    """The document `deep_dives` (the material as the chapter shows it) and the counts.
    A bad data file stops the compute stage with a QualitativeError (file, key, reason)."""
    if md.edition.name not in EDITIONS:
        return
    dd = load()
    w.document(DOCUMENT, to_document(dd))
    for name, n in counts(dd).items():
        w.scalar(f"deep_dives.{name}", n, page=PAGE, kind="count", of="items of the qualitative material")
