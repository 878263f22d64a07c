"""Mail no person wrote: auto-replies, bounces, bulk mail. Such mail never posts and is never answered.

`automatic` only recognises it and says why, as a short reason for the log; intake drops it.
The headers come first (RFC 3834's `Auto-Submitted`, `Precedence`, the autoresponders' own), then
the sender, then the message's type, and last the subject, for the out-of-office replies that carry
no header at all.
"""

from __future__ import annotations

import re

from chalicelib.mail.message import MailMessage

_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
_AUTORESPONDER_HEADERS = ("x-autoreply", "x-autorespond")
_SYSTEM_SENDERS = {"mailer-daemon": "mailer-daemon", "postmaster": "postmaster"}
_REPORT_TYPES = frozenset({"multipart/report", "message/delivery-status", "message/disposition-notification"})
_NOT_SET = frozenset({"no", "false", "0"})

# Out-of-office subjects in the common languages, as clients and servers write them: the phrase opens
# the subject, and is followed by nothing, punctuation, a date, or a word such as "until".
_OUT_OF_OFFICE_PHRASES = (
    "out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)|autoreply|away from (?:the )?office"
    "|on vacation|vacation reply|on holiday|on leave|ooo"
    "|abwesenheitsnotiz|abwesenheit|automatische antwort|abwesend|nicht im büro|außer haus|im urlaub"
    "|réponse automatique|absent(?:e)? du bureau|absence du bureau|hors du bureau|message d'absence|en congés?"
    "|respuesta automática|fuera de (?:la )?oficina|mensaje de ausencia|ausente de la oficina"
    "|risposta automatica|fuori (?:ufficio|sede)|assente dall'ufficio"
    "|automatisch antwoord|afwezigheidsbericht|afwezig|niet aanwezig|buiten kantoor"
    "|resposta automática|fora do escritório|ausente do escritório|mensagem de ausência"
    "|odpowiedź automatyczna|automatyczna odpowiedź|poza biurem|nieobecność w biurze"
    "|автоответ|автоматический ответ|вне офиса|нет на месте|в отпуске|отсутствую"
    "|自动回复|自動回覆|自動回復|不在办公室|休假中|外出中|自動返信|自動応答|不在通知|不在のお知らせ|休暇のお知らせ"
)
_OUT_OF_OFFICE = re.compile(
    rf"^(?:[\[(]\s*(?:{_OUT_OF_OFFICE_PHRASES})\s*[\])]|(?:{_OUT_OF_OFFICE_PHRASES})\s*"
    r"(?:$|[:：\-–—(\[|,.!/]|\d|(?:until|till|from|through|bis|ab|vom|jusqu|du|hasta|del|desde|fino|dal|tot|van"
    r"|até|de|do|od|до|с|по)\b))",
    re.IGNORECASE,
)


def automatic(message: MailMessage) -> str | None:
    """None for mail a person wrote; else why it is automatic, such as "auto-submitted" or "out-of-office"."""
    headers = message.headers
    if message.content_type in _REPORT_TYPES:
        return "delivery-report"
    submitted = _token(headers.get("auto-submitted", ""))
    if "auto-submitted" in headers and submitted != "no":
        return "auto-submitted"
    precedence = _token(headers.get("precedence", ""))
    if precedence in _PRECEDENCE:
        return "precedence-" + precedence.replace("_", "-")
    for name in _AUTORESPONDER_HEADERS:
        if name in headers and _token(headers[name]) not in _NOT_SET:
            return name
    sender = _system_sender(message)
    if sender:
        return sender
    if _OUT_OF_OFFICE.search(message.subject.strip()):
        return "out-of-office"
    return None


def _token(value: str) -> str:
    """The value before any parameters or comments, lower-case: "auto-replied; owner-email=..." -> "auto-replied"."""
    return re.split(r"[;(\s]", value.strip().lower(), maxsplit=1)[0] if value.strip() else ""


def _system_sender(message: MailMessage) -> str | None:
    # A bare "MAILER-DAEMON" (no domain) is no sender to `read_message`, so the header is read as written too.
    written = message.sender.address if message.sender else _written_address(message.headers.get("from", ""))
    local = written.rpartition("@")[0] if "@" in written else written
    return _SYSTEM_SENDERS.get(local.strip().lower())


def _written_address(value: str) -> str:
    """The address in a From header that may not parse: "MAILER-DAEMON (Mail Delivery System)" -> MAILER-DAEMON."""
    inside = re.search(r"<([^<>]*)>", value)
    bare = inside.group(1) if inside else re.sub(r"\([^()]*\)|\"[^\"]*\"", " ", value)
    return next(iter(bare.split()), "")
