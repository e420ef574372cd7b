"""Edition settings: what differs between the reports built from the same sources."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Edition:
    name: str
    title: str
    data_dir: Path
    published: Path                     # the printed register-data numbers
    toc: Path
    survey_published: Path | None = None   # the printed survey numbers (None: no surveys)
    errata: Path | None = None          # Danish explanations of the printed numbers not reproduced
    # event-time window: weeks relative to course start (week 1 = first course week,
    # week 0 = the week before, -26 = the 26th week before week 0)
    weeks_before: int = 26
    weeks_after: int = 26
    course_weeks: int = 7
    # named time points of the report's tables, as relative weeks
    time_points: dict[str, int] = field(default_factory=lambda: {
        "w-26": -26, "w0": 0, "w8": 8, "w26": 26})
    min_cell: int = 3
    inference: str = "cluster"


EDITIONS = {
    "final-2025": Edition(
        name="final-2025",
        title="Slutevaluering af Tættere På Job 2025",
        data_dir=REPO / "data" / "synthetic" / "final-2025",
        published=REPO / "data" / "reference" / "published" / "final-2025-register.csv",
        toc=REPO / "_toc.yml",
        survey_published=REPO / "data" / "reference" / "published" / "final-2025-survey.csv",
        errata=REPO / "data" / "reference" / "published" / "final-2025-errata.csv",
    ),
}

DEFAULT_EDITION = "final-2025"


def get_edition(name: str) -> Edition:
    try:
        return EDITIONS[name]
    except KeyError:
        raise SystemExit(f"unknown edition {name!r}; known editions: {', '.join(EDITIONS)}") from None
