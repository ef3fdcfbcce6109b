"""`python -m app.definitions.cli_report FILE`: print every problem in the file; exit 1 if any."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .loader import PathLike, analyse_file
from .translation_coverage import texts_without

SHOWN = 10  # texts without Hindi listed by name; the rest counted


def format_report(path: PathLike) -> tuple[str, int]:
    """(report text, exit code): 'FILE: OK — N formats' and 0, or one line per problem and 1."""
    definitions, errors = analyse_file(path)
    if not errors and definitions is not None:
        count = len(definitions.formats)
        lines = [f"{path}: OK — {count} format{'' if count == 1 else 's'}", *_without_hindi(definitions)]
        return "\n".join(lines), 0
    lines = [error.format(str(path)) for error in errors]
    lines.append(f"{path}: {len(errors)} problem{'' if len(errors) == 1 else 's'} found")
    return "\n".join(lines), 1


def _without_hindi(definitions) -> list[str]:
    """A note (not a problem) naming the texts that Hindi pages show in English."""
    missing = texts_without(definitions, "hi")
    if not missing:
        return []
    lines = [
        f"note: {len(missing)} text(s) have no Hindi form (label_hi: ...) and read English on Hindi pages:"
    ]
    lines += [f"  {text}" for text in missing[:SHOWN]]
    if len(missing) > SHOWN:
        lines.append(f"  ... and {len(missing) - SHOWN} more")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Check the file named in argv; print the report; return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m app.definitions.cli_report FILE", file=sys.stderr)
        return 2
    text, code = format_report(args[0])
    print(text)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
