"""The front page (index.md): how many citizens the report covers."""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count, Things
from analysis.compute import universes as u
from analysis.disclosure.rules import SUPPRESSED


def publish(md: Microdata, w: BundleWriter) -> None:
    page = "forside"
    w.universe(u.enrolled(md))
    w.scalar("n_enrolled", len(md.extract.registrations), page=page, persons=len(md.extract.registrations),
             define=Count(u.enrolled_cell(md)))
    w.scalar("n_sample", len(md.extract.persons), page=page, persons=len(md.extract.persons),
             define=Count(u.enrolled_cell(md, sample=True)) if md.edition.register_data
             else Things("the register sample, empty in an edition without register data"))
    w.scalar("min_cell", md.min_cell, page=page, kind="setting")
    # whom the edition reports on, when the extract held more (another edition's extract)
    population = md.extract.population
    w.scalar("population.selected", "ja" if population.selected else "nej", page=page)
    w.scalar("population.teams_kept", len(population.teams_kept), page=page, of="teams", define=Things("teams"))
    w.scalar("population.teams_dropped", len(population.teams_dropped), page=page, of="teams", define=Things("teams"))
    dropped = population.enrolled_dropped
    w.scalar("population.enrolled_dropped", dropped if dropped == 0 or dropped >= md.min_cell else SUPPRESSED,
             page=page, kind="count", persons=dropped,
             define=Things("citizens of the extract outside the edition's population (in none of its universes)"))
    w.scalar("population.last_week", population.last_week, page=page)
    w.scalar("population.extract_last_week", population.extract_last_week, page=page)
