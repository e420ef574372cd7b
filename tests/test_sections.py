"""Which compute sections run for an edition: decided by its settings (register data, a
comparison group), one predicate per section, not by its table of contents."""
from dataclasses import replace

from analysis.compute.sections import SECTIONS, edition_sections
from analysis.editions import EDITIONS

REGISTER_ONLY = {"estimates", "design and data", "representativity", "activity", "employment score",
                 "subgroups", "level shift", "teams"}


def names(edition) -> list[str]:
    return [name for name, _ in edition_sections(edition)]


def test_an_edition_without_register_data_runs_no_register_section():
    ran = names(EDITIONS["pilot-2023"])
    assert not REGISTER_ONLY & set(ran)
    assert "effect against a comparison group" not in ran
    assert "pilot evaluation pages" in ran and ran[-1] == "keyed results"


def test_register_editions_run_their_sections_and_not_the_pilot_pages():
    final, pilot = names(EDITIONS["final-2025"]), names(EDITIONS["pilot-2024"])
    assert REGISTER_ONLY <= set(final) and REGISTER_ONLY <= set(pilot)
    assert "pilot evaluation pages" not in final + pilot
    assert "effect against a comparison group" in final
    assert "effect against a comparison group" not in pilot


def test_the_settings_decide_not_the_table_of_contents():
    final = EDITIONS["final-2025"]
    # the pilot-2023 book's pages with the final edition's settings: the same sections
    assert names(replace(final, toc=EDITIONS["pilot-2023"].toc)) == names(final)
    # the comparison-group setting alone switches the effect section
    assert "effect against a comparison group" not in names(replace(final, comparison_group=False))
    assert "effect against a comparison group" in names(replace(EDITIONS["pilot-2024"], comparison_group=True))
    # without register data a comparison group cannot be computed
    assert "effect against a comparison group" not in names(
        replace(EDITIONS["pilot-2023"], comparison_group=True))


def test_sections_keep_their_order():
    for edition in EDITIONS.values():
        order = [name for name, _, _ in SECTIONS]
        ran = names(edition)
        assert ran == sorted(ran, key=order.index)
