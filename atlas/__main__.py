"""Command line: `python -m atlas validate [DATA_DIR]` prints every problem (exit 1) or a one-line summary (exit 0)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from atlas.errors import AtlasDataError, Problem
from atlas.i18n import t, tn
from atlas.load import DEFAULT_DATA_DIR, load_atlas


def _print_warnings(warnings: tuple[Problem, ...], stream) -> None:
    print(tn("validate.summary_warnings", len(warnings)) + ":", file=stream)
    for warning in warnings:
        print(f"  {warning}", file=stream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atlas", description="Luban Atlas data tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check every table against datapackage.json and the atlas rules")
    validate.add_argument("data_dir", nargs="?", default=str(DEFAULT_DATA_DIR))
    validate.add_argument("-w", "--warnings", "-v", "--verbose", dest="warnings", action="store_true",
                          help="also list every warning (records citing only mirrors), not just their number")
    args = parser.parse_args(argv)
    try:
        atlas = load_atlas(Path(args.data_dir))
    except AtlasDataError as error:
        print(error.report(), file=sys.stderr)
        if args.warnings and error.warnings:
            _print_warnings(error.warnings, sys.stderr)
        elif error.warnings:
            print(tn("validate.summary_warnings", len(error.warnings)) + " — " + t("validate.warnings_hint"),
                  file=sys.stderr)
        return 1
    # An optional table the folder leaves out (translations) is not counted as one read.
    tables = [atlas.table(name) for name, spec in atlas.specs.items() if (Path(args.data_dir) / spec.path).exists()]
    summary = t("validate.summary_ok", tables=len(tables), rows=sum(len(f) for f in tables),
                sources=len(atlas.sources), data_dir=args.data_dir)
    summary += "; " + tn("validate.summary_warnings", len(atlas.warnings))
    if atlas.warnings and not args.warnings:
        summary += " — " + t("validate.warnings_hint")
    print(summary)
    if args.warnings and atlas.warnings:
        _print_warnings(atlas.warnings, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
