"""Synthetic survey waves for the synthetic extract, calibrated to the survey numbers
printed in the final evaluation (data/reference/published/final-2025-survey.csv).

Who is sent each wave follows the report: wave 1 goes to every participant of the rollout
phase, waves 2 and 3 to those who completed and consented; wave 3 is not sent to the
team that started after the data window. Who answers depends on a persistent
engagement trait, so the waves overlap as they would (a person who answered before is
more likely to answer again).

For every question and wave the answer counts are found by a small integer programme:
as close as possible to a designed distribution (DESIGN, our choice where the report
prints nothing) subject to every printed share holding within rounding (and the printed
counts exactly). Where a printed share cannot arise from the wave's number of
respondents, one or two respondents skip the question (item non-response), the smallest
number that makes the printed shares possible. The WHO-5 items of a wave are solved
together so that the mean trivselsscore prints as published. Answers are then dealt to
respondents by a persistent wellbeing trait, so that a person's answers hang together
across questions and waves.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.editions import REPO
from analysis.survey.waves import ID_COLUMN, STATUS_COLUMN
from analysis.survey.stats import KEY
from analysis.reference.codebook import WAVES, WHO5_ITEMS, Codebook, Question, load_codebook
from analysis.weeks import parse_week_label

PUBLISHED = REPO / "data" / "reference" / "published" / "final-2025-survey.csv"
RESPONDENTS = {1: 218, 2: 220, 3: 65}     # Tabel 2 "Heraf antal fuldendt"
MAX_ITEM_NONRESPONSE = 2
MIN_SHOWN = 3        # options get at least this many answers unless a printed share forbids it
UNREACHABLE: list[str] = []   # printed shares no plausible count gives (filled while solving)
FREE_TEXT = "Syntetisk fritekst {n} (må aldrig optræde i en udgivelse)"

# Designed distributions (shares per option code, in codebook order) where the report
# prints nothing; printed shares override them through the constraints.
SCALE5_BEFORE = [0.10, 0.22, 0.33, 0.22, 0.13]
SCALE5_AFTER = [0.13, 0.27, 0.32, 0.18, 0.10]
AGREE = [0.30, 0.40, 0.17, 0.06, 0.03, 0.04]
SATISFIED = [0.30, 0.38, 0.22, 0.05, 0.02, 0.03]
WHO5_BEFORE = [0.03, 0.13, 0.25, 0.38, 0.21]
WHO5_AFTER = [0.05, 0.20, 0.30, 0.32, 0.13]
DESIGN: dict[str, list[float] | dict[int, list[float]]] = {
    "deltaget_fordi": [0.81, 0.15, 0.04],
    "foedt_dk": [0.86, 0.11, 0.03],
    "koen": [0.62, 0.34, 0.02, 0.02],
    "medkursister": [0.15, 0.31, 0.40, 0.08, 0.04, 0.02],
    "enhed": [0.20, 0.08, 0.69, 0.03],
    "fravaer": [0.40, 0.60],
    "fravaer_antal": [0.64, 0.17, 0.08, 0.04, 0.02, 0.01, 0.01, 0.03],
    "fravaer_aarsag": [0.47, 0.16, 0.14, 0.09, 0.06, 0.15, 0.02, 0.07, 0.03, 0.06],
    "forberedelse_antal": [0.02, 0.02, 0.03, 0.05, 0.07, 0.09, 0.12, 0.60],
    "forberedelse_aarsag": [0.30, 0.12, 0.08, 0.38, 0.06, 0.16, 0.04, 0.08],
}
ENGAGEMENT = {1: 0.8, 2: 0.8, 3: 0.8}     # weight of the engagement trait in answering
ANSWERED_BEFORE = 0.9                      # extra log-odds of answering for a previous respondent


def design(q: Question, wave: int, designs: dict | None = None) -> np.ndarray:
    """The designed shares of `q`'s options in `wave`: `designs` (an edition's own, by
    question id: a list, or a dict by wave) before DESIGN, else the scale's default."""
    own = (designs or {}).get(q.id)
    if isinstance(own, dict):
        own = own.get(wave)
    if own is not None:    # an edition's own design is taken as it is
        base = np.asarray(own, dtype=float)
        if len(base) != len(q.options):
            raise AssertionError(f"design for {q.id} has {len(base)} shares for {len(q.options)} options")
        return base if q.type == "multi" else base / base.sum()
    if q.id in DESIGN:
        base = DESIGN[q.id]
    elif q.id in WHO5_ITEMS:
        base = WHO5_BEFORE if wave == 1 else WHO5_AFTER
    elif q.options and q.options[0].label == "Meget enig":
        base = AGREE
    elif q.options and q.options[0].label == "Meget tilfreds":
        base = SATISFIED
    elif len(q.options) == 5:
        base = SCALE5_BEFORE if wave == 1 else SCALE5_AFTER
    else:
        base = [1 / len(q.options)] * len(q.options)
    base = np.asarray(base, dtype=float)
    if len(base) != len(q.options):
        raise AssertionError(f"design for {q.id} has {len(base)} shares for {len(q.options)} options")
    if q.type == "multi":
        return base   # each option's own share: they overlap and need not add up to 1
    # questions that share a scale should not come out identical: a fixed per-question
    # variation around the designed shares (the same for every seed)
    varied = np.random.default_rng([zlib.crc32(q.id.encode()), wave]).dirichlet(base * 80 + 0.5)
    return varied / varied.sum()


