"""The compute stage: the extract (microdata) -> the statistics bundle.

    python -m analysis compute --edition final-2025 [--data DIR] --out BUNDLE

Reads and validates the extract once, builds the person-week panel, fits every model once,
and asks each section (analysis/compute/sections.py) to publish what its pages show. The
bundle (analysis/bundle/store.py) is written beside the old one and swapped in at the end,
so a failed or interrupted run leaves the previous bundle in place.

This is the only stage that sees microdata; everything it writes has been through the
disclosure rules and is checked for person ids before it is stored.
"""
from __future__ import annotations

import hashlib
import platform
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute.results import edition_results
from analysis.disclosure.protect import checker_page, protect
from analysis.editions import Edition
from analysis.runtime import remove, say, swap_in
from analysis.reference.scoring import ScoreMapping, load_mapping
from analysis.register.extract import Extract, load_extract, read_extract_info
from analysis.register.panel import build_panel
from analysis.survey.waves import Survey, describe_survey, load_edition_survey
from analysis.weeks import week_label

# the smallest minimum cell an edition may be computed with (DST: no cell under 3 persons)
MIN_CELL_FLOOR = 3

# packages whose versions can change a number; recorded in the manifest
PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "wildboottest", "pyfixest", "pyarrow", "pandera", "pyreadstat")


@dataclass
class Microdata:
    """Everything the sections compute from, loaded once. Never leaves the compute stage."""
    edition: Edition
    data_dir: Path
    min_cell: int
    inference: str
    mapping: ScoreMapping
    extract: Extract
    panel: pd.DataFrame          # person-week panel (analysis.register.panel.build_panel)
    survey: Survey | None        # None: the edition has no surveys
    extract_info: dict           # the extract's extract.json (name, date, synthetic, ...)
    results: pd.DataFrame        # key, value, page: the numbers keyed like data/reference/published
    models: pd.DataFrame         # every model estimate of the edition (analysis.register.models)

    @property
    def completers(self) -> pd.DataFrame:
        return self.panel[self.panel["status"].eq("gennemført")]


def load_microdata(edition: Edition, data: Path | None = None, min_cell: int | None = None,
                   inference: str | None = None) -> Microdata:
    """Read and validate the extract (raises DataError naming file, row, column, reason,
    ValueError for a minimum cell under 3)."""
    min_cell, inference = int(min_cell or edition.min_cell), inference or edition.inference
    if min_cell < MIN_CELL_FLOOR:
        raise ValueError(f"--min-cell {min_cell}: no published cell may rest on fewer than {MIN_CELL_FLOOR} "
                        "persons (Statistics Denmark's rule for research-machine output, "
                        "spec/dream.md); a larger minimum is allowed")
    data = Path(data).resolve() if data else edition.data_dir
    mapping = load_mapping()
    say(f"edition {edition.name}: reading and validating {data}")
    extract = load_extract(data, edition, mapping)
    panel = build_panel(extract, mapping)
    survey = load_edition_survey(edition, data, extract.registrations, outside=extract.outside_ids)
    if survey is not None:
        say(f"surveys: {describe_survey(survey)}")
    info = read_extract_info(data)
    results, models = edition_results(extract, panel, survey, inference, min_cell)
    return Microdata(edition, data, min_cell, inference, mapping, extract, panel, survey, info, results, models)


def extract_fingerprint(data: Path) -> str:
    """sha256 over the extract's files (names and bytes), as the manifest records it."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(data).iterdir() if p.is_file()):
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def extract_statement(md: Microdata) -> dict:
    """What the book says about its data: synthetic or the extract's name and date."""
    info = md.extract_info
    if info.get("synthetic"):
        return {"synthetic": True, "name": md.data_dir.name, "date": None,
                "description": info.get("description", "")}
    newest = max(p.stat().st_mtime for p in md.data_dir.iterdir() if p.is_file())
    return {"synthetic": False, "name": info.get("name", md.data_dir.name),
            "date": info.get("date", time.strftime("%Y-%m-%d", time.localtime(newest))),
            "description": info.get("description", "")}


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def compute_bundle(edition: Edition, data: Path | None = None, out: Path | None = None,
                   min_cell: int | None = None, inference: str | None = None) -> Path:
    """Compute the edition's statistics bundle from the extract at `data` (default: the
    edition's bundled synthetic extract) into `out` (default: _build/<edition>/bundle).
    Returns the bundle directory. Raises DataError on bad input, BundleError if anything
    that looks like microdata would be written."""
    from analysis.compute.sections import edition_sections

    start = time.perf_counter()
    out = Path(out) if out else edition.bundle
    md = load_microdata(edition, data, min_cell, inference)
    say(f"{md.panel['pnr'].nunique()} persons, {len(md.panel):,} person-weeks loaded in "
        f"{time.perf_counter() - start:.1f} s")
    writer = BundleWriter()
    for name, section in edition_sections(edition):
        t0 = time.perf_counter()
        section(md, writer)
        say(f"computed {name} in {time.perf_counter() - t0:.1f} s")
    manifest = {
        "edition": edition.name,
        "title": edition.title,
        "extract": extract_statement(md) | {"fingerprint": extract_fingerprint(md.data_dir)},
        "data_window": {"first_week": week_label(md.extract.first_week),
                        "last_week": week_label(md.extract.last_week)},
        "min_cell": md.min_cell,
        "inference": md.inference,
        "versions": _versions(),
        "computed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
    }
    t0 = time.perf_counter()
    certificate = protect(writer, md.min_cell)
    hidden = certificate[certificate["status"].eq("hidden")]
    say(f"disclosure audit: {len(certificate):,} published numbers, {len(hidden)} hidden "
        f"({int(hidden['rule'].str.startswith('secondary suppression (audit)').sum())} by the audit), "
        f"{certificate.attrs['rounds']} rounds in {time.perf_counter() - t0:.1f} s")
    manifest["disclosure"] = {"published": len(certificate), "hidden": len(hidden),
                              "audit_seconds": round(certificate.attrs["seconds"], 1)}
    ids = set(md.extract.registrations["pnr"].astype(str))
    staging = out.with_name(out.name + ".new")
    remove(staging)
    writer.write(staging, manifest, person_ids=ids, min_cell=md.min_cell, certificate=certificate,
                 readme=checker_page(certificate, manifest, md.min_cell))
    swap_in(staging, out)
    say(f"bundle of {edition.name} written to {out} in {time.perf_counter() - start:.1f} s")
    return out

