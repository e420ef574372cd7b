"""The choke point: before a bundle is written, every published number that counts persons
is turned into facts (analysis.disclosure.audit), every hidden cell is audited against all
of them at once, cells are hidden as secondary suppressions until no hidden cell can be
narrowed to one value or to fewer than the minimum, and a certificate lists every published
number with the persons behind it, the rule applied and, for a hidden cell, its audited
range (`disclosure.csv` in the bundle).

Secondary suppression is chosen greedily: for a hidden cell the audit can pin down, hide
the smallest shown count that describes the same kind of cell (the same table or figure,
the same attributes) in the same population, and audit again; a cell hidden this way is
hidden wherever it is published (a table cell, the scalar the prose quotes, its share).
This is the usual heuristic of tau-Argus's "hypercube"-free modes (Hundepool et al. 2012,
§4.3): not optimal in the number of cells hidden, but each choice is checked by the audit.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure.audit import (UNPUBLISHED, Change, Count, Mean, Median, Model, OnePerson, Share, TestOf, Things,
                                      Total, audit, audit_statistics, unpublished_cells)
from analysis.disclosure.rules import ROUNDED_TOTAL, DisclosureError


@dataclass
class Entry:
    """A published row (or a withheld cell) of the writer, with what it is."""
    file: str
    id: str
    container: str          # the table or figure it belongs to ('' for a scalar)
    row: dict
    define: object

    @property
    def hidden(self) -> bool:
        return self.row["status"] == "hidden"


def entries(writer) -> list[Entry]:
    out = []
    for row in writer.scalars:
        out.append(Entry("scalars", row["key"], "", row, row.get("_define")))
    for row in writer.tables:
        out.append(Entry("tables", f"{row['table']}[{row['row']}, {row['column']}]", row["table"], row,
                         row.get("_define")))
    for row in writer.series:
        out.append(Entry("series", f"{row['figure']}: {row['series']} at {row['x']:g}", row["figure"], row,
                         row.get("_define")))
    for row in writer.withheld:
        out.append(Entry("withheld", row["label"], row["label"].split(":")[0], row, row.get("_define")))
    for frame, defines in zip(writer.estimates, writer.estimate_defines):
        for i, define in enumerate(defines):
            if define is not None and frame.iloc[i]["status"] == "shown":
                out.append(Entry("estimates", _estimate_id(frame.iloc[i]) + " persons", "estimates",
                                 EstimatePersons(frame, i), define))
    return out


def _estimate_id(row) -> str:
    return f"{row['model']}.{row['group']}.{row['period']}.{row['term']}".replace("..", ".")


class EstimatePersons(dict):
    """The `persons` of an estimates row, as an entry the audit can hide (the estimate
    stays; its persons go)."""

    def __init__(self, frame: pd.DataFrame, i: int):
        super().__init__(status="shown", value=float(frame.iloc[i]["persons"]), kind="count", decimals=0,
                         persons=frame.iloc[i]["persons"], _keep=True)
        self.frame, self.i = frame, i

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        if self.get("status") == "hidden":
            self.frame.iloc[self.i, self.frame.columns.get_loc("persons")] = np.nan


def build_model(writer, all_entries: list[Entry]) -> Model:
    """The facts the published rows state and the hidden cells to audit."""
    model = Model()
    for universe in writer.universes.values():
        model.universe(universe)
    model.statistics = list(writer.statistics)
    hidden_cells = set()
    shown = [e for e in all_entries if e.define is not None and not e.hidden]
    counted = {e.define.cell for e in shown if isinstance(e.define, Count)}
    means = {e.define: _printed(e) for e in shown if isinstance(e.define, Mean)}
    for e in all_entries:
        d = e.define
        if d is None or isinstance(d, Things) or e.row.get("status") == "not_applicable":
            continue     # nothing about persons, or nothing published (a share of no answers)
        if e.hidden:
            # a hidden count or share hides its cell. A hidden mean, total, median or change
            # hides the cell only where its N is not printed elsewhere: otherwise it is
            # hidden for the cells it would give away, which are hidden and audited themselves
            if isinstance(d, (Total, Median, Change, TestOf, OnePerson)) or (isinstance(d, Mean) and d.cell in counted):
                continue
            if d.cell not in hidden_cells:
                hidden_cells.add(d.cell)
                model.hide(d.cell, e.id)
            continue
        value, decimals = _printed(e)
        if isinstance(d, Count):
            model.count(d.cell, int(round(float(value))) if e.row["status"] != "zero" else 0, e.id)
        elif isinstance(d, Share):
            model.share(d.cell, float(value), d.base, int(decimals), e.id, d.parts, d.weight)
        elif isinstance(d, Mean):
            model.mean(d.cell, float(value), d.n, int(decimals), e.id, d.weight)
            model.count(d.cell, d.n, e.id + " (N)")
        elif isinstance(d, Total):
            model.total(d.cell, float(value) if e.row["status"] != "zero" else 0.0, d.weight, e.id)
        elif isinstance(d, Median):
            model.median(d, float(value), e.id)
            model.count(d.cell, d.n, e.id + " (N)")
        elif isinstance(d, Change):
            model.change(d, float(value), int(decimals), means, e.id)
        elif isinstance(d, TestOf) and d.mean not in means:
            raise ValueError(f"{e.id}: a test shown without its mean")
        elif isinstance(d, OnePerson):
            raise ValueError(f"{e.id}: one person's value is published")
    return model


def _printed(e: Entry) -> tuple[float, int]:
    """(value, decimals) of a shown entry as printed (a series point: y to two decimals)."""
    if e.file == "series":
        return e.row["y"], 2
    return e.row.get("value"), int(e.row.get("decimals", 0) or 0)


def hide_cell(all_entries: list[Entry], cell) -> list[Entry]:
    """Hide every published row that states something about `cell`; returns them."""
    changed = []
    for e in all_entries:
        if e.define is not None and e.define.cell == cell and not e.hidden:
            e.row.update(status="hidden", persons=pd.NA)
            if "value" in e.row:
                e.row["value"] = np.nan
            changed.append(e)
    return changed


def candidate(all_entries: list[Entry], target: Entry | None, cell, taken: set) -> Entry | None:
    """The shown count to hide next for a failing cell (`target`: the row that hides it, or
    None for an unpublished cell): in the same population, preferably in the same table or
    figure, about attributes the cell shares, rather one only a table shows than one the
    prose or a figure quotes, the smallest; a cell marked to keep (the N of a figure or a
    model) only when nothing else will do; not a cell already `taken` this round."""
    container = target.container if target is not None else None
    quoted = {e.define.cell for e in all_entries if e.define is not None and e.file in ("scalars", "series")}
    kept = {e.define.cell for e in all_entries if e.define is not None and e.row.get("_keep")}
    options = []
    for e in all_entries:
        if e.hidden or e.define is None or not isinstance(e.define, (Count, Mean)):
            continue
        other = e.define.cell
        if other.universe != cell.universe or other == cell or other in taken or e.row.get("status") == "zero":
            continue
        n = e.define.n if isinstance(e.define, Mean) else e.row.get("value")
        if n is None or pd.isna(n):
            continue
        overlap = len(other.attributes & cell.attributes)
        # rather a cell of a table than one the prose or a figure also quotes
        options.append(((other in kept, e.container != container, -overlap, other in quoted,
                         other.attributes != cell.attributes,
                         isinstance(e.define, Mean), float(n)), e))
    return min(options, key=lambda item: item[0])[1] if options else None


@contextlib.contextmanager
def quiet_solver():
    """HiGHS (the integer programmes' solver) prints debugging lines on the process's
    standard output from C++; they are sent to /dev/null while the audit runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def protect(writer, min_cell: int, max_rounds: int = 200) -> pd.DataFrame:
    """`_protect` with the solver's own output silenced."""
    with quiet_solver():
        return _protect(writer, min_cell, max_rounds)


def _protect(writer, min_cell: int, max_rounds: int = 200) -> pd.DataFrame:
    """Audit the writer's contents, add secondary suppressions until the audit passes, and
    return the certificate (one row per published number). Each round hides, for every
    hidden cell that fails, one more cell beside it, and audits again the populations it
    changed. Raises DisclosureError naming a hidden cell that cannot be protected, and
    ValueError when the published facts contradict each other (a wrong definition)."""
    start = time.perf_counter()
    all_entries = entries(writer)
    by_label = {e.id: e for e in all_entries}
    secondary: dict[str, str] = {}
    results: dict[str, pd.DataFrame] = {}
    changed: set[str] | None = None     # None: every universe
    rounds = 0
    while True:
        rounds += 1
        fresh = audit(build_model(writer, all_entries), min_cell, only=changed)
        for name in (changed if changed is not None else set(writer.universes)):
            results[name] = fresh[fresh["universe"] == name]
        result = pd.concat(results.values(), ignore_index=True) if results else fresh
        failing = result[~result["ok"].astype(bool)] if len(result) else result
        if failing.empty:
            break
        if rounds > max_rounds:
            raise DisclosureError(f"the audit still fails after {max_rounds} rounds of secondary suppression")
        changed = set()
        hidden_now = set()
        for _, fail in failing.iterrows():
            target = by_label.get(fail["label"])
            cell = target.define.cell if target is not None else _unpublished_cell(writer, fail)
            pick = candidate(all_entries, target, cell, hidden_now)
            if pick is None:
                raise DisclosureError(f"{fail['label']}: {fail['reason']}, and nothing is left to hide "
                                      "beside it (hide the table or merge its groups)")
            hidden_now.add(pick.define.cell)
            for e in hide_cell(all_entries, pick.define.cell):
                secondary[e.id] = fail["label"]
            changed.add(pick.define.cell.universe)
    for publish in writer.deferred:   # what is computed on the tables as finally published
        publish(writer)
    writer.deferred = []
    all_entries = entries(writer)      # with what the deferred publishes added
    statistics = audit_statistics(build_model(writer, all_entries), min_cell)
    broken = statistics[~statistics["ok"].astype(bool)]
    if len(broken):
        first = broken.iloc[0]
        raise DisclosureError(f"{first['label']}: {first['reason']}: it reveals the hidden cells of its table")
    ranges = {row["label"]: (row["low"], row["high"]) for _, row in result.iterrows()} if len(result) else {}
    certificate = certify(writer, all_entries, ranges, secondary, min_cell)
    certificate.attrs["statistics"] = statistics
    certificate.attrs.update(seconds=time.perf_counter() - start, rounds=rounds,
                             audited=int(len(result)), unpublished=int(result["label"].str.startswith(
                                 UNPUBLISHED).sum()) if len(result) else 0)
    return certificate


def _unpublished_cell(writer, fail):
    """The cell of a failing unpublished target (rebuilt from the universe's protect list)."""
    for cell, label in unpublished_cells(writer.universes[fail["universe"]]):
        if label == fail["label"]:
            return cell
    raise KeyError(fail["label"])


def _rule(e: Entry, secondary: dict[str, str], min_cell: int) -> str:
    status = e.row["status"]
    true = e.row.get("_persons")
    if status == "hidden":
        if e.id in secondary:
            return f"secondary suppression (audit): hidden so that {secondary[e.id]} cannot be derived"
        if true is not None and not pd.isna(true) and 0 < int(true) < min_cell:
            return f"primary suppression: fewer than {min_cell} persons"
        if e.file == "withheld":
            return f"withheld: fewer than {min_cell} persons"
        return "secondary suppression (the table's rule): hidden so that a small cell beside it cannot be derived"
    if status == "zero":
        return "zero: no persons (printed '–')"
    if status == "not_applicable":
        return "not applicable"
    kind = e.row.get("kind", "")
    if kind == "setting":
        return "setting of the edition, not computed from data"
    if kind == "text":
        return "text (a label or a phrase)"
    if isinstance(e.define, Share) and e.define.rounded_total:
        return ROUNDED_TOTAL
    persons = e.row.get("persons")
    if persons is not None and not pd.isna(persons):
        return f"shown: rests on {min_cell} or more persons"
    return "shown: not a number of persons (or rests on counts shown elsewhere)"


def certify(writer, all_entries: list[Entry], ranges: dict, secondary: dict[str, str], min_cell: int) -> pd.DataFrame:
    """disclosure.csv: file, item, kind, status, persons (as published), rule, audited_low,
    audited_high (the range an attacker can derive for a hidden count), defined (whether
    the audit knows what the number is)."""
    rows = []
    for e in all_entries:
        low, high = ranges.get(e.id, (np.nan, np.nan))
        if e.define is not None and e.hidden and np.isnan(low):
            # the cell was audited under the label of another row that publishes it
            for other in all_entries:
                if other.define is not None and other.define.cell == e.define.cell and other.id in ranges:
                    low, high = ranges[other.id]
                    break
        rows.append({"file": e.file, "item": e.id, "kind": e.row.get("kind", "mean"), "status": e.row["status"],
                     "persons": e.row.get("persons", pd.NA) if e.row["status"] != "hidden" else pd.NA,
                     "rule": _rule(e, secondary, min_cell), "audited_low": low, "audited_high": high,
                     "defined": e.define is not None})
    for frame in writer.estimates:
        for r in frame.itertuples():
            rows.append({"file": "estimates", "item": _estimate_id(r._asdict()),
                         "kind": "estimate", "status": r.status,
                         "persons": r.persons if r.status == "shown" else pd.NA,
                         "rule": (f"shown: every week of the model rests on {min_cell} or more persons"
                                  if r.status == "shown" else f"withheld: a week of the model has fewer than "
                                  f"{min_cell} persons"),
                         "audited_low": np.nan, "audited_high": np.nan, "defined": False})
    return pd.DataFrame(rows, columns=["file", "item", "kind", "status", "persons", "rule", "audited_low",
                                       "audited_high", "defined"])




def checker_page(certificate: pd.DataFrame, manifest: dict, min_cell: int) -> str:
    """README.md of a bundle: what an output checker at Statistics Denmark needs to approve
    it (what is in it, the rules, what was hidden and why, how the hidden cells were
    audited), in plain text."""
    hidden = certificate[certificate["status"] == "hidden"]
    rules = hidden["rule"].str.split(":").str[0].value_counts()
    statistics = certificate.attrs.get("statistics", pd.DataFrame())
    lines = [
        f"# Statistics bundle: {manifest.get('title', manifest.get('edition'))}",
        "",
        f"Edition {manifest.get('edition')}, computed {manifest.get('computed_at')} from an extract with "
        f"fingerprint {manifest.get('extract', {}).get('fingerprint', '')[:16]}... "
        f"({'synthetic data' if manifest.get('extract', {}).get('synthetic') else 'register data'}).",
        "",
        "## What is in it",
        "",
        "Aggregates only: no row describes a person and no person id appears (the writer searched "
        "every file for the extract's ids).",
        "",
        "| file | what |",
        "|---|---|",
        "| scalars.csv | every number the report's text quotes (key, value, persons behind it, status) |",
        "| tables.csv | every table cell (table, row, column, value, persons, status) |",
        "| series.csv | every plotted point (figure, series, x, y, persons) |",
        "| estimates.csv | every model estimate (estimate, se, 95 % interval, p, persons, person-weeks, clusters) |",
        "| documents/ | structured qualitative material (no person data) |",
        "| disclosure.csv | this certificate: every published number, the persons behind it, the rule applied, "
        "and for a hidden count the range an attacker can derive |",
        "",
        "## The rules",
        "",
        f"- No published number rests on fewer than {min_cell} persons (primary suppression; a zero is shown "
        "as '–', a hidden cell as 'x').",
        "- A hidden cell must not be derivable from anything else published: table margins, the same "
        "persons in other tables, sums implied by a mean and its N, score bands, figure lines, test "
        "statistics. Every hidden count, and every cell of the protected cross-classifications that is not "
        "printed at all, was audited by integer programming over all the facts the bundle states; cells "
        "were hidden (secondary suppression) until no hidden or unprinted cell can be pinned to one value "
        f"or to 1-{min_cell - 1} persons.",
        "- Values are rounded to the precision the report prints. Figures are drawn from series.csv.",
        "",
        "## What was hidden",
        "",
        f"{len(certificate)} published numbers; {len(hidden)} hidden:",
        "",
    ]
    lines += [f"- {rule}: {n}" for rule, n in rules.items()]
    lines += ["", f"Audited: {certificate.attrs.get('audited', 0)} cells "
              f"({certificate.attrs.get('unpublished', 0)} of them not printed anywhere) in "
              f"{certificate.attrs.get('rounds', 0)} rounds, {certificate.attrs.get('seconds', 0):.1f} s."]
    if len(statistics):
        lines += ["", "Test statistics, checked by enumerating every completion of their table's hidden cells "
                  "(how many are possible, and whether more than one reproduces the printed value):", ""]
        lines += [f"- {r.label}: {r.completions} completions, "
                  f"{'two or more' if r.matching >= 2 else r.matching} reproduce the printed value"
                  + (f" ({r.reason})" if r.reason else "") for r in statistics.itertuples()]
    lines += ["", "## Limits of the audit", "",
              "- Model slopes over many weeks and p-values are not modelled as facts (they pool many persons).",
              "- Within a week, the scores inside a group are constrained only through the group's mean.",
              "- Counts of person-weeks (excluded weeks by DREAM code) and the survey's invitation counts are "
              "not linked to the other tables.",
              "- A median is published only when the middle person(s) hold it and at least "
              f"{min_cell} persons do: it is then exactly three count facts (at least half and one at or "
              f"below it, as many at or above it, {min_cell} at it).",
              "- A mean change between two survey waves is audited as a mean on each side given the other "
              "side's printed mean: an outer bound where that side's counts fix its mean more exactly.",
              "- Numbers marked undefined in disclosure.csv (defined = False) are not facts of the audit.",
              "- Item non-response is not a cell of any table: a wave's respondents minus a question's N (those "
              "who left it blank), or the registered minus those with a stated status, can be derived and can be "
              "1 or 2. The audit does not protect these differences; the checker decides whether a blank answer "
              "is a characteristic to protect.", ""]
    return "\n".join(lines)