# ---------------------------------------------------------------- the printed targets

@dataclass
class Target:
    codes: list[int]
    what: str          # pct | count | mean (of `weights`, the points of each option in code order)
    value: float
    tol: float = 0.5   # percentage points either side (the printed rounding); for a mean, points
    # a share of several options printed as the sum of the options' separately rounded
    # shares (seed 001's convention, ../shared/spec/seed000-001.md §5.2), not the rounded sum
    parts: bool = False
    weights: tuple[float, ...] | None = None


def load_targets(path: Path = PUBLISHED, parts: bool = False,
                 errata: set[str] = frozenset()) -> dict[tuple[str, int], list[Target]]:
    """The printed shares and counts of `path` (keys like analysis.survey.stats.KEY) by
    (question, wave). `parts`: a share of several options is the sum of separately rounded
    shares (seed 001). Refs in `errata` (printed numbers no data can give) are left out."""
    published = pd.read_csv(path)
    out: dict[tuple[str, int], list[Target]] = {}
    for ref, value in zip(published["ref"], published["value"]):
        match = KEY.match(ref)
        if match and ref not in errata:
            codes = [int(c) for c in match["codes"].split("+")]
            out.setdefault((match["qid"], int(match["wave"])), []).append(
                Target(codes, match["what"], float(value), parts=parts and len(codes) > 1))
    return out


def who5_means(path: Path = PUBLISHED) -> dict[int, float]:
    published = pd.read_csv(path).set_index("ref")["value"]
    return {w: float(published[f"survey.who5_score.w{w}.mean"]) for w in WAVES
            if f"survey.who5_score.w{w}.mean" in published.index}


# ---------------------------------------------------------------- counts by integer programming

