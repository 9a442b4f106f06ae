"""Time paper questionnaire PDFs: the one-off layout, then 1, 40 and 200 stamped copies.

Run: python -m bench.paper_render [--copies 1 40 200] [--full 2]
``--full N`` also times N copies laid out in full (the slow way), for comparison.
"""

import argparse
import tempfile
import time
from pathlib import Path

from survey_app.paper import pages_per_copy, render_paper_pdf
from survey_app.paper.serials import make_serial
from survey_app.questionnaire import load_questionnaire

SURVEY = Path(__file__).resolve().parents[1] / "questionnaires" / "victims-experience-survey.yaml"


def main() -> None:
    """Print seconds and sizes for the shipped victims' survey, standard and large print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 40, 200])
    parser.add_argument("--full", type=int, default=0)
    args = parser.parse_args()
    definition = load_questionnaire(SURVEY)
    cache = tempfile.mkdtemp(prefix="paper-bench-")
    for large in (False, True):
        name = "large" if large else "standard"
        start = time.perf_counter()
        pages = pages_per_copy(definition, large, cache_dir=cache)
        print(
            f"{name}: {pages} pages a copy; laying out the copy once: "
            f"{time.perf_counter() - start:.1f} s"
        )
        for copies in args.copies:
            serials = [make_serial("VES", number) for number in range(1, copies + 1)]
            start = time.perf_counter()
            pdf = render_paper_pdf(definition, serials, large, cache_dir=cache)
            seconds = time.perf_counter() - start
            print(f"  {copies:5d} copies stamped: {seconds:6.2f} s, {len(pdf) / 1024:7.0f} KiB")
        if args.full:
            serials = [make_serial("VES", number) for number in range(1, args.full + 1)]
            start = time.perf_counter()
            render_paper_pdf(definition, serials, large, stamped=False)
            seconds = time.perf_counter() - start
            print(f"  {args.full:5d} copies laid out in full: {seconds:6.2f} s")


if __name__ == "__main__":
    main()
