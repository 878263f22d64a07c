"""Where received mail goes, and whether its sender is trusted: reply tokens, our addresses and
Message-IDs, and SES's verdicts."""

from __future__ import annotations

import pytest

from chalicelib.config import SessionKey
from chalicelib.mail import addresses
from chalicelib.mail.addresses import ToReply, ToSpace
from chalicelib.mail.message import Mailbox, MailMessage
from chalicelib.mail.tokens import ReplyTokenError, ReplyTokens
from chalicelib.mail.verdicts import Verdicts, refusal

DOMAIN = "commons.example.com"
POST = "01JD3Y6Z8M5W9Q2R7T4V1X0K3N"
NOW = 1_795_000_000.0
KEY = SessionKey("k1", b"k" * 32)


def tokens(*keys: SessionKey, days: int = 90) -> ReplyTokens:
    return ReplyTokens(list(keys) or [KEY], days)


def token_of(address: str) -> str:
    local = address.split("@")[0]
    assert local.startswith("reply+")
    return local[len("reply+") :]


def test_a_reply_address_fits_an_email_address_and_names_its_post() -> None:
    address = tokens().address(POST, "jane.doe", DOMAIN, NOW)
    local, _, domain = address.partition("@")
    assert domain == DOMAIN and len(local) <= 64 and local == local.lower()
    assert tokens().open(token_of(address), "jane.doe", NOW).post_id == POST
    # Mail systems may change case; the token reads the same.
    assert tokens().open(token_of(address).upper(), "JANE.DOE", NOW).post_id == POST


def test_only_its_recipient_can_reply_with_it() -> None:
    token = token_of(tokens().address(POST, "jane.doe", DOMAIN, NOW))
    with pytest.raises(ReplyTokenError) as refused:
        tokens().open(token, "lee.park", NOW)
    assert refused.value.reason == "not-your-token"


def test_a_token_expires_after_its_days() -> None:
    token = token_of(tokens(days=90).address(POST, "jane.doe", DOMAIN, NOW))
    assert tokens().open(token, "jane.doe", NOW + 89 * 86_400).post_id == POST
    with pytest.raises(ReplyTokenError) as refused:
        tokens().open(token, "jane.doe", NOW + 92 * 86_400)
    assert refused.value.reason == "expired-token"


@pytest.mark.parametrize("damage", ["", "x", "0" * 46, "i" * 46, "é" * 46, "a" * 47])
def test_a_damaged_token_is_refused_never_crashed_on(damage: str) -> None:
    with pytest.raises(ReplyTokenError):
        tokens().open(damage, "jane.doe", NOW)


def test_a_changed_character_is_refused() -> None:
    token = token_of(tokens().address(POST, "jane.doe", DOMAIN, NOW))
    changed = token[:10] + ("1" if token[10] != "1" else "2") + token[11:]
    with pytest.raises(ReplyTokenError):
        tokens().open(changed, "jane.doe", NOW)


def test_tokens_survive_a_key_rotation() -> None:
    old = token_of(tokens(KEY).address(POST, "jane.doe", DOMAIN, NOW))
    rotated = tokens(SessionKey("k2", b"n" * 32), KEY)
    assert rotated.open(old, "jane.doe", NOW).post_id == POST
    with pytest.raises(ReplyTokenError):
        tokens(SessionKey("k2", b"n" * 32)).open(old, "jane.doe", NOW)


def mailbox(address: str, name: str = "") -> Mailbox:
    return Mailbox(name, address)


def test_the_first_of_our_addresses_decides_where_a_message_goes() -> None:
    assert addresses.target([mailbox("a@elsewhere.com"), mailbox("Platform@Commons.Example.com")], DOMAIN) == (
        ToSpace("platform")
    )
    assert addresses.target([mailbox("reply+ABC@commons.example.com")], DOMAIN) == ToReply("abc")
    assert addresses.target([mailbox("platform@elsewhere.com")], DOMAIN) is None
    assert addresses.target([mailbox("not a slug!@commons.example.com")], DOMAIN) is None
    assert addresses.target([], DOMAIN) is None


def message(**changes: object) -> MailMessage:
    fields: dict[str, object] = {
        "sender": mailbox("jane.doe@example.com", "Jane Doe"),
        "recipients": (mailbox("platform@commons.example.com"),),
        "subject": "Hello",
        "message_id": "abc@example.com",
        "in_reply_to": (),
        "references": (),
        **changes,
    }
    return MailMessage(**fields)  # type: ignore[arg-type]


def test_our_message_ids_place_a_reply_whose_token_was_lost() -> None:
    ours = addresses.message_id(POST, "r1", DOMAIN)
    assert addresses.post_named(message(in_reply_to=(ours,)), DOMAIN) == POST
    thread = addresses.thread_message_id(POST, DOMAIN)
    assert addresses.post_named(message(references=("x@y.z", thread)), DOMAIN) == POST
    assert addresses.post_named(message(references=(f"post.{POST}@other.example.com",)), DOMAIN) is None
    assert addresses.post_named(message(in_reply_to=("post.nonsense@commons.example.com",)), DOMAIN) is None


def test_a_sender_is_trusted_on_dmarc_or_an_aligned_spf_or_dkim_pass() -> None:
    plain = message()
    assert refusal(Verdicts.passing(), plain) is None
    assert refusal(Verdicts("FAIL", "FAIL", "PASS", "PASS", "PASS"), plain) is None
    spf = Verdicts("PASS", "FAIL", "FAIL", "PASS", "PASS", envelope_sender="bounce@mail.example.com")
    assert refusal(spf, plain) is None
    unaligned = Verdicts("PASS", "FAIL", "FAIL", "PASS", "PASS", envelope_sender="x@spammer.example.net")
    assert refusal(unaligned, plain) == "unauthenticated"
    signed = message(headers={"dkim-signature": "v=1; a=rsa-sha256; d=example.com; s=s1; b=..."})
    assert refusal(Verdicts("FAIL", "PASS", "FAIL", "PASS", "PASS"), signed) is None
    foreign = message(headers={"dkim-signature": "v=1; d=other.example.org; s=s1"})
    assert refusal(Verdicts("FAIL", "PASS", "FAIL", "PASS", "PASS"), foreign) == "unauthenticated"
    assert refusal(Verdicts.failing(), plain) == "unauthenticated"


def test_spam_or_a_virus_is_never_trusted_and_local_mail_is() -> None:
    assert refusal(Verdicts("PASS", "PASS", "PASS", "FAIL", "PASS"), message()) == "spam"
    assert refusal(Verdicts("PASS", "PASS", "PASS", "PASS", "FAIL"), message()) == "virus"
    assert refusal(Verdicts.local(), message()) is None
    assert refusal(Verdicts.passing(), message(sender=None)) is None  # DMARC passed: nothing else to ask
    assert refusal(Verdicts("PASS", "PASS", "FAIL", "PASS", "PASS"), message(sender=None)) == "unauthenticated"


def test_verdicts_are_read_from_an_ses_receipt() -> None:
    receipt = {
        "spfVerdict": {"status": "PASS"},
        "dkimVerdict": {"status": "FAIL"},
        "dmarcVerdict": {"status": "GRAY"},
        "spamVerdict": {"status": "PASS"},
        "virusVerdict": {"status": "PASS"},
    }
    read = Verdicts.from_ses(receipt, {"source": "bounce@example.com"})
    assert (read.spf, read.dkim, read.dmarc, read.envelope_sender) == ("PASS", "FAIL", "GRAY", "bounce@example.com")
    assert Verdicts.from_ses({"spfVerdict": "nonsense"}, {}).spf == "GRAY"
