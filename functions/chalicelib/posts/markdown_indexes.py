"""Indexes of a text, for the scans Python-Markdown would repeat from each mark to the end of it.

Built once per text (and kept, by `Tail`, for what follows a match) so that `markdown_limits` can
answer each scan with a look-up: link text and targets (`Marks`), code spans (`Ticks`) and the rows
of one-column tables (`Pipeless`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Generic, TypeVar

Index = TypeVar("Index")


class Tail(Generic[Index]):
    """Indexes of texts, kept for what follows a match: inline patterns swap what they match for a
    placeholder and scan on after it, so the rest of the text is the same and so is its index. A
    few are kept, as a link's text is scanned between two scans of the text around it."""

    KEPT = 8

    def __init__(self, build: Callable[[str], Index]) -> None:
        self._build = build
        self._kept: list[tuple[str, Index]] = []
        self._checked: tuple[str | None, int] = (None, 0)

    def of(self, data: str, start: int) -> tuple[Index, int]:
        """The index covering `data[start:]`, and what to add to its positions for `data`'s."""
        checked, since = self._checked
        if not (data is checked and start >= since):
            rest = data[start:]
            for n, kept in enumerate(self._kept):
                if len(rest) <= len(kept[0]) and kept[0].endswith(rest):
                    self._kept.insert(0, self._kept.pop(n))
                    break
            else:
                self._kept.insert(0, (rest, self._build(rest)))
                del self._kept[self.KEPT :]
            self._checked = (data, start)
        text, index = self._kept[0]
        return index, len(data) - len(text)


_MARK = re.compile(r"[\[\]()'\"]")
_QUOTED_CLOSE = re.compile(r"(['\"]) *\)")


class Marks:
    """Where a text's brackets, parentheses and quotes are, for link text and link targets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bracket_close: dict[int, int] = {}
        self.paren_close: dict[int, int] = {}
        self.quotes: list[int] = []
        self.each_quote: dict[str, list[int]] = {"'": [], '"': []}
        self.parens: list[int] = []
        self.opened_before: list[int] = [0]  # '(' minus ')' before each of `parens`, then after the last
        brackets: list[int] = []
        parens: list[int] = []
        for match in _MARK.finditer(text):
            at, mark = match.start(), match.group()
            if mark == "[":
                brackets.append(at)
            elif mark == "]":
                if brackets:
                    self.bracket_close[brackets.pop()] = at
            elif mark in "()":
                self.parens.append(at)
                self.opened_before.append(self.opened_before[-1] + (1 if mark == "(" else -1))
                if mark == "(":
                    parens.append(at)
                elif parens:
                    self.paren_close[parens.pop()] = at
            else:
                self.quotes.append(at)
                self.each_quote[mark].append(at)
        # `)` right after a quote (spaces between): where a link title can end.
        self.closes_after: dict[str, tuple[list[int], list[int]]] = {"'": ([], []), '"': ([], [])}
        for match in _QUOTED_CLOSE.finditer(text):
            quotes, closes = self.closes_after[match.group(1)]
            quotes.append(match.start(1))
            closes.append(match.end() - 1)

    def opened(self, start: int, end: int) -> int:
        """'(' minus ')' in text[start:end]."""
        return self.opened_before[bisect_left(self.parens, end)] - self.opened_before[bisect_left(self.parens, start)]

    def title_end(self, quote_at: int) -> tuple[int, int, int] | None:
        """Where a title opened by the quote at `quote_at` ends, as python-markdown reads it: the
        first `)` after a closing quote of the same kind, or after the second of the other kind.
        Returns (the `)`, where the title starts, where it ends), or None."""
        same = self.text[quote_at]
        other = "'" if same == '"' else '"'
        ends: list[tuple[int, int, int]] = []
        quotes, closes = self.closes_after[same]
        i = bisect_right(quotes, quote_at)
        if i < len(closes):
            ends.append((closes[i], quote_at + 1, quotes[i]))
        others = self.each_quote[other]
        k = bisect_right(others, quote_at)
        if k + 1 < len(others):
            quotes, closes = self.closes_after[other]
            i = bisect_left(quotes, others[k + 1])
            if i < len(closes):
                ends.append((closes[i], others[k] + 1, quotes[i]))
        return min(ends) if ends else None


_TICKS = re.compile(r"`+")
# A line that neither starts nor ends with a pipe (an escaped one does not count), as tables read it.
_PIPELESS = re.compile(r"^(?! *\|)(?!.*(?<!\\)(?:\\\\)*\| *$).*$", re.MULTILINE)


class Ticks:
    """A text's runs of backticks: by length, and the longest from each run on."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.by_length: dict[int, list[int]] = {}
        for match in _TICKS.finditer(text):
            self.starts.append(match.start())
            self.ends.append(match.end())
            self.by_length.setdefault(match.end() - match.start(), []).append(match.start())
        # For each run, the longest run from it on (the first of equals), as (length, start).
        self.longest: list[tuple[int, int]] = [(0, 0)] * (len(self.starts) + 1)
        for r in range(len(self.starts) - 1, -1, -1):
            length = self.ends[r] - self.starts[r]
            after = self.longest[r + 1]
            self.longest[r] = (length, self.starts[r]) if length >= after[0] else after


class Pipeless:
    """Where a text's lines with a pipe at neither end are, for one-column tables."""

    def __init__(self, text: str) -> None:
        self.text = text
        found = list(_PIPELESS.finditer(text))
        self.starts = [match.start() for match in found]
        self.ends = [match.end() for match in found]

    def first(self, start: int) -> str | None:
        """The first such line from `start` (a line start) on, or None."""
        i = bisect_left(self.starts, start)
        return self.text[self.starts[i] : self.ends[i]] if i < len(self.starts) else None
