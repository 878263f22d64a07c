"""The README's Email section is true: `make mail-check` prints what it shows for its example
message, every mail setting the functions read is in its table with its default, and the dev
stack's addresses are the ones it names."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

from chalicelib.mail.config import MailSettings
from devstack import mailbox
from devstack import server as devserver
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CONFIG = REPO / "functions" / "chalicelib" / "mail" / "config.py"
# The defaults the table must show, by variable (MailSettings' own values).
DEFAULTS = {
    "COMMONS_MAIL_REPLY_TOKEN_DAYS": MailSettings.reply_token_days,
    "COMMONS_MAIL_SEND_RATE": MailSettings.send_rate_per_second,
    "COMMONS_MAIL_DELIVERY_CONCURRENCY": MailSettings.delivery_concurrency,
    "COMMONS_MAIL_DELIVERY_BATCH": MailSettings.delivery_batch_size,
}


def section(title: str, text: str = README, level: str = "## ") -> str:
    start = text.index(f"\n{level}{title}\n")
    end = text.find(f"\n{level}", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_email_settings_table_lists_every_mail_setting_with_its_default() -> None:
    table = section("Email settings", section("Email"), "### ")
    rows = {
        cells[0].strip("` "): cells[-1].strip()
        for line in table.splitlines()
        if line.startswith("| `") and (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    read = set(re.findall(r'"(COMMONS_MAIL_[A-Z_]+)"', CONFIG.read_text(encoding="utf-8")))
    assert read and set(rows) == read, "README.md, Email settings: one row per variable mail/config.py reads"
    for name, default in DEFAULTS.items():
        assert rows[name] == f"`{default}`", name
    for name in read - set(DEFAULTS):
        assert rows[name] == "none", f"{name} has no default"
    assert MailSettings.from_environ({}, []).enabled is False, "no COMMONS_MAIL_DOMAIN: mail is off"
    domain = next(line for line in table.splitlines() if line.startswith("| `COMMONS_MAIL_DOMAIN`"))
    assert "mail is off" in domain and f"`{devserver.DEV_MAIL_DOMAIN}`" in domain


def test_the_mail_check_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    """Each `make mail-check` line of the section, run on the section's message, prints the JSON
    shown after it: the dry run of the same intake as mail from SES."""
    email = section("Email")
    message = re.search(r"<!-- example: message\.eml -->\n```text\n(.*?)```", email, re.S)
    assert message is not None
    (tmp_path / "message.eml").write_text(message[1], encoding="utf-8")
    pairs = re.findall(
        r"```sh\n(make mail-check [^\n]*)\n```\n\n<!-- example: mail-check output -->\n```json\n(.*?)```", email, re.S
    )
    assert [command for command, _ in pairs] == [
        "make mail-check FILE=message.eml",
        'make mail-check FILE=message.eml ARGS="--verdicts fail"',
    ]
    for command, shown in pairs:
        argv = shlex.split(command.replace("FILE=message.eml", f"FILE={tmp_path / 'message.eml'}"))
        result = subprocess.run(
            [*argv, f"OUT={tmp_path / 'hub'}", "--no-print-directory", "-s"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        printed: dict[str, Any] = json.loads(result.stdout[result.stdout.index("{") :])
        assert printed == json.loads(shown), command
        assert set(printed) == {"action", "reason", "space", "parent", "author", "body"}


def test_the_dev_stacks_mail_addresses_are_the_ones_the_readme_names() -> None:
    locally = section("Email locally", section("Email"), "### ")
    port = re.search(r"^DEFAULT_PORT = (\d+)$", (REPO / "scripts" / "devstack" / "smtp.py").read_text(), re.M)
    assert port is not None and f"`localhost:{port[1]}`" in locally
    assert f"http://localhost:8000{mailbox.PATH}" in locally
    assert f"@{MailSettings.domain}`" in locally
