"""`make mail-check` (`python -m mailcheck`): the intake's dry run on a message file, as one JSON
object, changing nothing. Run on the mail corpus with a directory of its senders, and on messages
written here for what the corpus can't show (a reply address signed with the dev stack's keys)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

import mailcheck
from chalicelib.mail.tokens import ReplyTokens
from chalicelib.posts.persistence.memory import MemoryPostsStore
from devstack import server as devserver
from tests.conftest import REPO

CORPUS = REPO / "tests" / "unit" / "fixtures" / "mail"
EXPECTED: dict[str, dict[str, object]] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
DOMAIN = "commons.example.com"  # the corpus's mail domain
KEYS = ("action", "reason", "space", "parent", "author", "body")
# Corpus messages to a space, from a person in the directory, written by a person: what posts.
POSTS = {
    "apple_mail_forward.eml": "platform",
    "gmail_forward_fr.eml": "design",
    "thunderbird_forward_attached.eml": "platform",
    "thunderbird_forward_ru.eml": "platform",
}
POST_ID = "01JNQ8Z7R4AAAAAAAAAAAAAAAA"


def _senders() -> dict[str, dict[str, str]]:
    """Everyone who sends a corpus message from example.com, as the directory knows them."""
    people = {"jane.doe": {"name": "Jane Doe", "email": "jane.doe@example.com", "team": "platform"}}
    for entry in EXPECTED.values():
        sender = entry["sender"]
        if isinstance(sender, dict) and str(sender["address"]).endswith("@example.com"):
            handle = str(sender["address"]).split("@")[0]
            people[handle] = {
                "name": handle.replace(".", " ").title(),
                "email": str(sender["address"]),
                "team": "platform",
            }
    return people


@pytest.fixture()
def hub(tmp_path: Path) -> Path:
    """A built hub's directory snapshot, and the dev stack's state beside it (as `make dev` leaves it)."""
    spaces = {
        slug: {"name": slug.title(), "stewards": ["jane.doe", "ana.costa"], "url": f"teams/{slug}/"}
        for slug in ("platform", "design")
    }
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "directory.json").write_text(json.dumps({"people": _senders(), "spaces": spaces}))
    devserver.dev_secrets(tmp_path / "state")
    return tmp_path


def tree(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under `root`, with its modification time and content."""
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in root.rglob("*") if p.is_file()}


def run(hub: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object] | None, str]:
    code = mailcheck.main(
        [
            *args,
            "--directory",
            str(hub / "hub" / "directory.json"),
            "--state-dir",
            str(hub / "state"),
            "--mail-domain",
            DOMAIN,
        ]
    )
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def message(to: str, sender: str = "ana.costa@example.com", body: str = "Sounds good.\n") -> EmailMessage:
    made = EmailMessage()
    made["From"] = sender
    made["To"] = to
    made["Subject"] = "Re: the pilot"
    made["Message-ID"] = f"<{time.time_ns()}@example.com>"
    made.set_content(body)
    return made


