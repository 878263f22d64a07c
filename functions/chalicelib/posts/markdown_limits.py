"""Python-Markdown within limits, so that any post renders in time linear in its length.

Python-Markdown repeats some scans from every `[`, `](`, backtick run and unclosed `<tag` to the end
of the text, reads a block again for each header or rule split off it, recurses once per level of
nesting, and spends tens of microseconds on each piece of inline Markdown and on each text it tries
its inline patterns on. `LimitsExtension` replaces those processors by name, at their priorities:
the scans are answered from one index of the text (`markdown_indexes`), with Python-Markdown's own
answers (tests compare them on random text); texts with no inline Markdown skip the patterns; lists
and quotes stop at a depth, and inline Markdown at a count, past which markers stay text.
`rendering` chooses the limits.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from chalicelib.posts.markdown_indexes import Marks, Pipeless, Tail, Ticks

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_NOTHING = re.compile(r"(?!)")  # what a capped inline pattern looks for once the limit is spent


# --- the python-markdown extension ---------------------------------------------------------------


def extension(*, max_nesting: int, max_inline: int) -> Any:
    """The extension, for `markdown.Markdown(extensions=[...])`; register it last. Lists and quotes
    nest at most `max_nesting` deep, and a document makes at most `max_inline` pieces of inline
    Markdown (see `Bounded`); past either, markers read as text."""
    return _extension_class()(max_nesting, max_inline)


@functools.cache
def _extension_class() -> Callable[[int, int], Any]:
    """Built once, lazily, so `markdown` is imported only to render."""
    import xml.etree.ElementTree as etree

    from markdown import inlinepatterns as inline
    from markdown.blockprocessors import BlockProcessor, SetextHeaderProcessor
    from markdown.extensions import Extension
    from markdown.htmlparser import HTMLExtractor
    from markdown.preprocessors import HtmlBlockPreprocessor
    from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor
    from markdown.util import AtomicString

    class LinearLinks(inline.LinkInlineProcessor):
        """python-markdown's link text and target scans, from an index: its own scan runs from each
        `[` (and each `](`) to the end when nothing closes it. Same answers (tests compare them)."""

        marks: Tail[Marks]

        def getText(self, data: str, index: int) -> tuple[str, int, bool]:
            if index < 1 or data[index - 1] != "[":
                return super().getText(data, index)
            marks, offset = self.marks.of(data, index - 1)
            close = marks.bracket_close.get(index - 1 - offset)
            if close is None:
                return data[index:], len(data), False
            return data[index : close + offset], close + offset + 1, True

        def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
            m = inline.LinkInlineProcessor.RE_LINK.match(data, pos=index)
            if m is None or m.group(1):
                return super().getLink(data, index)  # no scan: not a target, or `(<url>)`
            marks, offset = self.marks.of(data, index)
            text, opening, start = marks.text, index - offset, m.end() - offset
            title: str | None = None
            q = bisect_left(marks.quotes, start)
            quote_at = marks.quotes[q] if q < len(marks.quotes) else None
            close = marks.paren_close.get(opening)
            if close is not None and (quote_at is None or close < quote_at):
                href, end = text[start:close], close + 1  # the `(` closes before any quote
            elif quote_at is None:
                return "", None, len(data), False
            elif (ended := marks.title_end(quote_at)) is not None:
                # A quote starts a title; python-markdown's `href` stops where the title's opening quote is.
                end_at, title_from, title_to = ended
                href, title, end = text[start : title_from - 1], text[title_from:title_to], end_at + 1
            else:
                # An unclosed title: python-markdown backs off to the parenthesis that evens its
                # count at the quote (-1, as it does, when that one is an opening one).
                depth = 1 + marks.opened(start, quote_at)
                p = bisect_right(marks.parens, quote_at) + depth - 1
                if p >= len(marks.parens):
                    return "", None, len(data), False
                paren = marks.parens[p]
                end = paren + 1 if text[paren] == ")" else -1
                href = text[start : end - 1] if end > 0 else text[start:-2]
            if title is not None:
                title = self.RE_TITLE_CLEAN.sub(" ", inline.dequote(self.unescape(title.strip())))
            return self.unescape(href).strip(), title, end + offset if end >= 0 else -1, True

    class Link(LinearLinks):
        pass

    class Image(LinearLinks, inline.ImageInlineProcessor):
        pass

    class Reference(LinearLinks, inline.ReferenceInlineProcessor):
        pass

    class ShortReference(LinearLinks, inline.ShortReferenceInlineProcessor):
        pass

    class ImageReference(LinearLinks, inline.ImageReferenceInlineProcessor):
        pass

    class ShortImageReference(LinearLinks, inline.ShortImageReferenceInlineProcessor):
        pass

    class Backtick(inline.BacktickInlineProcessor):
        """python-markdown's code span search from an index of backtick runs: its own scan runs
        from each unmatched run to the end. Same answers (tests compare them)."""

        ticks: Tail[Ticks]

        # The stubs say `tuple[int, int] | None`; python-markdown returns `(start, None)` for none.
        def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:  # type: ignore[override]
            ticks, offset = self.ticks.of(text, start)
            at = start - offset
            run = bisect_right(ticks.starts, at) - 1
            if run < 0 or ticks.ends[run] <= at:
                return start, None  # not on a backtick: python-markdown finds nothing either
            after, wanted = ticks.ends[run], ticks.ends[run] - at
            same = ticks.by_length.get(wanted, [])
            i = bisect_right(same, after)
            if i < len(same):
                return after + offset, same[i] + offset
            longest, longest_at = ticks.longest[run + 1]
            if 0 < longest < wanted:
                return after - (wanted - longest) + offset, longest_at + offset
            return after + wanted + offset, None

    class Shallow(BlockProcessor):
        """A list or quote processor that stops at `depth` levels: deeper, the block is left to the
        others (a paragraph, mostly), so its markers read as text."""

        def __init__(self, inner: BlockProcessor, depth: int) -> None:
            super().__init__(inner.parser)
            self.inner, self.depth = inner, depth

        def test(self, parent: etree.Element, block: str) -> bool:
            return len(self.parser.state) < self.depth and self.inner.test(parent, block)

        def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
            return self.inner.run(parent, blocks)

    class Searched(BlockProcessor):
        """A processor that needs its pattern somewhere in a block, remembering a block where it is
        nowhere: python-markdown splits a block one header or rule at a time and asks every
        processor again about the rest, which would search the rest again (quadratic)."""

        def __init__(self, inner: BlockProcessor, pattern: re.Pattern[str], *, in_run: bool = False) -> None:
            super().__init__(inner.parser)
            self.inner, self.pattern, self.in_run = inner, pattern, in_run
            self._absent = ""

        def _found(self, block: str) -> bool:
            absent = self._absent
            # The rest of a block with no match, from a line start, has none either.
            if len(block) < len(absent) and absent.endswith(block) and absent[-len(block) - 1] == "\n":
                return False
            if block == absent or self.pattern.search(block) is None:
                self._absent = block
                return False
            return True

        def test(self, parent: etree.Element, block: str) -> bool:
            return self.in_run or (self._found(block) and self.inner.test(parent, block))

        def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
            if self.in_run and not self._found(blocks[0]):
                return False  # as python-markdown's, which puts the block back
            return self.inner.run(parent, blocks)

    class Setext(SetextHeaderProcessor):
        """python-markdown's setext header processor, splitting off only the two lines it reads: its
        own splits the whole block into lines, and joins the rest again, for each header."""

        def run(self, parent: etree.Element, blocks: list[str]) -> None:
            header, _, rest = blocks.pop(0).partition("\n")
            underline, more, rest = rest.partition("\n")
            h = etree.SubElement(parent, "h1" if underline.startswith("=") else "h2")
            h.text = header.strip()
            if more:
                blocks.insert(0, rest)  # the block's other lines, for later

    class Table(BlockProcessor):
        """The table processor, shown only the rows its test reads: it splits the whole block into
        rows for each test, and is asked again about the rest after each header or rule."""

        def __init__(self, inner: Any) -> None:
            super().__init__(inner.parser)
            self.inner = inner
            self._pipeless = Pipeless("")

        def first_pipeless(self, block: str, start: int) -> str | None:
            # The rest of a block after a header or rule, from a line start, has the same lines as
            # the block had there: one index serves the block and each rest of it.
            rest, kept = block[start:], self._pipeless.text
            if not (kept.endswith(rest) and (len(rest) == len(kept) or kept[-len(rest) - 1] == "\n")):
                self._pipeless = Pipeless(rest)
            return self._pipeless.first(len(self._pipeless.text) - len(rest))

        def test(self, parent: etree.Element, block: str) -> bool:
            first, newline, rest = block.partition("\n")
            if not newline:
                return False
            found: bool = self.inner.test(parent, f"{first}\n{rest.partition(chr(10))[0]}")
            if self.inner.border and len(self.inner._split_row(first.strip(" "))) == 1:
                # A one-column table needs a pipe on every row: the first row without one decides.
                pipeless = self.first_pipeless(block, len(first) + 1)
                if pipeless is not None:
                    found = self.inner.test(parent, f"{first}\n{pipeless}")
            return found

        def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
            result: bool | None = self.inner.run(parent, blocks)
            return result

    class Extractor(HTMLExtractor):
        """python-markdown's raw HTML finder, minus two scans it repeats to the end of the text."""

        def reset(self) -> None:
            super().reset()
            self._last_gt: tuple[str | None, int] = (None, -1)
            self._closes: dict[tuple[str, str], tuple[list[int], list[int]]] = {}

        def check_for_whole_start_tag(self, i: int) -> int:
            # After the last `>` no start tag can be whole; the tag pattern would run to the end
            # from every `<` to find that out. python-markdown treats such a `<` as text.
            seen, last = self._last_gt
            if seen is not self.rawdata:
                last = self.rawdata.rfind(">")
                self._last_gt = (self.rawdata, last)
            return -1 if last < i else super().check_for_whole_start_tag(i)

        def inline_close_follows(self, text: str) -> bool:
            # python-markdown searches the rest of the paragraph once per open inline tag, per comment.
            if not self.inline_stack:
                return False
            start = self.line_offset + self.offset + len(text)
            blank = _BLANK_LINE.search(self.rawdata, start)
            end = blank.start() if blank else len(self.rawdata)
            for tag in set(self.inline_stack):
                starts, ends = self._tag_closes(tag)
                i = bisect_left(starts, start)
                if i < len(starts) and ends[i] <= end:
                    return True
            return False

        def _tag_closes(self, tag: str) -> tuple[list[int], list[int]]:
            key = (self.rawdata, tag)
            if key not in self._closes:
                found = list(re.finditer(rf"</\s*{re.escape(tag)}\s*>", self.rawdata, re.I))
                self._closes[key] = ([m.start() for m in found], [m.end() for m in found])
            return self._closes[key]

    class HtmlBlocks(HtmlBlockPreprocessor):
        def run(self, lines: list[str]) -> list[str]:
            parser = Extractor(self.md)
            parser.feed("\n".join(lines))
            parser.close()
            return "".join(parser.cleandoc).split("\n")

    class Capped(inline.InlineProcessor):
        """One of python-markdown's inline patterns, making nothing more once the `Bounded` pass has
        made its limit: from then on, what it would match stays text."""

        def __init__(self, inner: inline.InlineProcessor, bounded: Bounded) -> None:
            # Not InlineProcessor's __init__: `inner` has its pattern compiled, and its own state.
            self.inner, self.bounded = inner, bounded
            self.md, self.pattern, self.safe_mode = inner.md, inner.pattern, inner.safe_mode
            self.ANCESTOR_EXCLUDES = inner.ANCESTOR_EXCLUDES  # type: ignore[misc]  # a ClassVar in the stubs

        def getCompiledRegExp(self) -> re.Pattern[str]:
            return _NOTHING if self.bounded.left <= 0 else self.inner.getCompiledRegExp()

        def type(self) -> str:
            return self.inner.type()

        # InlineProcessor's signature; the stubs give it Pattern's.
        def handleMatch(  # type: ignore[override]
            self, m: re.Match[str], data: str
        ) -> tuple[etree.Element | str | None, int | None, int | None]:
            if self.bounded.left <= 0:
                return None, None, None
            node, start, end = self.inner.handleMatch(m, data)
            if node is None or start is None or end is None:
                return node, start, end
            made = 1 if isinstance(node, str) else sum(1 for _ in node.iter())
            if made > self.bounded.left:
                # Emphasis comes as a whole nest of elements, and its processor keeps the rest of
                # the nest for its next matches: refuse the nest, then everything after it.
                self.bounded.left = 0
                return None, None, None
            self.bounded.left -= made
            return node, start, end

    class Bounded(InlineTreeprocessor):
        """python-markdown's inline pass, making at most `limit` pieces of inline Markdown in a
        document: elements (each emphasis, link, code span, mention, line break; a nest such as
        `***x***` counts each of its elements), escapes, entities and inline HTML tags. Each costs
        tens of microseconds, and 5,000 characters can hold 2,500. They count in the order the pass
        makes them: a block at a time, outer blocks before the lists and quotes inside them, and in
        a block pattern by pattern (code spans, escapes, links, mentions, ..., emphasis). Past the
        limit, markers stay text."""

        def __init__(self, md: Any, limit: int) -> None:
            super().__init__(md)
            self.limit = limit
            self.left = limit

        def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
            self.left = self.limit
            # A list, not the registry: the pass only asks for len() and [i], once per pattern per
            # text, and the registry sorts itself on each [i]. (Old-style patterns, which none of
            # python-markdown's or ours is, would be read the old way: they stay as they are.)
            capped = [
                Capped(pattern, self) if isinstance(pattern, inline.InlineProcessor) else pattern
                for pattern in self.md.inlinePatterns
            ]
            self.inlinePatterns = capped  # type: ignore[assignment]
            # A text in which no pattern finds anything is marked to be left as it is: the pass
            # would try each pattern on it in turn, some 20 µs a text, and a post can hold 2,500.
            searches = [pattern.getCompiledRegExp().search for pattern in capped]

            def plain(text: str | None) -> str | None:
                if text and not isinstance(text, AtomicString) and not any(search(text) for search in searches):
                    return AtomicString(text)
                return text

            for element in tree.iter():
                element.text, element.tail = plain(element.text), plain(element.tail)
            return super().run(tree, ancestors)

    class LimitsExtension(Extension):
        """Registered last: replaces python-markdown's own processors by name, at their priorities."""

        def __init__(self, max_nesting: int, max_inline: int) -> None:
            super().__init__()
            self.max_nesting, self.max_inline = max_nesting, max_inline

        def extendMarkdown(self, md: Any) -> None:
            marks: Tail[Marks] = Tail(Marks)
            links: list[tuple[type[LinearLinks], str, str, int]] = [
                (Reference, inline.REFERENCE_RE, "reference", 170),
                (Link, inline.LINK_RE, "link", 160),
                (Image, inline.IMAGE_LINK_RE, "image_link", 150),
                (ImageReference, inline.IMAGE_REFERENCE_RE, "image_reference", 140),
                (ShortReference, inline.REFERENCE_RE, "short_reference", 130),
                (ShortImageReference, inline.IMAGE_REFERENCE_RE, "short_image_ref", 125),
            ]
            for cls, pattern, name, priority in links:
                processor = cls(pattern, md)
                processor.marks = marks
                md.inlinePatterns.register(processor, name, priority)
            backtick = Backtick(inline.BACKTICK_RE)
            backtick.ticks = Tail(Ticks)
            md.inlinePatterns.register(backtick, "backtick", 190)
            blocks = md.parser.blockprocessors
            if "table" in blocks:
                blocks.register(Table(blocks["table"]), "table", 75)
            blocks.register(Searched(blocks["hashheader"], blocks["hashheader"].RE), "hashheader", 70)
            blocks.register(Setext(md.parser), "setextheader", 60)
            blocks.register(Searched(blocks["hr"], blocks["hr"].SEARCH_RE), "hr", 50)
            blocks.register(Searched(blocks["reference"], blocks["reference"].RE, in_run=True), "reference", 15)
            depth = self.max_nesting
            blocks.register(Shallow(Searched(blocks["quote"], blocks["quote"].RE), depth), "quote", 20)
            for name, priority in (("indent", 90), ("olist", 40), ("ulist", 30)):
                blocks.register(Shallow(blocks[name], depth), name, priority)
            md.preprocessors.register(HtmlBlocks(md), "html_block", 20)
            md.treeprocessors.register(Bounded(md, self.max_inline), "inline", 20)

    return LimitsExtension
