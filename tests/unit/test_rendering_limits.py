"""Any body of up to 5,000 characters renders, in linear time, and as python-markdown renders it.

Deep nesting stops at `MAX_NESTING` levels with deeper markers as text, and inline Markdown at
`MAX_INLINE` pieces, with later markers as text; posts people write reach neither. The scans
python-markdown repeats to the end of the text from every `[`, `](`, backtick run and unclosed
`<tag` are answered from one index per text: the tests check that those answers are
python-markdown's own (on random text and documents), that each pathological body finishes well
within a CPU-time limit, and that the indexes built for it stay linear in its length. No test
asserts a duration.
"""

from __future__ import annotations

import random
import re
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import markdown
import pytest
from markdown import inlinepatterns

from bench.render import PATHOLOGICAL, fill
from chalicelib.posts import markdown_indexes, markdown_limits, rendering
from chalicelib.posts.rendering import MAX_INLINE, MAX_LENGTH, MAX_NESTING, render

PEOPLE = {"jane.doe"}
EXTENSIONS = ["fenced_code", "sane_lists", "tables"]


def html(source: str) -> str:
    return render(source, PEOPLE.__contains__).html


@contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Fail the block if it uses more than `seconds` of CPU (not wall time: the machine is shared)."""

    def stop(signum: int, frame: Any) -> None:
        raise TimeoutError(f"over {seconds} s of CPU")

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def test_every_pathological_body_is_at_most_5000_characters() -> None:
    assert all(0 < len(body) <= MAX_LENGTH for body in PATHOLOGICAL.values())


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_each_pathological_body_renders_well_within_a_cpu_limit(name: str) -> None:
    # Before: RecursionError for the lists; 1 to 7 s of CPU each for brackets, images, targets...
    with cpu_limit(2.0):
        out = html(PATHOLOGICAL[name])
        assert html(PATHOLOGICAL[name]) == out, "indexes kept between renders must not change a render"


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        ("+ " * 496 + "x", "<ul>"),
        ("1. " * 495, "<ol>"),
        ("* " * 2499 + "x", "<ul>"),
        ("> " * 2500, "<blockquote>"),
        (">" * MAX_LENGTH, "<blockquote>"),
    ],
)
def test_nesting_stops_at_the_limit_and_deeper_markers_read_as_text(body: str, tag: str) -> None:
    out = html(body)
    assert out.count(tag) == MAX_NESTING, out[:200]
    marker = body.split(" ")[0] if " " in body else ">"
    innermost = re.findall(r"<(?:li|p)>([^<]+)</(?:li|p)>", out)
    assert innermost and html_marker(marker) in innermost[-1], innermost[-1:]


def html_marker(marker: str) -> str:
    return marker.replace(">", "&gt;")


def test_nesting_below_the_limit_renders_as_before() -> None:
    body = "\n".join("    " * depth + "- level" for depth in range(6)) + "\n\n" + "> " * 5 + "deep quote"
    assert html(body) == rendering._clean(markdown.markdown(body, extensions=EXTENSIONS, output_format="html"))
    assert html(body).count("<ul>") == 6 and html(body).count("<blockquote>") == 5


def own_html(source: str) -> str:
    """`source` as python-markdown itself renders it, through the same sanitiser."""
    return rendering._clean(markdown.markdown(source, extensions=EXTENSIONS, output_format="html"))


# --- inline Markdown stops at a count ------------------------------------------------------------

INLINE_TAG = re.compile(r"<(?:em|strong|a|code|br|b)\b")


# Bodies that would make more than `MAX_INLINE` inline elements and tags.
MANY_INLINE = [
    "nested emphasis",
    "emphasis around x",
    "link chain",
    "mixed",
    "code in links",
    "comments in inline tags",
]


@pytest.mark.parametrize("name", MANY_INLINE)
def test_a_post_makes_at_most_max_inline_pieces_of_inline_markdown(name: str) -> None:
    # Before: 1,666 <em> for `*_` repeated, 833 links for `[a](b)`, 1,170 tags and comments.
    out = html(PATHOLOGICAL[name])
    assert 0 < len(INLINE_TAG.findall(out)) <= MAX_INLINE, len(INLINE_TAG.findall(out))


def test_past_the_limit_markers_stay_text_as_written() -> None:
    body = "**b** " * (MAX_INLINE + 20) + "\n\n[l](/x/) `c` @jane.doe &amp; \\*"
    assert len(body) <= MAX_LENGTH
    rendered = render(body, PEOPLE.__contains__)
    assert rendered.html.count("<strong>b</strong>") == MAX_INLINE
    assert "**b** **b**" in rendered.html
    assert rendered.html.endswith("<p>[l](/x/) `c` @jane.doe &amp; \\*</p>"), rendered.html[-80:]
    assert rendered.mentions == (), "a mention left as text is nobody's mention"


def test_a_nest_of_emphasis_over_the_limit_stays_text_whole() -> None:
    # Emphasis comes as one nest of elements: one element short of room, the nest is text.
    body = "`c` " * (MAX_INLINE - 1) + "***x*** *y*"
    out = html(body)
    assert out.count("<code>c</code>") == MAX_INLINE - 1 and "<em>" not in out and "<strong>" not in out
    assert out.endswith("***x*** *y*</p>"), out[-40:]


REALISTIC = {
    "100 links": "".join(f"- [runbook {i}](/teams/ops/runbook/{i}/) for rota {i % 7}\n" for i in range(100)),
    "200 bold words": "\n\n".join(" ".join(f"**word{i}{j}** and text" for j in range(10)) for i in range(20)),
    "a dense changelog": "## Changes\n\n" + "".join(f"- **fix** [#{i}](/p/{i}/) `make t{i}` ok\n" for i in range(120)),
}


@pytest.mark.parametrize("name", REALISTIC)
def test_the_limit_leaves_posts_people_write_as_python_markdown_renders_them(name: str) -> None:
    body = REALISTIC[name]
    out = html(body)
    assert len(body) <= MAX_LENGTH and out == own_html(body)
    assert 100 <= len(INLINE_TAG.findall(out)) < MAX_INLINE, len(INLINE_TAG.findall(out))


# --- the same answers as python-markdown ---------------------------------------------------------


@pytest.fixture(scope="module")
def processors() -> dict[str, Any]:
    limits = markdown_limits.extension(max_nesting=MAX_NESTING, max_inline=MAX_INLINE)
    md = markdown.Markdown(extensions=[limits])
    md.convert("ready")  # the inline treeprocessor's stash exists from the first conversion on
    return {
        "link": md.inlinePatterns["link"],
        "backtick": md.inlinePatterns["backtick"],
        "own link": inlinepatterns.LinkInlineProcessor(inlinepatterns.LINK_RE, md),
        "own backtick": inlinepatterns.BacktickInlineProcessor(inlinepatterns.BACKTICK_RE),
    }


def compare_scans(processors: dict[str, Any], data: str) -> list[tuple[str, int]]:
    """Where our scans and python-markdown's disagree on `data`."""
    mine, own = processors["link"], processors["own link"]
    backtick, own_backtick = processors["backtick"], processors["own backtick"]
    differ = []
    for at, char in enumerate(data):
        if char == "[" and mine.getText(data, at + 1) != own.getText(data, at + 1):
            differ.append(("getText", at))
        if char == "(" and mine.getLink(data, at) != own.getLink(data, at):
            differ.append(("getLink", at))
        if char == "`" and backtick.find_code_spans(at, data) != own_backtick.find_code_spans(at, data):
            differ.append(("find_code_spans", at))
    return differ


