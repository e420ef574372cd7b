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
from analysis.disclosure.audit import Cell, Change, Count, Mean, Median, OnePerson, Share, Things, Total, Weight
from analysis.readers.contracts import GENDERS
from analysis.reference.codebook import PILOT_MESTRING_ITEMS
from analysis.register.cohort import AGE_KEYS, VISITATION_KEYS
from analysis.register.models import GROUP_BY_KEY, Group
from analysis.survey.stats import disclose, distribution

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
    if not md.edition.register_data:
        found = _without_register(md, key)
        if found is not None:
            return found
    if parts[0] == "survey" and md.survey is not None and len(parts) >= 4 and parts[1] in md.survey.codebook.questions:
        return _survey(md, parts)
    if parts[0] == "tabel2" and md.survey is not None:   # invited, answered, missing per wave
        return _invitations(md, parts)
    if key == "text.answers_total" and md.survey is not None:
        return Things("answers over the waves (one person counted once per wave answered)")
    if parts[0].startswith("bilag") and len(parts) == 3 and parts[1] == "n" and md.survey is not None:
        return _appendix_n(md, parts[0], int(parts[2][1:]))
    if parts[0] == "hold" and parts[-1] == "count":
        block = ".".join(parts[1:-1])
        if block == "total":
            return Count(u.enrolled_cell(md, sample=True, **completers))
        return Count(u.enrolled_cell(md, sample=True, hold=tuple(block.split(" + ")), **completers))
    return None


def _invitations(md: Microdata, parts: list[str]):
    """tabel2.<invited|answered|missing>.w<k>[.pct]: counts of the citizens sent wave k
    (universes.invited) and their shares of them."""
    wave = int(parts[2][1:])
    if wave not in md.survey.waves:
        return None
    where = {"invited": {}, "answered": {"answered": "ja"}, "missing": {"answered": "nej"}}[parts[1]]
    cell = Cell.of(u.invited_name(wave), **where)
    if len(parts) == 4 and parts[3] == "pct":
        return Share(cell, len(md.survey.waves[wave]))
    return Count(cell)


def _appendix_n(md: Microdata, name: str, wave: int):
    """bilag<NN>.n.w<k>: the most respondents who answered any one of the appendix's
    questions (analysis.survey.stats.appendix_n): the answered cell of that question."""
    from analysis.survey.stats import answers, load_appendices
    for appendix in load_appendices():
        if f"bilag{appendix.number:02d}" != name:
            continue
        asked = [md.survey.codebook[q] for q in appendix.questions
                 if wave in md.survey.codebook[q].waves and md.survey.codebook[q].asked_if is None]
        if not asked or wave not in md.survey.waves:
            return None
        q = max(asked, key=lambda q: len(answers(md.survey, q.id, wave)))   # the first of the most
        return Count(u.answer_cell(q, wave))
    return None


