"""The survey codebook (Bilag 15-16 of seed 004, data/reference/questionnaire.yml) and the
survey appendices Bilag 2-11 (data/reference/survey_appendices.yml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from analysis.editions import REPO


CODEBOOK = REPO / "data" / "reference" / "questionnaire.yml"
APPENDICES = REPO / "data" / "reference" / "survey_appendices.yml"
WAVES = {1: "Før kursus", 2: "Efter kursus", 3: "3 mdr. efter kursus"}
WAVE_TEXT = {1: "før kursus", 2: "efter kursus", 3: "tre mdr. efter kursus"}
# the items of seed 001's chart "Efter kurset oplever jeg, at jeg er blevet bedre til at..."
# (l.789-795), over which it gives the range of "hverken enig eller uenig" (l.785); its other
# statements about udbytte are in its appendix (l.797: "Se bilag ...")
PILOT_MESTRING_ITEMS = ("udbytte_beslutninger", "udbytte_maal", "udbytte_problemloesning", "udbytte_bevaegelse")
# answer options that are not a point on the question's scale
NON_SUBSTANTIVE = {"Ved ikke", "Ikke relevant", "Ønsker ikke at svare"}
WHO5_ITEMS = ("who5_glad", "who5_rolig", "who5_aktiv", "who5_frisk", "who5_interesse")
WHO5_BANDS = [(0, 35, "stor risiko for depression eller stressbelastning"),
              (36, 50, "risiko for depression eller stressbelastning"),
              (51, 100, "ingen forhøjet risiko")]
# the mean trivselsscore of the Danish population (Sundhedsstyrelsen 2017, WHO-5 guide)
WHO5_POPULATION = 68
# the key of a share or count of survey answers: the options `codes` (joined by '+': the
# options together) of `qid` in wave `wave`, as a percentage of those who answered or a count
SHARE_KEY = re.compile(r"^survey\.(?P<qid>\w+)\.w(?P<wave>\d)\.(?P<codes>[\d+]+)\.(?P<what>pct|count)$")


# ---------------------------------------------------------------- the codebook

@dataclass(frozen=True)
class Option:
    code: int
    label: str
    points: int | None = None

    @property
    def substantive(self) -> bool:
        return self.label not in NON_SUBSTANTIVE


@dataclass(frozen=True)
class Condition:
    """Skip logic: `<question> == <code>`, `!= <code>` or `contains <code>`."""
    question: str
    op: str
    code: int

    PATTERN = re.compile(r"^\s*(\w+)\s*(==|!=|contains)\s*(\d+)\s*$")

    @classmethod
    def parse(cls, text: str) -> "Condition":
        match = cls.PATTERN.match(text)
        if not match:
            raise ValueError(f"asked_if {text!r}: expected '<id> == <code>', '!=' or 'contains'")
        return cls(match[1], match[2], int(match[3]))

    def holds(self, answers: pd.Series) -> pd.Series:
        """Who is asked, given the answers to `question` (missing answer: not asked)."""
        if self.op == "contains":
            return answers.map(lambda v: isinstance(v, frozenset) and self.code in v).astype(bool)
        known = answers.notna()
        if self.op == "==":
            return known & (answers == self.code)
        return known & (answers != self.code)

    def __str__(self) -> str:
        return f"{self.question} {self.op} {self.code}"


@dataclass(frozen=True)
class Question:
    id: str
    bilag: int
    page: str
    number: int
    section: str
    text: str
    type: str                      # single | multi | number | text
    waves: tuple[int, ...]
    options: tuple[Option, ...] = ()
    stem: str | None = None
    asked_if: Condition | None = None
    minimum: int | None = None
    maximum: int | None = None
    note: str | None = None
    unordered: bool = False        # options without a best and a worst (e.g. the device used)

    @property
    def codes(self) -> list[int]:
        return [o.code for o in self.options]

    def label(self, code: int) -> str:
        return next(o.label for o in self.options if o.code == code)

    @property
    def full_text(self) -> str:
        """The wording with its group's lead: 'I de sidste to uger … har jeg været glad ...'."""
        if not self.stem:
            return self.text
        text = self.text.lstrip(".… ")
        return f"{self.stem.rstrip('.… ')} … {text[0].lower()}{text[1:]}"


@dataclass(frozen=True)
class Codebook:
    questions: dict[str, Question]
    notes: tuple[str, ...] = ()
    name: str = CODEBOOK.name      # the file it was read from, for messages

    def __getitem__(self, qid: str) -> Question:
        return self.questions[qid]

    def in_wave(self, wave: int) -> list[Question]:
        return [q for q in self.questions.values() if wave in q.waves]


def load_codebook(path: Path = CODEBOOK) -> Codebook:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    scales = {name: tuple(Option(int(o["code"]), str(o["label"]), o.get("points")) for o in options)
              for name, options in (raw.get("scales") or {}).items()}
    questions: dict[str, Question] = {}
    for q in raw["questions"]:
        if q["id"] in questions:
            raise ValueError(f"{path}: question id {q['id']!r} appears twice")
        options = q.get("options")
        if isinstance(options, dict) and "scale" in options:
            options = scales[options["scale"]]
        elif q.get("scale"):
            options = scales[q["scale"]]
        else:
            options = tuple(Option(int(o["code"]), str(o["label"]), o.get("points")) for o in options or ())
        if [o.code for o in options] != list(range(1, len(options) + 1)):
            raise ValueError(f"{path}: question {q['id']!r}: option codes must run 1..k in order")
        condition = Condition.parse(q["asked_if"]) if q.get("asked_if") else None
        if condition and condition.question not in questions:
            raise ValueError(f"{path}: question {q['id']!r}: asked_if refers to {condition.question!r}, "
                             "which is not an earlier question")
        questions[q["id"]] = Question(
            id=q["id"], bilag=int(q["bilag"]), page=str(q.get("page", "")), number=int(q["number"]),
            section=str(q.get("section", "")), text=str(q["text"]).strip(), type=q["type"],
            waves=tuple(int(w) for w in q["waves"]), options=tuple(options), stem=q.get("stem"),
            asked_if=condition, minimum=q.get("min"), maximum=q.get("max"), note=q.get("note"),
            unordered=bool(q.get("unordered", False)))
    return Codebook(questions, tuple(raw.get("notes") or ()), Path(path).name)



# ---------------------------------------------------------------- the appendices Bilag 2-11

@dataclass(frozen=True)
class Appendix:
    number: int
    title: str
    questions: tuple[str, ...]


def load_appendices(path: Path = APPENDICES) -> list[Appendix]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [Appendix(int(a["bilag"]), str(a["title"]), tuple(a["questions"])) for a in raw]