def test_link_and_code_scans_answer_as_python_markdowns_own(processors: dict[str, Any]) -> None:
    rng = random.Random(20261201)  # noqa: S311 - the same cases every run
    alphabet = list("[]()'\" a\t\n<>`x!")
    for _ in range(6000):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        assert compare_scans(processors, data) == [], repr(data)


def test_scans_stay_right_after_the_text_before_them_changes(processors: dict[str, Any]) -> None:
    # Inline patterns replace what they match with a placeholder: indexes are kept for the rest.
    rng = random.Random(7)  # noqa: S311 - the same cases every run
    alphabet = list("[]()'\" a`x")
    for step in range(3000):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 40)))
        for change in range(3):
            assert compare_scans(processors, data) == [], repr(data)
            cut = rng.randint(0, len(data))
            data = data[:cut] + f"\x02klzzwxh:{step:04d}{change}\x03" + data[rng.randint(cut, len(data)) :]


FRAGMENTS = [
    "# h", "## h #", "a", "b c", "- x", "* y", "+ z", "1. o", "> q", ">> r", "    code", "```", "~~~", "***",
    "---", "=", "|a|b|", "|-|-|", "a|b", "-|-", "|x", "[r]: /u", '[r]: /u "t"', "[a](b)", '[a](b "t")', "[a][r]",
    "[r]", "![i](s)", "`c`", "``c``", "*e*", "**s**", "_u_", "<b>x</b>", "<div>", "</div>", "<!-- c -->",
    "<a href='x'>", "&amp;", "\\*", "  ", "  - n", "    - m", "[", "]", "(", ")", "'", '"', "<", ">", "`", "|",
]  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        PATHOLOGICAL["setext headers"],
        PATHOLOGICAL["one-column table rows"],
        fill("a\n-\n"),
        "a\n=\nb\n---\nc\nd\n==\n\ne\n-",
        "# a|\n# b|\nc|\n|d\n# e|\nf\n# g|\n",
        "|a|\n|-|\n|b|\n# h|\n|c|\nd\n",
    ],
)
def test_headers_and_one_column_rows_render_as_python_markdown_renders_them(body: str) -> None:
    # Setext headers and one-column tables are read from the block once, not again for each header.
    assert html(body) == own_html(body)