def _without_register(md: Microdata, key: str):
    """The keys of an edition without register data (seed 001's numbers,
    analysis.compute.pilot2023.pilot_numbers) over the enrolled citizens
    (universes.enrolled_without_register) and the survey waves; None for another key."""
    from analysis.compute import pilot2023
    parts = key.split(".")
    everyone = u.enrolled_cell(md)
    status = {"completed": "gennemført", "frafald": "afmeldt"}
    if key == "enrolled.count":
        return Count(everyone)
    if parts[0] in status and len(parts) == 2:
        cell = u.enrolled_cell(md, status=status[parts[0]])
        return Count(cell) if parts[1] == "count" else Share(cell, true_count(md, everyone))
    if parts[0] == "koen" and parts[-1] == "pct":
        return Share(u.enrolled_cell(md, koen=parts[1]), true_count(md, u.enrolled_cell(md, koen=GENDERS)))
    registered = u.enrolled_cell(md, registreret="ja")
    if key == "registered.count":
        return Count(registered)
    if parts[:2] == ["registered", "visitation"]:
        label = dict(pilot2023.VISITATION_KEYS)[parts[2]]
        return Share(u.enrolled_cell(md, visitation=label), true_count(md, registered))
    if parts[0] == "kommune" and parts[-1] == "count":
        return Count(u.enrolled_cell(md, kommune=pilot2023.MUNICIPALITY_KEYS[parts[1]]))
    aged = u.aged_cell(md)
    if key == "alder.mean":
        return Mean(aged, true_count(md, aged))
    if key == "alder.median":
        return Median(aged, true_count(md, aged), "alder", md.min_cell)
    if key in ("alder.min", "alder.max"):
        return OnePerson(aged, "alder")
    if parts[0] == "alder" and parts[-1] == "pct":
        low, high = (int(a) for a in parts[1].split("_"))
        return Share(u.aged_cell(md, low, high), true_count(md, aged))
    if key in ("screening.n", "pilot.screening.n"):
        return Count(u.enrolled_cell(md, screened="ja"))
    if parts[0] == "praktik" and parts[-1] == "pct":
        stated = [s for s in u.enrolled(md).attributes["praktik"] if s not in ("", u.UNKNOWN)]
        label = pilot2023.PRAKTIK_KEYS.get(parts[1], parts[1])
        return Share(u.enrolled_cell(md, praktik=label), true_count(md, u.enrolled_cell(md, praktik=stated)))
    if md.survey is None:
        return None
    if key == "survey.unique":
        return Things("respondents over the waves (a person who answered several waves counted once)")
    if key == "survey.progression.n.w2":
        # those who answered any progression item: where as many answered the item most
        # answered, they are exactly that item's respondents (a union no larger than one of
        # its sets is that set)
        cells = [u.answer_cell(md.survey.codebook[q], 2) for q in pilot2023.PROGRESSION]
        widest = max(cells, key=lambda c: true_count(md, c))
        return Count(widest) if true_count(md, widest) == _count(md, key) else None
    if parts[0] == "summary":
        return define(md, "survey." + key[len("summary."):])
    if parts[0] != "survey" or parts[1] not in md.survey.codebook.questions:
        return _neutral_range(md, key) if key.startswith("survey.udbytte.w2.neutral.") else None
    q = md.survey.codebook[parts[1]]
    if len(parts) == 4 and parts[2] == "mean_change":
        wave = int(parts[3][1:])
        return Change(question_mean(md, q, wave - 1), question_mean(md, q, wave))
    if len(parts) == 4 and parts[3] == "mentions":
        wave = int(parts[2][1:])
        return Total(u.answer_cell(q, wave), Weight(tuple((f"{q.id}:{c}", ((1, 1.0),)) for c in q.codes)))
    if key == "survey.medkursister.w2.substantive.n":
        return Count(u.answer_cell(q, 2, [c for c in q.codes if c != pilot2023.NOT_RELEVANT_CODE]))
    return None


def question_mean(md: Microdata, q, wave: int) -> Mean:
    """The mean answer of single-choice question `q` in `wave` on seed 001's scale, the
    first option the best (analysis.compute.pilot2023.question_mean), over those who
    answered it."""
    cell = u.answer_cell(q, wave)
    points = {c: float(len(q.options) + 1 - c) for c in q.codes}
    return Mean(cell, true_count(md, cell), Weight.of(q.id, points))


def _neutral_range(md: Microdata, key: str):
    """survey.udbytte.w2.neutral.min|max: the smallest or largest share of 'hverken enig
    eller uenig' among the mestring items, which is that item's share."""
    from analysis.compute import pilot2023
    shares = {}
    for qid in PILOT_MESTRING_ITEMS:
        q = md.survey.codebook[qid]
        cell, n = u.answer_cell(q, 2, [pilot2023.NEUTRAL_CODE]), true_count(md, u.answer_cell(q, 2))
        shares[qid] = (true_count(md, cell) / n, cell, n)
    pick = (min if key.endswith(".min") else max)(shares.values(), key=lambda t: t[0])
    return Share(pick[1], pick[2])


