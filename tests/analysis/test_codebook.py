"""Tests for analysis.codebook: validation, the shipped codebook, and REFI-QDA/CSV/XLSX exchange."""

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from analysis.codebook import (
    QDC_NAMESPACE,
    CodebookError,
    codebook_from_dict,
    export_csv,
    export_qdc,
    export_xlsx,
    import_csv,
    import_qdc,
    import_xlsx,
    load_codebook,
    validate_qdc,
)

SHIPPED = Path(__file__).parents[2] / "questionnaires" / "codebooks" / "victims-services.yaml"


def small_codebook_data():
    """A minimal valid codebook as parsed YAML, with a sub-theme."""
    return {
        "kind": "codebook",
        "name": "tiny",
        "stages": {
            "engagement": {
                "label": "Engagement",
                "themes": [
                    {
                        "id": "kept_informed",
                        "label": "Kept informed",
                        "definition": "Updates about the case.",
                        "when_to_use": "Updates given or missing.",
                        "when_not_to_use": "Court dates.",
                        "examples": ["Nobody told me; he was out on bail."],
                        "indicators": ["kept informed", "not kept informed", "update"],
                        "subthemes": [
                            {
                                "id": "case_closure",
                                "label": "Case closure",
                                "definition": "Being told the case was closed.",
                                "indicators": ["case closed"],
                            }
                        ],
                    }
                ],
            }
        },
    }


def themes_as_dicts(codebook):
    """Comparable view of every theme (colour aside)."""
    return [
        (t.id, t.stage, t.parent, t.label, t.definition, t.when_to_use, t.when_not_to_use,
         t.examples, t.indicators)
        for t in codebook.all_themes()
    ]  # fmt: skip


def test_shipped_codebook_loads_with_all_three_stages_and_full_guidance():
    codebook = load_codebook(SHIPPED)
    assert codebook.stages == ["reporting", "engagement", "recovery"]
    for theme in codebook.all_themes():
        assert theme.definition and theme.when_to_use and theme.when_not_to_use, theme.id
        assert theme.examples and theme.indicators, theme.id
    counts = {s: len([t for t in codebook.themes if t.stage == s]) for s in codebook.stages}
    assert counts == {"reporting": 7, "engagement": 8, "recovery": 7}


def test_shipped_codebook_explains_idva_and_isva():
    codebook = load_codebook(SHIPPED)
    specialist = codebook.theme("specialist_support")
    assert "independent domestic violence adviser" in specialist.definition
    assert "independent sexual violence adviser" in specialist.definition
    assert [s.id for s in specialist.subthemes] == ["idva", "isva"]
    assert codebook.theme("idva").parent == "specialist_support"


def test_validation_names_file_theme_and_problem(tmp_path):
    data = small_codebook_data()
    theme = data["stages"]["engagement"]["themes"][0]
    del theme["definition"]
    theme["indicator"] = ["typo"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    problems = info.value.problems
    assert "broken.yaml: theme 'kept_informed': 'definition' is required" in problems
    assert "broken.yaml: theme 'kept_informed': unknown key 'indicator'" in problems


def test_validation_rejects_wrong_kind_unknown_stage_and_duplicate_ids():
    data = small_codebook_data()
    data["kind"] = "questionnaire"
    data["stages"]["aftermath"] = {"themes": []}
    sub = data["stages"]["engagement"]["themes"][0]["subthemes"][0]
    sub["id"] = "kept_informed"
    with pytest.raises(CodebookError) as info:
        codebook_from_dict(data, source="x.yaml")
    text = str(info.value)
    assert "x.yaml: 'kind' must be 'codebook'" in text
    assert "stage 'aftermath': unknown stage" in text
    assert "theme 'kept_informed': id used 2 times" in text


def test_validation_rejects_bad_id_and_non_list_indicators():
    data = small_codebook_data()
    theme = data["stages"]["engagement"]["themes"][0]
    theme["id"] = "Kept Informed"
    theme["indicators"] = "kept informed"
    with pytest.raises(CodebookError) as info:
        codebook_from_dict(data, source="y.yaml")
    assert "'id' must be lower case letters" in str(info.value)
    assert "'indicators' must be a list of non-empty strings" in str(info.value)


def test_missing_file_is_a_codebook_error(tmp_path):
    with pytest.raises(CodebookError, match="file not found"):
        load_codebook(tmp_path / "nope.yaml")


def test_version_changes_when_an_indicator_changes():
    data = small_codebook_data()
    before = codebook_from_dict(data).version
    data["stages"]["engagement"]["themes"][0]["indicators"].append("chasing")
    assert codebook_from_dict(data).version != before


def test_yaml_dump_round_trips(tmp_path):
    codebook = load_codebook(SHIPPED)
    codebook.dump_yaml(tmp_path / "copy.yaml")
    again = load_codebook(tmp_path / "copy.yaml")
    assert themes_as_dicts(again) == themes_as_dicts(codebook)
    assert again.version == codebook.version


def test_qdc_export_conforms_to_the_codebook_structure(tmp_path):
    path = tmp_path / "victims.qdc"
    export_qdc(load_codebook(SHIPPED), path)
    assert validate_qdc(path) == []
    root = ET.fromstring(path.read_bytes())  # noqa: S314 (our own output)
    q = f"{{{QDC_NAMESPACE}}}"
    assert root.tag == f"{q}CodeBook"
    stages = root.findall(f"{q}Codes/{q}Code")
    assert [s.get("isCodable") for s in stages] == ["false", "false", "false"]
    specialist = next(c for c in root.iter(f"{q}Code") if c.get("name").startswith("Specialist"))
    assert [c.get("name") for c in specialist.findall(f"{q}Code")] == [
        "IDVA (independent domestic violence adviser)",
        "ISVA (independent sexual violence adviser)",
    ]


def test_qdc_round_trip_gives_the_same_themes(tmp_path):
    codebook = load_codebook(SHIPPED)
    path = tmp_path / "victims.qdc"
    export_qdc(codebook, path)
    again = import_qdc(path)
    assert themes_as_dicts(again) == themes_as_dicts(codebook)
    assert again.stage_labels == codebook.stage_labels


def test_qdc_export_is_stable_between_runs(tmp_path):
    codebook = load_codebook(SHIPPED)
    export_qdc(codebook, tmp_path / "a.qdc")
    export_qdc(codebook, tmp_path / "b.qdc")
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "b.qdc").read_bytes()


