"""Rammer for indsatsen and Baggrund: enrolment per municipality and phase, and the counts these pages quote."""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata


def publish(md: Microdata, w: BundleWriter) -> None:
    """Not written yet: the chapters of this section still compute for themselves."""
