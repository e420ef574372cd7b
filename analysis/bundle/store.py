"""The statistics bundle: every number the book shows, computed once from the microdata,
and the only thing the render stage (and an output checker) ever sees.

A bundle is a directory:

| file | one row per | columns |
|---|---|---|
| `scalars.parquet` | number or phrase the prose quotes | key, value, text, kind, decimals, persons, status, page |
| `tables.parquet` | published table cell | table, row, column, row_order, col_order, value, text, kind, decimals, persons, status |
| `series.parquet` | plotted point | figure, series, x, y, persons |
| `estimates.parquet` | model term | model, group, label, period, term, estimate, se, ci_low, ci_high, p, stars, finding, method, df, p_t, ci_low_t, ci_high_t, persons, person_weeks, clusters, inference, status |
| `documents/<name>.json` | structured material (the deep-dive findings) | – |
| `manifest.json` | – | edition, extract fingerprint, package versions, minimum cell, time of computing, files |

Each Parquet file has a CSV twin an output checker can open. Values are rounded to the
precision the book prints (`decimals`); a hidden value is NaN with status `hidden` (its
persons are not stored either). No row is a person and no column holds a person id:
`check_no_microdata` proves it before anything is written.

`BundleWriter` is used by the compute stage (analysis.compute); `Bundle` by the render
stage (analysis.report) and the build's results and reproduction files. This module imports
nothing that can read an extract.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.disclosure.rules import SUPPRESSED, ZERO, check_persons
from analysis.rounding import half_up

FORMAT = 1
KINDS = ("count", "number", "percent", "text", "setting")
# shown: published as computed; zero: a count of 0 (printed '–'); hidden: withheld by the
# disclosure rules (printed 'x'); not_applicable: the cell has no meaning (printed blank)
STATUSES = ("shown", "zero", "hidden", "not_applicable")

SCALAR_COLUMNS = ["key", "value", "text", "kind", "decimals", "persons", "status", "page"]
TABLE_COLUMNS = ["table", "row", "column", "row_order", "col_order", "value", "text", "kind",
                 "decimals", "persons", "status"]
SERIES_COLUMNS = ["figure", "series", "x", "y", "persons"]
# estimate, se, ci_low, ci_high, p, stars: the book's inference (`inference`; `method` says
# which test gave p and the interval: wild_bootstrap, t, normal or none); finding: the test's
# decision on the exact p (rise, fall, none, untested); df: the t reference's degrees of
# freedom; p_t, ci_low_t, ci_high_t: the analytic t(G - 1) values beside a bootstrap
ESTIMATE_COLUMNS = ["model", "group", "label", "period", "term", "estimate", "se", "ci_low", "ci_high",
                    "p", "stars", "finding", "method", "df", "p_t", "ci_low_t", "ci_high_t",
                    "persons", "person_weeks", "clusters", "inference", "status"]
FILES = {"scalars": SCALAR_COLUMNS, "tables": TABLE_COLUMNS, "series": SERIES_COLUMNS,
         "estimates": ESTIMATE_COLUMNS}
# how many decimals a p-value and a standard error keep (the book prints p to three)
P_DECIMALS, SE_DECIMALS = 3, 3
# a person id (CPR-like: ten digits, or the synthetic extracts' pseudonyms) must never appear
PERSON_ID = re.compile(r"^(?:\d{6}-?\d{4}|P\d{5,}|[A-Z]{1,3}\d{6,})$")
FORBIDDEN_COLUMNS = {"pnr", "cpr", "person", "person_id", "id"}


class BundleError(Exception):
    """A bundle that cannot be read (missing, another format, or not this edition's)."""


def _round(value, decimals: int):
    """A number at the precision the book prints it (analysis.rounding.half_up); NaN for a
    missing one; an infinite one as it is."""
    if value is None or pd.isna(value):
        return np.nan
    if math.isinf(float(value)):
        return float(value)
    return half_up(value, int(decimals))


def printed_p(p) -> float:
    """A p-value at the precision the book prints it: three decimals, and 0 for p < 0.001
    (printed '< 0,001'; rounding would turn 0.0006 into 0.001). NaN stays NaN. A decision
    'significant or not' is made on the exact p at compute time and published as such:
    a rounded p cannot make it (0.0496 rounds to 0.050)."""
    if p is None or (isinstance(p, float) and math.isnan(p)) or pd.isna(p):
        return np.nan
    return 0.0 if float(p) < 10 ** -P_DECIMALS else half_up(p, P_DECIMALS)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def infer_kind(value) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("a bundle value cannot be a boolean")
    if isinstance(value, (int, np.integer)):
        return "count"
    return "number"


# ---------------------------------------------------------------- writing (compute stage)

@dataclass
class BundleWriter:
    """Collects what the compute stage publishes; `write` checks and stores it.

    Every `add_*` takes values already through the disclosure rules: a hidden value is
    passed as `SUPPRESSED` ('x') and is stored as NaN with status 'hidden'.
    """
    scalars: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)
    estimates: list[pd.DataFrame] = field(default_factory=list)
    documents: dict[str, object] = field(default_factory=dict)
    # for the disclosure audit (analysis.disclosure.protect), never written: the universes the
    # published counts are about, and what is withheld without being printed (a group a
    # figure leaves out)
    universes: dict[str, object] = field(default_factory=dict)
    withheld: list[dict] = field(default_factory=list)
    statistics: list = field(default_factory=list)
    deferred: list = field(default_factory=list)
    estimate_defines: list = field(default_factory=list)   # per frame of `estimates`: a definition per row

    def defer(self, publish) -> None:
        """Publish later, once the disclosure audit has added its suppressions:
        `publish(writer)` (e.g. a test computed on the categories a table finally shows)."""
        self.deferred.append(publish)

    def statistic(self, label: str, cells: list, function, value: float, decimals: int) -> None:
        """A printed statistic computed from counts of `cells` (e.g. a chi-square over a table
        with hidden cells), for the audit: `function(counts)` recomputes it
        (analysis.disclosure.audit.Statistic)."""
        from analysis.disclosure.audit import Statistic
        self.statistics.append(Statistic(label, tuple(cells), function, float(value), int(decimals)))

    def universe(self, universe) -> None:
        """Declare a population the published numbers count (analysis.disclosure.audit.Universe)."""
        old = self.universes.get(universe.name)
        if old is not None and not old.same(universe):
            raise ValueError(f"universe {universe.name!r} declared twice, differently")
        self.universes[universe.name] = universe

    def withhold(self, define, label: str, persons: int | None = None) -> None:
        """Something not printed at all because it rests on too few persons (e.g. a group's
        point that a figure leaves out): audited like a hidden cell. `define`: its
        definition (analysis.disclosure.audit.Count/Mean)."""
        self.withheld.append({"label": label, "status": "hidden", "_define": define, "_persons": persons})

    # -- scalars
    def scalar(self, key: str, value, page: str, kind: str | None = None, decimals: int | None = None,
               persons: int | None = None, define=None, keep: bool = False, of: str = "persons") -> None:
        """One number (or phrase, kind 'text') the prose quotes, with the persons behind it.

        kind: 'count' (whole numbers, no decimals), 'number', 'percent', 'text' or
        'setting' (an edition setting, not computed from data); inferred from the value
        when omitted. decimals: the precision the book prints (default 2; 0 for counts and
        settings that are integers). of: what a count counts: 'persons' (then the count is
        its own number of persons, checked against the minimum cell) or the thing it counts
        ('teams', 'municipalities', ...: no persons). Raises ValueError on a repeated key
        with another value or on persons given for a count of things, TypeError on a value
        of another type."""
        kind = kind or infer_kind(value)
        if kind not in KINDS:
            raise ValueError(f"scalar {key!r}: unknown kind {kind!r}")
        persons = _count_persons(key, value, kind, persons, of)
        row = self._cell(value, kind, decimals, persons)
        row.update(key=key, page=page, _define=define, _persons=persons, _keep=keep)
        for old in self.scalars:
            if old["key"] == key:
                same = (old["status"] == row["status"] and old["text"] == row["text"]
                        and (old["value"] == row["value"] or (_is_missing(old["value"]) and _is_missing(row["value"]))))
                if not same:
                    raise ValueError(f"scalar {key!r} computed twice with different values "
                                     f"({old['value'] or old['text']!r} and {row['value'] or row['text']!r})")
                old["_define"] = old["_define"] or define
                return
        self.scalars.append(row)

    def define(self, key: str, definition, keep: bool = False) -> None:
        """Say what an already published scalar is (for the disclosure audit, as `scalar`'s
        `define` and `keep`); raises KeyError for a key not published."""
        for row in self.scalars:
            if row["key"] == key:
                row["_define"] = row.get("_define") or definition
                row["_keep"] = row.get("_keep") or keep
                return
        raise KeyError(key)

    def _cell(self, value, kind: str, decimals: int | None, persons) -> dict:
        if isinstance(value, str) and value == SUPPRESSED and kind != "text":
            return {"value": np.nan, "text": "", "kind": kind, "decimals": decimals if decimals is not None else
                    (0 if kind == "count" else 2), "persons": pd.NA, "status": "hidden"}
        if kind == "text":
            if not isinstance(value, str):
                raise TypeError(f"a text value must be a string, not {type(value).__name__}")
            return {"value": np.nan, "text": value, "kind": kind, "decimals": 0,
                    "persons": pd.NA if persons is None else int(persons), "status": "shown"}
        if _is_missing(value):
            return {"value": np.nan, "text": "", "kind": kind, "decimals": 0, "persons": pd.NA,
                    "status": "not_applicable"}
        if isinstance(value, str):
            raise TypeError(f"a {kind} value must be a number, not the string {value!r}")
        if decimals is None:
            decimals = 0 if kind == "count" or (kind == "setting" and float(value).is_integer()) else 2
        rounded = _round(value, decimals)
        return {"value": rounded, "text": "", "kind": kind, "decimals": int(decimals),
                "persons": pd.NA if persons is None else int(persons),
                "status": "zero" if kind == "count" and rounded == 0 else "shown"}

    # -- tables
    def table(self, name: str, values: pd.DataFrame, persons: pd.DataFrame | pd.Series | int | None = None,
              kinds: dict[str, str] | str | None = None, decimals: dict[str, int] | int | None = None,
              hidden: pd.DataFrame | None = None, define=None, of: str = "persons") -> None:
        """A published table: `values` as the page shows it (index = rows, columns = columns,
        hidden cells 'x' or marked in the boolean frame `hidden`). `persons` gives the
        persons behind each cell (a frame like `values`, a Series per row, or one number);
        `kinds` and `decimals` per column (or one for all); `define(row, column)` what each
        cell is for the disclosure audit (a Count, Share or Mean, or None); `of` what its
        count cells count (see `scalar`: a count of persons is its own number of persons).
        Raises ValueError if the table name is used twice."""
        if any(t["table"] == name for t in self.tables):
            raise ValueError(f"table {name!r} is written twice")
        for j, column in enumerate(values.columns):
            kind_default = kinds.get(str(column)) if isinstance(kinds, dict) else kinds
            dec_default = decimals.get(str(column)) if isinstance(decimals, dict) else decimals
            for i, row in enumerate(values.index):
                value = values.iat[i, j]
                if hidden is not None and bool(hidden.iat[i, j]):
                    value = SUPPRESSED
                kind = kind_default or ("text" if isinstance(value, str) and value != SUPPRESSED
                                        else "count" if isinstance(value, (int, np.integer)) else "number")
                if isinstance(persons, pd.DataFrame):
                    n = persons.iat[i, j]
                elif isinstance(persons, pd.Series):
                    n = persons.iloc[i]
                else:
                    n = persons
                n = _count_persons(f"{name}[{row}, {column}]", value, kind, None if _is_missing(n) else n, of)
                cell = self._cell(value, kind, dec_default, n)
                cell.update(table=name, row=str(row), column=str(column), row_order=i, col_order=j,
                            _define=define(row, column) if define else None, _persons=n)
                self.tables.append(cell)

    # -- figures
    def add_series(self, figure: str, series: str, frame: pd.DataFrame, x: str = "x", y: str = "y",
                   persons: str | None = "persons", decimals: int = 2, define=None) -> None:
        """Plotted points of one line or bar series: x, y (rounded to `decimals`) and the
        persons behind each point; `define(x, persons)` what each point is for the
        disclosure audit (e.g. the Mean of a group's score in week x), or None."""
        for xv, yv, n in zip(frame[x], frame[y], frame[persons] if persons else [pd.NA] * len(frame)):
            n = None if _is_missing(n) else int(n)
            self.series.append({"figure": figure, "series": series, "x": float(xv), "y": _round(yv, decimals),
                                "persons": pd.NA if n is None else n, "status": "shown",
                                "_define": define(xv, n) if define else None, "_persons": n})

    # -- models
    def add_estimates(self, frame: pd.DataFrame, define=None) -> None:
        """Model terms (columns of ESTIMATE_COLUMNS); hidden rows (status 'hidden') keep only
        their labels. `define(row)`: what a row's `persons` count is, for the disclosure
        audit (a Count), or None; when the audit hides that count, the row keeps its
        estimate and loses its persons."""
        missing = [c for c in ESTIMATE_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"estimates lack columns {missing}")
        out = frame[ESTIMATE_COLUMNS].copy()
        hidden = out["status"] == "hidden"
        for column in ("estimate", "se", "ci_low", "ci_high", "p", "df", "p_t", "ci_low_t", "ci_high_t",
                       "persons", "person_weeks", "clusters"):
            out[column] = out[column].astype("float64")
            out.loc[hidden, column] = np.nan
        for column in ("stars", "finding", "method"):
            out[column] = out[column].fillna("")
            out.loc[hidden, column] = ""
        for column in ("estimate", "ci_low", "ci_high", "ci_low_t", "ci_high_t"):
            out[column] = [_round(v, 2) for v in out[column]]
        out["se"] = [_round(v, SE_DECIMALS) for v in out["se"]]
        for column in ("p", "p_t"):
            out[column] = [printed_p(v) for v in out[column]]
        self.estimates.append(out)
        self.estimate_defines.append([define(row) if define else None for _, row in frame.iterrows()])

    def document(self, name: str, content) -> None:
        """Structured material published as it is (JSON), e.g. the deep-dive findings."""
        if not re.fullmatch(r"[a-z0-9_-]+", name):
            raise ValueError(f"document name {name!r}: use lower-case letters, digits, - and _")
        self.documents[name] = content

    # -- the files
    def frames(self) -> dict[str, pd.DataFrame]:
        estimates = (pd.concat(self.estimates, ignore_index=True) if self.estimates
                     else pd.DataFrame(columns=ESTIMATE_COLUMNS))
        frames = {"scalars": pd.DataFrame(self.scalars, columns=SCALAR_COLUMNS),
                  "tables": pd.DataFrame(self.tables, columns=TABLE_COLUMNS),
                  "series": pd.DataFrame([r for r in self.series if r["status"] == "shown"], columns=SERIES_COLUMNS),
                  "estimates": estimates}
        for name, frame in frames.items():
            frames[name] = _typed(frame)
        return frames

    def write(self, directory: Path, manifest: dict, person_ids: set[str] | None = None,
              min_cell: int | None = None, certificate: pd.DataFrame | None = None, readme: str | None = None) -> Path:
        """Check the contents and write the bundle into `directory` (created; files in it
        are replaced). Returns the directory. Raises BundleError when a file could hold
        microdata (see `check_no_microdata`; `person_ids`: the extract's ids, none of which
        may appear anywhere), DisclosureError when a shown number rests on fewer than
        `min_cell` persons (`disclosure.rules.check_persons`). `certificate`: the disclosure
        audit's list of every published number (analysis.disclosure.protect), written as
        disclosure.csv; `readme`: the page for the checker (README.md)."""
        directory = Path(directory)
        frames = self.frames()
        check_no_microdata(frames, self.documents, person_ids)
        if min_cell is not None:
            for name in ("scalars", "tables", "series"):
                check_persons(frames[name].assign(status=frames[name].get("status", "shown")), min_cell, name)
            estimates = frames["estimates"].assign(key=frames["estimates"]["model"] + "."
                                                   + frames["estimates"]["group"])
            check_persons(estimates, min_cell, "estimates")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "documents").mkdir(exist_ok=True)
        files = {}
        for name, frame in frames.items():
            frame.to_parquet(directory / f"{name}.parquet", index=False)
            frame.to_csv(directory / f"{name}.csv", index=False)
            files[f"{name}.parquet"] = files[f"{name}.csv"] = len(frame)
        for name, content in sorted(self.documents.items()):
            (directory / "documents" / f"{name}.json").write_text(
                json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
            files[f"documents/{name}.json"] = 1
        if certificate is not None:
            check_no_microdata({"disclosure": certificate}, None, person_ids)
            certificate.to_csv(directory / "disclosure.csv", index=False)
            files["disclosure.csv"] = len(certificate)
        if readme is not None:
            (directory / "README.md").write_text(readme, encoding="utf-8")
            files["README.md"] = 1
        manifest = dict(manifest, format=FORMAT, rows=files,
                        checksums={f: _sha256(directory / f) for f in sorted(files)})
        manifest["manifest_sha256"] = manifest_digest(manifest)
        (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                                 encoding="utf-8")
        return directory


def _count_persons(what: str, value, kind: str, persons, of: str):
    """The persons behind a published number: as given, or for a count of persons with none
    given, the count itself (issue 11: a count without persons escaped the check)."""
    if kind != "count" or _is_missing(value) or isinstance(value, str):
        return persons
    if of != "persons":
        if persons is not None:
            raise ValueError(f"{what}: a count of {of} has no persons behind it")
        return None
    return int(value) if persons is None else persons


def manifest_digest(manifest: dict) -> str:
    """SHA-256 of the manifest's contents without its own checksum field: with the files'
    checksums in it, it covers the whole bundle (edition, minimum cell, extract, files)."""
    content = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if column in ("value", "x", "y", "estimate", "se", "ci_low", "ci_high", "p", "df", "p_t", "ci_low_t",
                      "ci_high_t"):
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
        elif column in ("persons", "person_weeks", "clusters", "decimals", "row_order", "col_order"):
            frame[column] = pd.to_numeric(frame[column]).round().astype("Int64")
        else:
            frame[column] = frame[column].astype("string").fillna("")
    return frame


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_no_microdata(frames: dict[str, pd.DataFrame], documents: dict | None = None,
                       person_ids: set[str] | None = None) -> None:
    """Raise BundleError if any file has a person-id column, or any text (a cell, a row or
    column label, a document value) is one of `person_ids` or looks like a person id (DST's
    CPR pattern or the synthetic extracts' pseudonyms). The message never prints the id."""
    ids = {str(i).strip().lower() for i in (person_ids or ())}
    for name, frame in frames.items():
        bad = FORBIDDEN_COLUMNS & {c.lower() for c in frame.columns}
        if bad:
            raise BundleError(f"{name}: a column named {sorted(bad)} may hold person ids")
        for column in frame.columns:
            if frame[column].dtype == "string" or frame[column].dtype == object:
                text = frame[column].astype(str).str.strip()
                hits = text.str.fullmatch(PERSON_ID) | text.str.lower().isin(ids)
                if hits.any():
                    raise BundleError(f"{name}.{column}: {int(hits.sum())} value(s) look like person ids")
    for name, content in (documents or {}).items():
        for text in _strings(content):
            if PERSON_ID.fullmatch(text.strip()) or text.strip().lower() in ids:
                raise BundleError(f"document {name}: a value looks like a person id")


def _strings(content):
    if isinstance(content, str):
        yield content
    elif isinstance(content, dict):
        for k, v in content.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(content, (list, tuple)):
        for v in content:
            yield from _strings(v)


# ---------------------------------------------------------------- reading (render stage)

@dataclass
class Bundle:
    """A statistics bundle as the render stage reads it (`Bundle.open`)."""
    directory: Path
    manifest: dict
    scalars: pd.DataFrame      # indexed by key
    tables: pd.DataFrame
    series: pd.DataFrame
    estimates: pd.DataFrame

    @classmethod
    def open(cls, directory: str | Path, edition: str | None = None) -> "Bundle":
        """Read a bundle. Raises BundleError when the directory holds no bundle, a bundle of
        another format version, a file whose checksum does not match the manifest, or (with
        `edition`) a bundle computed for another edition."""
        directory = Path(directory)
        manifest_path = directory / "manifest.json"
        if not manifest_path.exists():
            raise BundleError(f"no statistics bundle in {directory} (manifest.json is missing): run "
                              f"'python -m analysis compute --edition {edition or '<edition>'}' first")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise BundleError(f"{directory}: bundle format {manifest.get('format')!r}, this package reads "
                              f"format {FORMAT}; compute the bundle again")
        if edition is not None and manifest.get("edition") != edition:
            raise BundleError(f"{directory} holds the bundle of edition {manifest.get('edition')!r}, "
                              f"not {edition!r}")
        if manifest.get("manifest_sha256") != manifest_digest(manifest):
            raise BundleError(f"{manifest_path}: changed since the bundle was computed (its own checksum "
                              "does not match; a bundle is exported as a whole; compute it again)")
        for name, digest in manifest.get("checksums", {}).items():
            path = directory / name
            if not path.exists() or _sha256(path) != digest:
                raise BundleError(f"{path}: missing or changed since the bundle was computed "
                                  "(a bundle is exported as a whole; compute it again)")
        frames = {name: pd.read_parquet(directory / f"{name}.parquet") for name in FILES}
        return cls(directory, manifest, frames["scalars"].set_index("key", drop=False), frames["tables"],
                   frames["series"], frames["estimates"])

    # -- what was computed, and how
    @property
    def edition(self) -> str:
        return self.manifest["edition"]

    @property
    def min_cell(self) -> int:
        return int(self.manifest["min_cell"])

    @property
    def inference(self) -> str:
        return self.manifest["inference"]

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("extract", {}).get("synthetic"))

    def certificate(self) -> pd.DataFrame:
        """disclosure.csv: every published number with the rule applied to it
        (analysis.disclosure.protect.certify); an empty frame for a bundle written without
        one (a test's)."""
        path = self.directory / "disclosure.csv"
        return pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["file", "item", "rule"])

    # -- scalars
    def has(self, key: str) -> bool:
        return key in self.scalars.index

    def value(self, key: str):
        """A scalar as a page uses it: a float (int for counts), its text for kind 'text',
        'x' when hidden, None when not applicable. Raises KeyError naming the key when
        the bundle does not hold it."""
        if key not in self.scalars.index:
            raise KeyError(f"{key!r} is not in the statistics bundle ({self.directory})")
        return _cell_value(self.scalars.loc[key])

    def values(self, prefix: str) -> dict[str, object]:
        """Every scalar whose key starts with `prefix`, keyed by the rest of the key."""
        keys = [k for k in self.scalars.index if k.startswith(prefix)]
        return {k[len(prefix):]: self.value(k) for k in keys}

    def results(self) -> pd.DataFrame:
        """key, value, page: every scalar as printed (hidden 'x'), in the order computed."""
        values = [_cell_value(row) for _, row in self.scalars.iterrows()]
        return pd.DataFrame({"key": self.scalars["key"].to_numpy(), "value": values,
                             "page": self.scalars["page"].to_numpy()})

    # -- tables
    def table(self, name: str) -> pd.DataFrame:
        """A table as published: rows and columns in their order, numbers as floats (ints
        for counts), text as text, 'x' where hidden, '–' for a zero count, None where not
        applicable. Raises KeyError naming the table."""
        cells = self.tables[self.tables["table"] == name]
        if cells.empty:
            raise KeyError(f"table {name!r} is not in the statistics bundle ({self.directory})")
        cells = cells.sort_values(["row_order", "col_order"])
        rows = list(dict.fromkeys(cells.sort_values("row_order")["row"]))
        columns = list(dict.fromkeys(cells.sort_values("col_order")["column"]))
        out = pd.DataFrame(index=rows, columns=columns, dtype=object)
        for _, cell in cells.iterrows():
            out.at[cell["row"], cell["column"]] = _cell_value(cell, zero=ZERO)
        return out

    def table_cells(self, name: str) -> pd.DataFrame:
        """The long form of a table (one row per cell, with persons and status)."""
        cells = self.tables[self.tables["table"] == name]
        if cells.empty:
            raise KeyError(f"table {name!r} is not in the statistics bundle ({self.directory})")
        return cells.sort_values(["row_order", "col_order"]).reset_index(drop=True)

    def has_table(self, name: str) -> bool:
        return bool((self.tables["table"] == name).any())

    # -- figures, models, documents
    def figure(self, name: str) -> pd.DataFrame:
        """The plotted points of a figure: series, x, y, persons. Raises KeyError."""
        points = self.series[self.series["figure"] == name]
        if points.empty:
            raise KeyError(f"figure {name!r} has no series in the statistics bundle ({self.directory})")
        return points.reset_index(drop=True)

    def has_figure(self, name: str) -> bool:
        return bool((self.series["figure"] == name).any())

    def document(self, name: str):
        path = self.directory / "documents" / f"{name}.json"
        if not path.exists():
            raise KeyError(f"document {name!r} is not in the statistics bundle ({self.directory})")
        return json.loads(path.read_text(encoding="utf-8"))

    def has_document(self, name: str) -> bool:
        return (self.directory / "documents" / f"{name}.json").exists()


def _cell_value(row, zero=None):
    status = row["status"]
    if status == "hidden":
        return SUPPRESSED
    if status == "not_applicable":
        return None
    if row["kind"] == "text":
        return row["text"]
    if status == "zero" and zero is not None:
        return zero
    value = float(row["value"])
    return int(round(value)) if row["kind"] == "count" or (row["kind"] == "setting" and int(row["decimals"]) == 0) \
        else value
