"""The populations the published numbers count, for the disclosure audit
(analysis.disclosure.audit): what an attacker knows about who could be in each cell.

* `enrolled`: every enrolled citizen of the edition: team (its phase follows from it, as
  Bilag 1 prints), status (completed or de-registered), gender, age group and visitation
  category ('ukendt' for a citizen the municipality did not register), why they are set
  aside from the register analysis ('sample' for those in it), municipality.
* `week <w>`: the citizens of the register sample with a panel row in relative week w (a
  team whose data end earlier has none): gender, age group, visitation category, phase,
  status and the score of the week (0-10, or 'na' for an excluded week). Weekly means,
  the time points of Tabel 6 and the two-point models are facts about these.
* `survey w<k>`: the citizens sent wave k, one attribute per question (the answer's code,
  or 'blank' for no answer; a multiple-choice question has an attribute per option, 0 or
  1, and 'blank' when the question was not answered).

Domains are what the documentation and the published tables tell: the category lists of
data/README.md and the codebook, the teams and municipalities of the extract (their names
are published).
"""
from __future__ import annotations

from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Cell, Universe
from analysis.readers.contracts import AGE_GROUPS, GENDERS, VISITATION

UNKNOWN = "ukendt"
SAMPLE = "sample"
STATUSES = ("gennemført", "afmeldt")
SCORES = tuple(range(11)) + ("na",)
# set-aside reasons of the enrolled citizens (analysis.register.extract.SET_ASIDE), and the sample
REASONS = (SAMPLE, "not_registered", "no_consent", "no_post_course_data", "no_dream_row")
ENROLLED = "enrolled"


def _registered_consistently(atom: dict) -> bool:
    """An unregistered citizen has no gender, age group or visitation category, and is set
    aside as 'not_registered'; a registered one has all three."""
    unknown = [atom[a] == UNKNOWN for a in ("koen", "alder", "visitation") if a in atom]
    if "reason" in atom:
        unknown.append(atom["reason"] == "not_registered")
    return all(unknown) or not any(unknown)


def enrolled(md: Microdata) -> Universe:
    """The enrolled citizens (module docstring); for an edition without register data,
    `enrolled_without_register`."""
    if not md.edition.register_data:
        return enrolled_without_register(md)
    reg = md.extract.registrations
    return Universe(ENROLLED, {
        "hold": tuple(sorted(reg["hold"].unique())),
        "status": STATUSES,
        "koen": tuple(GENDERS) + (UNKNOWN,),
        "alder": tuple(AGE_GROUPS) + (UNKNOWN,),
        "visitation": tuple(VISITATION) + (UNKNOWN,),
        "reason": REASONS,
        "kommune": tuple(sorted(reg["kommune"].unique())),
    }, valid=_registered_consistently, center=("status", "reason"),
        protect=(("status", "reason"), ("koen", "status", "reason"), ("alder", "status", "reason"),
                 ("visitation", "status", "reason"), ("hold", "status", "reason")))


REGISTERED = ("ja", "nej")
TOOL_ATTRIBUTES = ("visitation", "alder", "praktik", "screened")   # known for the registered only


def _registered_in_the_tool(atom: dict) -> bool:
    """A citizen the municipality registered (registreret = ja) has a visitation category,
    an age and the registration tool's fields; one it did not has none of them; a citizen
    screened answered every screening item, one not screened none (data/README.md)."""
    unknown = [atom[a] == UNKNOWN for a in TOOL_ATTRIBUTES if a in atom]
    if "registreret" in atom:
        unknown.append(atom["registreret"] == "nej")
    if any(unknown) and not all(unknown):
        return False
    items = [atom[a] for a in atom if a.startswith("screening_")]
    if "screened" in atom and items:
        return all(v == BLANK for v in items) if atom["screened"] != "ja" else not any(v == BLANK for v in items)
    return True


