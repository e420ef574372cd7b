"""What each keyed result is, for the disclosure audit: the cell of a universe
(analysis.compute.universes) a published count, share or mean is about.

The keyed results (analysis.compute.results, keyed like data/reference/published) are
published as scalars; many repeat a table cell. Both must carry the same definition, so
that a cell hidden by the audit is hidden wherever it is published. `define(md, key)` reads
the key's grammar; a key it does not know gets no definition and is listed as such in the
certificate. `true_value(md, definition)` recomputes a definition from the microdata (for
the tests: every definition must state what was published).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.compute import universes as u
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Cell, Count, Mean, Share
from analysis.register.cohort import AGE_KEYS, VISITATION_KEYS
from analysis.register.models import GROUP_BY_KEY, Group

AGES = {f"alder_{key}": label for label, key in AGE_KEYS.items()}
VISITATIONS = {f"visitation_{key}": label for label, key in VISITATION_KEYS.items()}
BAND = re.compile(r"^(?P<low>\d+)(?:-(?P<high>\d+))?$")


def category(md: Microdata, row: str) -> dict:
    """A row of Tabel 3 (completed, afmeldt, mand, kvinde, alder_*, visitation_*) as
    attributes of the enrolled citizens ({} for the total row 'n')."""
    if row == "n":
        return {}
    if row in ("completed", "afmeldt"):
        return {"status": "gennemført" if row == "completed" else "afmeldt"}
    if row in ("mand", "kvinde"):
        return {"koen": row}
    if row in AGES:
        return {"alder": AGES[row]}
    if row in VISITATIONS:
        return {"visitation": VISITATIONS[row]}
    raise KeyError(row)


def model_group(key: str) -> Group:
    """A model group by key, a merged one ('alder_46_55+alder_over55') built from its members."""
    if key in GROUP_BY_KEY:
        return GROUP_BY_KEY[key]
    members = [GROUP_BY_KEY[k] for k in key.split("+")]
    return Group(key, "", members[0].column, tuple(v for g in members for v in g.values), members[0].status)


_CACHE: dict[tuple, object] = {}


def _cached(md: Microdata, name: str, make):
    """One value per extract and name (the keyed results as a dict, a universe's frame)."""
    key = (id(md), name)
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = make()
    return _CACHE[key]


def _results(md: Microdata) -> dict:
    return _cached(md, "results", lambda: dict(zip(md.results["key"], md.results["value"])))


def _tp_cell(md: Microdata, tp: str, **where) -> Cell:
    return u.week_cell(u.time_point_name(md.edition, tp), **where)


def _count(md: Microdata, key: str) -> int | None:
    value = _results(md).get(key)
    return int(value) if isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value) else None