def test_qdc_from_other_software_imports_with_plain_descriptions(tmp_path):
    path = tmp_path / "other.qdc"
    path.write_text(
        f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{QDC_NAMESPACE}" origin="Some QDA tool">
  <Codes>
    <Code guid="{{5215cc69-b628-4e02-afb9-9beeaee55808}}" name="Reporting" isCodable="false">
      <Code guid="d7aa29da-519b-4946-9b90-253b6db8fd0a" name="Fear of reprisal" isCodable="true"
            color="#ffff00"><Description>Worried about revenge</Description></Code>
    </Code>
    <Code guid="0DCEF2F5-E55C-49DA-8C33-9B0803C7AEB4" name="Other" isCodable="true">
      <Code guid="9fa9bcb7-5b59-47a9-8c3e-f65cffdc7520" name="Other: money" isCodable="true"/>
    </Code>
  </Codes>
  <Sets/>
</CodeBook>""",
        encoding="utf-8",
    )
    assert validate_qdc(path) == []
    codebook = import_qdc(path)
    fear = codebook.theme("fear_of_reprisal")
    assert (fear.stage, fear.definition) == ("reporting", "Worried about revenge")
    other = codebook.theme("other")
    assert other.stage is None
    assert [s.id for s in other.subthemes] == ["other_money"]


def test_validate_qdc_reports_bad_guid_missing_attribute_and_misplaced_description(tmp_path):
    path = tmp_path / "bad.qdc"
    path.write_text(
        f"""<CodeBook xmlns="{QDC_NAMESPACE}"><Codes>
<Code guid="not-a-guid" name="A" isCodable="yes"/>
<Code guid="d7aa29da-519b-4946-9b90-253b6db8fd0a" isCodable="true" color="yellow">
  <Code guid="9fa9bcb7-5b59-47a9-8c3e-f65cffdc7520" name="B" isCodable="true"/>
  <Description>late</Description>
</Code></Codes></CodeBook>""",
        encoding="utf-8",
    )
    problems = validate_qdc(path)
    assert any("does not match GUIDType" in p for p in problems)
    assert any("isCodable must be an xsd:boolean" in p for p in problems)
    assert any("required attribute 'name'" in p for p in problems)
    assert any("does not match RGBType" in p for p in problems)
    assert any("Description must come first" in p for p in problems)
    with pytest.raises(CodebookError):
        import_qdc(path)


def test_qdc_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "evil.qdc"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        f'<CodeBook xmlns="{QDC_NAMESPACE}"><Codes/></CodeBook>',
        encoding="utf-8",
    )
    assert any("DOCTYPE" in p for p in validate_qdc(path))


def test_csv_round_trip_gives_the_same_themes(tmp_path):
    codebook = load_codebook(SHIPPED)
    export_csv(codebook, tmp_path / "cb.csv")
    again = import_csv(tmp_path / "cb.csv")
    assert themes_as_dicts(again) == themes_as_dicts(codebook)


def test_csv_accepts_semicolon_separated_indicators(tmp_path):
    path = tmp_path / "typed.csv"
    path.write_text(
        "stage,id,parent_id,label,definition,indicators\n"
        "recovery,peer_support,,Peer support,Support from others,support group; not alone\n",
        encoding="utf-8",
    )
    theme = import_csv(path).theme("peer_support")
    assert theme.indicators == ("support group", "not alone")


def test_csv_missing_column_is_reported(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("stage,id,label\nrecovery,x,X\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="missing column"):
        import_csv(path)


def test_xlsx_round_trip_keeps_themes_and_metadata(tmp_path):
    codebook = load_codebook(SHIPPED)
    export_xlsx(codebook, tmp_path / "cb.xlsx")
    again = import_xlsx(tmp_path / "cb.xlsx")
    assert themes_as_dicts(again) == themes_as_dicts(codebook)
    assert (again.name, again.title) == (codebook.name, codebook.title)
    assert again.stage_labels == codebook.stage_labels


def codebook_with_formula_like_text():
    """The small codebook, with text a spreadsheet would run as a formula."""
    data = small_codebook_data()
    theme = data["stages"]["engagement"]["themes"][0]
    theme["definition"] = "@mentions of updates about the case."
    theme["examples"] = ["- they never called me back", '=HYPERLINK("http://x.example")']
    data["title"] = "=1+1"
    return codebook_from_dict(data, source="tiny.yaml")


def test_csv_export_neutralises_formulas_and_import_restores_them(tmp_path):
    codebook = codebook_with_formula_like_text()
    export_csv(codebook, tmp_path / "cb.csv")
    assert (tmp_path / "cb.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # for Excel
    with open(tmp_path / "cb.csv", newline="", encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh))
    assert row["definition"] == "'@mentions of updates about the case."
    assert row["examples"].startswith("'- they never called me back\n")
    again = import_csv(tmp_path / "cb.csv")
    assert themes_as_dicts(again) == themes_as_dicts(codebook)


def test_xlsx_export_writes_formulas_as_text_and_import_restores_them(tmp_path):
    from openpyxl import load_workbook

    codebook = codebook_with_formula_like_text()
    export_xlsx(codebook, tmp_path / "cb.xlsx")
    book = load_workbook(tmp_path / "cb.xlsx")
    cells = [cell for row in book["themes"].iter_rows() for cell in row]
    cells += [cell for row in book["codebook"].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'=1+1" in [cell.value for cell in cells]
    again = import_xlsx(tmp_path / "cb.xlsx")
    assert themes_as_dicts(again) == themes_as_dicts(codebook)
    assert again.title == "=1+1"


def test_csv_saved_by_excel_imports(tmp_path):
    """Windows-1252 and ";" separators, as Excel saves a CSV on some machines."""
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "stage;id;parent_id;label;definition;examples\r\n"
        "recovery;peer_support;;Peer support;Support from others \u2013 groups;caf\xe9 meet-ups\r\n"
        .encode("cp1252")
    )  # fmt: skip
    theme = import_csv(path).theme("peer_support")
    assert theme.definition == "Support from others \u2013 groups"
    assert theme.examples == ("caf\xe9 meet-ups",)


def test_csv_that_is_not_text_is_a_codebook_error(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"id,label,definition\n\x81\xff,x,y\n")
    with pytest.raises(CodebookError, match="neither UTF-8 nor Windows-1252"):
        import_csv(path)


def test_indicator_direction_markers_are_read_and_validated():
    from analysis.codebook import split_direction

    assert split_direction("kept me informed (+)") == ("kept me informed", "positive")
    assert split_direction("never told (-)") == ("never told", "negative")
    assert split_direction("update") == ("update", None)
    data = small_codebook_data()
    theme = data["stages"]["engagement"]["themes"][0]
    theme["indicators"] = ["kept informed (+)", "rude (-) (+)", "(-)", "ki(+)nd"]
    with pytest.raises(CodebookError) as info:
        codebook_from_dict(data, source="z.yaml")
    problems = info.value.problems
    assert len(problems) == 3
    assert (
        "indicator 'rude (-) (+)': a direction marker '(+)' or '(-)' may only come once"
        in (problems[0])
    )
    assert "indicator '(-)' has a direction but no words" in problems[1]
    assert "indicator 'ki(+)nd'" in problems[2]


def test_markers_survive_every_exchange_format(tmp_path):
    # Markers live inside the indicator strings, so the YAML schema, the CSV and XLSX columns
    # and the QDC descriptions are unchanged and carry them as they are.
    codebook = load_codebook(SHIPPED)
    assert any(i.endswith(" (-)") for t in codebook.all_themes() for i in t.indicators)
    for export, load, name in [
        (export_csv, import_csv, "c.csv"),
        (export_xlsx, import_xlsx, "c.xlsx"),
        (export_qdc, import_qdc, "c.qdc"),
    ]:
        export(codebook, tmp_path / name)
        back = load(tmp_path / name)
        assert [t.indicators for t in back.all_themes()] == [
            t.indicators for t in codebook.all_themes()
        ], name
