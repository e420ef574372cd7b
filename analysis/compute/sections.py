"""The sections of the compute stage, in the order they run: each publishes into the bundle
what some pages show. A page reads only what a section published (analysis.report)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute import (activity, design, effect, framing, front, level_shift, pilot2023, qualitative, representativity,
                              scores, subgroups, surveys, teams)
from analysis.compute import universes as u
from analysis.compute.definitions import define, model_group, true_count
from analysis.disclosure.audit import Count
from analysis.compute.stage import Microdata
from analysis.disclosure.rules import SUPPRESSED, counted
from analysis.register.inference import BOOT_REPS, INTERVAL_REPS, WILD_MAX_CLUSTERS


def kind_of(key: str, value) -> str:
    """The bundle kind of a keyed result: text, percent (`.pct`), count (`.count` or an
    integer) or number."""
    if isinstance(value, str) and value != SUPPRESSED:
        return "text"
    if key.endswith(".pct"):
        return "percent"
    if key.endswith((".count", ".n")) or isinstance(value, (int, np.integer)):
        return "count"
    return "number"


def persons_of(key: str, value, kind: str, values: dict[str, object]) -> int | None:
    """The persons behind a keyed result: a whole number is its own number of persons
    unless `disclosure.rules.counted` says it counts something else; a share `<x>.pct`
    rests on the count `<x>.count`; a mean `<table>.mean.<tp>` on
    `<table>.n_with_data.<tp>`. None where the key does not say (model estimates carry
    their persons in the estimates file)."""
    if kind == "count" and value != SUPPRESSED:
        return int(value) if counted(key) == "persons" else None
    if key.endswith(".pct"):
        count = values.get(key[:-len(".pct")] + ".count")
        if counted(key[:-len(".pct")] + ".count") != "persons":
            return None
        return int(count) if isinstance(count, (int, float, np.integer, np.floating)) else None
    if ".mean." in key:
        n = values.get(key.replace(".mean.", ".n_with_data."))
        return int(n) if isinstance(n, (int, float, np.integer, np.floating)) else None
    return None


def publish_results(md: Microdata, w: BundleWriter) -> None:
    """The numbers keyed like data/reference/published (analysis.compute.results), as
    scalars: the reproduction appendix compares them with the printed ones."""
    values = dict(zip(md.results["key"], md.results["value"]))
    own_persons = dict(zip(md.results["key"], md.results["persons"])) if "persons" in md.results else {}
    published = {row["key"] for row in w.scalars}   # by a page's own section, with its page
    for key, value, page in md.results[["key", "value", "page"]].itertuples(index=False):
        definition = define(md, key)
        keep = key.startswith("caption.")   # the N of a figure or a model: hidden only as a last resort
        if key in published:
            w.define(key, definition, keep)
            continue
        kind = kind_of(key, value)
        persons = persons_of(key, value, kind, values)
        if persons is None and own_persons.get(key) is not None and not pd.isna(own_persons[key]):
            persons = int(own_persons[key])   # a share's count given by its section (pilot-2023)
        w.scalar(key, value if kind != "count" or value == SUPPRESSED else int(value), page=page, kind=kind,
                 persons=persons, define=definition, keep=keep,
                 of=counted(key) if kind == "count" else "persons")


def estimates_frame(models: pd.DataFrame, inference: str) -> pd.DataFrame:
    """The models frame (analysis.register.models) in the bundle's estimate columns: the
    book's inference (analysis.register.inference: p and 95 % interval from the wild
    cluster bootstrap or t(G - 1), the finding decided on the exact p), the analytic
    t values beside them, persons, person-weeks, clusters (teams, persons or
    observations, as the variant clusters) and status."""
    period = models["period"] if "period" in models.columns else pd.Series("", index=models.index)
    out = pd.DataFrame({
        "model": models["model"], "group": models["group"], "label": models["label"],
        "period": period.fillna(""), "term": models["term"],
        "estimate": models["estimate"], "se": models["se"], "ci_low": models["ci_low"], "ci_high": models["ci_high"],
        "p": models["p"], "stars": models["stars"].fillna(""), "finding": models["finding"],
        "method": models["method"], "df": models["df"], "p_t": models["p_t"],
        "ci_low_t": models["ci_low_t"], "ci_high_t": models["ci_high_t"],
        "persons": models["n_persons"], "person_weeks": models["n_obs"], "clusters": models["clusters"],
        "inference": inference,
        "status": np.where(models["published"], "shown", "hidden")})
    return out.reset_index(drop=True)


def publish_estimates(md: Microdata, w: BundleWriter) -> None:
    """Every model estimate of the edition, with its test and the persons behind it. Where
    a model's persons are the group's completers in the sample (the level-shift design),
    the audit knows them as that count (and hides them where they would give a small cell
    away); a two-point model's persons (scored in one of two weeks) are not modelled."""
    w.universe(u.enrolled(md))
    cells = {}
    for key in md.models["group"].unique():
        if key == "moduler":
            cells[key] = u.enrolled_cell(md, sample=True, status="gennemført")
        else:
            cells[key] = u.enrolled_group_cell(md, model_group(key))

    def define_persons(row):
        cell = cells.get(row["group"])
        if cell is None or row["model"] not in ("level_shift", "course_slope") or pd.isna(row["persons"]):
            return None
        return Count(cell) if int(row["persons"]) == true_count(md, cell) else None
    w.add_estimates(estimates_frame(md.models, md.inference), define=define_persons)
    # the bootstrap's settings, which the notes under the model tables and the method page quote
    w.scalar("inference.boot_reps", BOOT_REPS, page="fremgangsmaade", kind="setting")
    w.scalar("inference.interval_reps", INTERVAL_REPS, page="fremgangsmaade", kind="setting")
    w.scalar("inference.max_clusters", WILD_MAX_CLUSTERS, page="fremgangsmaade", kind="setting")


# the sections that need register data (DREAM): an edition without it (pilot-2023) skips them
PILOT_2023_SECTIONS = ("pilot evaluation pages",)
REGISTER_SECTIONS = ("estimates", "design and data", "representativity", "activity", "employment score",
                     "effect against a comparison group",
                     "subgroups", "level shift", "teams")


def edition_sections(edition) -> list[tuple[str, object]]:
    """The sections that run for `edition`, in order: SECTIONS, without REGISTER_SECTIONS for
    an edition without register data (Edition.register_data), with its own pages' sections."""
    if edition.register_data:
        return [s for s in SECTIONS if s[0] not in PILOT_2023_SECTIONS]
    return [s for s in SECTIONS if s[0] not in REGISTER_SECTIONS]


# (name, function(md, writer)); the keyed results come last, so that a page's own section
# can publish a key first with the page and persons it belongs to
SECTIONS = [
    ("estimates", publish_estimates),
    ("front page", front.publish),
    ("framing pages", framing.publish),
    ("design and data", design.publish),
    ("representativity", representativity.publish),
    ("activity", activity.publish),
    ("employment score", scores.publish),
    ("effect against a comparison group", effect.publish),
    ("subgroups", subgroups.publish),
    ("level shift", level_shift.publish),
    ("teams", teams.publish),
    ("surveys", surveys.publish),
    ("pilot evaluation pages", pilot2023.publish),
    ("qualitative material", qualitative.publish),
    ("keyed results", publish_results),
]
