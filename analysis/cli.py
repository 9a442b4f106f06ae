"""``python -m analysis``: the command line, one subcommand per module.

Each subcommand lives in its own module with an ``add_<name>_parser(subparsers)`` function that
registers its arguments and handler; add a new one by adding one line to ``SUBCOMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from analysis.agreement import add_agreement_parser
from analysis.check_codes import add_check_codes_parser
from analysis.commands import add_code_parser, add_discover_parser, dispatch
from analysis.evaluate import add_evaluate_parser
from analysis.train import add_train_parser

__all__ = ["build_parser", "main"]

PROG = "python -m analysis"

SUBCOMMANDS = (
    add_evaluate_parser,  # analysis/evaluate.py: cross-validate ThemeCoder on a labelled CSV
    add_train_parser,  # analysis/train.py: fit ThemeCoder and save it for code --model
    add_code_parser,  # analysis/commands.py: code a CSV with the rules or a trained model
    add_discover_parser,  # analysis/commands.py: candidate themes from uncoded text
    add_check_codes_parser,  # analysis/check_codes.py: human codes that look wrong
    add_agreement_parser,  # analysis/agreement.py: two coders' columns compared
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Code free text into themes; train, evaluate and check coders.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; user errors print one line and return 2."""
    args = build_parser().parse_args(argv)
    return dispatch(args, PROG)


if __name__ == "__main__":
    sys.exit(main())
