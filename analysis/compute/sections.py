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


# When a section runs is decided by the edition's settings (analysis.editions.Edition), one
# predicate per section: the data the edition rests on decide what can be computed. Not the
# table of contents: its chapters are shared between editions with different data (Baggrund
# is in all three books, its register numbers exist only where DREAM data do), so a page in
# the book does not say whether the numbers behind it can be computed.

def always(edition) -> bool:
    return True


def with_register(edition) -> bool:
    """The edition rests on DREAM register data (Edition.register_data)."""
    return edition.register_data


def without_register(edition) -> bool:
    """The edition is built from the registrations, the registration tool and the surveys
    alone (seed 001's own pages, analysis.compute.pilot2023)."""
    return not edition.register_data


def with_comparison_group(edition) -> bool:
    """The edition estimates an effect against a comparison group (Edition.comparison_group)."""
    return edition.register_data and edition.comparison_group


def edition_sections(edition) -> list[tuple[str, object]]:
    """The sections that run for `edition`, in order: those of SECTIONS whose predicate
    holds for the edition's settings."""
    return [(name, section) for name, section, runs in SECTIONS if runs(edition)]


# (name, function(md, writer), runs(edition)); the keyed results come last, so that a page's
# own section can publish a key first with the page and persons it belongs to
SECTIONS = [
    ("estimates", publish_estimates, with_register),
    ("front page", front.publish, always),
    ("framing pages", framing.publish, always),
    ("design and data", design.publish, with_register),
    ("representativity", representativity.publish, with_register),
    ("activity", activity.publish, with_register),
    ("employment score", scores.publish, with_register),
    ("effect against a comparison group", effect.publish, with_comparison_group),
    ("subgroups", subgroups.publish, with_register),
    ("level shift", level_shift.publish, with_register),
    ("teams", teams.publish, with_register),
    ("surveys", surveys.publish, always),
    ("pilot evaluation pages", pilot2023.publish, without_register),
    ("qualitative material", qualitative.publish, always),
    ("keyed results", publish_results, always),
]
