"""Time paper questionnaire rendering: page count layout, then N copies, standard and large.

Run: python -m bench.paper_render [--copies 5]
"""

import argparse
import time
from pathlib import Path

from survey_app.paper import pages_per_copy, render_paper_pdf
from survey_app.questionnaire import load_questionnaire

SURVEY = Path(__file__).resolve().parents[1] / "questionnaires" / "victims-experience-survey.yaml"


def main() -> None:
    """Print seconds and sizes for the shipped victims' survey."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=5)
    args = parser.parse_args()
    definition = load_questionnaire(SURVEY)
    serials = [f"BENCH-{number:04d}" for number in range(1, args.copies + 1)]
    for large in (False, True):
        name = "large" if large else "standard"
        start = time.perf_counter()
        pages = pages_per_copy(definition, large)
        counted = time.perf_counter() - start
        start = time.perf_counter()
        pdf = render_paper_pdf(definition, serials, large)
        seconds = time.perf_counter() - start
        print(
            f"{name}: {pages} pages a copy; counting {counted:.1f} s; {args.copies} copies "
            f"{seconds:.1f} s ({seconds / args.copies:.2f} s a copy), {len(pdf) / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