def define(md: Microdata, key: str):
    """The definition (Count, Share, Mean) of a keyed result, or None when it is not a count
    of persons or a share or mean of one (a model estimate, a week number, a setting)."""
    parts = key.split(".")
    completers = {"status": "gennemført"}
    if parts[0] == "tabel6" and len(parts) == 4 and parts[1] == "count":
        band = parts[3]
        if band == "na":
            return Count(_tp_cell(md, parts[2], score="na", **completers))
        match = BAND.match(band)
        scores = tuple(range(int(match["low"]), int(match["high"] or match["low"]) + 1))
        return Count(_tp_cell(md, parts[2], score=scores, **completers))
    if parts[0] == "tabel6" and parts[1] == "n_with_data":
        return Count(_tp_cell(md, parts[2], **completers))
    if parts[0] == "tabel6" and parts[1] == "mean":
        n = _count(md, f"tabel6.n_with_data.{parts[2]}")
        na = _count(md, f"tabel6.count.{parts[2]}.na")
        scored = true_count(md, _tp_cell(md, parts[2], scored=True, **completers)) if na is None else n - na
        return Mean(_tp_cell(md, parts[2], scored=True, **completers), scored)
    if parts[0] == "tabel3" and parts[1] in ("sample", "registered") and len(parts) == 4:
        base = "sample" if parts[1] == "sample" else "registered"
        cell = u.enrolled_cell(md, sample=base == "sample", registered=base == "registered",
                               **category(md, parts[2]))
        if parts[3] == "count":
            return Count(cell)
        n = true_count(md, u.enrolled_cell(md, sample=base == "sample", registered=base == "registered"))
        return Share(cell, n)
    if parts[0] == "tabel3" and parts[1] == "mean":   # the pilot's means per visitation category
        group = model_group(parts[2])
        where = u.group_where(group)
        cell = _tp_cell(md, parts[3], scored=True, **where)
        return Mean(cell, true_count(md, cell))
    if parts[0] == "bilag1" and parts[1] in ("enrolled", "register"):
        team = ".".join(parts[2:])
        where = {} if team == "total" else {"hold": team}
        return Count(u.enrolled_cell(md, sample=parts[1] == "register", **where))
    if parts[0] == "tabel4" and len(parts) == 4:
        phase, row, what = parts[1], parts[2], parts[3]
        if row == "hold":
            return None   # a number of teams
        where = {} if phase == "total" else {"hold": u.teams_of_phase(md, phase)}
        if row != "enrolled":
            where["status"] = "gennemført" if row == "completed" else "afmeldt"
        cell = u.enrolled_cell(md, **where)
        if what == "count":
            return Count(cell)
        base = {} if phase == "total" else {"hold": u.teams_of_phase(md, phase)}
        return Share(cell, true_count(md, u.enrolled_cell(md, **base)))
    if parts[0] == "caption" and parts[1] == "n" and len(parts) == 3:   # the pilot's model groups
        if parts[2] == "moduler":
            return Count(u.enrolled_cell(md, sample=True, status="gennemført"))
        return Count(u.enrolled_group_cell(md, model_group(parts[2])))
    if parts[0] == "caption" and re.fullmatch(r"figur\d", parts[1]):
        status = "afmeldt" if parts[1] == "figur7" else "gennemført"
        return Count(u.enrolled_cell(md, sample=True, status=status))
    if key == "tabel6.caption_n":
        return Count(u.enrolled_cell(md, sample=True, status="gennemført"))
    if key == "text.p52.andet_n":
        return Count(u.enrolled_cell(md, sample=True, status="gennemført", visitation="Andet"))
    if parts[0] == "design" and len(parts) == 2:
        where = {"sample_n": {}, "completed": completers, "afmeldt": {"status": "afmeldt"}}[parts[1]]
        return Count(u.enrolled_cell(md, sample=True, **where))
    if parts[0] == "repr" and len(parts) == 4:
        # the pilot's own table: the sample (its genders and ages: of the completers) and the
        # whole pilot period
        population, row, what = parts[1], parts[2], parts[3]
        base = {"sample": True} if population == "sample" else {}
        of_completers = population == "sample" and row not in ("n", "completed", "afmeldt")
        where = dict(category(md, row), **(completers if of_completers else {}))
        cell = u.enrolled_cell(md, **base, **where)
        if what == "count":
            return Count(cell)
        total = u.enrolled_cell(md, **base, **(completers if of_completers else {}))
        return Share(cell, true_count(md, total))
    if parts[0] == "visitation" and len(parts) == 3:
        where = dict(completers) if parts[1] == "total" else dict(completers, visitation=VISITATIONS[
            f"visitation_{parts[1]}"])
        cell = u.enrolled_cell(md, sample=True, **where)
        if parts[2] == "count":
            return Count(cell)
        return Share(cell, true_count(md, u.enrolled_cell(md, sample=True, **completers)))
    if parts[0] == "survey" and md.survey is not None and len(parts) >= 4 and parts[1] in md.survey.codebook.questions:
        return _survey(md, parts)
    if parts[0] == "tabel2" and md.survey is not None:   # invited, answered, missing per wave
        return None   # the waves' invitation counts are not linked to the answers (see the docstring)
    if parts[0] == "hold" and parts[-1] == "count":
        block = ".".join(parts[1:-1])
        if block == "total":
            return Count(u.enrolled_cell(md, sample=True, **completers))
        return Count(u.enrolled_cell(md, sample=True, hold=tuple(block.split(" + ")), **completers))
    return None


