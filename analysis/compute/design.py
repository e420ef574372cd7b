"""Fremgangsmåde og datagrundlag: the data window, the teams' data availability (Tabel 1), the event-time figure, the set-aside and excluded-weeks tables, the coding decisions."""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata


def publish(md: Microdata, w: BundleWriter) -> None:
    """Not written yet: the chapters of this section still compute for themselves."""
