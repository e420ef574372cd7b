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
    columns = content.theory_of_change(ed.content_dir)
    for key, value, page in (
            ("format.tools", len(content.coping_tools(ed.content_dir)), "kursets_format"),
            ("toc.columns", len(columns), "forandringsteori"),
            ("toc.result_goals.n", len(content.result_goals(columns)), "forandringsteori"),
            ("anb.n", len(content.recommendations(ed.content_dir)), "anbefalinger")):
        w.scalar(key, value, page=page, kind="count", of="items of the course's content",
                 define=Things("items of the course's structured content"))
    w.scalar("format.course_weeks", ed.course_weeks, page="kursets_format", kind="setting")