def _solve(blocks: list[tuple[np.ndarray, int, list[Target]]], floor: int = 0) -> list[np.ndarray] | None:
    """Counts for one or more questions. Each block: (design shares, n, targets). `floor`: the
    least count of every option (so the synthetic data need not hide cells the report
    prints). Minimises the distance to the design; None when the targets cannot all hold."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    sizes = [len(b[0]) for b in blocks]
    nx = sum(sizes)
    # variables: x (counts), then u (absolute deviation from the design), then r (the
    # rounded percentage of each option of a share printed as a sum of rounded parts)
    nr = sum(len(t.codes) for _, _, targets in blocks for t in targets if t.parts)
    width = 2 * nx + nr
    rows, lower, upper = [], [], []
    offsets = np.cumsum([0] + sizes)
    r_next = 2 * nx
    for (base, n, targets), off, k in zip(blocks, offsets, sizes):
        row = np.zeros(width)
        row[off:off + k] = 1
        rows.append(row), lower.append(n), upper.append(n)
        for t in targets:
            row = np.zeros(width)
            if t.what == "mean":
                row[off:off + k] = t.weights
                rows.append(row), lower.append((t.value - t.tol) * n), upper.append((t.value + t.tol) * n)
                continue
            if t.parts:   # sum of r_c = printed, r_c = round-half-up(100 x_c / n)
                for c in t.codes:
                    part = np.zeros(width)
                    part[off + c - 1], part[r_next] = -100, n     # n r - 100 x in [-n/2, n/2)
                    rows.append(part), lower.append(-n / 2), upper.append(n / 2 - 1e-6)
                    row[r_next] = 1
                    r_next += 1
                rows.append(row), lower.append(t.value), upper.append(t.value)
                continue
            for c in t.codes:
                row[off + c - 1] = 1
            if t.what == "count":
                rows.append(row), lower.append(t.value), upper.append(t.value)
            else:
                rows.append(row), lower.append((t.value - t.tol) * n / 100), upper.append((t.value + t.tol) * n / 100)
        for j in range(k):   # u_j >= |x_j - n*base_j|
            row = np.zeros(width)
            row[off + j], row[nx + off + j] = 1, -1
            rows.append(row), lower.append(-np.inf), upper.append(n * base[j])
            row = np.zeros(width)
            row[off + j], row[nx + off + j] = 1, 1
            rows.append(row), lower.append(n * base[j]), upper.append(np.inf)
    cost = np.r_[np.zeros(nx), np.ones(nx), np.zeros(nr)]
    integrality = np.r_[np.ones(nx), np.zeros(nx), np.ones(nr)]
    result = milp(cost, integrality=integrality,
                  bounds=Bounds(np.r_[np.full(nx, floor), np.zeros(nx), np.zeros(nr)], np.inf),
                  constraints=LinearConstraint(np.array(rows), lower, upper))
    if not result.success:
        return None
    x = np.round(result.x[:nx]).astype(int)
    return [x[off:off + k] for off, k in zip(offsets, sizes)]


def single_counts(q: Question, wave: int, n: int, targets: list[Target], designs: dict | None = None,
                  floors: tuple[int, ...] = (MIN_SHOWN, 0)) -> tuple[np.ndarray, int]:
    """(counts per option, respondents who skip the question)."""
    for skipped in range(MAX_ITEM_NONRESPONSE + 1):
        for floor in floors:
            solved = _solve([(design(q, wave, designs), n - skipped, targets)], floor=floor)
            if solved is not None:
                return solved[0], skipped
    # a printed share that no count near n gives (an erratum of the report): aimed at
    # within one percentage point instead
    possible = [t for t in targets if _solve([(design(q, wave, designs), n, [t])]) is not None]
    if len(possible) < len(targets):
        UNREACHABLE.extend(f"{q.id}.w{wave}.{'+'.join(map(str, t.codes))}" for t in targets if t not in possible)
        # widened step by step (a mean by 0.1 point; a share to one point, then by one), so this ends
        relaxed = [replace(t, tol=t.tol + 0.1 if t.what == "mean" else max(1.0, t.tol + 1.0 * (t.tol >= 1.0)),
                           parts=False) for t in targets if t not in possible]
        return single_counts(q, wave, n, possible + relaxed, designs, floors)
    raise AssertionError(f"{q.id} wave {wave}: the printed shares cannot all hold for {n} respondents")


def multi_counts(q: Question, wave: int, n: int, targets: list[Target], designs: dict | None = None,
                 floors: tuple[int, ...] = (MIN_SHOWN, 0)) -> np.ndarray:
    """Persons choosing each option (options overlap): each option on its own."""
    base = design(q, wave, designs)
    counts = []
    for code, share in zip(q.codes, base):
        own = [t for t in targets if t.codes == [code]]
        own = [Target([1], t.what, t.value) for t in own]
        base2 = np.array([share, 1 - share])
        solved = next((s for s in (_solve([(base2, n, own)], floor=f) for f in floors) if s is not None), None)
        if solved is None:
            raise AssertionError(f"{q.id} wave {wave} option {code}: printed share impossible for n = {n}")
        counts.append(solved[0][0])
    counts = np.array(counts)
    if counts.sum() < n:   # everybody asked gives at least one reason
        raise AssertionError(f"{q.id} wave {wave}: {counts.sum()} choices for {n} persons")
    return counts


def who5_counts(codebook: Codebook, wave: int, n: int, targets: dict, mean: float | None):
    """Counts of the five WHO-5 items of a wave, solved together so that the mean score of
    those who answered all five prints as `mean`. Every respondent answers all five items:
    the report's own arithmetic needs it (seed 004 p. 38: the fall of 1,97 from 42,27 to
    40,31 holds only with the 220 and 65 respondents of Tabel 2 in the score, 9300/220 -
    2620/65 = 1,965). An item share that no count of all respondents gives is then an
    erratum of the report (aimed at within one point, recorded in UNREACHABLE). Returns
    (score-sample counts per item, counts of the persons outside the score sample per
    item, items' skips, M)."""
    items = [codebook[i] for i in WHO5_ITEMS]
    for q in items:
        wanted = targets.get((q.id, wave), [])
        possible = [t for t in wanted if _solve([(design(q, wave), n, [t])]) is not None]
        if len(possible) < len(wanted):
            UNREACHABLE.extend(f"{q.id}.w{wave}.{'+'.join(map(str, t.codes))}" for t in wanted if t not in possible)
            targets = dict(targets)
            targets[(q.id, wave)] = possible + [Target(t.codes, t.what, t.value, 1.0) for t in wanted
                                                if t not in possible]
    skips = {q.id: 0 for q in items}
    m = 0
    blocks = []
    for q in items:   # x: the score sample; z: the m persons outside it
        blocks.append((design(q, wave), n - m, []))
        blocks.append((design(q, wave), m - skips[q.id], []))
    # item targets apply to x + z: express by adding x and z in one row per target
    from scipy.optimize import LinearConstraint, milp
    sizes = [len(b[0]) for b in blocks]
    nx = sum(sizes)
    offsets = np.cumsum([0] + sizes)
    rows, lower, upper = [], [], []
    for b, (base, total, _) in enumerate(blocks):
        row = np.zeros(2 * nx)
        row[offsets[b]:offsets[b] + sizes[b]] = 1
        rows.append(row), lower.append(total), upper.append(total)
        for j in range(sizes[b]):
            for sign in (-1, 1):
                row = np.zeros(2 * nx)
                row[offsets[b] + j], row[nx + offsets[b] + j] = 1, sign
                rows.append(row)
                lower.append(-np.inf if sign < 0 else total * base[j])
                upper.append(total * base[j] if sign < 0 else np.inf)
    for i, q in enumerate(items):
        answered = n - skips[q.id]
        for t in targets.get((q.id, wave), []):
            row = np.zeros(2 * nx)
            for c in t.codes:
                row[offsets[2 * i] + c - 1] = 1
                row[offsets[2 * i + 1] + c - 1] = 1
            if t.what == "count":
                rows.append(row), lower.append(t.value), upper.append(t.value)
            else:
                rows.append(row), lower.append((t.value - t.tol) * answered / 100)
                upper.append((t.value + t.tol) * answered / 100)
    if mean is not None:
        row = np.zeros(2 * nx)
        for i, q in enumerate(items):
            row[offsets[2 * i]:offsets[2 * i] + sizes[2 * i]] = [4 * o.points for o in q.options]
        rows.append(row), lower.append((mean - 0.005) * (n - m)), upper.append((mean + 0.005) * (n - m))
    result = milp(np.r_[np.zeros(nx), np.ones(nx)], integrality=np.r_[np.ones(nx), np.zeros(nx)],
                  bounds=(0, np.inf), constraints=LinearConstraint(np.array(rows), lower, upper))
    if not result.success:
        raise AssertionError(f"WHO-5 wave {wave}: the printed shares and mean {mean} cannot all hold")
    x = np.round(result.x[:nx]).astype(int)
    parts = [x[offsets[b]:offsets[b] + sizes[b]] for b in range(len(blocks))]
    return {q.id: parts[2 * i] for i, q in enumerate(items)}, \
        {q.id: parts[2 * i + 1] for i, q in enumerate(items)}, skips, m


# ---------------------------------------------------------------- dealing answers to persons

def _deal(q: Question, counts: np.ndarray, trait: np.ndarray, rng: np.random.Generator,
          ordered: bool) -> np.ndarray:
    """Codes for len(trait) persons with the given counts; on an ordered scale the best
    answers go to the highest trait (plus noise), options like 'Ved ikke' at random."""
    n = len(trait)
    out = np.zeros(n, dtype=int)
    order = rng.permutation(n)
    if not ordered:
        pool = np.repeat(q.codes, counts)
        out[order] = pool
        return out
    aside = [o.code for o in q.options if not o.substantive]
    start = 0
    for code in aside:
        c = counts[code - 1]
        out[order[start:start + c]] = code
        start += c
    rest = order[start:]
    noisy = trait[rest] + rng.normal(0, 0.7, len(rest))
    ranked = rest[np.argsort(-noisy, kind="stable")]
    scale = [o.code for o in q.options if o.substantive]   # best first
    out[ranked] = np.repeat(scale, [counts[c - 1] for c in scale])
    return out


def _deal_multi(counts: np.ndarray, n: int, rng: np.random.Generator) -> list[frozenset]:
    chosen = [set() for _ in range(n)]
    for code in np.argsort(-counts, kind="stable") + 1:
        loads = np.array([len(s) for s in chosen]) + rng.random(n)
        for person in np.argsort(loads)[:counts[code - 1]]:
            chosen[person].add(int(code))
    if any(not s for s in chosen):
        raise AssertionError("a person asked for reasons gave none")
    return [frozenset(s) for s in chosen]


def _encode(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, frozenset):
        return ";".join(str(c) for c in sorted(value))
    return str(int(value))


def invitations(registrations: pd.DataFrame, last_week: str) -> dict[int, pd.DataFrame]:
    rollout = registrations[registrations["fase"] == "udbredelse"]
    after = rollout[(rollout["status"] == "gennemført") & (rollout["samtykke"] == "ja")]
    started = after["kursusstart"].map(parse_week_label)
    return {1: rollout, 2: after, 3: after[started <= parse_week_label(last_week)]}


def mean_points(q: Question) -> tuple[float, ...]:
    """The points of `q`'s options in code order for a mean on a 1-5 scale where the first
    option is the best (5) and the last the worst (1), as seed 001's progression charts
    average them (l.880-891: 5 = 'Helt sikker')."""
    return tuple(float(len(q.options) - i) for i in range(len(q.options)))


@dataclass
class WavePlan:
    """An edition's own survey design for `generate_waves` (None/empty: the final
    evaluation's). `invited`: the persons sent each wave; `chosen`: the pnr who answer each
    wave (else drawn by engagement, RESPONDENTS many); `answering`: by (question, wave), how
    many of the respondents asked answer it (the rest skip); `designs`: designed shares by
    question (design()); `floors`: the least count of an option tried in turn; `parts`:
    printed shares of several options are sums of rounded parts (seed 001); `mean_changes`:
    by (question, wave), the printed change of the mean (mean_points) from the wave before,
    to one decimal; `errata`: printed refs no data can give, not aimed at."""
    invited: dict[int, pd.DataFrame] | None = None
    chosen: dict[int, set[str]] | None = None
    answering: dict[tuple[str, int], int] | None = None
    designs: dict | None = None
    floors: tuple[int, ...] = (MIN_SHOWN, 0)
    parts: bool = False
    mean_changes: dict[tuple[str, int], float] | None = None
    errata: frozenset[str] = frozenset()


def generate_waves(registrations: pd.DataFrame, out: Path, seed: int, last_week: str,
                   codebook: Codebook | None = None, published: Path = PUBLISHED,
                   plan: WavePlan | None = None) -> dict:
    """Write survey_w1..3.csv to `out`; returns the counts that were solved for, by
    (question, wave). `plan`: an edition's own survey design (WavePlan)."""
    plan = plan or WavePlan()
    codebook = codebook or load_codebook()
    rng = np.random.default_rng([seed, 15])
    targets = load_targets(published, parts=plan.parts, errata=plan.errata)
    means = who5_means(published) if any(q in codebook.questions for q in WHO5_ITEMS) else {}
    invited = plan.invited or invitations(registrations, last_week)
    people = registrations["pnr"].to_numpy()
    engagement = dict(zip(people, rng.normal(0, 1, len(people))))
    wellbeing = dict(zip(people, rng.normal(0, 1, len(people))))
    answered_before: set[str] = set()
    summary = {}
    for wave in WAVES:
        frame = invited[wave].reset_index(drop=True)
        if plan.chosen is not None:
            answered = frame["pnr"].isin(plan.chosen[wave]).to_numpy()
        else:
            logits = np.array([ENGAGEMENT[wave] * engagement[p] + ANSWERED_BEFORE * (p in answered_before)
                               + 0.5 * (s == "gennemført") for p, s in zip(frame["pnr"], frame["status"])])
            weights = np.exp(logits)
            picked = rng.choice(len(frame), size=RESPONDENTS[wave], replace=False, p=weights / weights.sum())
            answered = np.zeros(len(frame), dtype=bool)
            answered[picked] = True
        answered_before |= set(frame.loc[answered, "pnr"])
        resp = frame[answered].reset_index(drop=True)
        n = len(resp)
        trait = np.array([wellbeing[p] for p in resp["pnr"]]) + rng.normal(0, 0.5, n)
        values: dict[str, list] = {}
        questions = codebook.in_wave(wave)
        who5 = who5_counts(codebook, wave, n, targets, means.get(wave)) if any(
            q.id in WHO5_ITEMS for q in questions) else None
        if who5 is not None:
            inside, outside, skips, m = who5
            outside_rows = rng.choice(n, size=m, replace=False)
            inside_rows = np.setdiff1d(np.arange(n), outside_rows)
        for q in questions:
            column = np.full(n, None, dtype=object)
            if q.asked_if is None:
                eligible = np.arange(n)
            else:
                parent = pd.Series(values[q.asked_if.question], dtype=object)
                parent = parent.map(lambda v: v if isinstance(v, frozenset) or v is None else int(v))
                eligible = np.flatnonzero(q.asked_if.holds(parent).to_numpy())
            key = (q.id, wave)
            if q.type == "text":
                for i, row in enumerate(eligible):
                    column[row] = FREE_TEXT.format(n=f"{wave}-{i + 1}")
            elif q.type == "number":
                column[eligible] = _birth_years(resp.iloc[eligible], rng)
            elif q.type == "multi":
                if plan.answering and key in plan.answering:   # the rest skip the question
                    eligible = np.sort(rng.permutation(eligible)[:plan.answering[key]])
                counts = multi_counts(q, wave, len(eligible), targets.get(key, []), plan.designs, plan.floors)
                for row, chosen in zip(eligible, _deal_multi(counts, len(eligible), rng)):
                    column[row] = chosen
                summary[key] = counts
            elif q.id in WHO5_ITEMS:
                column[inside_rows] = _deal(q, inside[q.id], trait[inside_rows], rng, True)
                skip_rows = outside_rows[:skips[q.id]]
                rest = np.setdiff1d(outside_rows, skip_rows)
                column[rest] = _deal(q, outside[q.id], trait[rest], rng, False)
                summary[key] = inside[q.id] + outside[q.id]
            else:
                wanted = list(targets.get(key, []))
                change = (plan.mean_changes or {}).get(key)
                if change is not None:
                    before = summary[(q.id, wave - 1)]
                    points = mean_points(q)
                    level = float(np.dot(before, points) / before.sum()) + change
                    wanted.append(Target(q.codes, "mean", level, 0.05 - 1e-6, weights=points))
                answering = (plan.answering or {}).get(key, len(eligible))
                counts, skipped = single_counts(q, wave, answering, wanted, plan.designs, plan.floors)
                skipped += len(eligible) - answering
                if plan.answering and key in plan.answering:
                    # an edition's planned item non-response: the same respondents skip
                    # first in every such question of the wave (one order per wave, drawn
                    # from its own stream)
                    order = np.random.default_rng([seed, 16, wave]).permutation(n)
                    rows = np.array([r for r in order if r in set(eligible)])
                else:
                    rows = rng.permutation(eligible)
                answer_rows = np.sort(rows[skipped:])
                column[answer_rows] = _deal(q, counts, trait[answer_rows], rng, ordered=not q.unordered)
                summary[key] = counts
            values[q.id] = list(column)
        table = pd.DataFrame({ID_COLUMN: frame["pnr"], STATUS_COLUMN: np.where(answered, "ja", "nej")})
        for q in questions:
            full = np.full(len(frame), "", dtype=object)
            full[np.flatnonzero(answered)] = [v if isinstance(v, str) else _encode(v) for v in values[q.id]]
            table[q.id] = full
        table.to_csv(out / f"survey_w{wave}.csv", index=False, lineterminator="\n")
    return summary


AGE_BOUNDS = {"Under 25 år": (18, 24), "25-35 år": (25, 35), "36-45 år": (36, 45),
              "46-55 år": (46, 55), "Over 55 år": (56, 64)}


def _birth_years(persons: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    years = []
    for group, start in zip(persons["aldersgruppe"], persons["kursusstart"]):
        low, high = AGE_BOUNDS.get(group, (20, 60))
        years.append(int(start[:4]) - int(rng.integers(low, high + 1)))
    return np.array(years, dtype=object)