def written(tmp_path: Path, made: EmailMessage) -> str:
    path = tmp_path / "message.eml"
    path.write_bytes(made.as_bytes())
    return str(path)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_message_gives_one_json_decision(name: str, hub: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, decision, _ = run(hub, str(CORPUS / name), capsys=capsys)
    expected = EXPECTED[name]
    assert code == 0 and decision is not None
    assert tuple(decision) == KEYS
    if expected["automatic"] is not None:
        assert (decision["action"], decision["reason"]) == ("drop", expected["automatic"]), "never answered"
    elif name in POSTS:
        assert (decision["action"], decision["reason"], decision["space"]) == ("post", "posted", POSTS[name])
        assert decision["author"] == str(expected["sender"]["address"]).split("@")[0]  # type: ignore[index]
        title, _, text = str(decision["body"]).partition("\n\n")
        assert title.startswith("**") and title.endswith("**"), "the subject, in bold"
        assert text.startswith(str(expected["text"])), "then the reply, without what was quoted or forwarded"
        for left_out in expected["left_out"]:  # type: ignore[attr-defined]
            assert f"Left out: {left_out}" in text
    elif name.startswith("spoofed_"):
        assert (decision["action"], decision["reason"], decision["author"]) == ("drop", "stranger", None)
    else:
        # Replies, whose reply address the corpus could not sign: refused, with no post named.
        assert decision["action"] == "reject" and decision["reason"] == "damaged-token"
        assert decision["body"] is None and decision["parent"] is None


def test_failing_verdicts_drop_what_would_post(hub: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "apple_mail_forward.eml"
    assert run(hub, str(CORPUS / name), capsys=capsys)[1]["action"] == "post"  # type: ignore[index]
    code, decision, _ = run(hub, str(CORPUS / name), "--verdicts", "fail", capsys=capsys)
    assert code == 0 and decision == dict.fromkeys(KEYS) | {"action": "drop", "reason": "unauthenticated"}
    code, decision, _ = run(hub, str(CORPUS / name), "--verdicts", "local", capsys=capsys)
    assert decision is not None and decision["action"] == "post", "the dev SMTP server's mail is trusted"


def dev_stack_tokens(state: Path) -> ReplyTokens:
    """The reply tokens the dev stack signs with, from its state, as it reads its settings."""
    dev = devserver.dev_secrets(state)
    settings = devserver.app_settings(
        origin="http://localhost:8000",
        issuer="http://localhost:8001",
        client_id="commons",
        client_secret=dev.client_secret,
        dev=dev,
        directory=state / "directory.json",
    )
    return ReplyTokens(settings.session_keys, settings.mail.reply_token_days)


def test_a_reply_address_signed_with_the_dev_stacks_keys_verifies(
    hub: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = dev_stack_tokens(hub / "state").address(POST_ID, "ana.costa", DOMAIN, time.time())
    code, decision, _ = run(hub, written(tmp_path, message(address)), capsys=capsys)
    # The token verified; the in-memory posts have no such post, and say so.
    assert code == 0 and decision is not None
    assert (decision["action"], decision["reason"], decision["author"]) == ("reject", "unknown-post", "ana.costa")
    assert decision["body"] is None
    # The same address from someone else, and one signed with other keys, do not verify.
    from_other = run(hub, written(tmp_path, message(address, sender="priya.raman@example.com")), capsys=capsys)[1]
    assert from_other is not None and from_other["reason"] == "not-your-token"
    forged = dev_stack_tokens(tmp_path / "other-state").address(POST_ID, "ana.costa", DOMAIN, time.time())
    other = run(hub, written(tmp_path, message(forged)), capsys=capsys)[1]
    assert other is not None and other["reason"] == "not-your-token"


def test_nothing_is_written_and_no_answer_is_sent(
    hub: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[EmailMessage] = []
    stored: list[object] = []

    def keep(self: object, mail: EmailMessage) -> str:
        sent.append(mail)
        return ""

    def store(self: object, *args: object) -> None:
        stored.append(args)

    monkeypatch.setattr(mailcheck.NoSending, "send", keep)
    monkeypatch.setattr(MemoryPostsStore, "create", store)
    cases = {
        f"nowhere@{DOMAIN}": ("reject", "unknown-space"),
        f"reply+damaged@{DOMAIN}": ("reject", "damaged-token"),
        f"design@{DOMAIN}": ("reject", "too-long"),
        "someone@elsewhere.example": ("reject", "no-space"),
        f"platform@{DOMAIN}": ("post", "posted"),
    }
    paths = []
    for n, to in enumerate(cases):
        path = hub / f"{n}.eml"
        path.write_bytes(message(to, body="x" * 6000 if to.startswith("design") else "Hello.\n").as_bytes())
        paths.append(path)
    before = tree(hub)
    decisions = [run(hub, str(path), capsys=capsys)[1] or {} for path in paths]
    # Received, each refusal would be answered (the sender is in the directory) and the post stored.
    assert [(d["action"], d["reason"]) for d in decisions] == list(cases.values())
    assert sent == [], "a dry run answers nobody"
    assert stored == [], "and posts nothing"
    assert tree(hub) == before, "no file changed, none was added"


def test_without_the_dev_stacks_state_it_still_checks_and_makes_none(
    hub: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "never-ran"
    code = mailcheck.main(
        [str(CORPUS / "apple_mail_forward.eml"), "--directory", str(hub / "hub" / "directory.json"),
         "--state-dir", str(missing), "--mail-domain", DOMAIN]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["action"] == "post"
    assert "reply addresses will not verify" in err
    assert not missing.exists(), "the dev stack's state is the dev stack's to make"


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": f"{REPO / 'scripts'}:{REPO / 'functions'}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "mailcheck", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )


def test_a_missing_or_unreadable_file_is_one_line_and_exit_2(hub: Path) -> None:
    directory = str(hub / "hub" / "directory.json")
    for args, says in (
        ([str(hub / "missing.eml")], "cannot read"),
        ([str(hub)], "cannot read"),  # a folder
        ([""], "name a message file"),
        ([], "name a message file"),
    ):
        done = _command(*args, "--directory", directory, "--state-dir", str(hub / "state"))
        assert done.returncode == 2, (args, done.stderr)
        assert done.stdout == "" and says in done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr


def test_a_missing_or_broken_directory_is_one_line_and_exit_2(hub: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eml = str(CORPUS / "apple_mail_forward.eml")
    assert mailcheck.main([eml, "--directory", str(hub / "none.json")]) == 2
    assert "build the hub first (make build)" in capsys.readouterr().err
    broken = hub / "broken.json"
    broken.write_text('{"people": ')
    assert mailcheck.main([eml, "--directory", str(broken), "--state-dir", str(hub / "state")]) == 2
    err = capsys.readouterr().err
    assert "not readable" in err and err.count("\n") == 1


def test_help_says_what_the_in_memory_posts_mean() -> None:
    done = _command("--help")
    assert done.returncode == 0
    assert (
        "unknown-post" in done.stdout
        and "--dynamodb-endpoint" in done.stdout
        and "changes nothing" in done.stdout.lower()
    )
