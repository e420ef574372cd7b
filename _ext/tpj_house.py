"""Sphinx extension: the book's house rules that Sphinx applies to every page.

- Danish typography on all text (headings, prose, glued numbers, tables, captions) in HTML
  and PDF, by the one helper `analysis.report.book.typeset` (a post-transform, so glued
  text is included and code, literal text and raw markup are left alone).
- `glue:figure` takes its alt text from the glued figure (`book.glue_figure(..., alt=...)`)
  and links the CSV file of the numbers it draws under it (HTML only). The CSV files are
  written into the staged book's `_data/` by the build driver from the same outputs.
- The PDF's part dividers: `\\tpjpart{caption}` (_static/tpj.sty) before the first chapter of
  each part of the table of contents.
- The tag `tpj_pdf` when the build makes a PDF (`tpj_pdf`, set by the build driver): the
  front page links the PDF only then (an HTML-only build removes the PDF of the last build).
- The site loads each inline script once (sphinx-thebe adds its settings twice, a
  SyntaxError on every page; the book has no live code, so its scripts are dropped).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from myst_nb.ext.glue.directives import PasteFigureDirective
from myst_nb.ext.glue.utils import RetrievalError, retrieve_glue_data
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from analysis.report.book import CSV_LINK, DATA_DIR, mark_sources, typeset

# text inside these is markup or code, not prose
UNTOUCHED = (nodes.literal, nodes.literal_block, nodes.raw, nodes.math, nodes.math_block, nodes.comment,
             nodes.doctest_block, nodes.FixedTextElement)


class Typeset(SphinxPostTransform):
    """`book.typeset` on every text node of the page; in a book built on synthetic data
    (`tpj_synthetic`) also `book.mark_sources`."""
    default_priority = 900

    def run(self, **kwargs) -> None:
        synthetic = self.config.tpj_synthetic
        for element in list(self.document.findall(nodes.TextElement)):
            if not _inside(element, UNTOUCHED):
                _join_text(element)
        for node in list(self.document.findall(nodes.Text)):
            parent = node.parent
            if parent is None or isinstance(parent, UNTOUCHED) or _inside(parent, UNTOUCHED):
                continue
            text = typeset(mark_sources(str(node)) if synthetic else str(node))
            if text != str(node):
                parent.replace(node, nodes.Text(text))


def _join_text(element: nodes.Element) -> None:
    """Adjacent text nodes of `element` as one: MyST makes each line break of the source a
    text node of its own, and a rule must see 'Kilde:' and 'Kursistspørgeskema.' of a caption
    written over two lines together. The text read is the same."""
    i = 1
    while i < len(element.children):
        before, this = element.children[i - 1], element.children[i]
        if isinstance(before, nodes.Text) and isinstance(this, nodes.Text):
            element[i - 1] = nodes.Text(str(before) + str(this))
            del element[i]
        else:
            i += 1


def _inside(node: nodes.Node, kinds) -> bool:
    while node is not None:
        if isinstance(node, kinds):
            return True
        node = node.parent
    return False


class FigureWithData(PasteFigureDirective):
    """`glue:figure` with the glued figure's alt text and, under it, its CSV download."""

    def run(self):
        try:
            extra = retrieve_glue_data(self.document, self.arguments[0]).metadata.get("tpj", {})
        except RetrievalError:
            extra = {}
        if extra.get("alt"):
            self.options.setdefault("alt", extra["alt"])
        result = super().run()
        if extra.get("csv"):
            only = addnodes.only(expr="html")
            link = f"{{download}}`{CSV_LINK['figure']} </{DATA_DIR}/{extra['csv']['name']}>`"
            self.state.nested_parse(StringList([link], source=self.state.document["source"]),
                                    self.content_offset, only)
            for paragraph in only.findall(nodes.paragraph):
                paragraph["classes"].append("tpj-data")
            result.append(only)
        return result


def part_starts(toc_file: Path) -> dict[str, str]:
    """{first file of a part: the part's caption} of a Jupyter Book _toc.yml."""
    if not toc_file.exists():
        return {}
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    starts = {}
    for part in toc.get("parts", []):
        chapters = part.get("chapters") or []
        if part.get("caption") and chapters:
            starts[chapters[0]["file"]] = part["caption"]
    return starts


def _part_divider(app, doctree) -> None:
    caption = part_starts(Path(app.srcdir) / "_toc.yml").get(app.env.docname)
    if caption:
        text = caption.replace("\\", "").replace("{", "").replace("}", "")
        doctree.insert(0, nodes.raw("", f"\\tpjpart{{{text}}}\n", format="latex"))


def _scripts_once(app, pagename, templatename, context, doctree) -> None:
    scripts, seen = [], set()
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body", "")
        name = str(script)
        if "thebe" in name.lower() or "THEBE" in body:
            continue
        if (name, body) in seen:
            continue
        seen.add((name, body))
        scripts.append(script)
    context["script_files"] = scripts


def _pdf_tag(app, config) -> None:
    if config.tpj_pdf:
        app.tags.add("tpj_pdf")


def setup(app):
    app.add_config_value("tpj_synthetic", False, "env")
    app.add_config_value("tpj_pdf", True, "env")
    app.connect("config-inited", _pdf_tag)
    app.connect("doctree-read", _part_divider)
    app.connect("html-page-context", _scripts_once)
    app.add_post_transform(Typeset)
    app.add_directive_to_domain("glue", "figure", FigureWithData, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
