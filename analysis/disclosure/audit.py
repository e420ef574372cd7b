"""The disclosure audit: for every hidden cell, what an attacker can derive about it from
everything published.

The published numbers are linear facts about unknown counts of persons. A *universe* is a
population (the enrolled citizens; the completers with a score in week w; the respondents of
a survey wave) whose persons are described by categorical attributes with known domains
(gender, age group, team, score, answer ...). A *cell* is the set of persons of a universe
whose attributes lie in given sets. A published count says how many persons a cell holds
(exactly, or within the interval its rounding allows); a published mean with its N says,
within rounding, what the scores of a cell sum to; a share with its base, how many persons
the numerator holds. A hidden cell (printed 'x') says only that it is not empty: zeros are
printed '–', so an 'x' holds at least one person.

Beyond counts, shares and means of a universe's value: a mean or share of a `Weight` (a
number per person from its attributes: the points of an answer scale, a person's age, the
options chosen), a `Total` of a weight (the mentions of a multiple-choice question), a
`Median` published only under a rule that makes it three count facts, a `Change` of two
means (a mean fact on each side, given the other side's printed mean), a `TestOf` a mean
(a p-value: not modelled, shown and hidden with its mean), and `Things` (a count of teams or
municipalities: no persons). A published number without a definition is listed as
'undefined' in the certificate: the audit cannot say whether it gives a hidden cell away.

For every hidden cell the audit computes the smallest and the largest number of persons it
can hold given all these facts, by integer programming (scipy's `milp`, HiGHS) over the
atoms of the universe: the combinations of attribute values, each an unknown count >= 0.
Atoms that no fact tells apart are merged first (they enter every constraint alike), and the
attributes are split into groups that no fact links, each audited on its own (a marginal
table linked to the rest only through the total can be combined with any other marginal of
the same total), so the programmes stay small. A hidden cell fails when its range is a
single value, or lies within 1..minimum-1 (the attacker then knows it is a small cell).

This is the kind of audit Statistics Denmark's output checkers do by hand ("can the hidden
cell be recovered from the margins, the other tables, the means?"), and the interval
computation of tau-Argus's audit (Hundepool et al., Statistical Disclosure Control, 2012,
§4.3.4 "audit"), done here over every table of the bundle at once.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

INF = np.inf


@dataclass(frozen=True, eq=False)
class Universe:
    """A population whose persons the published numbers count.

    `attributes`: name -> the values it can take (what an attacker knows the domain to be,
    e.g. the five age groups). `value`: the numeric attribute whose sums published means
    reveal (e.g. 'score'; a value that is not a number, such as 'na' for no score, counts
    as 0 in a sum), or None. `valid`: optional combinations that cannot occur, as a
    function of an atom (dict attribute -> value) returning False for impossible ones
    (e.g. an unregistered citizen has no known gender); an attacker knows these rules from
    the documentation. `center`: attributes that the other attributes are only ever
    published together with (e.g. status and score): the audit then works on a table per
    other attribute joined on the center (see `_audit_junction`). `protect`: attribute
    combinations whose every cell must not be derivable as holding 1..minimum-1 persons,
    though nothing prints it (e.g. status x age group among the sample: the sample by age
    minus the completers by age would give the de-registered by age). `guard`: further
    unprinted cells protected the same way, as (label, cell) (e.g. how many of the pairs
    rose, fell or stayed: sets of values of a change attribute)."""
    name: str
    attributes: dict[str, tuple]
    value: str | None = None
    valid: object = None
    center: tuple[str, ...] = ()
    protect: tuple[tuple[str, ...], ...] = ()
    guard: tuple[tuple[str, "Cell"], ...] = ()

    def same(self, other: "Universe") -> bool:
        return (self.name, self.attributes, self.value) == (other.name, other.attributes, other.value)


@dataclass(frozen=True)
class Cell:
    """The persons of `universe` whose attributes are in the given sets (absent: any)."""
    universe: str
    where: tuple[tuple[str, frozenset], ...] = ()

    @classmethod
    def of(cls, universe: str, **where) -> "Cell":
        items = []
        for name, values in sorted(where.items()):
            if isinstance(values, (str, int, float, np.integer)):
                values = (values,)
            items.append((name, frozenset(values)))
        return cls(universe, tuple(items))

    @property
    def attributes(self) -> set[str]:
        return {name for name, _ in self.where}


# ---------------------------------------------------------------- what a published number is

@dataclass(frozen=True)
class Count:
    """The number published is the count of persons in `cell`."""
    cell: Cell


@dataclass(frozen=True)
class Share:
    """The number published is the count of `cell` (or the sum of `weight` over it, e.g.
    the options of a multiple-choice question chosen) in per cent of `base` persons (the
    base is published exactly, elsewhere). `parts`: the cells of its parts when it is printed
    as the sum of their shares each rounded to a whole per cent, half up (seed 001's
    convention, ../shared/spec/seed000-001.md §5.2: 'enige eller meget enige' as 42 % + 42 %);
    the audit then knows each part's rounding, not only that the sum lies within
    len(parts) half-points of the share (`Model.share`). Empty: one share, rounded once.
    `rounded_total`: printed as the rounded total of options although the edition's
    convention sums rounded parts, because a part is hidden (the parts' rounding would tell
    how the hidden cells split; analysis.survey.stats.DisclosedDistribution.share)."""
    cell: Cell
    base: int
    parts: tuple[Cell, ...] = ()
    weight: "Weight | None" = None
    rounded_total: bool = False


@dataclass(frozen=True)
class Weight:
    """A number per person, as a function of attributes: the sum over `terms` (attribute,
    ((value, number), ...)) of the number the person's value of the attribute maps to (0 for
    a value not listed). E.g. the points of an answer scale, a person's age, the number of
    options a person chose in a multiple-choice question (one term per option)."""
    terms: tuple[tuple[str, tuple[tuple[object, float], ...]], ...]

    @classmethod
    def of(cls, attribute: str, numbers: dict) -> "Weight":
        return cls(((attribute, tuple(numbers.items())),))

    @property
    def attributes(self) -> set[str]:
        return {name for name, _ in self.terms}

    def on(self, atoms: pd.DataFrame) -> np.ndarray:
        """The weight of each atom (a row of attribute values)."""
        out = np.zeros(len(atoms))
        for name, numbers in self.terms:
            table = dict(numbers)
            out += np.array([float(table.get(v, 0.0)) for v in atoms[name]])
        return out


@dataclass(frozen=True)
class Mean:
    """The number published is the mean of the universe's value (or of `weight`) over the
    `n` persons of `cell` (n is published exactly, elsewhere)."""
    cell: Cell
    n: int
    weight: Weight | None = None


@dataclass(frozen=True)
class Total:
    """The number published is the sum of `weight` over the persons of `cell`, exactly
    (e.g. the mentions of a multiple-choice question: the options chosen, summed over the
    respondents)."""
    cell: Cell
    weight: Weight


@dataclass(frozen=True)
class Median:
    """The number published is the median m of the whole-number attribute `attribute` over
    the `n` persons of `cell`, published only under a rule the reader knows (documented
    with the number): the middle person(s) hold m, and at least `least` persons hold it. A
    median is not a linear fact about the counts in general (for an even n it is the mean of
    two persons' values, a disjunction); under this rule it is exactly equivalent to three:
    at least n // 2 + 1 persons hold m or less, at least n // 2 + 1 hold m or more, and at
    least `least` hold m. Those are what the audit knows (`Model.median`)."""
    cell: Cell
    n: int
    attribute: str
    least: int


@dataclass(frozen=True)
class Change:
    """The number published is the difference of two means, `after` minus `before` (each
    a Mean over its own universe, e.g. a question's mean answer in two survey waves). The
    audit turns it into a mean fact on each side, given the other side's published mean
    (`Model.change`); a change whose sides are not both published as means is refused."""
    before: Mean
    after: Mean

    @property
    def cell(self) -> Cell:
        return self.after.cell


@dataclass(frozen=True)
class TestOf:
    """The number published is a test's p (or statistic) on the persons and values a mean
    describes (e.g. Wilcoxon's signed-rank test on the changes the mean change averages).
    Not a linear fact: the audit does not model it (the checker page's limits); it is shown
    only with its mean and hidden with it (the same cell)."""
    mean: Mean

    @property
    def cell(self) -> Cell:
        return self.mean.cell


@dataclass(frozen=True)
class Things:
    """The number published counts things, not persons (teams, municipalities, invitations
    of a wave's survey with no link to who answered): there is no fact about persons in it.
    Stated so that the certificate says what the number is rather than 'undefined'."""
    what: str
    cell: Cell | None = None


@dataclass(frozen=True)
class OnePerson:
    """The number is one person's value of `attribute` among the persons of `cell` (the
    youngest's age): never published, under the minimum cell rule; stated so that the
    certificate says what was withheld. `Model` refuses it shown."""
    cell: Cell
    attribute: str


Definition = Count | Share | Mean | Total | Median | Change | TestOf | Things | OnePerson


@dataclass(frozen=True)
class Fact:
    """A published number as what it says about a cell: its count (kind 'count') or the
    sum of its `value` attribute (kind 'sum') lies in [low, high]."""
    cell: Cell
    low: float
    high: float
    kind: str = "count"
    label: str = ""
    weight: Weight | None = None     # a sum's number per person (None: the universe's value)
    # a share printed as the sum of its parts' shares, each rounded half up to a whole per
    # cent of `base` persons: the parts' cells; the printed sum is `printed`
    parts: tuple[Cell, ...] = ()
    base: int = 0
    printed: float = 0.0


@dataclass(frozen=True)
class Statistic:
    """A published statistic computed from the counts of `cells` (e.g. a chi-square over a
    table with hidden cells): `function(counts)` gives it; `value` is as printed, to
    `decimals`."""
    label: str
    cells: tuple[Cell, ...]
    function: object
    value: float
    decimals: int


@dataclass
class Model:
    """Everything published, as facts, and the hidden cells to audit."""
    universes: dict[str, Universe] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    hidden: list[tuple[Cell, str]] = field(default_factory=list)   # (cell, label)
    statistics: list[Statistic] = field(default_factory=list)

    def universe(self, universe: Universe) -> None:
        old = self.universes.get(universe.name)
        if old is not None and not old.same(universe):
            raise ValueError(f"universe {universe.name!r} declared twice, differently")
        self.universes[universe.name] = universe

    def count(self, cell: Cell, value: int, label: str = "") -> None:
        """A published exact count (0 included: a printed '–')."""
        self.facts.append(Fact(cell, value, value, "count", label))

    def count_between(self, cell: Cell, low: float, high: float, label: str = "") -> None:
        self.facts.append(Fact(cell, low, high, "count", label))

    def share(self, cell: Cell, share: float, base: int, decimals: int, label: str = "",
              parts: tuple[Cell, ...] = (), weight: "Weight | None" = None) -> None:
        """A published share (per cent, rounded to `decimals`) of a cell out of `base`
        persons: the count (or the sum of `weight` over the cell) lies within the rounding
        interval. `parts`: the share is printed as the sum of the parts' shares, each
        rounded half up to a whole per cent (seed 001): besides the interval (len(parts)
        half-points), the programme gives each part a whole rounded share r_i with
        r_i = round-half-up(100 c_i / base) and the r_i summing to the printed share
        (`_audit_junction`). Raises ValueError for a sum of parts that is not whole."""
        if parts and float(share) != round(float(share)):
            raise ValueError(f"{label}: a sum of rounded parts must be a whole per cent, not {share}")
        # a sum of parts: each part a whole per cent (seed 001), whatever the book prints
        half = 0.5 * len(parts) if parts else 0.5 * 10 ** -decimals
        self.facts.append(Fact(cell, (share - half) / 100 * base, (share + half) / 100 * base,
                               "count" if weight is None else "sum", label, weight,
                               tuple(parts), base if parts else 0, float(share)))

    def mean(self, cell: Cell, mean: float, n: int, decimals: int, label: str = "",
             weight: Weight | None = None) -> None:
        """A published mean of the universe's value (or of `weight`) over `n` persons of
        `cell` (n published too): the value sums to n * mean within rounding."""
        half = 0.5 * 10 ** -decimals
        self.facts.append(Fact(cell, n * (mean - half), n * (mean + half), "sum", label, weight))

    def total(self, cell: Cell, total: float, weight: Weight, label: str = "") -> None:
        """A published exact sum of `weight` over the persons of `cell`."""
        self.facts.append(Fact(cell, total, total, "sum", label, weight))

    def median(self, median: Median, value: float, label: str = "") -> None:
        """A published median under its rule (Median): three count facts. Raises ValueError
        for a median that is not a whole number of the attribute's domain (the rule then
        cannot hold)."""
        domain = [v for v in self.universes[median.cell.universe].attributes[median.attribute]
                  if isinstance(v, (int, float, np.integer, np.floating))]
        if value not in domain:
            raise ValueError(f"{label}: the median {value:g} is not a value of {median.attribute}")
        where = dict(median.cell.where)
        half = median.n // 2 + 1
        for values, low in (([v for v in domain if v <= value], half), ([v for v in domain if v >= value], half),
                            ([value], median.least)):
            cell = Cell(median.cell.universe, tuple(sorted({**where, median.attribute: frozenset(values)}.items())))
            self.facts.append(Fact(cell, low, median.n, "count", label))

    def change(self, change: Change, value: float, decimals: int, means: dict, label: str = "") -> None:
        """A published difference of two means (Change), to `decimals`: with the other
        side's published mean (`means`: Mean -> (value, decimals)), a mean fact on each side.
        An outer bound of what it tells where the other side's mean is known more exactly
        than printed (from its counts): the audit then underrates the change; the pilot
        publishes a change only where both sides' answer tables hide nothing
        (analysis.compute.pilot2023.answers_hidden). Raises ValueError when a side's mean is
        not published (the change would publish it)."""
        half = 0.5 * 10 ** -decimals
        for side in (change.before, change.after):
            if side not in means:
                raise ValueError(f"{label}: a change whose side {side.cell} is not published as a mean")
        for side, other, sign in ((change.after, change.before, 1), (change.before, change.after, -1)):
            mean, places = means[other]
            other_half = 0.5 * 10 ** -places
            # side = other + sign * change
            low = mean - other_half + sign * value - half
            high = mean + other_half + sign * value + half
            self.facts.append(Fact(side.cell, side.n * low, side.n * high, "sum", label, side.weight))

    def hide(self, cell: Cell, label: str) -> None:
        """A hidden cell ('x'): not empty, and audited."""
        self.hidden.append((cell, label))


# ---------------------------------------------------------------- the programme

def _attributes(fact_or_cell, universe: Universe) -> set[str]:
    """The attributes a fact depends on: its cell's, and the value for a sum."""
    if isinstance(fact_or_cell, Fact):
        parts = set().union(*(c.attributes for c in fact_or_cell.parts))
        if fact_or_cell.kind == "sum" and fact_or_cell.weight is not None:
            return fact_or_cell.cell.attributes | fact_or_cell.weight.attributes | parts
        extra = {universe.value} if fact_or_cell.kind == "sum" and universe.value else set()
        return fact_or_cell.cell.attributes | extra | parts
    return fact_or_cell.attributes


def _components(universe: Universe, linked: list[set[str]]) -> list[set[str]]:
    """Groups of attributes that the facts link (attributes a fact depends on together)."""
    parent = {a: a for a in universe.attributes}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for attributes in linked:
        names = sorted(attributes)
        for a, b in zip(names, names[1:]):
            parent[find(a)] = find(b)
    groups: dict[str, set[str]] = {}
    for a in universe.attributes:
        groups.setdefault(find(a), set()).add(a)
    return list(groups.values())


def _atoms(universe: Universe, names: list[str]) -> pd.DataFrame:
    domains = [universe.attributes[n] for n in names]
    atoms = pd.DataFrame(list(itertools.product(*domains)), columns=names) if names else pd.DataFrame(index=[0])
    if universe.valid is not None and names:
        keep = [bool(universe.valid(dict(zip(names, row)))) for row in atoms.itertuples(index=False)]
        atoms = atoms[keep].reset_index(drop=True)
    return atoms


def _member(atoms: pd.DataFrame, cell: Cell, cache: dict | None = None) -> np.ndarray:
    """Which atoms lie in the cell (`cache`: per attribute and value set, for one table)."""
    inside = np.ones(len(atoms), dtype=bool)
    for name, values in cell.where:
        key = (name, values)
        if cache is None or key not in cache:
            column = atoms[name].to_numpy()
            mask = np.fromiter((v in values for v in column), dtype=bool, count=len(column))
            if cache is None:
                inside &= mask
                continue
            cache[key] = mask
        inside &= cache[key]
    return inside


@dataclass
class Range:
    label: str
    low: float
    high: float
    ok: bool
    reason: str


def _solve(problem: dict, objective: np.ndarray, extra: tuple[float, float] | None = None,
           integral: bool = True, target: np.ndarray | None = None):
    """One solve: minimise objective @ x (integer x unless `integral` is False), optionally
    with target @ x in [extra]."""
    constraints = list(problem["constraints"])
    if extra is not None:
        constraints.append(LinearConstraint(target[None, :], [extra[0]], [extra[1]]))
    return milp(c=objective, constraints=constraints,
                integrality=problem["integrality"] if integral else np.zeros_like(problem["integrality"]),
                bounds=problem["bounds"], options={"time_limit": 120})


def interval(problem: dict, objective: np.ndarray) -> tuple[float, float]:
    """Min and max of objective @ x over the problem's integer points: (nan, nan) when there
    are none (the facts contradict each other), inf as the max when nothing bounds it.
    An exact integer programme: used for small problems and in the tests."""
    out = []
    for sign in (1, -1):
        result = _solve(problem, sign * objective)
        if result.status == 2:
            return (np.nan, np.nan)
        if result.status == 3 or (result.status != 0 and sign == -1 and result.x is None):
            out.append(INF)
            continue
        if result.status != 0 or result.x is None:
            raise RuntimeError(f"the audit's integer programme did not finish: {result.message}")
        out.append(float(np.round(objective @ result.x, 6)))
    return out[0], out[1]


def _feasible(problem: dict, target: np.ndarray, low: float, high: float):
    """An integer point with target @ x in [low, high], or None (status 2: there is none)."""
    result = _solve(problem, np.zeros_like(target), (low, high), target=target)
    if result.status == 0 and result.x is not None:
        return float(np.round(target @ result.x, 6))
    if result.status == 2:
        return None
    raise RuntimeError(f"the audit's integer programme did not finish: {result.message}")


def judge(problem: dict, target: np.ndarray, min_cell: int) -> tuple[float, float, bool, str]:
    """The audited range of a hidden count and whether it is safe.

    The range is that of the linear relaxation, rounded inwards to whole persons: an
    outer bound of what an attacker can derive (the integer range lies inside it). When the
    relaxation already pins the cell to one value or below `min_cell`, so does every
    integer solution: the cell fails. Otherwise it is safe only if integer solutions exist
    with the cell at `min_cell` or more persons and at two different values; both are
    searched for (feasibility, not optimisation: fast on these problems)."""
    bounds = []
    for sign in (1, -1):
        result = _solve(problem, sign * target, integral=False)
        if result.status == 2:
            return np.nan, np.nan, False, "infeasible"
        bounds.append(INF if result.status == 3 else float(sign * result.fun))
    low, high = np.ceil(bounds[0] - 1e-6), np.floor(bounds[1] + 1e-6)
    if low == high:
        return low, high, False, f"recoverable: exactly {low:g}"
    if high < min_cell:
        return low, high, False, f"known to hold {low:g}-{high:g} persons, under {min_cell}"
    value = _feasible(problem, target, min_cell, INF)
    if value is None:
        return low, min_cell - 1, False, f"no solution with {min_cell} or more persons: under {min_cell}"
    other = _feasible(problem, target, low, value - 1)
    if other is None:
        other = _feasible(problem, target, value + 1, high)
    if other is None:
        return value, value, False, f"recoverable: exactly {value:g}"
    return low, high, True, ""


def audit(model: Model, min_cell: int, only: set[str] | None = None) -> pd.DataFrame:
    """The range of every hidden cell (and of every unpublished cell a universe protects):
    label, universe, low, high, ok, reason; `only`: the universes to audit (default all).
    Raises ValueError when the facts contradict each other (the published numbers cannot
    all be true: a bug in what was declared, not a disclosure)."""
    rows = []
    for name, universe in model.universes.items():
        if only is not None and name not in only:
            continue
        facts = [f for f in model.facts if f.cell.universe == name]
        hidden = [(c, label) for c, label in model.hidden if c.universe == name]
        hidden = hidden + [(c, label) for c, label in unpublished_cells(universe) if c not in {h for h, _ in hidden}]
        if not hidden:
            continue
        linked = [_attributes(f, universe) for f in facts] + [c.attributes for c, _ in hidden]
        unknown = set().union(*linked) - set(universe.attributes)
        if unknown:
            raise ValueError(f"{name}: cells use attributes the universe does not declare: {sorted(unknown)}")
        found = []
        if universe.center:    # one programme: a table per leaf, joined on the center
            found = _audit_junction(universe, set(universe.attributes), facts, hidden, min_cell)
        else:
            used = set().union(*linked)
            for component in _components(universe, linked):
                if component & used:
                    found += _audit_junction(universe, component, facts, hidden, min_cell)
        rows += [dict(r.__dict__, universe=name) for r in found]
    return pd.DataFrame(rows, columns=["label", "universe", "low", "high", "ok", "reason"])


UNPUBLISHED = "unpublished: "


def unpublished_cells(universe: Universe) -> list[tuple[Cell, str]]:
    """Every cell of the universe's `protect` combinations and its `guard` cells, labelled
    'unpublished: ...'."""
    out = []
    for names in universe.protect:
        for values in itertools.product(*(universe.attributes[n] for n in names)):
            where = dict(zip(names, values))
            label = UNPUBLISHED + universe.name + " " + ", ".join(f"{n}={v}" for n, v in where.items())
            out.append((Cell.of(universe.name, **where), label))
    out += [(cell, UNPUBLISHED + universe.name + " " + label) for label, cell in universe.guard]
    return out


def judge_unpublished(problem: dict, target: np.ndarray, min_cell: int, witnesses: list[np.ndarray]):
    """An unpublished cell fails only when every integer solution puts 1..min_cell-1
    persons in it (the attacker then knows a small group is there). A witness (an integer
    solution already found) with the cell empty or at min_cell or more settles it."""
    for x in witnesses:
        value = round(float(target @ x))
        if value == 0 or value >= min_cell:
            return np.nan, np.nan, True, ""
    if _feasible(problem, target, 0, 0) is not None or _feasible(problem, target, min_cell, INF) is not None:
        return np.nan, np.nan, True, ""
    low, high, _, _ = judge(problem, target, min_cell)
    return low, high, False, f"derivable: holds {low:g}-{high:g} persons, under {min_cell}, though not printed"


def _witnesses(problem: dict, cells: np.ndarray) -> list[np.ndarray]:
    """Integer solutions of the problem that empty the unpublished cells, or fill them
    (`cells`: one row per cell), to settle most of them at once. The linear relaxation's
    vertex is tried first (on these table problems it is usually whole and feasible: then
    it is a witness without an integer programme)."""
    total = cells.sum(axis=0)
    matrix = problem["constraints"][0]
    out = []
    for objective in (total, -total):
        relaxed = _solve(problem, objective, integral=False)
        if relaxed.status == 0 and relaxed.x is not None:
            x = np.round(relaxed.x)
            values = matrix.A @ x
            if (np.abs(relaxed.x - x) < 1e-6).all() and (values >= matrix.lb - 1e-6).all() \
                    and (values <= matrix.ub + 1e-6).all():
                out.append(x)
                continue
        result = _solve(problem, objective)
        if result.status == 0 and result.x is not None:
            out.append(np.round(result.x))
    return out


def _audit_junction(universe: Universe, component: set[str], facts: list[Fact], hidden, min_cell: int,
                    on_problem=None, extra_cells: tuple[Cell, ...] = ()) -> list[Range]:
    """Audit the cells whose attributes lie in `component` (leaves, with the universe's
    center). Leaves that no fact links (attributes that never appear together but through
    the center) are separate tables sharing their center margin: an integer table over the
    whole component exists exactly when the tables over center + each leaf agree on the
    center (for each center cell, one-way margins of equal total are always realised by
    some integer table), so the programme has a table per leaf and equality constraints on
    the center margins instead of one table over the product of every domain."""
    center = [a for a in universe.attributes if a in universe.center]
    if center:
        linked = [(_attributes(f, universe) - set(center)) & component for f in facts] + \
            [(c.attributes - set(center)) & component for c, _ in hidden]
        used = set().union(*linked)
        leaves = [g for g in _components(universe, [a for a in linked if a]) if g & used]
        leaves = [sorted(set(leaf) | set(center)) for leaf in leaves] or [sorted(center)]
    else:
        leaves = [sorted(component)]
    allowed = set(component) | set(center)
    inside = [f for f in facts if _attributes(f, universe) <= allowed]
    targets = [(c, label) for c, label in hidden if c.attributes <= allowed]
    if not targets and on_problem is None:
        return []
    blocks, n_vars = [], 0
    cells = [f.cell for f in inside] + [c for c, _ in targets] + list(extra_cells)
    part_of = {}    # (fact, part) -> index in cells: the parts of sums of rounded parts
    for i, fact in enumerate(inside):
        for k, part in enumerate(fact.parts):
            part_of[i, k] = len(cells)
            cells.append(part)
    for names in leaves:
        atoms = _atoms(universe, names)
        home = [i for i, cell in enumerate(cells) if _home(cell, inside, i, universe, leaves) == names]
        cache: dict = {}
        members = np.array([_member(atoms, cells[i], cache) for i in home]).reshape(len(home), len(atoms))
        if center and len(atoms):
            codes, center_ids = pd.MultiIndex.from_frame(atoms[center]).factorize()
            center_ids = list(center_ids)
        else:
            codes, center_ids = np.zeros(len(atoms), dtype=int), [()]
        numbers = (pd.to_numeric(atoms[universe.value], errors="coerce").fillna(0.0).to_numpy(dtype=float)
                   if universe.value in names else np.zeros(len(atoms)))
        # the sums with a weight of their own: a column each, so that atoms of different
        # weight are not merged
        weighted = [i for i in home if i < len(inside) and inside[i].kind == "sum" and inside[i].weight is not None]
        weights = np.array([inside[i].weight.on(atoms) for i in weighted]).reshape(len(weighted), len(atoms))
        key = (np.column_stack([members.T.astype(float), weights.T, numbers, codes]) if len(atoms)
               else np.zeros((0, 2 + len(weighted))))
        unique = np.unique(key, axis=0)
        k = len(home) + len(weighted)
        blocks.append({"names": names, "home": home, "members": unique[:, :len(home)].T.astype(bool),
                       "weights": dict(zip(weighted, unique[:, len(home):k].T)),
                       "values": unique[:, k], "center": unique[:, k + 1].astype(int),
                       "center_ids": center_ids, "offset": n_vars})
        n_vars += len(unique)
    # each part of a sum of rounded parts: a whole rounded share of its own (an integer
    # variable after the atoms' counts)
    aux = {}
    for key in part_of:
        aux[key] = n_vars
        n_vars += 1
    rows_a, low, high = [], [], []

    def row_of(i: int) -> np.ndarray:
        for block in blocks:
            if i in block["home"]:
                r = np.zeros(n_vars)
                k = block["home"].index(i)
                weights = block["members"][k].astype(float)
                if i in block["weights"]:
                    weights = weights * block["weights"][i]
                elif i < len(inside) and inside[i].kind == "sum":
                    weights = weights * block["values"]
                r[block["offset"]:block["offset"] + len(weights)] = weights
                return r
        raise AssertionError("every cell has a home block")

    for i, fact in enumerate(inside):
        rows_a.append(row_of(i))
        low.append(fact.low)
        high.append(fact.high)
    for j in range(len(targets)):   # a hidden cell holds at least one person
        rows_a.append(row_of(len(inside) + j))
        low.append(1)
        high.append(INF)
    first = blocks[0]
    for block in blocks[1:]:        # the tables agree on the center
        for cid, name in enumerate(block["center_ids"]):
            r = np.zeros(n_vars)
            r[block["offset"]:block["offset"] + len(block["center"])] = (block["center"] == cid)
            k = list(first["center_ids"]).index(name)
            r[first["offset"]:first["offset"] + len(first["center"])] -= (first["center"] == k)
            rows_a.append(r)
            low.append(0)
            high.append(0)
    for i, fact in enumerate(inside):   # after the facts and hidden cells: kept below
        if not fact.parts:
            continue
        total = np.zeros(n_vars)
        for k in range(len(fact.parts)):
            # r = round-half-up(100 c / base), i.e. 100 c / base - 1/2 < r <= 100 c / base + 1/2,
            # in whole numbers: -base + 1 <= 2 base r - 200 c <= base
            r = -200.0 * row_of(part_of[i, k])
            r[aux[i, k]] = 2.0 * fact.base
            rows_a.append(r)
            low.append(-fact.base + 1)
            high.append(fact.base)
            total[aux[i, k]] = 1.0
        rows_a.append(total)
        low.append(fact.printed)
        high.append(fact.printed)
    problem = {"constraints": [LinearConstraint(np.array(rows_a), np.array(low), np.array(high))],
               "integrality": np.ones(n_vars), "bounds": Bounds(0, INF)}
    # the hidden cells hold someone; an unpublished cell may hold no one
    published_hidden = [j for j, (_, label) in enumerate(targets) if not label.startswith(UNPUBLISHED)]
    keep = list(range(len(inside))) + [len(inside) + j for j in published_hidden]
    keep += list(range(len(inside) + len(targets), len(rows_a)))
    problem = {"constraints": [LinearConstraint(np.array(rows_a)[keep], np.array(low)[keep], np.array(high)[keep])],
               "integrality": np.ones(n_vars), "bounds": Bounds(0, INF)}
    if on_problem is not None:
        return on_problem(problem, lambda cell: row_of(len(inside) + len(targets) + list(extra_cells).index(cell)))
    unpublished = [row_of(len(inside) + j) for j, (_, label) in enumerate(targets) if label.startswith(UNPUBLISHED)]
    witnesses = _witnesses(problem, np.array(unpublished)) if unpublished else []
    out = []
    for j, (cell, label) in enumerate(targets):
        objective = row_of(len(inside) + j)
        if label.startswith(UNPUBLISHED):
            lo, hi, ok, reason = judge_unpublished(problem, objective, min_cell, witnesses)
        else:
            lo, hi, ok, reason = judge(problem, objective, min_cell)
        if reason == "infeasible":
            raise ValueError(f"the published numbers of {universe.name} contradict each other "
                             f"(no counts satisfy them; auditing {label})")
        out.append(Range(label, lo, hi, ok, reason))
    return out


def _home(cell: Cell, inside: list[Fact], i: int, universe: Universe, leaves: list[list[str]]) -> list[str]:
    """The first leaf table that holds every attribute the cell (or its fact) depends on."""
    needed = _attributes(inside[i], universe) if i < len(inside) else cell.attributes
    for names in leaves:
        if needed <= set(names):
            return names
    raise ValueError(f"{universe.name}: no table holds the attributes {sorted(needed)} together")


# ---------------------------------------------------------------- statistics

def audit_statistics(model: Model, min_cell: int, limit: int = 4000) -> pd.DataFrame:
    """Whether a printed statistic gives hidden cells away: every completion of its cells
    that the published facts allow (enumerated over the box of their audited ranges, each
    checked by an integer programme) is put through the statistic's function; a statistic
    that only one completion reproduces (at its printed precision) reveals them. A box of
    more than `limit` completions is not enumerated (reported, not failed).
    Returns label, completions (the box's size), matching (feasible completions that
    reproduce it, counted to 2), ok, reason."""
    rows = []
    for stat in model.statistics:
        universe = model.universes[stat.cells[0].universe]
        problem, row_of = _problem(model, universe)
        objectives = [row_of(cell) for cell in stat.cells]
        boxes = []
        for objective in objectives:   # the linear relaxation's range of each cell
            ends = [float(sign * _solve(problem, sign * objective, integral=False).fun) for sign in (1, -1)]
            boxes.append(range(int(np.ceil(ends[0] - 1e-6)), int(np.floor(ends[1] + 1e-6)) + 1))
        size = int(np.prod([len(b) for b in boxes]))
        if size > limit:
            rows.append({"label": stat.label, "completions": size, "matching": np.nan, "ok": True,
                         "reason": f"not enumerated: {size} completions"})
            continue
        half = 0.5 * 10 ** -stat.decimals
        # only completions that reproduce the printed value matter: are two of them possible?
        candidates = [v for v in itertools.product(*boxes)
                      if abs(stat.function(v) - stat.value) <= half + 1e-9]
        feasible, found = 0, None
        for values in candidates:
            if _feasible_all(problem, objectives, values):
                feasible, found = feasible + 1, values
                if feasible == 2:
                    break
        # one matching completion reveals the hidden cells only if the facts allowed another
        ok = feasible != 1 or not any(_feasible_all(problem, objectives, v)
                                      for v in itertools.product(*boxes) if v != found)
        rows.append({"label": stat.label, "completions": size, "matching": feasible, "ok": ok,
                     "reason": "" if ok else f"only one of the {size} completions of its table reproduces it"})
    return pd.DataFrame(rows, columns=["label", "completions", "matching", "ok", "reason"])


def _feasible_all(problem: dict, objectives: list[np.ndarray], values) -> bool:
    constraints = list(problem["constraints"]) + [
        LinearConstraint(np.array(objectives), np.array(values, dtype=float), np.array(values, dtype=float))]
    result = milp(c=np.zeros(len(objectives[0])), constraints=constraints, integrality=problem["integrality"],
                  bounds=problem["bounds"], options={"time_limit": 60})
    return result.status == 0


def _problem(model: Model, universe: Universe):
    """The whole universe's programme (every fact, every hidden cell at least one person)
    and a function giving a cell's row of coefficients."""
    facts = [f for f in model.facts if f.cell.universe == universe.name]
    hidden = [(c, label) for c, label in model.hidden if c.universe == universe.name]
    captured = {}

    def keep(problem, row_of):
        captured["problem"], captured["row_of"] = problem, row_of
        return []
    cells = tuple(dict.fromkeys(c for stat in model.statistics if stat.cells[0].universe == universe.name
                                for c in stat.cells))
    _audit_junction(universe, set(universe.attributes), facts, hidden, 1, on_problem=keep, extra_cells=cells)
    return captured["problem"], captured["row_of"]
