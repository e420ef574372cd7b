"""The framing pages every edition can show (Kursets format, Forandringsteori, Anbefalinger):
the counts they quote from the edition's own structured content (Edition.content_dir, read by
analysis.report.content) and the course's length, so that results.csv holds every number the
book prints. Every edition publishes them (an edition's settings, not its table of contents,
decide what compute runs: analysis.compute.sections)."""
from __future__ import annotations

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Things
from analysis.report import content


def publish(md: Microdata, w: BundleWriter) -> None:
    ed = md.edition
    where = ed.content_dir
    pages = {
        "kursets_format": lambda: (("format.tools", len(content.coping_tools(where)), "count"),
                                   ("format.course_weeks", ed.course_weeks, "setting")),
        "forandringsteori": lambda: (("toc.columns", len(columns := content.theory_of_change(where)), "count"),
                                     ("toc.result_goals.n", len(content.result_goals(columns)), "count")),
        "anbefalinger": lambda: (("anb.n", len(content.recommendations(where)), "count"),),
    }
    for page, values in pages.items():
        for key, value, kind in values():
            if kind == "count":
                w.scalar(key, value, page=page, kind=kind, of="items of the course's content",
                         define=Things("items of the course's structured content"))
            else:
                w.scalar(key, value, page=page, kind=kind)
