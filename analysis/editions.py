"""Edition settings: what differs between the reports built from the same sources."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
# where builds go: <BUILD>/<edition>/{bundle,executed,html,pdf,...}; TPJ_BUILD moves it (tests)
BUILD = Path(os.environ.get("TPJ_BUILD", REPO / "_build"))
# the final evaluation's structured content (analysis.report.content); an edition with content
# of its own has a folder under it (Edition.content_dir)
CONTENT_DIR = REPO / "data" / "reference" / "content"


@dataclass(frozen=True)
class Edition:
    name: str
    title: str
    data_dir: Path
    published: Path                     # the printed register-data numbers
    toc: Path
    survey_published: Path | None = None   # the printed survey numbers (None: no surveys)
    errata: Path | None = None          # Danish explanations of the printed numbers not reproduced
    key_map: Path | None = None         # published refs whose result key differs (ref, key)
    # how close a model's intercept and coefficient must come to the printed ones: the
    # precision the synthetic extract is calibrated to
    model_tolerance: tuple[float, float] = (0.02, 0.04)
    # event-time window: weeks relative to course start (week 1 = first course week,
    # week 0 = the week before, -26 = the 26th week before week 0)
    weeks_before: int = 26
    weeks_after: int = 26
    course_weeks: int = 7
    # named time points of the report's tables, as relative weeks
    time_points: dict[str, int] = field(default_factory=lambda: {
        "w-26": -26, "w0": 0, "w8": 8, "w26": 26})
    min_cell: int = 3
    # the book's inference (analysis.register.inference): team-clustered, t(G - 1) and the
    # wild cluster bootstrap; the reproduction appendix compares the printed stars with the
    # variant that reproduces them (person-clustered for seed 004, classical for seed 000)
    inference: str = "team"
    reproduction_inference: str = "person"
    # the regression design: "two_point" (final evaluation: two-point and weekly models before
    # and after) or "level_shift" (pilot: mean of the 26 weeks before vs the weeks after)
    design: str = "two_point"
    # a time point after the start that a team's data do not reach takes the team's last
    # week with data (the pilot's Hold 10 rule) instead of counting as missing
    last_available: bool = False
    # the edition's population and data window: the teams of these phases (registrations'
    # `fase`), and DREAM weeks up to this ISO week; an extract that holds more is cut to
    # them (analysis.register.extract.select_population), one that cannot serve is an error
    phases: tuple[str, ...] = ("pilot", "udbredelse")
    last_week: str | None = None
    # whether the edition's report rests on DREAM register data: True, the extract must hold
    # dream.*; False (pilot-2023, seed 001), the edition is built from the registrations, the
    # registration tool's data and the surveys, and a dream.* file is neither needed nor read
    register_data: bool = True
    # the survey codebook of the edition's questionnaires (None: data/reference/questionnaire.yml,
    # the final evaluation's Bilag 15-16)
    codebook: Path | None = None
    # a share of several answer options ('enige eller meget enige') is printed as the sum of
    # the options' separately rounded shares (seed 001, ../shared/spec/seed000-001.md §5.2)
    # instead of the rounded sum
    rounded_parts: bool = False
    # the teams planned and those cancelled (seed 001 l.128: nine teams, one cancelled)
    cancelled_teams: tuple[str, ...] = ()
    # the folder of the edition's structured content (theory of change, recommendations,
    # coping tools, cases; analysis.report.content): the shared framing chapters read the
    # edition's own files from it
    content_dir: Path = CONTENT_DIR
    # whether the edition estimates the effect against a comparison group (seed 004 ch. 5;
    # the compute stage's effect section runs only then, analysis.compute.sections)
    comparison_group: bool = False

    @property
    def chapters(self) -> list[str]:
        """The table of contents' documents, in order (index first)."""
        return toc_entries(self.toc)

    def shows(self, entry: str) -> bool:
        """Whether the edition's book has the chapter `entry` (e.g. 'chapters/bilag01')."""
        return entry in self.chapters

    @property
    def out(self) -> Path:
        """The edition's build folder (bundle, executed chapters, site, PDF, results)."""
        return BUILD / self.name

    @property
    def bundle(self) -> Path:
        """Where `compute` writes the edition's statistics bundle by default."""
        return self.out / "bundle"


