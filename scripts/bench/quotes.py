"""Quote stripping on the committed mail corpus (tests/unit/fixtures/mail): how many messages each
candidate reads as `expected.json` says a person wrote them.

- quotes_corpus_messages: messages in the corpus;
- quotes_corpus_ours_correct: `quotes.reply_text`, the hand-written rules Commons uses;
- quotes_corpus_quotequail_correct: quotequail, on the HTML our reader chose when the message was
  HTML (`quote_html`, its kept part then converted to text by our own `html_to_text`), otherwise on
  the decoded plain text (`quote`); the attribution line goes with the quote (`quote_intro_line`);
- quotes_corpus_quotequail_text_correct: quotequail's `quote` on the decoded text alone;
- quotes_corpus_mail_parser_reply_correct: mail-parser-reply's `parse_reply` (the latest reply) on
  the decoded text, with every language it knows;
- quotes_corpus_mail_parser_reply_body_correct: the same reply's `body` (signatures left out too).

Each library gets what our reader produces (`message.read_message`: MIME walked, charsets and
transfer encodings decoded, format=flowed joined, HTML converted), so only the stripping differs.
"Correct" means equal to the expected text once every run of whitespace is one space, as the
libraries re-indent lines. The libraries are pinned in requirements-dev.txt and only measured here;
the functions do not use them. A figure that fails is reported on stderr and the others still run.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import report

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "functions") not in sys.path:
    sys.path.insert(0, str(REPO / "functions"))

from chalicelib.mail.html_text import html_to_text  # noqa: E402
from chalicelib.mail.message import MailMessage, read_message  # noqa: E402
from chalicelib.mail.quotes import reply_text  # noqa: E402

CORPUS = REPO / "tests" / "unit" / "fixtures" / "mail"
Extract = Callable[[MailMessage], str]


def corpus() -> list[tuple[str, MailMessage, str]]:
    """(file name, the message as our reader reads it, the text expected) for each corpus message."""
    expected = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    return [
        (name, read_message((CORPUS / name).read_bytes()), str(entry["text"]))
        for name, entry in sorted(expected.items())
    ]


def normalised(text: str) -> str:
    return " ".join(text.split())


def correct(extract: Extract, messages: list[tuple[str, MailMessage, str]]) -> tuple[int, list[str]]:
    """How many messages `extract` reads as expected, and the names of those it misses (or fails on)."""
    right, missed = 0, []
    for name, message, expected in messages:
        try:
            found = extract(message)
        except Exception as exc:  # a library that raises on one message still counts the others
            print(f"bench: quotes {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            found = None
        if found is not None and normalised(found) == normalised(expected):
            right += 1
        else:
            missed.append(name)
    return right, missed


def ours() -> Extract:
    return reply_text


def _quotequail() -> ModuleType:
    return importlib.import_module("quotequail")  # untyped: measured, not a dependency of the functions


def quotequail_text() -> Extract:
    library = _quotequail()

    def extract(message: MailMessage) -> str:
        parts = library.quote(message.text, quote_intro_line=True)
        return "\n".join(str(text) for shown, text in parts if shown)

    return extract


def quotequail_html() -> Extract:
    library, on_text = _quotequail(), quotequail_text()

    def extract(message: MailMessage) -> str:
        if not (message.html and message.html_body):
            return on_text(message)
        parts = library.quote_html(message.html_body, quote_intro_line=True)
        return html_to_text("\n".join(str(markup) for shown, markup in parts if shown))

    return extract


def _parser() -> Any:
    module = importlib.import_module("mailparser_reply")  # untyped, as quotequail
    constants = importlib.import_module("mailparser_reply.constants")
    # Every language it has (its "david" entry is a sample, not a language).
    return module.EmailReplyParser(languages=[code for code in constants.MAIL_LANGUAGES if len(code) == 2])


def mail_parser_reply_latest() -> Extract:
    parser = _parser()

    def extract(message: MailMessage) -> str:
        return str(parser.parse_reply(message.text) or "")

    return extract


def mail_parser_reply_body() -> Extract:
    parser = _parser()

    def extract(message: MailMessage) -> str:
        replies = parser.read(message.text).replies
        return str(replies[0].body) if replies else ""

    return extract


# Each figure's extractor, made when the figure runs (a library that is missing fails only its own).
CANDIDATES: dict[str, Callable[[], Extract]] = {
    "quotes_corpus_ours_correct": ours,
    "quotes_corpus_quotequail_correct": quotequail_html,
    "quotes_corpus_quotequail_text_correct": quotequail_text,
    "quotes_corpus_mail_parser_reply_correct": mail_parser_reply_latest,
    "quotes_corpus_mail_parser_reply_body_correct": mail_parser_reply_body,
}


def main() -> None:
    messages = corpus()
    report("quotes_corpus_messages", len(messages), "messages")
    for figure, make in CANDIDATES.items():
        try:
            right, missed = correct(make(), messages)
        except Exception as exc:  # such as a library that is not installed
            print(f"bench: {figure} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            continue
        report(figure, right, "messages")
        if missed:
            print(f"bench: {figure} missed {', '.join(missed)}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
