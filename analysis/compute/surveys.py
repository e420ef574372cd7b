"""The survey pages (Resultatmål 1-2, Bilag 2-11, Tabel 2 and the summaries): distributions per question and wave with small cells hidden, the WHO-5 score, paired change."""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata


def publish(md: Microdata, w: BundleWriter) -> None:
    """Not written yet: the chapters of this section still compute for themselves."""
