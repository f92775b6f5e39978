"""Passwords never printed: URL and DSN masking, and a log filter that applies it everywhere.

Masking reads a URL the way a person may have mistyped it, not the way `urlsplit` does: an
unencoded `/`, `?`, `#`, `@` or space in the password would end `urlsplit`'s netloc early and
leave the rest of the password in the "path" or "fragment" (issue #13). So the user information
is everything between `://` and the last `@`, and `password=` is masked in query strings and
key=value DSNs, quoted or not.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

_PASSWORD_IN_QUERY = re.compile(r"(?i)(\bpassword=)[^&]*")
_PASSWORD_IN_DSN = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)")
# A URL in a message runs to the last '@' of its line (a password may hold spaces), then to the
# end of the host part: over-masking a message is fine, printing half a password is not.
_URL_IN_TEXT = re.compile(r"postgres(?:ql)?://(?:[^\n]*@)?[^\s'\"]*")
MASK = "***"


def _split_userinfo(url: str) -> tuple[str, str, str] | None:
    """(scheme://, userinfo, rest after the last '@') of a URL with user information."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return None
    userinfo, _, hostpart = rest.rpartition("@")
    return scheme + sep, userinfo, hostpart


def url_password(url: str | None) -> str | None:
    """The password a URL or key=value DSN carries, as written (None when there is none)."""
    if not url:
        return None
    parts = _split_userinfo(url)
    if parts is not None:
        _user, sep, password = parts[1].partition(":")
        if sep and password:
            return password
    match = _PASSWORD_IN_DSN.search(url) or _PASSWORD_IN_QUERY.search(url)
    if match is None:
        return None
    value = url[match.end(1) : match.end()].strip("'")
    return value.split("&")[0] or None


def mask_url(url: str) -> str:
    """The URL (or key=value DSN) with its password replaced by `***`."""
    text = url.strip()
    parts = _split_userinfo(text)
    if parts is not None:
        start, userinfo, hostpart = parts
        user, sep, _password = userinfo.partition(":")
        text = f"{start}{user}:{MASK}@{hostpart}" if sep else f"{start}{user}@{hostpart}"
    if "://" in text:
        return _PASSWORD_IN_QUERY.sub(rf"\1{MASK}", text)
    return _PASSWORD_IN_DSN.sub(rf"\1{MASK}", text)


def error_line(err: BaseException, default: str | None = None) -> str:
    """The first non-empty line of an error's message (default: the error's class name)."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else (type(err).__name__ if default is None else default)


def mask_text(text: str, url: str | None = None) -> str:
    """Mask every URL and `password=` in a message, and the given URL's password (as written
    and percent-decoded) wherever it appears."""
    for password in _spellings(url_password(url)):
        text = text.replace(password, MASK)
    text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
    return _PASSWORD_IN_DSN.sub(rf"\1{MASK}", text)


def _spellings(password: str | None) -> list[str]:
    if not password:
        return []
    return sorted({password, unquote(password)}, key=len, reverse=True)


class MaskingFilter(logging.Filter):
    """Masks URLs and the configured password in every log record, whoever logs it (tracebacks
    included)."""

    def __init__(self, url: str | None, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.url = url
        self.secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.stack_info:
            message += "\n" + record.stack_info
            record.stack_info = None
        for secret in self.secrets:
            message = message.replace(secret, MASK)
        record.msg = mask_text(message, self.url)
        record.args = ()
        record.exc_text = None
        return True
