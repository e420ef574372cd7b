"""The numbers of the pilot evaluation (seed 001, September 2023) computed from an extract
without register data: the registrations, the registration tool and the three survey waves.

`pilot_numbers` gives every number seed 001 prints (keyed like data/reference/published/
pilot-2023-*.csv) as the report computes it, before disclosure control: the reproduction
(analysis.report.reproduction.reproduction) compares them with the printed ones, and the
compute stage publishes them through the bundle and its audit. Seed 001's own convention is
kept: a share of several answer options ('enige eller meget enige') is the sum of the
options' separately rounded shares, not the rounded sum (../shared/spec/seed000-001.md §5.2).
"""
from __future__ import annotations

import pandas as pd

from analysis.reference.codebook import PILOT_MESTRING_ITEMS, SHARE_KEY
from analysis.register.extract import Extract
from analysis.rounding import half_up
from analysis.survey.stats import distribution, sum_of_rounded, tabel2_rows
from analysis.survey.waves import Survey

PROGRESSION = ("job_klare", "kompetencer", "muligheder", "ved_hvad", "retning")
NEUTRAL_CODE = 3           # 'Hverken enig eller uenig' on the agreement scale
NOT_RELEVANT_CODE = 6      # medkursister's last option, left out of its substantive answers
# the pilot edition's pages (chapters/<page>.md)
PAGE = {"survey": "resultatmaal1", "progression": "resultatmaal2", "activity": "aktivitetsopgoerelse",
        "data": "datagrundlag", "response_rates": "svarprocenter", "target": "maalgruppe", "cases": "cases"}


def share(counts: pd.Series, n: int, codes: list[int], parts: bool) -> float:
    """The share in per cent of `codes` among `n` answers (`counts` by code). `parts`: seed
    001's convention, the sum of the codes' separately rounded shares (an integer)."""
    if n == 0:
        return float("nan")
    if parts and len(codes) > 1:
        return sum_of_rounded(counts, n, codes)
    return 100 * float(sum(counts[c] for c in codes)) / n


def question_mean(survey: Survey, qid: str, wave: int) -> float:
    """Mean answer of `qid` in `wave` on 1-5 with the first option the best (5): the scale of
    seed 001's 'Gennemsnitlig udvikling' charts (l.888: '5 er Helt sikker')."""
    dist = distribution(survey, qid)
    q = survey.codebook[qid]
    points = {c: len(q.options) + 1 - c for c in q.codes}
    counts = dist[wave].drop("n")
    return float(sum(points[c] * counts[c] for c in q.codes) / counts.sum())


def survey_numbers(survey: Survey, refs: list[str]) -> list[tuple[str, float, str]]:
    """(key, value, page) of the survey refs of seed 001 that the survey gives."""
    rows = []
    dists = {}

    def dist(qid: str) -> pd.DataFrame:
        if qid not in dists:
            dists[qid] = distribution(survey, qid)
        return dists[qid]

    # the waves' invited and answered and their response rates are Tabel 2's (`tabel2.…`,
    # analysis.survey.stats); seed 001 adds the respondents over the waves
    answered = {w: set(survey.respondents(w)["pnr"]) for w in survey.available}
    rows.append(("survey.unique", len(set().union(*answered.values())), PAGE["response_rates"]))
    if 2 in survey.waves:
        frame = survey.respondents(2)[list(PROGRESSION)]
        rows.append(("survey.progression.n.w2", int(frame.notna().any(axis=1).sum()), PAGE["response_rates"]))
    for ref in refs:
        match = SHARE_KEY.match(ref)
        if match and int(match["wave"]) in survey.waves and match["qid"] in survey.codebook.questions:
            d, wave = dist(match["qid"]), int(match["wave"])
            codes = [int(c) for c in match["codes"].split("+")]
            counts, n = d[wave].drop("n"), int(d.loc["n", wave])
            value = (share(counts, n, codes, parts=True) if match["what"] == "pct"
                     else float(sum(counts[c] for c in codes)))
            page = PAGE["progression"] if match["qid"] in PROGRESSION else PAGE["survey"]
            rows.append((ref, value, page))
            continue
        parts = ref.split(".")
        if ref.startswith("summary.") and SHARE_KEY.match("survey." + ref[len("summary."):]):
            inner = next(r for r in rows if r[0] == "survey." + ref[len("summary."):])
            rows.append((ref, inner[1], PAGE["progression"]))
        elif ".mean_change.w" in ref:
            qid, wave = parts[1], int(ref[-1])
            if {wave - 1, wave} <= set(survey.waves):
                rows.append((ref, question_mean(survey, qid, wave) - question_mean(survey, qid, wave - 1),
                             PAGE["progression"]))
        elif len(parts) == 4 and parts[3] == "n" and parts[2] == "w2":
            rows.append((ref, int(dist(parts[1]).loc["n", 2]), PAGE["survey"]))
        elif ref.endswith(".mentions"):
            d = dist(parts[1])
            rows.append((ref, int(d[2].drop("n").sum()), PAGE["activity"]))
        elif ref == "survey.medkursister.w2.substantive.n":
            d = dist("medkursister")
            rows.append((ref, int(d.loc["n", 2] - d.loc[NOT_RELEVANT_CODE, 2]), PAGE["survey"]))
        elif ref.startswith("survey.udbytte.w2.neutral."):
            shares = [100 * dist(q).loc[NEUTRAL_CODE, 2] / dist(q).loc["n", 2] for q in PILOT_MESTRING_ITEMS]
            rows.append((ref, min(shares) if ref.endswith(".min") else max(shares), PAGE["survey"]))
    return rows


