"""Edition passages (`:::{only} edition_<name>`, _ext/tpj_edition.py): a passage of another
edition is dropped before it is parsed, so nothing in it (a glue key, a link to a page the
edition does not have, a figure number) reaches the edition's book. Sphinx's own `only`
parses its content in every build and drops it only when the page is written: myst-nb would
then look up the passage's glue keys in a bundle that does not have them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

PAGE = """# Side

:::{only} edition_final_2025
Slutevalueringens tekst med et tal, som kun slutevalueringens bundt har: {glue:text}`findes_ikke`.
:::

:::{only} edition_pilot_2023 or edition_final_2025
Fælles tekst.
:::

:::{only} edition_pilot_2023
Pilotens tekst.
:::
"""


def build(tmp_path: Path, edition: str, page: str = PAGE) -> subprocess.CompletedProcess:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(REPO / '_ext')!r})\n"
        "extensions = ['myst_nb', 'tpj_edition']\n"
        "myst_enable_extensions = ['colon_fence', 'attrs_block']\n"
        f"tpj_edition = {edition!r}\n", encoding="utf-8")
    (src / "index.md").write_text(page, encoding="utf-8")
    out = tmp_path / f"html-{edition}"
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(src), str(out)],
                          capture_output=True, text=True)


@pytest.mark.parametrize("edition", ["pilot-2023", "final-2025"])
def test_a_passage_is_parsed_only_in_its_own_edition(tmp_path, edition):
    result = build(tmp_path, edition)
    html = (tmp_path / f"html-{edition}" / "index.html")
    if edition == "final-2025":
        # the final edition's passage is parsed: its missing glue key is a warning, an error
        # under -W (myst-nb looks the key up while it parses the passage)
        assert result.returncode != 0 and "findes_ikke" in result.stderr, result.stderr
        return
    # in the pilot edition the final edition's passage is never parsed: no warning, no text
    assert result.returncode == 0, result.stderr
    text = html.read_text(encoding="utf-8")
    assert "Pilotens tekst." in text and "Fælles tekst." in text
    assert "Slutevalueringens tekst" not in text


BROKEN = {
    # an unclosed fence: the block would run on and swallow the heading below it
    "unclosed": ":::{only} edition_pilot_2023\nPilotens tekst.\n::: Mere tekst.\n\n## Bilag 15\n\nTekst.\n",
    # a misspelt tag is never true: the passage would vanish from every edition
    "misspelt": ":::{only} edition_final2025\nTekst.\n:::\n",
    # a heading inside a passage (MyST lifts it out of the block)
    "heading": ":::{only} edition_final_2025\n## Afsnit\n\nTekst.\n:::\n",
    # a section tagged with a misspelt edition
    "misspelt section": "{.edition_pilot2023}\n## Afsnit\n\nTekst.\n",
    # a reference to a section another edition has: its label must not survive the drop
    "reference": "Se {ref}`afsnit`.\n\n(afsnit)=\n{.edition_final_2025}\n## Afsnit\n\nTekst.\n",
}


EXPECTED = {"unclosed": "is not closed", "misspelt": "unknown edition tag edition_final2025",
            "heading": "a heading inside an edition passage",
            "misspelt section": "unknown edition tag edition_pilot2023", "reference": "afsnit"}


@pytest.mark.parametrize("case", list(BROKEN))
def test_what_an_edition_passage_would_lose_silently_is_an_error(tmp_path, case):
    """Each case built for pilot-2023 fails the strict build, naming the fault, instead of
    dropping text (bilag15_16 lost its Bilag 15 heading in two editions to an unclosed fence)."""
    result = build(tmp_path, "pilot-2023", "# Side\n\n" + BROKEN[case])
    assert result.returncode != 0, result.stderr
    assert EXPECTED[case] in result.stderr, result.stderr


SECTIONS = """# Side

## Tilfredshed

Fælles.

{.edition_final_2025}
## Teknik

Slutevalueringens afsnit.

{.edition_pilot_2023}
## Gennemsnit

Pilotens afsnit.
"""


@pytest.mark.parametrize("edition, kept, dropped", [("final-2025", "Teknik", "Gennemsnit"),
                                                    ("pilot-2023", "Gennemsnit", "Teknik")])
def test_a_section_tagged_for_other_editions_is_dropped(tmp_path, edition, kept, dropped):
    result = build(tmp_path, edition, SECTIONS)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / f"html-{edition}" / "index.html").read_text(encoding="utf-8")
    assert "Tilfredshed" in text and kept in text and dropped not in text
