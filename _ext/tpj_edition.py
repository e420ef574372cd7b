"""Sphinx extension: the edition a book is built for, as a Sphinx tag.

The build sets `tpj_edition` (the driver writes it into the staged _config.yml; the
repository's _config.yml defaults to final-2025), and this adds the tag
`edition_<name>` with '-' as '_', so a passage that only one edition has is written

    :::{only} edition_pilot_2024
    ...
    :::

and is kept or dropped by Sphinx itself: no pre-processing of the chapters, and a chapter
still runs top to bottom as a plain notebook. A heading cannot sit inside such a block (MyST
attaches the section to the page, outside the block), so a whole section that only one
edition has carries the tag as a class on its heading (MyST's attrs_block):

    {.edition_final_2025}
    ## Teknik og forberedelse

and the section, with everything under it, is dropped in the other editions.

Sphinx drops an `only` block when it writes a page, after it has numbered the figures and
tables: a figure of the other edition would still take a number (the pilot's first figure
was "Figur 2"). So the blocks of other editions are removed as soon as a page is read, before
numbering; the writer's own pass then finds nothing left to drop.
"""
from docutils import nodes
from sphinx import addnodes


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
    app.connect("config-inited", _add_tag)
    app.connect("doctree-read", _drop_other_editions, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