def _survey(md: Microdata, parts: list[str]):
    """survey.<q>.w<k>.n, survey.<q>.w<k>.<codes>.count|pct: a count or share of the
    respondents who chose the options; for several options of a multiple-choice question a
    total of answers (options chosen) or its share of the respondents; with the edition's
    `rounded_parts`, a share of several options as the sum of their rounded shares."""
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
    base = true_count(md, u.answer_cell(q, wave))
    # seed 001 prints a share of several options as the sum of their rounded shares, where
    # none of them is hidden (DisclosedDistribution.share); else the rounded total
    convention = md.edition.rounded_parts and len(codes) > 1
    summed = convention and _disclosed(md, q).sums_rounded_parts(codes, wave)
    rounded = tuple(u.answer_cell(q, wave, [c]) for c in codes) if summed else ()
    if q.type == "multi" and len(codes) > 1:
        # several options of a multiple-choice question: a count of answers (options chosen),
        # the sum of the options' indicators over those who answered
        answered = u.answer_cell(q, wave)
        weight = Weight(tuple((f"{q.id}:{c}", ((1, 1.0),)) for c in codes))
        return (Total(answered, weight) if parts[-1] == "count"
                else Share(answered, base, rounded, weight, rounded_total=convention and not summed))
    cell = u.answer_cell(q, wave, codes)
    if parts[-1] == "count":
        return Count(cell)
    return Share(cell, base, rounded, rounded_total=convention and not summed)


def _disclosed(md: Microdata, q):
    """Question `q`'s answers after the survey tables' disclosure control (which options
    are hidden per wave), as the pages publish them."""
    return _cached(md, "disclosed " + q.id, lambda: disclose(distribution(md.survey, q.id), q, md.min_cell))


# ---------------------------------------------------------------- the truth, for the tests

def _frame(md: Microdata, universe: str) -> pd.DataFrame:
    """The persons of a universe with its attributes (microdata; cached per extract)."""
    return _cached(md, "frame " + universe, lambda: _make_frame(md, universe))


def _make_frame(md: Microdata, universe: str) -> pd.DataFrame:
    if universe == u.ENROLLED and not md.edition.register_data:
        return _enrolled_without_register(md)
    if universe.startswith("pairs w"):
        from analysis.survey.stats import ordinal_values
        first, second = (int(x) for x in universe[len("pairs w"):].split("-w"))
        table = {}
        for q in md.survey.codebook.questions.values():
            if q.type == "single" and q.waves == (1, 2, 3):
                diff = (ordinal_values(md.survey, q.id, second) - ordinal_values(md.survey, q.id, first)).dropna()
                table[q.id] = diff.astype(int)
        frame = pd.DataFrame(table).astype(object)
        return frame.where(frame.notna(), u.BLANK)
    if universe.startswith("invited w"):
        frame = md.survey.waves[int(universe[len("invited w"):])]
        return pd.DataFrame({"answered": np.where(frame["answered"], "ja", "nej")}, index=frame.index)
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


def _enrolled_without_register(md: Microdata) -> pd.DataFrame:
    """The enrolled citizens with the attributes of universes.enrolled_without_register:
    the registration tool's fields joined on by person ('ukendt' for the unregistered)."""
    reg = md.extract.registrations
    frame = pd.DataFrame({"hold": reg["hold"], "status": reg["status"], "koen": reg["koen"].replace("", u.UNKNOWN),
                          "kommune": reg["kommune"], "registreret": reg["registreret"],
                          "visitation": reg["visitationskategori"].where(reg["registreret"].eq("ja"), u.UNKNOWN)})
    tool = md.extract.tool
    columns = ["alder", "praktik", "screened"]
    if tool is None or not len(tool):
        for column in columns:
            frame[column] = u.UNKNOWN
        return frame
    items = [c for c in tool.columns if c.startswith("screening_")]
    by_person = pd.DataFrame({"pnr": tool["pnr"], "alder": tool["alder"].astype(int).astype(object),
                              "praktik": tool["praktik_status"],
                              "screened": np.where(tool[items].notna().all(axis=1), "ja", "nej")})
    for item in items:
        by_person[item] = [u.BLANK if pd.isna(v) else int(v) for v in tool[item]]
    joined = reg[["pnr"]].merge(by_person, on="pnr", how="left")
    for column in columns + items:
        frame[column] = joined[column].where(joined[column].notna(), u.UNKNOWN if column in columns else u.BLANK)\
            .to_numpy()
    return frame


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
