"""The matched comparison group: eligibility, exact cells, nearest neighbours, balance, panel.

Design (../shared/spec/effect-design.md §1.5; issue 13, item 2): one sub-experiment (*stack*)
per course start week g. For the participants starting in g:

1. **Eligible pool persons** are on the participant's benefit family in week 0 = g − 1
   (`benefit family` below), are not participants, and have no death (999) or emigration
   (997) code in weeks −52..0 (../shared/spec/dream.md §2: DTR's censoring codes). Later
   codes are not looked at: that would select on the future.
2. **Exact cells**: g, benefit family, koen and aldersgruppe.
3. **Nearest neighbours** within the cell, k = 5 without replacement within a stack (a pool
   person can be a control in several stacks, one per start week), on the score history:
   the mean score of each 4-week block of weeks −52..−1 (`history="full"`, 13 blocks) or of
   weeks −52..−27 only (`history="old"`, 7 blocks; the last has 2 weeks), in standardised
   Euclidean distance (SciPy's `cdist(metric="seuclidean")`, variances of the stack's
   eligible pool; a library, and SciPy is already a dependency). Blocks average the weekly codes' noise; a block without any
   scored week takes the person's mean over the other blocks; blocks outside the data
   window (early starts) are left out for that stack. Participants take their controls in
   rounds, one each per round, in a seeded random order, so an early participant cannot
   use up a cell. A cell with fewer than k × (its participants) eligible persons gives some
   participants fewer controls: `Matching.shortfall` says who and why, never silently.
4. **Balance**: standardised mean differences of the 13 full-history blocks, participants
   against the eligible pool of their exact cells (before nearest-neighbour matching) and
   against their matched controls (after, weighted), over the same pooled standard
   deviation (participants' and eligible pool's).

Use (compute side only; everything here is microdata):

    participants = participants_from_extract(extract, mapping)
    pool = read_pool(find_pool(data_dir), mapping, participants.persons["start_week"].unique())
    full = match_comparison(participants, pool, history="full")    # and history="old"
    full.panel, full.balance, full.shortfall, full.counts

Why both history variants: under selection on a dip, matching on the recent history
underestimates an effect and difference-in-differences overestimates it; matching on the
older history only is the second bracket (Chabé-Ferret 2015, 2017; effect-design §1.1).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.reference.scoring import EXCLUDED, ScoreMapping
from analysis.weeks import week_label

# Benefit families of a weekly DREAM code: score_mapping.csv's `benefit_group`, which
# follows ../shared/spec/dream.md §2 (LOKE's groups): kontanthjælp 13x and 73x,
# uddannelseshjælp 14x and 72x, ressourceforløb 81x.
FAMILIES = ("kontanthjælp", "uddannelseshjælp", "ressourceforløb")
_GROUPS = {"Kontanthjælp": "kontanthjælp", "Uddannelseshjælp": "uddannelseshjælp",
           "Ressourceforløb": "ressourceforløb"}
GONE = -1                         # family array value of a death or emigration week
EVENTS = np.arange(-52, 27)       # event weeks of the matched panel
BLOCK = 4
HISTORIES = {"full": (-52, -1), "old": (-52, -27)}
K = 5


def family_codes(mapping: ScoreMapping) -> dict[str, str]:
    """{DREAM code: benefit family} for the eligible families (FAMILIES), from the mapping's
    `benefit_group` column (../shared/spec/dream.md §2; effect-design §1.5). Any code not in
    it, and a blank week, is of no eligible family."""
    table = mapping.table
    return {code: _GROUPS[group] for code, group in zip(table["code"], table["benefit_group"])
            if group in _GROUPS and code.isdigit()}


def benefit_family(codes, mapping: ScoreMapping) -> np.ndarray:
    """The benefit family (a FAMILIES name, '' when none) of each normalised weekly code
    (array of any shape; the rule and its source: `family_codes`)."""
    families = family_codes(mapping)
    return np.array([families.get(str(c), "") for c in np.ravel(codes)], dtype=object).reshape(np.shape(codes))


def blocks(history: str) -> list[tuple[int, int]]:
    """The (first, last) event weeks of each history block of variant `history`."""
    lo, hi = HISTORIES[history]
    return [(s, min(s + BLOCK - 1, hi)) for s in range(lo, hi + 1, BLOCK)]


@dataclass
class Participants:
    """The participants' side: persons (pid, team, start_week: week index of week 1, stack:
    its ISO label, benefit_family in week 0 ('' = none), koen, aldersgruppe) and scores
    (float32, persons x EVENTS; NaN where excluded or outside the data)."""
    persons: pd.DataFrame
    scores: np.ndarray


def participants_from_extract(extract, mapping: ScoreMapping) -> Participants:
    """The register sample of `extract` (analysis.register.extract.Extract) with its score
    in weeks −52..+26, read from the extract's dream.* the way a pool is read (weeks before
    the file's first are NaN), and its benefit family in week 0."""
    from analysis.effect.pool import read_pool
    persons = extract.persons
    starts = persons["start_week"].astype(int)
    dream = read_pool(extract.source["dream"], mapping, starts.unique(), ids=set(persons["pnr"]),
                      eligible_only=False, background=False)
    dream.data_last = min(dream.data_last, extract.last_week)
    position = pd.Series(np.arange(len(dream.persons)), index=dream.persons["pid"]).loc[persons["pnr"]].to_numpy()
    scores, family = _event_matrix(dream, position, starts.to_numpy())
    week0 = int(np.flatnonzero(EVENTS == 0)[0])
    frame = pd.DataFrame({
        "pid": persons["pnr"].to_numpy(),
        "team": persons["hold"].to_numpy(),
        "start_week": starts.to_numpy(),
        "stack": [week_label(int(s)) for s in starts],
        "benefit_family": [FAMILIES[f - 1] if f > 0 else "" for f in family[:, week0]],
        "koen": persons["koen"].to_numpy(),
        "aldersgruppe": persons["aldersgruppe"].to_numpy(),
    })
    return Participants(persons=frame, scores=scores)


