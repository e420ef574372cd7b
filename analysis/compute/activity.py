"""Rammer for indsatsen and Baggrund: enrolment per phase (Tabel 4) and per municipality, the
enrolled citizens without a registration, and the counts and settings these pages quote
(the counts of the structured content in data/reference/content included, so that
results.csv holds every number the book prints). The framing pages that other editions share
(Kursets format, Forandringsteori, Anbefalinger) are analysis.compute.framing's."""
from __future__ import annotations

import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute.representativity import shown_count
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count, Things
from analysis.compute import universes as u
from analysis.disclosure.rules import SUPPRESSED, DisclosureError
from analysis.editions import get_edition
from analysis.register.cohort import completion_by_phase
from analysis.report import content

OTHER_MUNICIPALITIES = content.OTHER_MUNICIPALITIES
PHASE_ROWS = ("enrolled", "completed", "afmeldt")   # the rows of Tabel 4 that count persons


def municipality_counts(registrations: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Enrolled citizens per municipality, largest first: columns kommune, n, members (the
    municipalities a bar stands for). Municipalities with fewer than `min_cell` persons are
    merged into one bar "Øvrige kommuner"; if that bar is itself under `min_cell`, the
    smallest shown municipalities join it until it is not. No bar is under `min_cell`;
    raises DisclosureError when all enrolled together are fewer."""
    counts = registrations["kommune"].value_counts()
    counts = counts.loc[sorted(counts.index, key=lambda k: (-counts[k], k))]
    shown = counts[counts >= min_cell]
    merged = list(counts[counts < min_cell].index)
    while merged and sum(counts[m] for m in merged) < min_cell and len(shown):
        merged.append(shown.index[-1])
        shown = shown.iloc[:-1]
    rows = [{"kommune": k, "n": int(v), "members": (k,)} for k, v in shown.items()]
    if merged:
        total = int(sum(counts[m] for m in merged))
        if total < min_cell:
            raise DisclosureError(f"only {total} enrolled persons in all: under the minimum of {min_cell}")
        rows.append({"kommune": OTHER_MUNICIPALITIES, "n": total, "members": tuple(sorted(merged))})
    return pd.DataFrame(rows, columns=["kommune", "n", "members"])


def tabel4_hidden(table4: pd.DataFrame, min_cell: int) -> bool:
    """Whether Tabel 4 (`cohort.completion_by_phase`) hides the person rows of both phases:
    when any of their counts is under `min_cell` (the totals stay: a hidden phase cannot
    be recovered from them alone)."""
    phases = table4.loc[list(PHASE_ROWS), [c for c in table4.columns if c != "total"]]
    return bool(((phases > 0) & (phases < min_cell)).any().any())


def publish_tabel4(md: Microdata, w: BundleWriter, page: str) -> None:
    """Tabel 4 as `tabel4.<phase>.<row>.count|pct` (rows hold, enrolled, completed,
    afmeldt; shares in whole per cent of the phase's enrolled, as printed), small phases
    hidden."""
    table4 = completion_by_phase(md.extract.registrations)
    hidden = tabel4_hidden(table4, md.min_cell)
    for phase in table4.columns:
        hide = hidden and phase != "total"
        w.scalar(f"tabel4.{phase}.hold.count", int(table4.loc["hold", phase]), page=page, kind="count",
                 of="teams")
        enrolled = int(table4.loc["enrolled", phase])
        for row in PHASE_ROWS:
            n = int(table4.loc[row, phase])
            w.scalar(f"tabel4.{phase}.{row}.count", SUPPRESSED if hide else n, page=page, kind="count", persons=n)
            share = SUPPRESSED if hide else 100 * n / enrolled if enrolled else None   # a phase nobody was in
            w.scalar(f"tabel4.{phase}.{row}.pct", share, page=page, kind="percent", decimals=0, persons=n)


def publish_municipalities(md: Microdata, w: BundleWriter, page: str) -> None:
    """Enrolled per municipality as a bar series each (x: position, largest first), the
    merged bar last; the number of municipalities and of those merged."""
    reg = md.extract.registrations
    counts = municipality_counts(reg, md.min_cell)
    w.universe(u.enrolled(md))
    for i, row in enumerate(counts.itertuples(), start=1):
        members = tuple(row.members) if row.kommune == OTHER_MUNICIPALITIES else (row.kommune,)
        w.add_series("activity.municipalities", row.kommune,
                     pd.DataFrame({"x": [i], "y": [row.n], "persons": [row.n]}), decimals=0,
                     define=lambda x, n, members=members: Count(u.enrolled_cell(md, kommune=members)))
    merged = counts.loc[counts["kommune"] == OTHER_MUNICIPALITIES, "members"]
    w.scalar("rammer.kommuner.n", int(reg["kommune"].nunique()), page=page, kind="count", of="municipalities")
    w.scalar("rammer.kommuner.merged", len(merged.iloc[0]) if len(merged) else 0, page=page, kind="count",
             of="municipalities")
    largest = counts.iloc[0]
    w.scalar("rammer.kommune_max.count", int(largest["n"]), page=page, persons=int(largest["n"]),
             define=Count(u.enrolled_cell(md, kommune=largest["kommune"])))


def publish_registered(md: Microdata, w: BundleWriter, page: str) -> None:
    """The enrolled citizens without a registration (hidden when under the minimum)."""
    missing = int((~md.extract.registrations["registreret"].eq("ja")).sum())
    w.scalar("rammer.unregistered.count", shown_count(missing, md.min_cell), page=page, kind="count",
             persons=missing, define=Count(u.enrolled_cell(md, reason="not_registered")))


def publish_content(md: Microdata, w: BundleWriter) -> None:
    """The counts the framing pages quote from the structured content, and their settings."""
    ed = md.edition
    parties = {p.key: p for p in content.responsibilities()}
    for key, value, page in (
            ("bg.programmes.n", len(content.related_programmes()), "baggrund"),
            ("rammer.kfs_areas", len(parties["kfs"].areas), "rammer"),
            ("rammer.kommune_areas", len(parties["kommuner"].areas), "rammer"),
            ("rammer.steps", len(content.citizen_route()), "rammer"),
            ("rammer.tools", len(content.coping_tools()), "rammer")):
        w.scalar(key, value, page=page, kind="count", of="items of the course's content",
                 define=Things("items of the course's structured content"))
    for key, value, page in (("course_weeks", ed.course_weeks, "baggrund"),
                             ("bg.pilot_weeks", get_edition("pilot-2024").course_weeks, "baggrund"),
                             ("rammer.course_weeks", ed.course_weeks, "rammer"),
                             ("rammer.min_cell", md.min_cell, "rammer")):
        w.scalar(key, value, page=page, kind="setting")


def publish(md: Microdata, w: BundleWriter) -> None:
    reg = md.extract.registrations
    page = "baggrund"
    w.scalar("bg.kommuner.pilot", int(reg.loc[reg["fase"].eq("pilot"), "kommune"].nunique()), page=page,
             kind="count", of="municipalities")
    w.scalar("bg.kommuner.total", int(reg["kommune"].nunique()), page=page, kind="count", of="municipalities")
    w.scalar("bg.enrolled.count", len(reg), page=page, persons=len(reg), define=Count(u.enrolled_cell(md)))
    publish_content(md, w)
    publish_tabel4(md, w, "rammer")
    publish_municipalities(md, w, "rammer")
    publish_registered(md, w, "rammer")
