"""Codebook edits as data: each returns a new validated codebook and says what changed."""

import pytest

from analysis.codebook import codebook_from_dict
from analysis.codebook_edit import (
    CodebookEditError,
    ThemeChange,
    add_theme,
    change_theme,
    describe_changes,
    merge_themes,
)


def book():
    return codebook_from_dict(
        {
            "kind": "codebook",
            "name": "test",
            "stages": {
                "reporting": {
                    "themes": [
                        {
                            "id": "believed",
                            "label": "Being believed",
                            "definition": "Believed or not.",
                            "indicators": ["believed (+)"],
                            "examples": ["They believed me."],
                        },
                        {
                            "id": "doubted",
                            "label": "Doubted",
                            "definition": "Doubted.",
                            "indicators": ["doubted (-)", "believed (+)"],
                            "subthemes": [
                                {"id": "blamed", "label": "Blamed", "definition": "Blamed."}
                            ],
                        },
                    ]
                },
                "recovery": {
                    "themes": [{"id": "support", "label": "Support", "definition": "Help."}]
                },
            },
        }
    )


def test_adding_a_theme_makes_an_id_from_its_label_and_keeps_the_original():
    original = book()
    new, theme_id = add_theme(original, ThemeChange("Kept informed!", "Updates.", "reporting"))
    assert theme_id == "kept_informed"
    assert new.theme("kept_informed").stage == "reporting"
    assert "kept_informed" not in original.theme_ids
    again, second = add_theme(new, ThemeChange("Kept  informed", "Other.", "recovery"))
    assert second == "kept_informed_2"  # different label spacing, same words: a new id
    assert describe_changes(new, again) == ["added kept_informed_2 (Kept informed)"]


def test_a_sub_theme_takes_its_parents_stage():
    new, theme_id = add_theme(book(), ThemeChange("Rude", "Rudeness.", "recovery", "doubted"))
    assert new.theme(theme_id).stage == "reporting"
    assert new.theme(theme_id).parent == "doubted"


def test_moving_a_theme_to_another_stage_takes_its_sub_themes_along():
    new = change_theme(book(), "doubted", ThemeChange("Doubted", "Doubted.", "recovery"))
    assert new.theme("doubted").stage == "recovery"
    assert new.theme("blamed").stage == "recovery"
    assert describe_changes(book(), new) == [
        "doubted moved from stage reporting to recovery",
        "blamed moved from stage reporting to recovery",
    ]


def test_renaming_changes_the_label_and_keeps_the_id():
    new = change_theme(book(), "believed", ThemeChange("Believed", "New words.", "reporting"))
    assert new.theme("believed").label == "Believed"
    assert describe_changes(book(), new) == [
        "renamed believed: Being believed → Believed",
        "definition of believed changed",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (ThemeChange("", "x", "reporting"), "label"),
        (ThemeChange("New", " ", "reporting"), "definition"),
        (ThemeChange("New", "x", "nowhere"), "stage"),
        (ThemeChange("New", "x", None, "missing"), "parent"),
        (ThemeChange("Doubted", "x", None), "label"),
    ],
)
def test_bad_edits_name_their_field(change, field):
    with pytest.raises(CodebookEditError) as raised:
        add_theme(book(), change)
    assert raised.value.field == field


def test_a_theme_cannot_become_its_own_descendant():
    with pytest.raises(CodebookEditError) as raised:
        change_theme(book(), "doubted", ThemeChange("Doubted", "Doubted.", None, "blamed"))
    assert raised.value.field == "parent"


def test_merging_keeps_the_target_and_gains_the_sources_words_and_sub_themes():
    new = merge_themes(book(), "doubted", "believed")
    assert "doubted" not in new.theme_ids
    target = new.theme("believed")
    assert target.label == "Being believed"
    assert target.indicators == ("believed (+)", "doubted (-)")
    assert new.theme("blamed").parent == "believed"
    assert "removed doubted" in describe_changes(book(), new)


def test_merging_a_theme_into_itself_or_its_sub_theme_is_refused():
    for source, target in (("doubted", "doubted"), ("doubted", "blamed"), ("x", "believed")):
        with pytest.raises(CodebookEditError):
            merge_themes(book(), source, target)