def test_documents_render_as_python_markdown_renders_them() -> None:
    rng = random.Random(11)  # noqa: S311 - the same cases every run
    for _ in range(400):
        lines = []
        for _ in range(rng.randint(1, 12)):
            joiner = " " if rng.random() < 0.5 else ""
            lines.append("" if rng.random() < 0.15 else joiner.join(rng.sample(FRAGMENTS, rng.randint(1, 4))))
        source = "\n".join(lines)
        expected = markdown.markdown(source, extensions=EXTENSIONS, output_format="html")
        assert html(source) == rendering._clean(expected), repr(source)


# --- linear work ---------------------------------------------------------------------------------


def count_indexed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Characters indexed, per index built, while rendering."""
    sizes: list[int] = []

    def counting(cls: type[Any]) -> Callable[[str], Any]:
        class Counted(cls):  # type: ignore[misc]
            def __init__(self, text: str) -> None:
                sizes.append(len(text))
                super().__init__(text)

        return Counted

    monkeypatch.setattr(markdown_limits, "Marks", counting(markdown_indexes.Marks))
    monkeypatch.setattr(markdown_limits, "Ticks", counting(markdown_indexes.Ticks))
    return sizes


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_the_scans_index_each_body_a_few_times_not_once_per_mark(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    sizes = count_indexed(monkeypatch)
    body = PATHOLOGICAL[name]
    html(body)
    # Inline placeholders (15 characters for as few as 2) can make a text up to 7.5 times longer.
    assert sum(sizes) <= 10 * len(body), (len(sizes), sum(sizes))


def test_one_column_rows_are_indexed_a_few_times_not_once_per_header(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []

    class Counted(markdown_indexes.Pipeless):
        def __init__(self, text: str) -> None:
            sizes.append(len(text))
            super().__init__(text)

    monkeypatch.setattr(markdown_limits, "Pipeless", Counted)
    body = PATHOLOGICAL["one-column table rows"]
    html(body)
    assert sizes and sum(sizes) <= 2 * len(body), (len(sizes), sum(sizes))


def test_texts_without_markup_are_not_tried_against_each_inline_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[str] = []
    own = inlinepatterns.Pattern.getCompiledRegExp

    def counted(self: inlinepatterns.Pattern) -> re.Pattern[str]:
        tried.append(type(self).__name__)
        return own(self)

    monkeypatch.setattr(inlinepatterns.Pattern, "getCompiledRegExp", counted)
    body = PATHOLOGICAL["headers"]  # 1,250 headers of plain text: once per pattern, not per header
    out = html(body)
    assert len(tried) <= 2 * len(set(tried)), len(tried)
    monkeypatch.undo()
    assert out == own_html(body)


def test_python_markdowns_own_scans_run_only_where_they_scan_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    def recording(cls: type[Any], method: str) -> None:
        own = getattr(cls, method)

        def record(self: Any, *args: Any) -> Any:
            data, at = (args[1], args[0]) if method == "find_code_spans" else args
            calls.append((method, data[at : at + 3]))
            return own(self, *args)

        monkeypatch.setattr(cls, method, record)

    recording(inlinepatterns.LinkInlineProcessor, "getText")
    recording(inlinepatterns.LinkInlineProcessor, "getLink")
    recording(inlinepatterns.BacktickInlineProcessor, "find_code_spans")
    out = html("[a](b) ![i](s) [r] `c` [x](y 'title') [`](z) [a]( [u](<v>)")
    assert '<a href="b" rel="nofollow noopener noreferrer">a</a>' in out and "<code>c</code>" in out
    # Left to python-markdown: a `]` not followed by `(`, and `(<url>)`, which its pattern reads whole.
    assert calls and all((method == "getLink" and not at.startswith("(")) or at == "(<v" for method, at in calls), calls
