"""SES's ``Authentication-Results`` header, read for *aligned* authentication.

SES's SPF and DKIM verdicts (in its notification, and as bare ``spf=pass``/``dkim=pass``) say only
that *some* domain passed: an attacker's own domain passes both. What ties a verdict to the
``From`` domain is in the header SES adds on top of every stored email (RFC 8601)::

    Authentication-Results: amazonses.com;
     spf=pass (spfCheck: ...) client-ip=192.0.2.1; envelope-from=a@b.example; helo=b.example;
     dkim=pass header.i=@boatsetter.com;
     dmarc=pass header.from=boatsetter.com;

``dmarc=pass header.from=D`` says D's DMARC passed (so some SPF or DKIM pass was aligned with D);
``dkim=pass header.d=D`` (or ``header.i=@D``) says a signature by D verified. Only the topmost
``Authentication-Results`` is read, and only when SES (``amazonses.com``) wrote it: SES adds its
own above whatever the sender wrote, so one forged further down is never read.

SES copies two things the sender chooses into it: the HELO name and the envelope sender (after
``spf=``). A sender could shape them like results (``helo=x;dkim=pass;header.d=boatsetter.com``),
so the header is read strictly, and any doubt makes it prove nothing (``parse``): printable ASCII
and spaces only (``\x0b``, ``\x0c`` or ``\xa0`` are whitespace to ``str.split``, never to SES).

Not the ``authres`` package (RFC 8601, from dkimpy's maintainers): it refuses SES's own header as
a syntax error (SES ends ``client-ip=``, ``envelope-from=`` and ``helo=`` with ";" as if each were a
result), and it reads ``dkim=pass\x0bheader.d=...`` by dropping the ``\x0b``.
"""

import re
from dataclasses import dataclass, field
from email.message import Message

from parsers.mime import decode_headers

