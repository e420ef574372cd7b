"""Undergrupper, Bilag 12-14: the groups of each partition as published (merged or dropped), their weekly means (figure series) and persons."""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata


def publish(md: Microdata, w: BundleWriter) -> None:
    """Not written yet: the chapters of this section still compute for themselves."""
