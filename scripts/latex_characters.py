"""Write data/reference/latex_characters.txt: the characters the book's PDF can typeset.

    .venv/bin/python scripts/latex_characters.py [--check]

The PDF is made by Sphinx's LaTeX writer and pdflatex with the book's `_config.yml`
settings (T1 fonts, tgheros, the preamble's \\DeclareUnicodeCharacter lines). Text from the
inputs (team and municipality names) must only hold characters that setup can print, or the
PDF build dies late (`! LaTeX Error: Unicode character ≥ (U+2265) not set up for use with
LaTeX`). `analysis.readers.printable` checks inputs against the list this script writes.

How: a one-page Sphinx project with the book's `latex_elements` is built with the `latex`
builder; after its preamble and the start of its document, each candidate character (U+0020-U+2FFF and U+FB00-U+FB4F,
without control characters), escaped by Sphinx's own `texescape` as the writer does, is set
in a box of its own between two markers in one pdflatex run (nonstopmode,
\\tracinglostchars=1). A character whose markers enclose an error or a "Missing character"
line cannot be printed. Characters outside the candidate ranges are taken as unprintable.

`--check` compares a fresh list with the committed one and exits 1 if they differ (the
test suite runs it when pdflatex is installed).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "data" / "reference" / "latex_characters.txt"
CANDIDATES = [c for c in list(range(0x20, 0x3000)) + list(range(0xFB00, 0xFB50))
              if not (0x7F <= c <= 0x9F) and not (0xD800 <= c <= 0xDFFF)]


def sphinx_preamble(work: Path) -> tuple[str, Path]:
    """The LaTeX preamble Sphinx writes for the book's settings, and the directory with its
    style files."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    elements = config["sphinx"]["config"]["latex_elements"]
    src = work / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        "language = 'da'\nlatex_engine = 'pdflatex'\n"
        f"latex_elements = {elements!r}\n"
        "latex_documents = [('index', 'book.tex', 'T', 'A', 'manual')]\n", encoding="utf-8")
    (src / "index.rst").write_text("T\n=\n\nx\n", encoding="utf-8")
    out = work / "latex"
    subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "latex", str(src), str(out)], check=True)
    # the style files the preamble loads (_static/tpj.sty); a file the build driver writes
    # (the cover's texts) is empty here
    for name in config["sphinx"]["config"].get("latex_additional_files", []):
        path = REPO / name
        (out / Path(name).name).write_bytes(path.read_bytes() if path.exists() else b"")
    tex = (out / "book.tex").read_text(encoding="utf-8")
    # up to the title page: the preamble and what Sphinx sets at the start of the document
    return tex[:tex.index(r"\pagestyle{empty}")], out


def printable(work: Path) -> list[int]:
    """The candidate code points pdflatex prints with the book's preamble."""
    from sphinx.util import texescape
    texescape.init()
    preamble, out = sphinx_preamble(work)
    body = [r"\tracinglostchars=1\relax"]
    for code in CANDIDATES:
        text = texescape.escape(chr(code), "pdflatex")
        body.append(rf"\typeout{{TPJ-BEGIN {code:04X}}}\leavevmode\setbox0\hbox{{{text}}}\par"
                    rf"\typeout{{TPJ-END {code:04X}}}")
    body.append(r"\end{document}")
    (out / "chars.tex").write_text(preamble + "\n".join(body) + "\n", encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error=false", "chars.tex"],
                   cwd=out, capture_output=True)
    log = (out / "chars.log").read_text(encoding="utf-8", errors="replace")
    good = []
    for match in re.finditer(r"TPJ-BEGIN ([0-9A-F]{4})\n(.*?)TPJ-END \1", log, flags=re.S):
        between = match.group(2)
        if "!" not in between and "Missing character" not in between:
            good.append(int(match.group(1), 16))
    if len(good) < 200:
        raise SystemExit(f"pdflatex printed only {len(good)} characters: is the TeX setup complete?")
    return good


def ranges(codes: list[int]) -> list[str]:
    """Consecutive code points as 'XXXX-YYYY' (or 'XXXX') lines."""
    lines, start = [], None
    for i, code in enumerate(codes):
        if start is None:
            start = code
        if i + 1 == len(codes) or codes[i + 1] != code + 1:
            lines.append(f"{start:04X}" if start == code else f"{start:04X}-{code:04X}")
            start = None
    return lines


def render(codes: list[int]) -> str:
    head = ("# Characters the book's PDF (pdflatex, T1, the preamble of _config.yml) can typeset,\n"
            "# as code point ranges. Written by scripts/latex_characters.py; do not edit by hand.\n")
    return head + "\n".join(ranges(codes)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed list")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        text = render(printable(Path(tmp)))
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(REPO)} is out of date: run scripts/latex_characters.py", file=sys.stderr)
            return 1
        print(f"{OUT.relative_to(REPO)} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
