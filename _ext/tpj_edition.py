"""Sphinx extension: the edition a book is built for, as a Sphinx tag.

The build sets `tpj_edition` (the driver writes it into the staged _config.yml; the
repository's _config.yml defaults to final-2025), and this adds the tag
`edition_<name>` with '-' as '_'. No pre-processing of the chapters: a chapter still runs top
to bottom as a plain notebook. What only some editions have is marked in two ways:

- a passage:

      :::{only} edition_pilot_2024
      ...
      :::

  Sphinx's own `only` parses its content whatever the tags and drops it when it writes a
  page. That is too late for an edition's passage: a figure of another edition would still
  take a number (the pilot's first figure was "Figur 2"), and myst-nb resolves a
  `{glue:text}` role while the content is parsed, so the passage would need its glue keys in
  this edition's bundle. So a block whose expression names an edition tag is decided when it
  is parsed: false, its content is never parsed; true, it is parsed and the block is unwrapped
  by a transform as soon as the page is parsed, before labels and numbering. Other `only`
  blocks (html, latex) are Sphinx's as before.

- a section: a heading cannot sit inside such a block (MyST attaches the section to the page,
  outside the block), so a section that only some editions have carries the tags as classes
  on its heading (MyST's attrs_block):

      {.edition_final_2025}
      ## Teknik og forberedelse

  The section, with everything under it, is dropped in the other editions by the same
  transform. It has been parsed by then, so the chapter glues a placeholder under the keys only
  such sections of other editions quote (analysis.report.surveys.glue_by_edition).
"""
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.directives.other import Only
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)


class EditionOnly(Only):
    """`only` that skips an edition passage of another edition without parsing it. As the
    skipped text is never read, what would otherwise be lost without a word is an error: a
    tag that names no edition (a misspelt `edition_final2025` is never true), a heading in
    the passage (MyST lifts it out of the block; tag the heading instead) and a line that
    opens with `:::` and goes on with text (an unclosed fence: the block would run on and
    swallow what follows)."""

    def run(self):
        expr = self.arguments[0]
        if "edition_" not in expr:
            return super().run()
        unknown = unknown_tags(re.findall(r"edition_\w+", expr))
        if unknown:
            raise self.error(unknown)
        for line in self.content:
            if re.match(r"#{1,6}\s", line):
                raise self.error(f"a heading inside an edition passage ({line.strip()!r}): "
                                 "tag the heading ({.edition_...} on the line above it) instead")
            if re.match(r":{3,}\s*\S", line) and not re.match(r":{3,}\s*\{", line):
                raise self.error(f"text after a closing fence ({line.strip()!r}): the passage is not "
                                 "closed; put the fence on a line of its own")
        if not self.env.app.tags.eval_condition(expr):
            return []
        return super().run()


def edition_tag(edition: str) -> str:
    return "edition_" + edition.replace("-", "_")


def unknown_tags(tags) -> str:
    """'' when every tag names an edition (analysis.editions), else the error to report."""
    from analysis.editions import EDITIONS
    known = {edition_tag(name) for name in EDITIONS}
    unknown = sorted(set(tags) - known)
    return f"unknown edition tag {', '.join(unknown)} (known: {', '.join(sorted(known))})" if unknown else ""


def _add_tag(app, config) -> None:
    app.tags.add(edition_tag(config.tpj_edition))


class DropOtherEditions(SphinxTransform):
    """Resolve every `only` block whose expression names an edition tag: keep its content
    when the expression holds, drop it otherwise; drop a section whose heading has edition
    classes (`edition_<name>`) none of which is this edition's. A transform that runs before
    Sphinx registers a page's labels and numbers its figures (priority 850 and later), so a
    dropped section leaves no label a reference could reach without a warning."""
    default_priority = 100

    def apply(self, **kwargs) -> None:
        tags = self.app.tags
        for node in list(self.document.findall(addnodes.only)):
            if "edition_" not in node["expr"]:
                continue
            if tags.eval_condition(node["expr"]) and node.children:
                node.replace_self(node.children)
            else:
                node.parent.remove(node)
        for section in list(self.document.findall(nodes.section)):
            marked = [c for c in section["classes"] if c.startswith("edition_")]
            if not marked:
                continue
            problem = unknown_tags(marked)
            if problem:
                logger.warning(problem, location=section)
            if not any(tags.eval_condition(tag) for tag in marked if not unknown_tags([tag])):
                section.parent.remove(section)


def setup(app):
    app.add_config_value("tpj_edition", "final-2025", "env")
    app.add_directive("only", EditionOnly, override=True)
    app.connect("config-inited", _add_tag)
    app.add_transform(DropOtherEditions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