def _survey(md: Microdata, parts: list[str]):
    """survey.<q>.w<k>.n, survey.<q>.w<k>.<codes>.count|pct (a sum of options of a
    multiple-choice question counts answers, not persons: no definition)."""
    q = md.survey.codebook[parts[1]]
    if q.type not in ("single", "multi") or not parts[2].startswith("w") or not parts[2][1:].isdigit():
        return None
    wave = int(parts[2][1:])
    if wave not in md.survey.waves:
        return None
    if parts[3] == "n" and len(parts) == 4:
        return Count(u.answer_cell(q, wave))
    if not re.fullmatch(r"\d+(\+\d+)*", parts[3]):
        return None   # not a share or count of options (seed 001's mentions, substantive n)
    codes = [int(c) for c in parts[3].split("+")]
    if q.type == "multi" and len(codes) > 1:
        return None
    cell = u.answer_cell(q, wave, codes)
    if parts[-1] == "count":
        return Count(cell)
    if len(codes) > 1 and md.edition.rounded_parts:
        # a sum of the options' rounded shares (seed 001): a function of the single options'
        # shares, which are published and audited themselves, not a share of its own
        return None
    return Share(cell, true_count(md, u.answer_cell(q, wave)))


# ---------------------------------------------------------------- the truth, for the tests

def _frame(md: Microdata, universe: str) -> pd.DataFrame:
    """The persons of a universe with its attributes (microdata; cached per extract)."""
    return _cached(md, "frame " + universe, lambda: _make_frame(md, universe))


def _make_frame(md: Microdata, universe: str) -> pd.DataFrame:
    if universe == u.ENROLLED:
        reg = md.extract.registrations
        known = reg["registreret"].eq("ja")
        return pd.DataFrame({
            "hold": reg["hold"], "status": reg["status"],
            "koen": reg["koen"].where(known, u.UNKNOWN), "alder": reg["aldersgruppe"].where(known, u.UNKNOWN),
            "visitation": reg["visitationskategori"].where(known, u.UNKNOWN),
            "reason": reg["set_aside"].replace("", u.SAMPLE), "kommune": reg["kommune"]})
    if universe.startswith("week ") or universe.startswith("time point "):
        from analysis.compute.results import score_table  # noqa: F401  (the same time points)
        from analysis.register.models import time_point_panel
        if universe.startswith("week "):
            rows = md.panel[md.panel["week"] == int(universe.split()[1])]
        else:
            key = universe.split()[-1]
            points = time_point_panel(md.panel, md.edition.time_points, md.edition.last_available)
            rows = points[points["week"] == md.edition.time_points[key]]
        frame = pd.DataFrame({u.PANEL_ATTRIBUTES[c]: rows[c].astype(str) for c in u.PANEL_ATTRIBUTES})
        frame["score"] = [("na" if pd.isna(s) else int(s)) for s in rows["score"]]
        return frame
    if universe.startswith("survey w"):
        wave = int(universe[len("survey w"):])
        respondents = md.survey.respondents(wave)
        frame = {}
        for q in md.survey.codebook.questions.values():
            if q.type not in ("single", "multi") or wave not in q.waves:
                continue
            values = respondents[q.id]
            if q.type == "multi":
                frame[q.id] = [u.BLANK if not isinstance(v, frozenset) else "answered" for v in values]
                for c in q.codes:
                    frame[f"{q.id}:{c}"] = [int(isinstance(v, frozenset) and c in v) for v in values]
            else:
                frame[q.id] = [u.BLANK if pd.isna(v) else int(v) for v in values]
        return pd.DataFrame(frame, index=respondents.index)
    raise KeyError(universe)


def _inside(frame: pd.DataFrame, cell: Cell) -> pd.Series:
    inside = pd.Series(True, index=frame.index)
    for name, values in cell.where:
        inside &= frame[name].isin(values)
    return inside


def true_count(md: Microdata, cell: Cell) -> int:
    """How many persons the cell holds (microdata)."""
    return int(_inside(_frame(md, cell.universe), cell).sum())


def true_value(md: Microdata, definition) -> float:
    """What a definition says the published number is, recomputed from the microdata."""
    frame = _frame(md, definition.cell.universe)
    inside = _inside(frame, definition.cell)
    if isinstance(definition, Count):
        return float(inside.sum())
    if isinstance(definition, Share):
        return 100.0 * float(inside.sum()) / definition.base
    return float(pd.to_numeric(frame.loc[inside, "score"]).mean())
