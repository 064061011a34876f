"""Where a redirect may go after a form: only paths on this site (no open redirect through ``next``
or the Referer)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None) -> str:
    """Only same-site paths survive ``next``, anything else goes home (no open redirect).

    Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
    "/<TAB>/evil.example" would become "//evil.example": any control character, space or backslash
    refuses the target, as does anything with a scheme or a host."""
    home = url_for("main.home")
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return home
    if any(ch <= " " or ch in "\\\x7f" for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


def safe_referrer() -> str:
    """The page the request came from when it is on this site (same scheme and host), else home.

    The origin is compared parsed, not as a prefix ("http://site.example.evil.example/" starts with
    "http://site.example"), and the remaining path still passes :func:`safe_next`."""
    referrer = request.referrer or ""
    if any(ch <= " " or ch in "\\\x7f" for ch in referrer):
        return url_for("main.home")
    parts, here = urlsplit(referrer), urlsplit(request.host_url)
    if (parts.scheme, parts.netloc) != (here.scheme, here.netloc):
        return url_for("main.home")
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