def toc_entries(toc_path: Path) -> list[str]:
    """Document paths (without suffix) in the order of the table of contents."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    entries = [toc["root"]]

    def walk(items):
        for item in items or []:
            if "file" in item:
                entries.append(item["file"])
            walk(item.get("sections"))
            walk(item.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return entries


EDITIONS = {
    "final-2025": Edition(
        name="final-2025",
        title="Slutevaluering af Tættere På Job 2025",
        data_dir=REPO / "data" / "synthetic" / "final-2025",
        published=REPO / "data" / "reference" / "published" / "final-2025-register.csv",
        toc=REPO / "_toc.yml",
        survey_published=REPO / "data" / "reference" / "published" / "final-2025-survey.csv",
        errata=REPO / "data" / "reference" / "published" / "final-2025-errata.csv",
        last_week="2025-W14",    # seed 004 l.652, l.742: DREAM to week 14 of 2025
        comparison_group=True,   # seed 004 ch. 5: the effect against a comparison group
    ),
    "pilot-2024": Edition(
        name="pilot-2024",
        title="Supplerende pilotevaluering af Tættere På Job 2024",
        data_dir=REPO / "data" / "synthetic" / "pilot-2024",
        published=REPO / "data" / "reference" / "published" / "pilot-2024-register.csv",
        toc=REPO / "_toc_pilot-2024.yml",
        errata=REPO / "data" / "reference" / "published" / "pilot-2024-errata.csv",
        key_map=REPO / "data" / "reference" / "published" / "pilot-2024-keys.csv",
        weeks_after=34,          # the 8 course weeks and the 26 weeks after the last one
        course_weeks=8,
        time_points={"w-26": -26, "w0": 0, "w34": 34},
        design="level_shift",
        last_available=True,
        reproduction_inference="iid",
        model_tolerance=(0.05, 0.05),
        phases=("pilot",),       # seed 000 l.156, l.245: the pilot phase's teams, DREAM to
        last_week="2023-W39",    # uge 39/2023 (../shared/spec/seed000-001.md §4.2)
    ),
    "pilot-2023": Edition(
        name="pilot-2023",
        title="Pilotevaluering af Tættere På Job 2023",
        data_dir=REPO / "data" / "synthetic" / "pilot-2023",
        published=REPO / "data" / "reference" / "published" / "pilot-2023-register.csv",
        toc=REPO / "_toc_pilot-2023.yml",
        survey_published=REPO / "data" / "reference" / "published" / "pilot-2023-survey.csv",
        errata=REPO / "data" / "reference" / "published" / "pilot-2023-errata.csv",
        codebook=REPO / "data" / "reference" / "questionnaire_pilot-2023.yml",
        key_map=REPO / "data" / "reference" / "published" / "pilot-2023-keys.csv",
        course_weeks=8,          # seed 001 l.55: eight weekly webinars
        time_points={},
        design="none",           # no register data, no models
        register_data=False,     # seed 001 l.146-161: registrations, registration tool, surveys
        phases=("pilot",),       # the pilot phase's teams: Hold 1 and 3-10 (seed 000 l.214-224)
        last_week="2023-W39",    # the report's data run to September 2023 (seed 001 title page)
        cancelled_teams=("Hold 2",),   # seed 001 l.128, seed 000 l.224
        content_dir=CONTENT_DIR / "pilot-2023",
        rounded_parts=True,
    ),
}

DEFAULT_EDITION = "final-2025"


def get_edition(name: str) -> Edition:
    try:
        return EDITIONS[name]
    except KeyError:
        raise SystemExit(f"unknown edition {name!r}; known editions: {', '.join(EDITIONS)}") from None
