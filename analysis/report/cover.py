"""The PDF's cover and colophon: what they say, from the edition and the statistics bundle.

The build driver writes `cover_tex(...)` into the staged book as tpj-cover.cfg; the LaTeX
style (_static/tpj.sty) sets the cover and the colophon from its macros. The date on the
cover is the data's (the last register week), never the build's.
"""
from __future__ import annotations

from analysis.bundle.store import Bundle
from analysis.editions import Edition

SUBTITLE = "Evaluering af det digitale mestringskursus Tættere På Job, genberegnet fra data"
CLIENT = "Komiteen for Sundhedsoplysning, sammen med kommunerne"
PDF_AUTHOR = "Genberegning af Deloittes evaluering af Tættere På Job"
ORIGINAL = {"final-2025": "Deloitte, slutevaluering (2025)",
            "pilot-2024": "Deloitte, supplerende pilotevaluering (april 2024)",
            "pilot-2023": "Deloitte, pilotevaluering (september 2023)"}

_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
          "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


# the bundle's inference (analysis.register.inference), in the colophon's words
INFERENCE_WORDS = {"team": "standardfejl klynget på hold og vild klynge-bootstrap",
                   "person": "standardfejl klynget på person",
                   "iid": "almindelige standardfejl"}

def latex_escape(text: str) -> str:
    """Text for LaTeX: the ten special characters escaped (the rest, æøå and U+2212
    included, is handled by inputenc and the preamble's DeclareUnicodeCharacter)."""
    return "".join(_LATEX.get(c, c) for c in str(text))


def data_date(bundle: Bundle) -> str:
    """'registerdata til og med uge 14 i 2025': the data's date (the manifest's data window);
    for an edition without register data (pilot-2023) what it is built from instead."""
    from analysis.editions import EDITIONS
    from analysis.report.book import week_text
    last = bundle.manifest.get("data_window", {}).get("last_week")
    extract = bundle.manifest.get("extract", {})
    edition = EDITIONS.get(bundle.manifest.get("edition", ""))
    if edition is not None and not edition.register_data:
        what = "tilmeldinger, registreringer og spørgeskemaer"
        text = f"{what} til og med {week_text(last)}" if last else what
    else:
        text = f"registerdata til og med {week_text(last)}" if last else "registerdata"
    if not extract.get("synthetic") and extract.get("date"):
        text += f" (udtræk af {extract['date']})"
    return text


def colophon(edition: Edition, bundle: Bundle) -> list[str]:
    """The colophon's lines: what the book was built from (no build date: the same bundle
    gives the same book)."""
    manifest = bundle.manifest
    extract = manifest.get("extract", {})
    versions = ", ".join(f"{name} {version}" for name, version in sorted(manifest.get("versions", {}).items()))
    source = ("syntetiske data, kalibreret til den publicerede rapport (ikke registerdata)"
              if extract.get("synthetic") else f"dataudtrækket {extract.get('name', '')}")
    return [
        f"Rapporten er den genberegnede udgave af {ORIGINAL.get(edition.name, 'Deloittes evaluering')}. "
        "Tekst, tabeller og figurer er skrevet og beregnet på ny; tallene kommer fra data, ikke fra "
        "den trykte rapport.",
        f"Data: {source}; {data_date(bundle)}.",
        f"Statistikpakke: beregnet med mindste cellestørrelse {manifest.get('min_cell')} personer"
        # the models' inference: an edition without register data estimates no model
        + (f" og {INFERENCE_WORDS.get(manifest.get('inference'), 'almindelige standardfejl')}. "
           if edition.register_data else ". ") +
        f"Fingeraftryk af udtrækket: {str(extract.get('fingerprint', ''))[:16]}.",
        f"Programmer: {versions}.",
        "Tallene bag hver tabel og figur kan hentes som CSV-filer på rapportens hjemmeside, sammen med "
        "results.csv (hvert tal, rapporten citerer) og statistikpakkens filer.",
    ]


def cover_tex(edition: Edition, bundle: Bundle) -> str:
    """The LaTeX macros of tpj-cover.cfg for this edition and bundle."""
    synthetic = bool(bundle.manifest.get("extract", {}).get("synthetic"))
    lines = ["% written by the build (analysis/report/cover.py); read by _static/tpj.sty",
             r"\newif\iftpjsynthetic",
             r"\tpjsynthetictrue" if synthetic else r"\tpjsyntheticfalse",
             rf"\newcommand{{\tpjtitle}}{{{latex_escape(edition.title)}}}",
             rf"\newcommand{{\tpjsubtitle}}{{{latex_escape(SUBTITLE)}}}",
             rf"\newcommand{{\tpjpdfauthor}}{{{latex_escape(PDF_AUTHOR)}}}",
             rf"\newcommand{{\tpjclient}}{{{latex_escape(CLIENT)}}}",
             rf"\newcommand{{\tpjevaluator}}{{{latex_escape(ORIGINAL.get(edition.name, 'Deloitte'))}}}",
             rf"\newcommand{{\tpjdatadate}}{{{latex_escape(data_date(bundle)[0].upper() + data_date(bundle)[1:])}}}",
             r"\newcommand{\tpjcolophon}{" + r"\par\medskip ".join(latex_escape(line) for line in
                                                                  colophon(edition, bundle)) + "}"]
    return "\n".join(lines) + "\n"