def enrolled_without_register(md: Microdata) -> Universe:
    """The enrolled citizens of an edition without register data (pilot-2023, seed 001):
    team, status, gender (of everyone), municipality, whether the municipality registered
    them, and for the registered the registration tool's fields: visitation category, age
    in whole years (the age bounds of data/reference/registration_tool.yml), internship
    status ('' not stated), screened or not and each screening item's answer. `alder` is
    the value a published mean age sums. Protected: status crossed with gender, visitation
    category, team and municipality (printed only as margins)."""
    from analysis.readers.contracts import registration_tool_spec
    reg = md.extract.registrations
    spec = registration_tool_spec()
    low, high = spec["age_bounds"]
    scale = tuple(range(spec["screening_scale"][0], spec["screening_scale"][1] + 1))
    attributes = {
        "hold": tuple(sorted(reg["hold"].unique())),
        "status": STATUSES,
        "koen": tuple(GENDERS) + (UNKNOWN,),
        "kommune": tuple(sorted(reg["kommune"].unique())),
        "registreret": REGISTERED,
        "visitation": tuple(VISITATION) + (UNKNOWN,),
        "alder": tuple(range(int(low), int(high) + 1)) + (UNKNOWN,),
        "praktik": tuple(spec["praktik_status"]) + ("", UNKNOWN),
        "screened": ("ja", "nej", UNKNOWN),
        **{item: scale + (BLANK,) for item in spec["screening"]},
    }
    # as for the register editions: no cross of status with a background attribute may be
    # derivable as a small cell, though none is printed
    return Universe(ENROLLED, attributes, value="alder", valid=_registered_in_the_tool,
                    protect=(("status",), ("koen", "status"), ("visitation", "status"), ("hold", "status"),
                             ("kommune", "status")))


def aged_cell(md: Microdata, low: int | None = None, high: int | None = None) -> Cell:
    """The registered citizens of an edition without register data whose age in the
    registration tool is within low..high (default: any age)."""
    ages = [a for a in enrolled(md).attributes["alder"] if a != UNKNOWN
            and (low is None or a >= low) and (high is None or a <= high)]
    return Cell.of(ENROLLED, alder=tuple(ages))


def teams_of_phase(md: Microdata, phase: str) -> tuple[str, ...]:
    reg = md.extract.registrations
    return tuple(sorted(reg.loc[reg["fase"].eq(phase), "hold"].unique()))


def enrolled_cell(md: Microdata, fase: str | None = None, sample: bool = False, registered: bool = False,
                  **where) -> Cell:
    """A cell of the enrolled citizens: `fase` (as the teams of that phase), `sample` (in the
    register analysis), `registered` (background known), and attributes of `enrolled`."""
    if fase is not None:
        where["hold"] = teams_of_phase(md, fase)
    if sample:
        where["reason"] = SAMPLE
    if registered and not {"koen", "alder", "visitation"} & set(where):
        where["koen"] = tuple(GENDERS)   # (a known gender, age or category implies registered)
    return Cell.of(ENROLLED, **where)


def week_name(week: int) -> str:
    return f"week {int(week)}"


def time_point_name(edition, key: str) -> str:
    """The universe of a named time point: its week, or (the pilot's Hold 10 rule, where a
    team's last week with data stands in for a later time point) a universe of its own."""
    week = edition.time_points[key]
    return f"time point {key}" if edition.last_available and week > 0 else week_name(week)


def week(name: str) -> Universe:
    """The universe `name` (from week_name or time_point_name)."""
    return Universe(name, {
        "koen": tuple(GENDERS), "alder": tuple(AGE_GROUPS), "visitation": tuple(VISITATION),
        "fase": ("pilot", "udbredelse"), "status": STATUSES, "score": SCORES}, value="score",
        center=("status", "score"),
        # a group's persons with a score in the week (the points of the figures); the scores
        # inside a group are pinned down only by its mean, not audited further
        protect=(("koen", "status"), ("alder", "status"), ("visitation", "status"), ("fase", "status")))


SCORED = tuple(range(11))   # a week with a score (not excluded)


def week_cell(name: str, **where) -> Cell:
    """A cell of the week universe `name`; `scored=True` keeps the persons with a score."""
    if where.pop("scored", False):
        where["score"] = SCORED
    return Cell.of(name, **where)


# the panel's columns -> the attribute names of the week universes
PANEL_ATTRIBUTES = {"koen": "koen", "aldersgruppe": "alder", "visitationskategori": "visitation", "fase": "fase",
                    "status": "status"}


def group_where(group) -> dict:
    """The cell of a model group (analysis.register.models.Group) in a week universe."""
    where = {"status": group.status}
    if group.column is not None:
        where[PANEL_ATTRIBUTES[group.column]] = group.values
    return where


# the panel's and registrations' columns -> the attributes of the enrolled universe
ENROLLED_ATTRIBUTES = {"koen": "koen", "aldersgruppe": "alder", "visitationskategori": "visitation"}


