"""The front page (index.md): how many citizens the report covers."""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata


def publish(md: Microdata, w: BundleWriter) -> None:
    page = "forside"
    w.scalar("n_enrolled", len(md.extract.registrations), page=page, persons=len(md.extract.registrations))
    w.scalar("n_sample", len(md.extract.persons), page=page, persons=len(md.extract.persons))
    w.scalar("min_cell", md.min_cell, page=page, kind="setting")
