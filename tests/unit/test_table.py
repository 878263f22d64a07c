"""Storage errors become a 503 (StorageUnavailableError) whatever caused them, a timeout with no
answer from DynamoDB included, where PynamoDB's own error code lookup raises."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pynamodb.exceptions import GetError, PutError

from chalicelib.errors import StorageUnavailableError
from chalicelib.table import error_code, storage


class NoAnswer(Exception):
    response = None  # as requests' exceptions have it after a timeout


class Refused(Exception):
    response: ClassVar[dict[str, dict[str, str]]] = {
        "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
    }


def test_the_error_code_is_read_when_there_is_an_answer_and_none_when_there_is_not() -> None:
    assert error_code(PutError("refused", cause=Refused())) == "ProvisionedThroughputExceededException"
    assert error_code(GetError("timed out", cause=NoAnswer())) is None
    assert error_code(GetError("no cause")) is None
    assert error_code(ValueError("not pynamodb")) is None


@pytest.mark.parametrize("cause", [NoAnswer(), Refused(), None])
def test_every_storage_failure_is_a_503(cause: Exception | None) -> None:
    @storage
    def read() -> None:
        raise GetError("failed", cause=cause)

    with pytest.raises(StorageUnavailableError):
        read()