def _event_matrix(pool, rows: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores (float32, NaN where excluded or outside the data) and families (int8) of
    `pool` rows `rows` at EVENTS relative to each row's start week `starts`."""
    calendar = np.asarray(starts)[:, None] - 1 + EVENTS[None, :]
    column = calendar - pool.first_week
    inside = (calendar >= pool.data_first) & (calendar <= pool.data_last) & (column >= 0) \
        & (column < pool.scores.shape[1])
    safe = np.clip(column, 0, pool.scores.shape[1] - 1)
    raw = pool.scores[np.asarray(rows)[:, None], safe]
    scores = np.where(inside & (raw != EXCLUDED), raw, np.nan).astype(np.float32)
    family = np.where(inside, pool.family[np.asarray(rows)[:, None], safe], 0).astype(np.int8)
    return scores, family


def _features(scores: np.ndarray, history: str) -> np.ndarray:
    """Block means (persons x blocks) of event-week scores; NaN where a block has no score."""
    out = np.full((len(scores), len(blocks(history))), np.nan, dtype=np.float64)
    for j, (a, b) in enumerate(blocks(history)):
        part = scores[:, (EVENTS >= a) & (EVENTS <= b)]
        have = ~np.isnan(part)
        total = np.where(have, part, 0).sum(axis=1)
        count = have.sum(axis=1)
        out[:, j] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _cumulative(pool) -> dict[str, np.ndarray]:
    """Running sums over the pool's weeks (weeks + 1 x persons, int16, a leading row of 0;
    week-major so that one week's values of many persons are read from one stretch of
    memory): of the scores, of the weeks with a score and of death/emigration weeks; computed
    once per pool (cached on it), so a block's mean for any stack is two look-ups."""
    cached = getattr(pool, "_cumulative", None)
    if cached is not None:
        return cached
    n, width = pool.scores.shape
    out = {name: np.zeros((width + 1, n), dtype=np.int16) for name in ("score", "count", "gone")}
    for lo in range(0, n, 50_000):          # in slices of persons: small temporaries, cache-sized transposes
        scores, family = pool.scores[lo:lo + 50_000], pool.family[lo:lo + 50_000]
        valued = scores >= 0
        for name, values in (("score", np.where(valued, scores, 0)), ("count", valued), ("gone", family == GONE)):
            out[name][1:, lo:lo + 50_000] = np.cumsum(values, axis=1, dtype=np.int16).T
    pool._cumulative = out
    return out


def _pool_features(cumulative: dict[str, np.ndarray], rows: np.ndarray, col0: int, history: str) -> np.ndarray:
    """`_features` of pool rows `rows` for a stack whose week 0 is pool column `col0`."""
    width = cumulative["score"].shape[0] - 1
    edges = sorted({e for a, b in blocks(history) for e in (a, b + 1)})
    position = {e: min(max(col0 + e, 0), width) for e in edges}
    rows_at = [position[e] for e in edges]
    count = dict(zip(edges, cumulative["count"][rows_at][:, rows]))
    total = dict(zip(edges, cumulative["score"][rows_at][:, rows]))
    out = np.full((len(rows), len(blocks(history))), np.nan)
    for j, (a, b) in enumerate(blocks(history)):
        n = count[b + 1] - count[a]
        out[:, j] = np.where(n > 0, (total[b + 1] - total[a]) / np.maximum(n, 1), np.nan)
    return out


def _fill(features: np.ndarray, column_mean: np.ndarray) -> np.ndarray:
    """A block without a score takes the person's mean over the other blocks, else the
    column's mean."""
    have = ~np.isnan(features)
    count = have.sum(axis=1)
    row_mean = np.where(count > 0, np.where(have, features, 0).sum(axis=1) / np.maximum(count, 1), np.nan)
    filled = np.where(have, features, row_mean[:, None])
    return np.where(np.isnan(filled), column_mean[None, :], filled)


@dataclass
class Matching:
    """What `match_comparison` found.

    panel: the matched panel, one row per person x stack x event week (columns in
    PANEL_COLUMNS; see the interface in the module docstring). balance: one row per history
    block with the participants' mean, the eligible pool's and the matched controls' mean,
    and the standardised differences before and after. shortfall: the participants with
    fewer than k controls (pid, stack, benefit_family, koen, aldersgruppe, controls, reason).
    counts: participants, matched (at least one control), fully matched (k), controls,
    stacks, eligible pool persons (person x stack)."""
    panel: pd.DataFrame
    balance: pd.DataFrame
    shortfall: pd.DataFrame
    counts: dict[str, int]
    k: int
    history: str
    controls: pd.DataFrame = field(repr=False, default=None)   # match_set, stack, pid, distance


PANEL_COLUMNS = ["pid", "stack", "team", "treated", "match_set", "e", "score", "w",
                 "benefit_family", "koen", "aldersgruppe"]


def match_comparison(participants: Participants, pool, k: int = K, history: str = "full",
                     seed: int = 13) -> Matching:
    """Match every participant to up to `k` eligible pool persons (module docstring).

    `pool`: an analysis.effect.pool.Pool read for the participants' start weeks. Returns a
    Matching. Raises ValueError for an unknown `history` or k < 1."""
    from scipy.spatial.distance import cdist

    if history not in HISTORIES:
        raise ValueError(f"history must be one of {', '.join(HISTORIES)}, not {history!r}")
    if k < 1:
        raise ValueError("k must be at least 1")
    rng = np.random.default_rng(seed)
    people = participants.persons.reset_index(drop=True)
    pool_people = pool.persons.reset_index(drop=True)
    not_participant = ~pool_people["pid"].isin(set(people["pid"])).to_numpy()
    # a pool person's exact cell in a stack: family in week 0 x 100 + koen x 10 + aldersgruppe
    koen_cat = pd.Categorical(pool_people["koen"].to_numpy(dtype=object))
    age_cat = pd.Categorical(pool_people["aldersgruppe"].to_numpy(dtype=object))
    person_key = (koen_cat.codes.astype(np.int16) * 10 + age_cat.codes).astype(np.int16)
    koen_codes = {v: i for i, v in enumerate(koen_cat.categories)}
    age_codes = {v: i for i, v in enumerate(age_cat.categories)}

    def cell_key(fam: str, koen: str, age: str) -> int:
        if not fam or koen not in koen_codes or age not in age_codes:
            return -1
        return (FAMILIES.index(fam) + 1) * 100 + koen_codes[koen] * 10 + age_codes[age]

    treated_sets, control_rows, shortfall = [], [], []
    balance_parts = {"treated": [], "matched": [], "matched_w": [],
                     "pool": np.zeros((3, len(blocks("full"))))}      # sum, sum of squares, n
    eligible_total = 0
    cumulative = _cumulative(pool)

    for stack_start, group in people.groupby("start_week", sort=True):
        stack = week_label(int(stack_start))
        col0 = int(stack_start) - 1 - pool.first_week
        if not 0 <= col0 < pool.family.shape[1]:
            raise ValueError(f"the pool was not read for start week {stack}")
        # eligibility: family in week 0, no death or emigration in weeks -52..0, not a participant;
        # only persons in the participants' exact cells are looked at further
        key = pool.family[:, col0].astype(np.int16) * 100 + person_key
        group_keys = np.array([cell_key(*c) for c in group[["benefit_family", "koen", "aldersgruppe"]]
                               .itertuples(index=False)])
        candidates = np.flatnonzero(np.isin(key, group_keys[group_keys > 0]) & not_participant)
        gone = cumulative["gone"]
        alive = (gone[col0 + 1, candidates] - gone[max(col0 - 52, 0), candidates]) == 0
        candidates = candidates[alive]
        c_key = key[candidates]
        t_rows = group.index.to_numpy()
        t_scores = participants.scores[t_rows]
        eligible_total += len(candidates)

        t_full, c_full = _features(t_scores, "full"), _pool_features(cumulative, candidates, col0, "full")
        t_feat = _features(t_scores, history)
        c_feat = c_full.copy() if history == "full" else _pool_features(cumulative, candidates, col0, history)
        usable = ~np.all(np.isnan(c_feat), axis=0) & ~np.all(np.isnan(t_feat), axis=0)
        t_feat, c_feat = t_feat[:, usable], c_feat[:, usable]
        column_mean = np.nanmean(c_feat, axis=0) if len(c_feat) else np.zeros(usable.sum())
        t_feat, c_feat = _fill(t_feat, column_mean), _fill(c_feat, column_mean)
        variance = np.maximum(c_feat.var(axis=0), 1e-6) if len(c_feat) else np.ones(usable.sum())
        no_history = not usable.any()
        valued = ~np.isnan(c_full)
        balance_parts["pool"] += [np.where(valued, c_full, 0).sum(axis=0),
                                  np.where(valued, c_full ** 2, 0).sum(axis=0), valued.sum(axis=0)]

        for cell, local in pd.Series(np.arange(len(group))).groupby(group_keys).groups.items():
            local = np.asarray(local)
            if cell < 0:
                for i in local:
                    shortfall.append((t_rows[i], stack, 0, "not on an eligible benefit family in week 0"))
                continue
            if no_history:
                for i in local:
                    shortfall.append((t_rows[i], stack, 0, f"no week of the {history} history "
                                                           "(weeks {}..{}) in the data window".format(*HISTORIES[history])))
                continue
            pool_idx = np.flatnonzero(c_key == cell)
            chosen = {i: [] for i in local}
            if len(pool_idx):
                n_neigh = min(len(pool_idx), k * len(local))
                distance = cdist(t_feat[local], c_feat[pool_idx], metric="seuclidean", V=variance)
                if n_neigh < len(pool_idx):     # the n_neigh nearest first, then in order
                    near = np.argpartition(distance, n_neigh - 1, axis=1)[:, :n_neigh]
                    near.sort(axis=1)           # deterministic; at the boundary argpartition picks among ties
                else:
                    near = np.broadcast_to(np.arange(len(pool_idx)), distance.shape)
                idx = np.take_along_axis(near, np.argsort(np.take_along_axis(distance, near, axis=1),
                                                          axis=1, kind="stable"), axis=1)
                dist = np.take_along_axis(distance, idx, axis=1)
                used = set()
                order = rng.permutation(len(local))
                pointer = np.zeros(len(local), dtype=int)
                for _ in range(k):
                    for o in order:
                        while pointer[o] < n_neigh and pool_idx[idx[o, pointer[o]]] in used:
                            pointer[o] += 1
                        if pointer[o] < n_neigh:
                            pick = pool_idx[idx[o, pointer[o]]]
                            used.add(pick)
                            chosen[local[o]].append((pick, float(dist[o, pointer[o]])))
                            pointer[o] += 1
            for i, picks in chosen.items():
                if len(picks) < k:
                    shortfall.append((t_rows[i], stack, len(picks),
                                      f"{len(pool_idx)} eligible pool persons in the cell for "
                                      f"{len(local)} participants"))
                if not picks:
                    continue
                treated_sets.append((t_rows[i], stack, int(stack_start), len(picks)))
                balance_parts["treated"].append(t_full[i])
                for pick, distance in picks:
                    control_rows.append((t_rows[i], stack, int(stack_start), candidates[pick], distance,
                                         1.0 / len(picks)))
                    balance_parts["matched"].append(c_full[pick])
                    balance_parts["matched_w"].append(1.0 / len(picks))

    panel = _panel(participants, pool, treated_sets, control_rows)
    balance = _balance(balance_parts)
    short = pd.DataFrame(shortfall, columns=["row", "stack", "controls", "reason"])
    short = pd.concat([people.loc[short["row"], ["pid", "benefit_family", "koen", "aldersgruppe"]]
                       .reset_index(drop=True), short.drop(columns="row")], axis=1)
    controls = pd.DataFrame(
        [(people.at[t, "pid"] + "/" + s, s, pool_people.at[c, "pid"], d) for t, s, _, c, d, _ in control_rows],
        columns=["match_set", "stack", "pid", "distance"])
    counts = {"participants": len(people), "matched": len(treated_sets),
              "fully_matched": sum(1 for *_, n in treated_sets if n == k),
              "controls": len(control_rows), "stacks": int(people["start_week"].nunique()),
              "eligible_pool": eligible_total}
    return Matching(panel=panel, balance=balance, shortfall=short, counts=counts, k=k, history=history,
                    controls=controls)


def _panel(participants: Participants, pool, treated_sets, control_rows) -> pd.DataFrame:
    people = participants.persons
    pool_people = pool.persons
    t_rows = np.array([t for t, *_ in treated_sets], dtype=int)
    c_t = np.array([t for t, *_ in control_rows], dtype=int)
    c_rows = np.array([c for _, _, _, c, _, _ in control_rows], dtype=int)
    c_starts = np.array([g for _, _, g, *_ in control_rows], dtype=int)
    t_scores = participants.scores[t_rows] if len(t_rows) else np.empty((0, len(EVENTS)), np.float32)
    c_scores = _event_matrix(pool, c_rows, c_starts)[0] if len(c_rows) else np.empty((0, len(EVENTS)), np.float32)
    # a week inside both data windows (the participants' file and the pool's) is a row
    starts = np.concatenate([people["start_week"].to_numpy()[t_rows], c_starts]).astype(int)
    calendar = starts[:, None] - 1 + EVENTS[None, :]
    inside = calendar >= pool.data_first
    inside &= calendar <= pool.data_last
    stack = np.concatenate([people["stack"].to_numpy()[t_rows], people["stack"].to_numpy()[c_t]]).astype(object)
    match_set = np.concatenate([people["pid"].to_numpy()[t_rows], people["pid"].to_numpy()[c_t]]).astype(object)
    match_set = match_set + "/" + stack
    persons = pd.DataFrame({
        "pid": np.concatenate([people["pid"].to_numpy()[t_rows], pool_people["pid"].to_numpy()[c_rows]]).astype(object),
        "stack": stack,
        "team": np.concatenate([people["team"].to_numpy()[t_rows], people["team"].to_numpy()[c_t]]).astype(object),
        "treated": np.concatenate([np.ones(len(t_rows)), np.zeros(len(c_rows))]).astype(np.int8),
        "match_set": match_set,
        "w": np.concatenate([np.ones(len(t_rows)), [w for *_, w in control_rows]]).astype(np.float32),
        "benefit_family": np.concatenate([people["benefit_family"].to_numpy()[t_rows],
                                          people["benefit_family"].to_numpy()[c_t]]).astype(object),
        "koen": np.concatenate([people["koen"].to_numpy()[t_rows], people["koen"].to_numpy()[c_t]]).astype(object),
        "aldersgruppe": np.concatenate([people["aldersgruppe"].to_numpy()[t_rows],
                                        people["aldersgruppe"].to_numpy()[c_t]]).astype(object),
    })
    scores = np.vstack([t_scores, c_scores])
    person, event = np.nonzero(inside)
    panel = persons.iloc[person].reset_index(drop=True)
    panel["e"] = EVENTS[event].astype(np.int16)
    panel["score"] = scores[person, event].astype(np.float32)
    for column in ("pid", "stack", "team", "match_set", "benefit_family", "koen", "aldersgruppe"):
        panel[column] = panel[column].astype(str)
    return panel[PANEL_COLUMNS]


def _balance(parts) -> pd.DataFrame:
    labels = blocks("full")
    width = len(labels)

    def stacked(name):
        return np.vstack(parts[name]) if parts[name] else np.empty((0, width))

    treated, matched = stacked("treated"), stacked("matched")
    pool_sum, pool_squares, pool_n = parts["pool"]
    weights = np.asarray(parts["matched_w"], dtype=float)
    rows = []
    for j, (a, b) in enumerate(labels):
        t, m = treated[:, j], matched[:, j]
        t_ok, m_ok = ~np.isnan(t), ~np.isnan(m)
        mean_t = float(t[t_ok].mean()) if t_ok.any() else np.nan
        mean_p = pool_sum[j] / pool_n[j] if pool_n[j] else np.nan
        var_p = pool_squares[j] / pool_n[j] - mean_p ** 2 if pool_n[j] else np.nan
        mean_m = float(np.average(m[m_ok], weights=weights[m_ok])) if m_ok.any() else np.nan
        sd = float(np.sqrt((t[t_ok].var() + var_p) / 2)) if t_ok.any() and pool_n[j] else np.nan
        rows.append({"covariate": f"mean score, weeks {a} to {b}", "e_first": a, "e_last": b,
                     "treated_mean": mean_t, "pool_mean": mean_p, "matched_mean": mean_m,
                     "smd_before": (mean_t - mean_p) / sd if sd else np.nan,
                     "smd_after": (mean_t - mean_m) / sd if sd else np.nan,
                     "treated_n": int(t_ok.sum()), "pool_n": int(pool_n[j]), "matched_n": int(m_ok.sum())})
    return pd.DataFrame(rows)


def with_history(participants: Participants, history: str) -> Participants:
    """The participants with at least one score in the weeks of `history` (HISTORIES: the
    old-history variant needs a score in weeks −52..−27, which a participant whose DREAM
    file starts later lacks). Same shapes as `participants`, rows kept in order."""
    lo, hi = HISTORIES[history]
    columns = (EVENTS >= lo) & (EVENTS <= hi)
    keep = ~np.all(np.isnan(participants.scores[:, columns]), axis=1)
    return Participants(persons=participants.persons.loc[keep].reset_index(drop=True),
                        scores=participants.scores[keep])


def shared_panels(matchings: dict[str, Matching]) -> dict[str, pd.DataFrame]:
    """Each variant's matched panel restricted to the matched sets of the participants
    matched in every variant, so the designs rest on one sample of participants and their
    published counts cannot differ by a few persons (issue 13 review, item 4). Returns the
    panels by the keys of `matchings`, columns unchanged."""
    treated = [set(m.panel.loc[m.panel["treated"] == 1, "pid"]) for m in matchings.values()]
    common = set.intersection(*treated) if treated else set()
    out = {}
    for name, m in matchings.items():
        sets = m.panel.loc[(m.panel["treated"] == 1) & m.panel["pid"].isin(common), "match_set"].unique()
        out[name] = m.panel[m.panel["match_set"].isin(sets)].reset_index(drop=True)
    return out
