"""A spreadsheet's CSV export as text and its delimiter, as Excel, LibreOffice and HR systems write them.

Real exports differ from RFC 4180 in two ways that matter here:

- their encoding: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"), UTF-16 with one
  (Excel's "Unicode Text", which is tab-delimited), or Windows-1252 (Excel's plain "CSV" on
  Western Windows);
- their delimiter: a comma, a semicolon where the decimal separator is a comma (most of Europe), or
  a tab; Excel also reads, and some tools write, a first line such as `sep=;` that states it.

The delimiter is the one that splits the header row into the expected columns. Only when none does
(a column is missing or renamed) does `csv.Sniffer`, restricted to those three, guess from the
first lines, so that the error can name the columns the header does have.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass

from hub.importers._people import SourceError

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
SAMPLE = 64 * 1024  # enough lines for the sniffer, little enough to stay quick on a huge export
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SEP_LINE = re.compile(r'"?sep=(?P<delimiter>.)"?[ \t]*\r?\n')


@dataclass(frozen=True)
class ExportText:
    """The export's text from its header row on, and how to read it."""

    text: str
    delimiter: str
    encoding: str
    first_line: int = 1  # the file's line number of the header row: 2 after a `sep=` line


def cell_key(cell: str) -> str:
    """A header cell as it is matched: case, and spaces around and within, do not matter."""
    return " ".join(cell.split()).lower()


def read_export_text(data: bytes, shown: str, columns: Collection[str], encoding: str | None = None) -> ExportText:
    """Decode `data` and find its delimiter; SourceError, naming the file, when it cannot be read."""
    text, used = decode_export(data, shown, encoding)
    text = text.removeprefix("\ufeff")  # left by an explicit --encoding utf-8 on a "CSV UTF-8" export
    stated = _SEP_LINE.match(text)
    if stated:
        delimiter = stated["delimiter"]
        if delimiter not in DELIMITERS:
            raise SourceError(shown, 1, f"unsupported delimiter {delimiter!r}: use a comma, a semicolon or a tab")
        return ExportText(text[stated.end() :], delimiter, used, first_line=2)
    return ExportText(text, delimiter_of(text, shown, columns), used)


def decode_export(data: bytes, shown: str, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read in: `encoding` if given, else the one the file shows."""
    if encoding:
        return _decode(data, shown, encoding), encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode(data, shown, name), name
    if b"\x00" in data[:SAMPLE]:
        raise SourceError(shown, 1, "looks like UTF-16 without a byte-order mark: save it as CSV UTF-8")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise SourceError(
            shown, _line_of(data, error.start), "neither UTF-8 nor Windows-1252 text: save it as CSV UTF-8"
        ) from None


def _decode(data: bytes, shown: str, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SourceError(shown, _line_of(data, error.start), f"not {encoding} text") from None


def _line_of(data: bytes, index: int) -> int:
    # The prefix decodes as Latin-1 whatever it is, and every line break survives that.
    return data[:index].decode("latin-1").count("\n") + 1


def delimiter_of(text: str, shown: str, columns: Collection[str]) -> str:
    """The delimiter that splits the header row into the most of `columns`, the sniffer's when that
    does not decide it, or a SourceError at line 1."""
    found = {delimiter: _columns_found(text, delimiter, columns) for delimiter in DELIMITERS}
    most = max(found.values())
    best = [delimiter for delimiter, count in found.items() if count == most]
    if most and len(best) == 1:
        return best[0]
    sample = text[:SAMPLE].rpartition("\n")[0] or text[:SAMPLE]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        names = ", ".join(f'"{name}"' for name in columns)
        raise SourceError(
            shown,
            1,
            f"cannot tell how the cells are separated: expected a header row with {names}, "
            "separated by commas, semicolons or tabs",
        ) from None


def _columns_found(text: str, delimiter: str, columns: Collection[str]) -> int:
    try:
        header = next(csv.reader(io.StringIO(text[:SAMPLE], newline=""), delimiter=delimiter), [])
    except csv.Error:
        return 0
    return len({cell_key(cell) for cell in header} & set(columns))


def describe(delimiter: str) -> str:
    return DELIMITERS.get(delimiter, repr(delimiter))