SES_AUTHSERV_ID = "amazonses.com"
#: the methods of RFC 8601's registry that can start a result
METHODS = frozenset(
    {
        "auth",
        "dkim",
        "dkim-adsp",
        "dkim-atps",
        "dmarc",
        "arc",
        "iprev",
        "sender-id",
        "spf",
        "bimi",
        "rrvs",
        "smime",
        "vbr",
        "dnswl",
    }
)
#: what SES writes after ``spf=...``, each ended by ";" as if it were a result of its own
SPF_KEYS = frozenset({"client-ip", "envelope-from", "helo", "smtp.mailfrom", "smtp.helo"})
_COMMENT = re.compile(r"\([^()]*\)")
#: all a header of SES's is written in, once unfolded: printable ASCII and the space
_PRINTABLE = re.compile(r"[ -~]*")
_FOLD = re.compile(r"\r?\n[ \t]")
_TOKEN = re.compile(r"^([a-z0-9_.-]+)(?:/[0-9]+)?=(\S+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Result:
    """One ``method=result`` with its properties (``header.d``, ``header.from``, ...)."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def dkim_domain(self) -> str | None:
        """The signing domain of a DKIM result: ``header.d``, else the domain of ``header.i``."""
        value = self.properties.get("header.d") or self.properties.get("header.i", "")
        domain = value.rpartition("@")[2].strip().lower().rstrip(".")
        return domain or None


@dataclass(frozen=True)
class AuthenticationResults:
    """What SES found, method by method, in the order it wrote them.

    ``ambiguous`` says why the header cannot be trusted to say what SES meant (then nothing in it
    proves anything): the text SES copies into it (the sender's HELO name and envelope sender) is
    the sender's to choose, and could be shaped like results of its own.
    """

    results: tuple[Result, ...]
    ambiguous: str | None = None

    def passed(self, method: str) -> list[Result]:
        if self.ambiguous:
            return []
        return [r for r in self.results if r.method == method and r.result == "pass"]

    def result_of(self, method: str) -> str | None:
        """The first result of ``method`` (``pass``, ``fail``, ``none``...), None if absent."""
        return next((r.result for r in self.results if r.method == method), None)


@dataclass(frozen=True)
class Alignment:
    """Proof that a domain sent the email, and which result proved it."""

    domain: str
    proof: str


def ses_authentication_results(raw: bytes | Message) -> AuthenticationResults | None:
    """The results of the topmost ``Authentication-Results`` header when SES wrote it, else None.

    SES writes one ``dkim`` result per ``DKIM-Signature`` (``dkim=none`` when there is none):
    more ``dkim`` results than that were not all SES's.
    """
    headers = raw if isinstance(raw, Message) else decode_headers(raw)
    first = headers.get("Authentication-Results")
    if first is None:
        return None
    found = parse(str(first))
    if found is None or found.ambiguous:
        return found
    signatures = len(headers.get_all("DKIM-Signature") or [])
    if sum(r.method == "dkim" for r in found.results) > max(1, signatures):
        return AuthenticationResults(found.results, "more dkim results than signatures")
    return found


def parse(value: str) -> AuthenticationResults | None:
    """One header value → its results; None when its authserv-id is not SES's.

    Strict where the sender could write: a result's properties must follow it in its own clause
    (only spf's are continued in clauses after it, as SES writes them); one spf and one dmarc at
    most, dmarc last; printable ASCII only, without quotes or backslashes (SES writes none; a
    sender's envelope address could). Anything else makes the results ambiguous.
    """
    text = _FOLD.sub(" ", value).strip()
    if not _PRINTABLE.fullmatch(text):
        return _ambiguous_or_none(text, "characters other than printable ASCII")
    if any(c in text for c in '"\\'):
        return _ambiguous_or_none(text, "quotes or backslashes")
    while _COMMENT.search(text):
        text = _COMMENT.sub(" ", text)
    authserv, _, rest = text.partition(";")
    if authserv.strip().split(" ")[0].lower() != SES_AUTHSERV_ID:
        return None
    if "(" in rest or ")" in rest:
        return AuthenticationResults((), "unbalanced comments")
    results: list[Result] = []
    for clause in rest.split(";"):
        tokens = clause.split()
        if not tokens:
            continue
        pairs = [_TOKEN.match(token) for token in tokens]
        if not all(pairs):
            return AuthenticationResults(tuple(results), "a clause that is not key=value pairs")
        keys = [(m.group(1).lower(), m.group(2)) for m in pairs if m is not None]
        method, result = keys[0]
        if method in METHODS:
            results.append(Result(method, result.lower(), dict(keys[1:])))
        elif results and results[-1].method == "spf" and all(k in SPF_KEYS for k, _ in keys):
            results[-1].properties.update(keys)
        else:
            return AuthenticationResults(tuple(results), f"a stray {method!r} clause")
    methods = [r.method for r in results]
    if methods.count("spf") > 1 or methods.count("dmarc") > 1:
        return AuthenticationResults(tuple(results), "a method reported twice")
    if "dmarc" in methods and methods[-1] != "dmarc":
        return AuthenticationResults(tuple(results), "results after dmarc")
    return AuthenticationResults(tuple(results))


def _ambiguous_or_none(text: str, why: str) -> AuthenticationResults | None:
    authserv = text.partition(";")[0].strip().split(" ")[0].lower()
    return AuthenticationResults((), why) if authserv == SES_AUTHSERV_ID else None


def aligned_domains(domain: str, other: str) -> bool:
    """Relaxed alignment (RFC 7489 §3.1.1) without a public-suffix list: the same domain, or one a
    subdomain of the other, never a bare top-level domain."""
    domain, other = domain.lower().rstrip("."), other.lower().rstrip(".")
    if "." not in domain or "." not in other:
        return False
    return domain == other or domain.endswith("." + other) or other.endswith("." + domain)


def alignment(results: AuthenticationResults | None, from_domain: str | None) -> Alignment | None:
    """How SES proved that ``from_domain`` sent the email: DMARC pass for exactly that domain, or
    a DKIM signature by an aligned domain. None when nothing aligned passed (SPF alone never
    counts: its domain is the envelope sender's, which anyone sets)."""
    if results is None or results.ambiguous or not from_domain:
        return None
    domain = from_domain.lower().rstrip(".")
    for dmarc in results.passed("dmarc"):
        if dmarc.properties.get("header.from", "").lower().rstrip(".") == domain:
            return Alignment(domain, f"DMARC pass for {domain}")
    for dkim in results.passed("dkim"):
        signer = dkim.dkim_domain
        if signer is not None and aligned_domains(signer, domain):
            return Alignment(domain, f"DKIM signature of {signer}")
    return None
