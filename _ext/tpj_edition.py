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
  as soon as the page is read, before numbering. Other `only` blocks (html, latex) are
  Sphinx's as before.

- a section: a heading cannot sit inside such a block (MyST attaches the section to the page,
  outside the block), so a section that only some editions have carries the tags as classes
  on its heading (MyST's attrs_block):

      {.edition_final_2025}
      ## Teknik og forberedelse

  The section, with everything under it, is dropped in the other editions as soon as the page
  is read. It has been parsed by then, so the chapter glues a placeholder under the keys only
  such sections of other editions quote (analysis.report.surveys.glue_by_edition).
"""
from docutils import nodes
from sphinx import addnodes
from sphinx.directives.other import Only


class EditionOnly(Only):
    """`only` that skips an edition passage of another edition without parsing it."""

    def run(self):
        expr = self.arguments[0]
        if "edition_" in expr and not self.env.app.tags.eval_condition(expr):
            return []
        return super().run()


def edition_tag(edition: str) -> str:
    return "edition_" + edition.replace("-", "_")


def _add_tag(app, config) -> None:
    app.tags.add(edition_tag(config.tpj_edition))


def _drop_other_editions(app, doctree) -> None:
    """Resolve every `only` block whose expression names an edition tag as soon as the page
    is read: keep its content when the expression holds, drop it otherwise; drop a section
    whose heading has edition classes (`edition_<name>`) none of which is this edition's."""
    for node in list(doctree.findall(addnodes.only)):
        if "edition_" not in node["expr"]:
            continue
        if app.tags.eval_condition(node["expr"]) and node.children:
            node.replace_self(node.children)
        else:
            node.parent.remove(node)
    for section in list(doctree.findall(nodes.section)):
        tags = [c for c in section["classes"] if c.startswith("edition_")]
        if tags and not any(app.tags.eval_condition(tag) for tag in tags):
            section.parent.remove(section)


def setup(app):
    app.add_config_value("tpj_edition", "final-2025", "env")
    app.add_directive("only", EditionOnly, override=True)
    app.connect("config-inited", _add_tag)
    app.connect("doctree-read", _drop_other_editions, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
