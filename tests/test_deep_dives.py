"""The deep dives' qualitative material: the bundled file loads with the expected structure,
every bad input stops with the file, the key and the reason, the compute stage publishes
it as the bundle's document and the render side rebuilds it unchanged, and the render
helpers give the chapter's text, table and figures."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jupytext
import matplotlib
import pytest
import yaml

from analysis.bundle.deep_dives import DOCUMENT, from_document, to_document
from analysis.bundle.store import Bundle, BundleError, BundleWriter
from analysis.compute import qualitative
from analysis.editions import REPO, get_edition
from analysis.errors import DataError
from analysis.qualitative.deep_dives import QualitativeError, load
from analysis.report import deep_dives as dd_

matplotlib.use("Agg")
BUNDLED = REPO / "data" / "qualitative" / "deep_dives.yml"


@pytest.fixture(scope="module")
def dd():
    return load()


@pytest.fixture()
def raw():
    return yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


def write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "deep_dives.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def fails(tmp_path: Path, raw: dict, key: str, reason: str) -> QualitativeError:
    path = write(tmp_path, raw)
    with pytest.raises(QualitativeError) as info:
        load(path)
    error = info.value
    assert error.key == key, str(error)
    assert str(path) in str(error) and repr(key) in str(error) and re.search(reason, str(error)), str(error)
    assert isinstance(error, DataError)   # the build's handling of bad input applies
    return error


# ---------------------------------------------------------------- the bundled material

def test_bundled_file_has_the_sources_structure(dd):
    assert [m.name for m in dd.municipalities] == ["Aalborg Kommune", "Frederikshavn Kommune",
                                                    "Stevns Kommune", "Viborg Kommune"]
    assert len(dd.pseudonyms) == len(dd.municipalities) == 4
    assert [a.participants for a in dd.method.activities] == [("koordinator", "sagsbehandler"), ("leder",),
                                                              ("kursist",)]
    assert dd.method.when is None and len(dd.method.other_sources) == 3
    assert [t.id for t in dd.themes] == ["organisering", "visitation", "koordinator", "setup", "tilbudsvifte"]
    assert all(dd.findings_for(t.id) for t in dd.themes)   # every theme has findings
    assert len(dd.coordinator_box.criteria) == 5
    assert [p.id for p in dd.personas] == ["koordinator", "leder", "kursist"]
    assert [d for d, _ in dd.scale.dimensions] == ["naerhed", "relevans", "udbytte"]
    assert (dd.scale.min, dd.scale.max, dd.scale.low, dd.scale.high) == (1, 5, "Lav", "Høj")
    team, = dd.team_diagram.teams
    assert team.municipalities == ("X", "Y", "Z", "W", "Q")
    assert dd.quotes and all(q.synthetic and q.interview and q.municipality in dd.pseudonyms for q in dd.quotes)


def test_bundled_personas_follow_the_persona_texts(dd, raw):
    """The source's markers cannot be read; the values follow its texts: the coordinator is
    close to the project, the leader further away, the participant finds the course relevant."""
    coordinator, leader, participant = (dd.persona(p).sliders for p in ("koordinator", "leder", "kursist"))
    assert coordinator["naerhed"] > leader["naerhed"]
    assert min(coordinator.values()) >= 4 and participant["relevans"] >= 4 and participant["udbytte"] >= 4
    assert all(p["slider_basis"] for p in raw["personas"])   # the file says how they were set


def test_bundled_quotes_are_not_the_sources_quotes(dd):
    """The quotes are written for this report: none repeats a sentence of the original."""
    originals = ["første skridt på vejen", "noget livskvalitet", "driftig koordinator",
                 "det var 100 procent", "ikke er jobcenter og kommune"]
    for quote in dd.quotes:
        assert not any(o in quote.text for o in originals), quote.text


# ---------------------------------------------------------------- checks on bad input

def test_unknown_theme_id_in_a_finding(tmp_path, raw):
    raw["findings"][3]["theme"] = "visitering"
    fails(tmp_path, raw, "findings[3].theme", r"unknown theme id 'visitering' \(known: .*organisering")


def test_unknown_municipality_in_a_finding(tmp_path, raw):
    raw["findings"][0]["from"] = ["A", "E"]
    fails(tmp_path, raw, "findings[0].from[1]", r"unknown municipality \(pseudonym\) id 'E'")


def test_unknown_theme_id_in_a_quote(tmp_path, raw):
    raw["quotes"][0]["theme"] = "nyt_tema"
    fails(tmp_path, raw, "quotes[0].theme", "unknown theme id 'nyt_tema'")


def test_persona_slider_outside_the_scale(tmp_path, raw):
    raw["personas"][1]["sliders"]["naerhed"] = 7
    fails(tmp_path, raw, "personas[1].sliders.naerhed", "7 is outside the scale 1–5 \\(Lav–Høj\\)")


def test_persona_slider_below_the_scale(tmp_path, raw):
    raw["personas"][0]["sliders"]["udbytte"] = 0.5
    fails(tmp_path, raw, "personas[0].sliders.udbytte", "0.5 is outside the scale")


def test_persona_slider_missing_or_unknown_dimension(tmp_path, raw):
    del raw["personas"][2]["sliders"]["relevans"]
    fails(tmp_path, raw, "personas[2].sliders.relevans", "missing")
    raw = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    raw["personas"][2]["sliders"]["motivation"] = 3
    fails(tmp_path, raw, "personas[2].sliders.motivation", "unknown dimension id 'motivation'")


def test_persona_slider_must_be_a_number(tmp_path, raw):
    raw["personas"][0]["sliders"]["naerhed"] = "Høj"
    fails(tmp_path, raw, "personas[0].sliders.naerhed", "expected a number")


def test_quote_without_synthetic(tmp_path, raw):
    del raw["quotes"][2]["synthetic"]
    fails(tmp_path, raw, "quotes[2].synthetic", "missing: say `synthetic: true`")


def test_a_quote_needs_its_source(tmp_path, raw):
    del raw["quotes"][0]["interview"]
    fails(tmp_path, raw, "quotes[0].interview", "missing")


def test_a_quote_names_a_known_municipality_and_chapter(tmp_path, raw):
    raw["quotes"][0]["municipality"] = "Q"
    fails(tmp_path, raw, "quotes[0].municipality", "unknown pseudonym")
    raw["quotes"][0]["municipality"] = "A"
    raw["quotes"][0]["chapter"] = "no_such_chapter"
    fails(tmp_path, raw, "quotes[0].chapter", "no chapter")


def test_synthetic_must_be_true_or_false(tmp_path, raw):
    raw["quotes"][1]["synthetic"] = "ja"
    fails(tmp_path, raw, "quotes[1].synthetic", "expected true or false")


def test_one_pseudonym_per_municipality(tmp_path, raw):
    del raw["pseudonyms"]["D"]
    fails(tmp_path, raw, "pseudonyms", "3 pseudonyms for 4 municipalities")


def test_duplicate_theme_id(tmp_path, raw):
    raw["themes"][1]["id"] = "organisering"
    fails(tmp_path, raw, "themes", "used twice")


def test_unknown_key_is_not_ignored(tmp_path, raw):
    raw["themes"][0]["sumary"] = "tastefejl"
    fails(tmp_path, raw, "themes[0].sumary", "unknown key")


def test_missing_section(tmp_path, raw):
    del raw["coordinator_box"]
    fails(tmp_path, raw, "coordinator_box", "missing")


def test_fields_no_page_shows_are_still_checked(tmp_path, raw):
    raw["method"]["activities"][0]["kind"] = "workshop"
    fails(tmp_path, raw, "method.activities[0].kind", "unknown id 'workshop'")
    raw = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    raw["themes"][2]["page"] = "59"
    fails(tmp_path, raw, "themes[2].page", "expected a whole number")
    raw = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    del raw["team_diagram"]["description"]
    fails(tmp_path, raw, "team_diagram.description", "missing")


def test_unknown_role(tmp_path, raw):
    raw["findings"][0]["roles"] = ["borgmester"]
    fails(tmp_path, raw, "findings[0].roles[0]", "unknown role id 'borgmester'")


def test_team_with_unknown_municipality(tmp_path, raw):
    raw["team_diagram"]["teams"][0]["municipalities"].append("V")
    fails(tmp_path, raw, "team_diagram.teams[0].municipalities[5]", "unknown municipality id 'V'")


def test_municipality_on_no_team(tmp_path, raw):
    raw["team_diagram"]["teams"][0]["municipalities"].remove("Q")
    fails(tmp_path, raw, "team_diagram.municipalities.Q", "on no team")


def test_scale_min_below_max(tmp_path, raw):
    raw["persona_scale"]["min"] = 5
    fails(tmp_path, raw, "persona_scale", "min \\(5\\) must be below max")


def test_not_yaml_and_missing_file(tmp_path):
    path = tmp_path / "deep_dives.yml"
    path.write_text("themes: [unclosed\n", encoding="utf-8")
    with pytest.raises(QualitativeError, match="not valid YAML"):
        load(path)
    with pytest.raises(QualitativeError, match="does not exist"):
        load(tmp_path / "none.yml")


def test_dates_and_counts_when_known(tmp_path, raw):
    raw["municipalities"][0]["visited"] = "2025-03-14"
    raw["municipalities"][0]["participants"] = 6
    d = load(write(tmp_path, raw))
    frame = dd_.municipality_frame(d)
    assert list(frame.columns) == ["Kommune", "Region", "Rolle", "Besøgsdag", "Deltagere"]
    assert frame.iloc[0]["Deltagere"] == "6" and frame.iloc[1]["Deltagere"] == "ikke oplyst"
    raw["municipalities"][0]["participants"] = -1
    fails(tmp_path, raw, "municipalities[0].participants", "cannot be negative")


# ---------------------------------------------------------------- through the bundle

def test_document_round_trip_keeps_content_and_order(dd):
    """The bundle writes JSON with sorted keys; the material comes back equal, in the file's
    order (pseudonyms, roles and the diagram's municipalities are shown in that order)."""
    doc = json.loads(json.dumps(to_document(dd), ensure_ascii=False, sort_keys=True))
    back = from_document(doc)
    assert back == dd
    assert list(back.roles) == list(dd.roles) != sorted(dd.roles)
    assert list(back.team_diagram.municipalities) == ["X", "Y", "Z", "W", "Q"]
    assert isinstance(back.findings[0].sources, tuple) and isinstance(back.method.activities, tuple)


def test_document_holds_only_what_the_chapter_shows(dd):
    text = json.dumps(to_document(dd), ensure_ascii=False)
    for unshown in ('"slider_basis"', '"page"', '"kind"', '"description"', "Deloitte (2025)", "side 56-64"):
        assert unshown not in text, unshown
    for shown in (dd.lead, dd.quotes[0].text, dd.persona("leder").summary, dd.municipalities[0].name):
        assert json.dumps(shown, ensure_ascii=False) in text


def test_document_of_another_format_is_refused(dd):
    doc = to_document(dd)
    doc["format"] = 2
    with pytest.raises(BundleError, match="format 2"):
        from_document(doc)


def test_compute_section_publishes_the_document_and_the_counts(dd, tmp_path):
    w = BundleWriter()
    qualitative.publish(SimpleNamespace(edition=get_edition("final-2025")), w)
    assert w.documents[DOCUMENT] == to_document(dd)
    scalars = {row["key"]: row for row in w.scalars}
    assert scalars["deep_dives.fund"]["value"] == len(dd.findings) == 28
    assert scalars["deep_dives.holdkommuner"]["value"] == len(dd.team_diagram.municipalities)
    assert {row["page"] for row in w.scalars} == {"deep_dives"} and len(scalars) == 8
    # the render side reads it back from a written bundle
    w.write(tmp_path / "bundle", {"edition": "final-2025", "min_cell": 3, "inference": "team"})
    assert dd_.material(Bundle.open(tmp_path / "bundle")) == dd
    # an edition without the chapter gets neither
    w = BundleWriter()
    qualitative.publish(SimpleNamespace(edition=get_edition("pilot-2024")), w)
    assert not w.documents and not w.scalars


def test_render_side_does_not_reach_the_loader():
    """A chapter may not import analysis.qualitative; the render module rebuilds the material
    from the bundle alone."""
    code = ("import sys, analysis.report.deep_dives; "
            "print([m for m in sys.modules if m.startswith(('analysis.qualitative', 'analysis.compute'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- what the chapter shows

def test_theme_text_has_findings_per_municipality_and_marked_quotes(dd):
    text = dd_.theme_markdown(dd, "visitation")
    assert dd.theme("visitation").lead in text
    assert "**Kommune A, C og D:**" in text
    # the findings under a rubric (a heading the PDF keeps with the list), not a lone paragraph
    assert "```{rubric} Fund fra de enkelte kommuner\n```" in text
    assert text.count(dd_.SYNTHETIC_NOTE) == len(dd.quotes_for("visitation")) == 1
    assert "Sagsbehandler, Kommune B (fokusgruppeinterview;" in text
    assert "{pull-quote}" in text
    assert "**Alle kommuner:**" in dd_.theme_markdown(dd, "setup")


def test_overview_counts_findings_per_theme_and_municipality(dd):
    frame = dd_.overview_frame(dd)
    assert list(frame.columns) == ["Tema", "A", "B", "C", "D", "Fund i alt", "Roller bag fundene"]
    assert list(frame["Tema"]) == [t.title for t in dd.themes]
    for theme, row in zip(dd.themes, frame.itertuples(index=False)):
        findings = dd.findings_for(theme.id)
        assert int(row[5]) == len(findings)
        for i, ident in enumerate("ABCD", start=1):
            n = sum(ident in f.sources for f in findings)
            assert row[i] == (str(n) if n else "–")


def test_coordinator_box_is_an_admonition(dd):
    text = dd_.coordinator_box_markdown(dd)
    assert text.startswith(":::{admonition} ") and text.endswith(":::")
    assert all(f"- {c}" in text for c in dd.coordinator_box.criteria)


def test_a_persona_section_leads_with_its_summary(dd):
    persona = dd.personas[0]
    lead = dd_.persona_lead(dd, persona.id)
    assert lead.startswith("**") and lead.endswith("**") and persona.summary.strip() in lead
    assert "\n\n" not in lead     # one paragraph


def test_check_all_shown_names_what_is_missing(tmp_path, raw):
    d = load(write(tmp_path, raw))
    for theme in d.themes[:-1]:
        dd_.theme_markdown(d, theme.id)
    for persona in d.personas:
        dd_.persona_markdown(d, persona.id)
    with pytest.raises(ValueError, match="does not show: theme 'tilbudsvifte'; add a section"):
        dd_.check_all_shown(d)
    dd_.theme_markdown(d, "tilbudsvifte")
    dd_.check_all_shown(d)


def test_figures_draw_sliders_and_teams(dd, tmp_path, raw):
    fig = dd_.persona_figure(dd, "leder")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Den kommunale leder" in texts and texts.count("Lav") == texts.count("Høj") == 3
    markers = [c.get_offsets()[0][0] for c in fig.axes[0].collections]
    assert len(markers) == 3 and markers[0] < markers[1]   # nærhed (2) left of relevans (3,5)
    fig = dd_.team_figure(dd)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"Kommune X", "Kommune Q"} <= set(texts)
    # several teams sharing a municipality draw too
    raw["team_diagram"]["teams"] = [{"id": "h1", "label": "Hold 1", "municipalities": ["X", "Y", "Z"]},
                                    {"id": "h2", "label": "Hold 2", "municipalities": ["Z", "W", "Q"]}]
    d = load(write(tmp_path, raw))
    centres, places, _ = dd_._team_layout(d.team_diagram, 7.0, 3.6)
    assert centres["h1"][0] < places["Z"][0] < centres["h2"][0]
    dd_.team_figure(d).savefig(tmp_path / "teams.png")


def test_chapter_prose_has_no_digits_and_a_section_per_theme(dd):
    """Until the chapter is in a table of contents, test_book's prose check does not see it."""
    notebook = jupytext.read(REPO / "chapters" / "deep_dives.md")
    role = re.compile(r"\{[a-z:-]+\}`[^`]*`")
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            text = line.strip()
            if text and not text.startswith(("#", "```", ":", "<!--")):
                assert not re.search(r"\d", role.sub("", text)), text
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for theme in dd.themes:
        assert f'theme_markdown(dd, "{theme.id}")' in code
    for persona in dd.personas:
        assert f'persona_markdown(dd, "{persona.id}")' in code
        assert f"{{glue:figure}} persona-{persona.id}" in "\n".join(c.source for c in notebook.cells)
