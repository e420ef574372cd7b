"""Sphinx extension: the edition a book is built for, as a Sphinx tag.

The build sets `tpj_edition` (the driver writes it into the staged _config.yml; the
repository's _config.yml defaults to final-2025), and this adds the tag
`edition_<name>` with '-' as '_', so a passage that only one edition has is written

    :::{only} edition_pilot_2024
    ...
    :::

and is kept or dropped by Sphinx itself: no pre-processing of the chapters, and a chapter
still runs top to bottom as a plain notebook.
"""


def edition_tag(edition: str) -> str:
    return "edition_" + edition.replace("-", "_")


def _add_tag(app, config) -> None:
    app.tags.add(edition_tag(config.tpj_edition))


def setup(app):
    app.add_config_value("tpj_edition", "final-2025", "env")
    app.connect("config-inited", _add_tag)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
