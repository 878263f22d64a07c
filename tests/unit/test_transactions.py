"""The sign-in transaction cookie: encrypted, short-lived, complete."""

from __future__ import annotations

import pytest

from chalicelib.auth.signin_state import Transaction, TransactionSealer
from chalicelib.config import SessionKey
from chalicelib.errors import IncompleteTransactionError, TransactionExpiredError, TransactionInvalidError

NOW = 1_800_000_000
KEY = SessionKey("k1", b"k" * 32)
TRANSACTION = Transaction("state-" + "s" * 26, "nonce-" + "n" * 26, "v" * 64, "/teams/platform/", NOW + 600)


def test_a_sealed_transaction_opens_to_the_same_transaction() -> None:
    sealer = TransactionSealer([KEY])
    sealed = sealer.seal(TRANSACTION)
    assert TRANSACTION.state not in sealed and TRANSACTION.code_verifier not in sealed  # encrypted, not just signed
    assert sealer.open(sealed, NOW) == TRANSACTION


def test_each_seal_differs() -> None:
    sealer = TransactionSealer([KEY])
    assert sealer.seal(TRANSACTION) != sealer.seal(TRANSACTION)


def test_a_tampered_cookie_does_not_decrypt() -> None:
    sealer = TransactionSealer([KEY])
    sealed = sealer.seal(TRANSACTION)
    tampered = sealed[:-5] + ("A" if sealed[-5] != "A" else "B") + sealed[-4:]
    with pytest.raises(TransactionInvalidError, match="does not decrypt"):
        sealer.open(tampered, NOW)


def test_another_deployments_key_does_not_decrypt() -> None:
    sealed = TransactionSealer([SessionKey("k1", b"o" * 32)]).seal(TRANSACTION)
    with pytest.raises(TransactionInvalidError):
        TransactionSealer([KEY]).open(sealed, NOW)


def test_an_expired_transaction_is_refused() -> None:
    sealer = TransactionSealer([KEY])
    with pytest.raises(TransactionExpiredError):
        sealer.open(sealer.seal(TRANSACTION), NOW + 600)


@pytest.mark.parametrize("missing", ["state", "nonce", "code_verifier"])
def test_a_transaction_missing_a_secret_is_refused(missing: str) -> None:
    sealer = TransactionSealer([KEY])
    incomplete = Transaction(**{**TRANSACTION.__dict__, missing: ""})
    with pytest.raises(IncompleteTransactionError, match=f"has no {missing}"):
        sealer.open(sealer.seal(incomplete), NOW)


@pytest.mark.parametrize("token", ["", "t1.k1", "t1.k1.!!!", "t1.k2.AAAA", "t9.k1.AAAA"])
def test_malformed_cookies_are_refused(token: str) -> None:
    with pytest.raises(TransactionInvalidError):
        TransactionSealer([KEY]).open(token, NOW)


def test_a_rotated_key_still_opens_a_transaction_in_flight() -> None:
    sealed = TransactionSealer([KEY]).seal(TRANSACTION)
    assert TransactionSealer([SessionKey("k2", b"n" * 32), KEY]).open(sealed, NOW) == TRANSACTION