# seed 001's visitation categories (F1) and the keys of their shares
VISITATION_KEYS = (("kontant", "Akt. kontanthjælp"), ("ressource", "Ressourceforløb"), ("udd", "Akt. udd.hjælp"),
                   ("andet", "Andet"))
# the municipalities of the cases (seed 001's case pages) and the internship status F14 quotes
MUNICIPALITY_KEYS = {"koege": "Køge", "herning": "Herning"}
PRAKTIK_KEYS = {"ikke": "Forventes ikke i virksomhedspraktik under kurset"}


def median_value(values: pd.Series) -> float:
    """The median of whole numbers (the ages), as published: the middle value for an odd
    count, the mean of the two middle values for an even one (pandas' median)."""
    return float(values.median())


def median_publishable(values: pd.Series, min_cell: int) -> bool:
    """The rule under which a median is published (analysis.disclosure.audit.Median): the
    middle person(s) hold the median, and at least `min_cell` persons hold it. Under it the
    median says exactly three linear things about the counts (at least n // 2 + 1 persons
    at or below it, as many at or above, and `min_cell` at it); otherwise it would be one
    person's value, or for an even count the mean of two persons' values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return False
    m = median_value(values)
    middle = ordered[(n - 1) // 2: n // 2 + 1]
    return all(v == m for v in middle) and sum(v == m for v in ordered) >= min_cell


def register_numbers(extract: Extract) -> list[tuple[str, float, str]]:
    """(key, value, page) of seed 001's numbers from the registrations and the registration
    tool (T1, F1, F3-F5, F14, the cases). The mean age is in whole years, as printed."""
    reg = extract.registrations
    n = len(reg)
    done = int(reg["status"].eq("gennemført").sum())
    registered = reg[reg["registreret"].eq("ja")]
    rows = [("enrolled.count", n, PAGE["activity"]), ("completed.count", done, PAGE["activity"]),
            ("completed.pct", 100 * done / n, PAGE["activity"]), ("frafald.count", n - done, PAGE["activity"]),
            ("frafald.pct", 100 * (n - done) / n, PAGE["activity"]),
            ("koen.kvinde.pct", 100 * reg["koen"].eq("kvinde").sum() / reg["koen"].ne("").sum(), PAGE["target"]),
            ("registered.count", len(registered), PAGE["data"])]
    for key, label in VISITATION_KEYS:
        rows.append((f"registered.visitation.{key}.pct", 100 * registered["visitationskategori"].eq(label).sum()
                     / len(registered), PAGE["target"]))
    for key, name in MUNICIPALITY_KEYS.items():
        rows.append((f"kommune.{key}.count", int(reg["kommune"].eq(name).sum()), PAGE["cases"]))
    tool = extract.tool
    if tool is not None and len(tool):
        age = tool["alder"].astype(float)
        rows += [("alder.mean", int(half_up(age.mean())), PAGE["target"]),
                 ("alder.median", median_value(age), PAGE["target"]),
                 ("alder.min", float(age.min()), PAGE["target"]), ("alder.max", float(age.max()), PAGE["target"])]
        bands = (age // 5 * 5).astype(int)
        for low in range(15, 70, 5):
            rows.append((f"alder.{low}_{low + 4}.pct", 100 * float((bands == low).sum()) / len(age), PAGE["target"]))
        items = [c for c in tool.columns if c.startswith("screening_")]
        rows.append(("screening.n", int(tool[items].notna().all(axis=1).sum()), PAGE["target"]))
        status = tool["praktik_status"][tool["praktik_status"].ne("")]
        rows.append(("praktik.ikke.pct", 100 * float(status.eq(PRAKTIK_KEYS["ikke"]).sum())
                     / len(status), PAGE["activity"]))
    return rows


def pilot_numbers(extract: Extract, survey: Survey | None, published: pd.DataFrame) -> pd.DataFrame:
    """key, value, page: every number of seed 001 the extract gives (`published`: the
    edition's printed numbers, analysis.reference.published.published_numbers, whose refs
    name the survey shares to compute), before disclosure control."""
    rows = register_numbers(extract)
    if survey is not None:
        rows += survey_numbers(survey, list(published["ref"]))
        rows += tabel2_rows(survey)   # the waves' counts and response rates (the edition's key map)
    frame = pd.DataFrame(rows, columns=["key", "value", "page"])
    frame["value"] = frame["value"].astype(float)
    return frame.drop_duplicates("key").reset_index(drop=True)


def calibration(extract: Extract, survey: Survey | None, published: pd.DataFrame,
                errata: set[str]) -> dict[str, object]:
    """How many of seed 001's feasible printed numbers (those not in `errata`) the extract
    reproduces at the printed precision (analysis.report.reproduction.reproduction): n_feasible,
    n_ok, rate (per cent), missed (refs), not_computed (refs without a computed number)."""
    from analysis.report.reproduction import published_key_map, reproduction
    numbers = pilot_numbers(extract, survey, published)
    repro = reproduction(numbers, published, published_key_map([], extract.edition))
    feasible = repro[~repro["ref"].isin(errata)]
    ok = feasible["ok"].eq(True)
    return {"n_feasible": len(feasible), "n_ok": int(ok.sum()),
            "rate": 100 * float(ok.mean()) if len(feasible) else float("nan"),
            "missed": list(feasible.loc[~ok, "ref"]),
            "not_computed": sorted(set(published["ref"]) - set(repro["ref"]))}


# numbers that are one person's value: the youngest's and the oldest's age (seed 001 l.261
# prints them); published hidden, as the minimum cell rule asks
ONE_PERSON = ("alder.min", "alder.max")


def pilot_results(extract: Extract, survey: Survey | None, min_cell: int) -> pd.DataFrame:
    """key, value, page: the edition's keyed results after disclosure control. The survey
    shares and counts come from analysis.survey.stats.survey_results (hidden cells 'x'; the
    printed sets of options as sums of rounded shares), the rest from `pilot_numbers`; a
    number resting on fewer than `min_cell` persons, or that is one person's value
    (ONE_PERSON), is 'x'."""
    from analysis.disclosure.rules import SUPPRESSED
    from analysis.reference.published import published_numbers
    from analysis.survey.stats import survey_results
    published = published_numbers(extract.edition)
    frames = []
    if survey is not None and survey.waves:
        frames.append(survey_results(survey, min_cell, list(published["ref"]), parts=extract.edition.rounded_parts))
    own = pilot_numbers(extract, survey, published)
    own["value"] = own["value"].astype(object)
    small = own["key"].str.endswith((".count", ".n", ".unique")) & own["value"].between(1, min_cell - 1)
    persons, hidden = share_persons(extract, min_cell)
    own["persons"] = own["key"].map(persons)
    shares = own["key"].map(hidden).fillna(False).astype(bool)
    tool = extract.tool
    median_hidden = own["key"].eq("alder.median") & (tool is None or not median_publishable(
        tool["alder"].astype(int), min_cell))
    own.loc[small | shares | median_hidden | own["key"].isin(ONE_PERSON) | answers_hidden(own["key"], survey, min_cell),
            "value"] = SUPPRESSED
    frames.append(own)
    results = pd.concat(frames, ignore_index=True).drop_duplicates("key").reset_index(drop=True)
    # the survey's shares carry their counts too (hidden already with their answer cells,
    # DisclosedDistribution.share); a response rate its count of persons, hidden with it
    counts = dict(zip(results["key"], results["value"]))
    for i, key in results["key"].items():
        if not key.endswith(".pct") or not pd.isna(results.at[i, "persons"]):
            continue
        n = survey_share_persons(survey, key, counts)
        results.at[i, "persons"] = n
        if n is not None and 0 < n < min_cell:
            results.at[i, "value"] = SUPPRESSED
    return results


def share_persons(extract: Extract, min_cell: int) -> tuple[dict[str, int], dict[str, bool]]:
    """(persons, hidden) by key of every share scalar of `register_numbers` (`<x>.pct`): the
    count of persons it is the share of, and whether that count is hidden. A share of a
    table the pages show (gender, visitation, age band, internship status) is hidden exactly
    where the table hides its count (`_count_table`: primary and secondary suppression), so
    that no share gives a hidden cell away (issue 14: 2 of 71 aged 55-59 as 2,82 %); the
    completion shares where their count is under `min_cell`."""
    reg = extract.registrations
    registered = reg[reg["registreret"].eq("ja")]
    done = int(reg["status"].eq("gennemført").sum())
    persons = {"completed.pct": done, "frafald.pct": len(reg) - done}
    hidden = {key: 0 < n < min_cell for key, n in persons.items()}
    tables = {"koen.{}.pct": reg["koen"][reg["koen"].ne("")].value_counts(),
              "registered.visitation.{}.pct": registered["visitationskategori"].map(
                  {label: key for key, label in VISITATION_KEYS}).value_counts()}
    tool = extract.tool
    if tool is not None and len(tool):
        low = (tool["alder"].astype(float) // AGE_BAND_WIDTH * AGE_BAND_WIDTH).astype(int)
        bands = low.value_counts()
        bands.index = [f"{a}_{a + AGE_BAND_WIDTH - 1}" for a in bands.index]
        tables["alder.{}.pct"] = bands
        status = tool["praktik_status"][tool["praktik_status"].ne("")].value_counts()
        status.index = ["ikke" if s == "Forventes ikke i virksomhedspraktik under kurset" else s for s in status.index]
        tables["praktik.{}.pct"] = status
    for pattern, counts in tables.items():
        counts = counts.groupby(level=0).sum()
        _, _, cells = _count_table(counts, min_cell)
        for label, n in counts.items():
            persons[pattern.format(label)] = int(n)
            hidden[pattern.format(label)] = bool(cells.loc[label, "Antal"])
    return persons, hidden


def survey_share_persons(survey: Survey | None, key: str, counts: dict) -> int | None:
    """The persons a survey share rests on: `survey.<q>.w<k>.<codes>.pct` (or its copy
    `summary.…`) those who chose the options in the wave, `tabel2.<what>.w<k>.pct` the count
    `tabel2.<what>.w<k>` (`counts`: key -> value); None for another key."""
    if key.startswith("tabel2."):
        n = counts.get(key[:-len(".pct")])
        return int(n) if isinstance(n, (int, float)) and not pd.isna(n) else None
    if key.startswith("summary."):
        key = "survey." + key[len("summary."):]
    match = SHARE_KEY.match(key)
    if survey is None or not match or match["qid"] not in survey.codebook.questions:
        return None
    wave = int(match["wave"])
    d = distribution(survey, match["qid"])
    if wave not in d.columns:
        return None
    return int(sum(d.at[int(c), wave] for c in match["codes"].split("+")))


def answers_hidden(keys: pd.Series, survey: Survey | None, min_cell: int) -> pd.Series:
    """Whether each key is a mean change (`survey.<q>.mean_change.w<k>`) or a total of
    mentions (`survey.<q>.w<k>.mentions`) of an answer table with a hidden cell in a wave it
    rests on (issue 14: with n = 7 a mean to one decimal, or a total over the options, has
    one consistent value of the hidden cells); such a number is hidden with the cells."""
    flags = pd.Series(False, index=keys.index)
    if survey is None or not survey.waves:
        return flags
    disclosed = _disclosed(survey, min_cell)
    for i, key in keys.items():
        parts = key.split(".")
        if parts[0] != "survey" or len(parts) != 4:
            continue
        if parts[2] == "mean_change":
            wave = int(parts[3][1:])
            flags[i] = wave_hidden(disclosed, parts[1], wave) or wave_hidden(disclosed, parts[1], wave - 1)
        elif parts[3] == "mentions":
            flags[i] = wave_hidden(disclosed, parts[1], int(parts[2][1:]))
    return flags


def _disclosed(survey: Survey, min_cell: int) -> dict:
    from analysis.survey.stats import disclosed_distributions
    return disclosed_distributions(survey, min_cell)


def wave_hidden(disclosed: dict, qid: str, wave: int) -> bool:
    """Whether question `qid`'s answer table hides a cell in `wave` (`disclosed`:
    analysis.survey.stats.disclosed_distributions)."""
    d = disclosed.get(qid)
    return d is not None and wave in d.hidden.columns and bool(d.hidden[wave].any())


# ---------------------------------------------------------------- the pages' tables

AGE_BAND_WIDTH = 5          # seed 001's age chart (F5, l.267-273) in five-year bands


def _count_table(counts: pd.Series, min_cell: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(values, persons, hidden) of a one-way table of persons: 'Antal' and 'Procent' of the
    total; a count of 1..min_cell-1 is hidden, and with it the next smallest count so that
    the total does not give it away (analysis.disclosure.rules.suppress_counts)."""
    from analysis.disclosure.rules import suppress_counts
    counts = counts.astype(int)
    disclosed = suppress_counts(counts.to_frame("Antal"), min_cell)
    total = int(counts.sum())
    values = pd.DataFrame({"Antal": counts, "Procent": 100 * counts / total}, index=counts.index, dtype=object)
    hidden = pd.DataFrame({"Antal": disclosed.suppressed["Antal"], "Procent": disclosed.suppressed["Antal"]})
    persons = pd.DataFrame({"Antal": counts, "Procent": counts})
    return values, persons, hidden


