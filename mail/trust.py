"""Whether the From address of a message was authenticated, by our own server's word only.

``Authentication-Results`` (RFC 8601) can be written by anyone along the way, so only headers
whose authserv-id is our own receiving server's count; the rest are ignored. (Our server is
expected to remove incoming headers that claim its authserv-id, as RFC 8601 section 5 asks.)
Authenticated: `dmarc=pass`, or, where the domain publishes no DMARC (no result or
`dmarc=none`), a `dkim=pass` whose signing domain is aligned with the From domain. Forged:
`dmarc=fail`, or (without DMARC) an aligned DKIM or SPF fail. Everything else (none, neutral,
temperror, a missing header, a header from any other server, or no authserv-id configured) is
unauthenticated: the sender must prove the address with a code or the invitation token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mail.decode import DecodedMail


@dataclass(frozen=True)
class AuthResult:
    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthenticationResults:
    authserv_id: str
    results: tuple[AuthResult, ...]


@dataclass(frozen=True)
class SenderTrust:
    """``authenticated``: True (proven), False (forged), None (unknown: verify by mail)."""

    authenticated: bool | None
    dmarc: str | None
    spf: str | None
    dkim: str | None
    reason: str


def parse_authentication_results(value: str) -> AuthenticationResults | None:
    """One header value -> its authserv-id and results; None when it cannot be read."""
    pieces = _split(_strip_comments(value.replace("\r", " ").replace("\n", " ")), ";")
    if not pieces or not pieces[0].split():
        return None
    authserv_id = pieces[0].split()[0].lower()
    results: list[AuthResult] = []
    for piece in pieces[1:]:
        tokens = _split(piece, None)
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        props: dict[str, str] = {}
        for token in tokens[1:]:
            name, eq, val = token.partition("=")
            if eq:
                props[name.lower()] = val.strip('"')
        results.append(AuthResult(method.split("/")[0].lower(), result.lower(), props))
    return AuthenticationResults(authserv_id, tuple(results))


def sender_trust(
    header_values: Sequence[str], from_address: str | None, trusted_authserv_id: str
) -> SenderTrust:
    """The verdict from the Authentication-Results our own server added.

    Only the topmost header carrying our authserv-id counts: our server prepends its own, so
    anything below it with the same name was written by someone else along the way.
    """
    trusted = trusted_authserv_id.strip().lower()
    if not trusted:
        return SenderTrust(None, None, None, None, "no_authserv_id")
    parsed = [p for p in map(parse_authentication_results, header_values) if p is not None]
    mine = next((p for p in parsed if p.authserv_id == trusted), None)
    if mine is None:
        return SenderTrust(
            None, None, None, None, "foreign_results_ignored" if parsed else "no_results"
        )
    ours = list(mine.results)
    dmarc, spf, dkim = (_combined(ours, m) for m in ("dmarc", "spf", "dkim"))
    domain = (from_address or "").rpartition("@")[2].lower()
    if dmarc == "fail":
        return SenderTrust(False, dmarc, spf, dkim, "dmarc_fail")
    if dmarc == "pass":
        return SenderTrust(True, dmarc, spf, dkim, "dmarc_pass")
    if dmarc not in (None, "none") or not domain:  # temperror, permerror: DMARC unknown
        return SenderTrust(None, dmarc, spf, dkim, "not_authenticated")
    aligned_dkim = [
        r.result
        for r in ours
        if r.method == "dkim" and _aligned(r.properties.get("header.d"), domain)
    ]
    if "pass" in aligned_dkim:
        return SenderTrust(True, dmarc, spf, dkim, "dkim_aligned")
    spf_from = [r.properties.get("smtp.mailfrom", "") for r in ours if r.method == "spf"]
    spf_aligned = bool(spf_from) and _aligned(spf_from[0].rpartition("@")[2], domain)
    if spf == "fail" and spf_aligned:
        return SenderTrust(False, dmarc, spf, dkim, "spf_fail")
    if "fail" in aligned_dkim:
        return SenderTrust(False, dmarc, spf, dkim, "dkim_fail")
    return SenderTrust(None, dmarc, spf, dkim, "not_authenticated")


def assess_sender(mail: DecodedMail, *, trusted_authserv_id: str) -> SenderTrust:
    return sender_trust(
        mail.raw_headers("Authentication-Results"), mail.from_address, trusted_authserv_id
    )


def _combined(results: Sequence[AuthResult], method: str) -> str | None:
    """One verdict per method: any fail wins, then any pass, else the first result seen."""
    values = [r.result for r in results if r.method == method]
    if not values:
        return None
    for verdict in ("fail", "pass"):
        if verdict in values:
            return verdict
    return values[0]


def _aligned(signing: str | None, from_domain: str) -> bool:
    """Relaxed alignment, approximated without a public-suffix list: same or parent domain."""
    d = (signing or "").strip().lower().rstrip(".")
    if "." not in d:
        return False  # never a bare top-level domain
    return d == from_domain or from_domain.endswith("." + d) or d.endswith("." + from_domain)


def _strip_comments(value: str) -> str:
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            if not depth:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if not depth:
                out.append(ch)
            continue
        if ch == '"' and not depth:
            quoted = not quoted
        elif ch == "(" and not quoted:
            depth += 1
            continue
        elif ch == ")" and not quoted and depth:
            depth -= 1
            out.append(" ")
            continue
        if not depth:
            out.append(ch)
    return "".join(out)


def _split(value: str, sep: str | None) -> list[str]:
    """Split on ``sep`` (or whitespace) outside double quotes; empty pieces dropped."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if not quoted and (ch == sep or (sep is None and ch.isspace())):
            pieces.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    pieces.append("".join(current).strip())
    return [p for p in pieces if p]