def enrolled_group_cell(md: Microdata, group) -> Cell:
    """The sample persons of a model group (analysis.register.models.Group) as a cell of
    the enrolled citizens."""
    where = {"status": group.status}
    if group.column == "fase":
        return enrolled_cell(md, sample=True, hold=tuple(t for phase in group.values
                                                          for t in teams_of_phase(md, phase)), **where)
    if group.column is not None:
        where[ENROLLED_ATTRIBUTES[group.column]] = group.values
    return enrolled_cell(md, sample=True, **where)


# ---------------------------------------------------------------- the survey waves

BLANK = "blank"


def survey_name(wave: int) -> str:
    return f"survey w{wave}"


def question_attributes(q) -> dict[str, tuple]:
    """A single-choice question: one attribute (the code, or 'blank'); a multiple-choice
    question: 'answered' or 'blank', and an attribute per option (1 chosen, 0 not)."""
    if q.type == "multi":
        return {q.id: ("answered", BLANK), **{f"{q.id}:{c}": (0, 1) for c in q.codes}}
    return {q.id: tuple(q.codes) + (BLANK,)}


def survey_wave(codebook, wave: int) -> Universe:
    """The respondents of a wave, an attribute per single- or multiple-choice question asked
    in it; an attacker knows the skip logic (a question not asked is blank) and that a
    multiple-choice question left blank has no option chosen."""
    questions = [q for q in codebook.questions.values() if q.type in ("single", "multi") and wave in q.waves]
    attributes = {}
    for q in questions:
        attributes.update(question_attributes(q))
    conditions = {q.id: q.asked_if for q in questions if q.asked_if is not None}
    multi = {q.id: [f"{q.id}:{c}" for c in q.codes] for q in questions if q.type == "multi"}

    def valid(atom: dict) -> bool:
        for qid, options in multi.items():
            if atom.get(qid) == BLANK and any(atom.get(o) == 1 for o in options):
                return False
        for qid, condition in conditions.items():
            parent = atom.get(condition.question)
            if atom.get(qid, BLANK) == BLANK or parent is None:
                continue
            if condition.op == "contains":
                if atom.get(f"{condition.question}:{condition.code}") == 0:
                    return False
            elif parent == BLANK or (parent == condition.code) != (condition.op == "=="):
                return False
        return True
    return Universe(survey_name(wave), attributes, valid=valid)


def answer_cell(q, wave: int, codes=None) -> Cell:
    """The respondents of `wave` who answered `q` (codes None) or chose one of `codes` (a
    single option of a multiple-choice question)."""
    if codes is None:
        return Cell.of(survey_name(wave), **{q.id: "answered" if q.type == "multi" else tuple(q.codes)})
    if q.type == "multi":
        (code,) = codes
        return Cell.of(survey_name(wave), **{f"{q.id}:{code}": 1})
    return Cell.of(survey_name(wave), **{q.id: tuple(codes)})


def invited_name(wave: int) -> str:
    return f"invited w{wave}"


def invited(wave: int) -> Universe:
    """The citizens sent wave `wave` (Tabel 2): answered or not. Not linked to the answers
    (the respondents are the universe survey_wave(wave)); the checker page says so."""
    return Universe(invited_name(wave), {"answered": ("ja", "nej")})


def pairs_name(first: int, second: int) -> str:
    return f"pairs w{first}-w{second}"


def change_domain(q) -> tuple[int, ...]:
    """The changes a person's answer to `q` can make on its scale (best = highest, the
    substantive options: analysis.survey.stats.ordinal_values), from worst to best."""
    k = sum(1 for o in q.options if o.substantive)
    return tuple(range(-(k - 1), k))


def pairs(questions: list, first: int, second: int) -> Universe:
    """The citizens who answered both waves `first` and `second`: per question, the change
    of their answer on its scale ('blank': not a pair on this question). Guarded: how many
    pairs rose, fell or stayed on each question (what the paired test rests on; issue 14,
    wave 3's seven answers), none of which may be derivable as 1..minimum-1."""
    attributes = {q.id: change_domain(q) + (BLANK,) for q in questions}
    name = pairs_name(first, second)
    guard = []
    for q in questions:
        values = change_domain(q)
        for label, chosen in (("rose", [v for v in values if v > 0]), ("fell", [v for v in values if v < 0]),
                              ("stayed", [0])):
            guard.append((f"{q.id} {label}", Cell.of(name, **{q.id: tuple(chosen)})))
    return Universe(name, attributes, guard=tuple(guard))


def pair_cell(q, first: int, second: int) -> Cell:
    """The pairs on question `q` between two waves (a change on its scale)."""
    return Cell.of(pairs_name(first, second), **{q.id: change_domain(q)})
