"""The SPSS system file writer: names SPSS accepts, labels in UTF-8, strings cut at character
boundaries, missing values, dates; each file opened with GNU PSPP."""

import datetime

from analysis.spss import MAX_NAME, Variable, sav_bytes, spss_name
from tests.spss_files import read_sav


def test_names_are_valid_unique_and_close_to_the_column():
    taken: set[str] = set()
    assert spss_name("crime_type__hate_crime", taken) == "crime_type__hate_crime"
    assert spss_name("with", taken) == "with_"  # a reserved word
    assert spss_name("2nd_answer", taken) == "v_2nd_answer"
    assert spss_name("a-b c", taken) == "a_b_c"
    assert spss_name("CRIME_TYPE__HATE_CRIME", taken) == "CRIME_TYPE__HATE_CRIME_2"
    long = spss_name("x" * 100, taken)
    assert len(long) == MAX_NAME and spss_name("x" * 100, taken).endswith("_2")


def test_labels_codes_missing_values_and_dates_read_back_in_pspp(tmp_path):
    variables = [
        Variable("response_id", "Random identifier", "string"),
        Variable("submitted_on", "Date submitted", "date", measure="scale"),
        Variable(
            "treated",
            "How well were you treated?",
            "number",
            {5: "Very well", 1: "Very badly"},
            "ordinal",
        ),
        Variable(
            "area_status",
            "Status: Where did it happen?",
            "string",
            {"answered": "Answered", "prefer_not_to_say": "Prefer not to say – ‘quoted’ é"},
        ),
        Variable(
            "channel",
            "Channel",
            "string",
            {"online": "Online", "paper": "Paper"},
            blank_missing=True,
        ),
        Variable("when", "Wörds “curly” and long " + "é" * 200, "string"),
        Variable("age", "Age", "number", measure="scale"),
    ]
    rows = [
        ["r1", datetime.date(2014, 10, 1), 5, "answered", "online", "2014-09", 34],
        ["r2", "2015-03-31", None, "prefer_not_to_say", "paper", "é" * 300, None],
    ]
    path = tmp_path / "file.sav"
    path.write_bytes(sav_bytes(variables, rows, "Victims' experience survey"))
    read = read_sav(path)
    assert list(read.variables) == [v.name for v in variables]
    assert read.variables["treated"]["Measurement Level"] == "Ordinal"
    assert read.variables["age"]["Measurement Level"] == "Scale"
    assert read.variables["submitted_on"]["Print Format"] == "SDATE10"
    assert read.variables["area_status"]["Label"] == "Status: Where did it happen?"
    # A long label is cut to SPSS's 255 bytes, never inside a character.
    assert read.variables["when"]["Label"].startswith("Wörds “curly” and long é")
    assert len(read.variables["when"]["Label"].encode()) <= 255
    assert read.value_labels["area_status"]["prefer_not_to_say"] == "Prefer not to say – ‘quoted’ é"
    assert read.value_labels["treated"] == {"1": "Very badly", "5": "Very well"}
    first, second = read.values
    assert (first["response_id"], first["treated"], first["age"]) == ("r1", "5", "34")
    assert first["submitted_on"] == "10/01/2014" and second["submitted_on"] == "03/31/2015"
    assert (second["treated"], second["age"]) == ("", "")  # system-missing
    assert second["when"] == "é" * 127  # 255 bytes at most, whole characters
    assert read.labels[1]["area_status"] == "Prefer not to say – ‘quoted’ é"
    assert read.labels[0]["treated"] == "Very well"
    # channel's blank is user-missing (in its variable record); area_status's is not. Wider
    # strings (record 7.22) are checked on the export's area.
    assert read.variables["channel"]["Missing Values"] == '"      "'
    assert read.variables["area_status"].get("Missing Values", "") == ""