def _count_or_share(cells: dict, base: int):
    """The definitions of a one-way table of persons (`_count_table`): 'Antal' the count of
    the row's cell, 'Procent' its share of `base` persons."""
    from analysis.disclosure.audit import Count, Share

    def define(row, column):
        return Count(cells[row]) if column == "Antal" else Share(cells[row], base)
    return define


def publish(md, w) -> None:
    """The pilot edition's own tables (seed 001): completion (T1), gender (F4), visitation
    (F1), age in five-year bands (F5), the internship status at visitation (F14), the
    self-efficacy screening (F3), the mean answer of each progression question per wave
    (F21, F24, F26), and the settings its pages quote. Small cells are hidden here
    (primary and secondary suppression) and audited with everything else: every count,
    share and mean is defined over the enrolled citizens (universes.enrolled_without_register)
    or a survey wave's respondents."""
    from analysis.compute import universes as u
    from analysis.compute.definitions import define, question_mean as mean_definition
    from analysis.disclosure.audit import Count, Mean, Things, Weight
    reg = md.extract.registrations
    ed = md.edition
    w.universe(u.enrolled(md))
    status = reg["status"].map({"gennemført": "Gennemført", "afmeldt": "Frafald"})
    counts = pd.Series({"Tilmeldte": len(reg), "Frafald": int(status.eq("Frafald").sum()),
                        "Gennemført": int(status.eq("Gennemført").sum())})
    status_cells = {"Tilmeldte": u.enrolled_cell(md), "Frafald": u.enrolled_cell(md, status="afmeldt"),
                    "Gennemført": u.enrolled_cell(md, status="gennemført")}
    w.table("pilot.gennemfoerelse", pd.DataFrame({"Antal": counts, "Procent": 100 * counts / len(reg)}, dtype=object),
            persons=pd.DataFrame({"Antal": counts, "Procent": counts}), kinds={"Antal": "count", "Procent": "percent"},
            decimals={"Procent": 0}, define=_count_or_share(status_cells, len(reg)))
    visitation_labels = {"Akt. kontanthjælp": "Aktivitetsparate kontanthjælpsmodtagere",
                         "Ressourceforløb": "Ressourceforløbsmodtagere",
                         "Akt. udd.hjælp": "Aktivitetsparate uddannelseshjælpsmodtagere", "Andet": "Andet"}
    genders = {"kvinde": "Kvinder", "mand": "Mænd"}
    registered = reg["registreret"].eq("ja")
    # name -> (counts by row, the cell of each row, the base of its shares)
    tables = {
        "pilot.koen": (reg["koen"][reg["koen"].ne("")].map(genders).value_counts(),
                       {label: u.enrolled_cell(md, koen=g) for g, label in genders.items()},
                       int(reg["koen"].ne("").sum())),
        "pilot.visitation": (reg.loc[registered, "visitationskategori"].map(visitation_labels).value_counts(),
                             {label: u.enrolled_cell(md, visitation=v) for v, label in visitation_labels.items()},
                             int(registered.sum())),
    }
    tool = md.extract.tool
    if tool is not None and len(tool):
        low = (tool["alder"].astype(int) // AGE_BAND_WIDTH) * AGE_BAND_WIDTH
        bands = low.value_counts().sort_index()
        bands.index = [f"{a}-{a + AGE_BAND_WIDTH - 1} år" for a in bands.index]
        band_cells = {f"{a}-{a + AGE_BAND_WIDTH - 1} år": u.aged_cell(md, a, a + AGE_BAND_WIDTH - 1)
                      for a in low.unique()}
        tables["pilot.alder"] = (bands, band_cells, len(tool))
        stated = tool["praktik_status"][tool["praktik_status"].ne("")]
        tables["pilot.praktik"] = (stated.value_counts(), {s: u.enrolled_cell(md, praktik=s) for s in stated.unique()},
                                   len(stated))
        items = [c for c in tool.columns if c.startswith("screening_")]
        screened = tool[items].dropna()
        if len(screened):
            from analysis.readers.contracts import registration_tool_spec
            spec = registration_tool_spec()
            wording = spec["screening"]
            scale = range(spec["screening_scale"][0], spec["screening_scale"][1] + 1)
            few = len(screened) < md.min_cell
            means = pd.DataFrame({"Gennemsnit": [float(screened[i].astype(float).mean()) for i in items]},
                                 index=[wording[i] for i in items], dtype=object)
            screened_cell = u.enrolled_cell(md, screened="ja")
            item_of = {wording[i]: i for i in items}
            w.table("pilot.screening", means, persons=len(screened), kinds="number", decimals=1,
                    hidden=pd.DataFrame({"Gennemsnit": [few] * len(items)}, index=means.index),
                    define=lambda row, column: Mean(screened_cell, len(screened),
                                                    Weight.of(item_of[row], {v: float(v) for v in scale})))
            w.scalar("pilot.screening.n", len(screened), page=PAGE["target"], kind="count",
                     define=Count(screened_cell))
        ages = tool["alder"].astype(int)
        mean_age = md.results.set_index("key")["value"].get("alder.mean")
        if mean_age is not None:   # in whole years, as seed 001 prints it (l.261)
            w.scalar("alder.mean", mean_age, page=PAGE["target"], kind="number", decimals=0, persons=len(ages),
                     define=define(md, "alder.mean"))
    for name, (series, cells, base) in tables.items():
        values, persons, hidden = _count_table(series, md.min_cell)
        w.table(name, values, persons=persons, hidden=hidden, kinds={"Antal": "count", "Procent": "percent"},
                decimals={"Procent": 0}, define=_count_or_share(cells, base))
    survey = md.survey
    if survey is not None:
        rows, ns, defines = {}, {}, {}
        for qid in PROGRESSION:
            q = survey.codebook[qid]
            rows[q.text] = {f"w{wave}": question_mean(survey, qid, wave) for wave in survey.available}
            ns[q.text] = {f"w{wave}": int(distribution(survey, qid).loc["n", wave]) for wave in survey.available}
            defines[q.text] = {f"w{wave}": mean_definition(md, q, wave) for wave in survey.available}
        means, persons = pd.DataFrame(rows).T, pd.DataFrame(ns).T
        disclosed = _disclosed(survey, md.min_cell)
        # a mean is hidden with its wave's answer cells: n and a mean to one decimal fix the
        # hidden cells (issue 14)
        answer_hidden = pd.DataFrame({f"w{wave}": [wave_hidden(disclosed, qid, wave) for qid in PROGRESSION]
                                      for wave in survey.available}, index=means.index)
        w.table("pilot.progression_means", means.astype(object), persons=persons, kinds="number", decimals=1,
                hidden=(persons < md.min_cell) | answer_hidden,
                define=lambda row, column: defines[row][column])
    w.scalar("pilot.course_weeks", ed.course_weeks, page="datagrundlag", kind="setting")
    w.scalar("pilot.teams", int(reg["hold"].nunique()), page="datagrundlag", kind="count", of="teams",
             define=Things("teams"))
    w.scalar("pilot.teams_planned", int(reg["hold"].nunique()) + len(ed.cancelled_teams), page="datagrundlag",
             kind="count", of="teams", define=Things("teams"))
    w.scalar("pilot.cancelled_teams", ", ".join(ed.cancelled_teams), page="datagrundlag", kind="text")
    w.scalar("pilot.municipalities", int(reg["kommune"].nunique()), page="datagrundlag", kind="count",
             of="municipalities", define=Things("municipalities"))
