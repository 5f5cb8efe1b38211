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
"""

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

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
_COMMENT = re.compile(r"\([^()]*\)")
_PROPERTY = re.compile(r'([a-z0-9_.-]+)\s*=\s*("[^"]*"|[^\s;]+)', re.IGNORECASE)


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
    """What SES found, method by method, in the order it wrote them."""

    results: tuple[Result, ...]

    def passed(self, method: str) -> list[Result]:
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
    """The results of the topmost ``Authentication-Results`` header when SES wrote it, else None."""
    headers = (
        raw if isinstance(raw, Message) else BytesHeaderParser(policy=compat32).parsebytes(raw)
    )
    first = headers.get("Authentication-Results")
    return parse(str(first)) if first is not None else None


def parse(value: str) -> AuthenticationResults | None:
    """One header value → its results; None when its authserv-id is not SES's."""
    text = " ".join(value.split())
    while _COMMENT.search(text):
        text = _COMMENT.sub(" ", text)
    authserv, _, rest = text.partition(";")
    if authserv.strip().split(" ")[0].lower() != SES_AUTHSERV_ID:
        return None
    results: list[Result] = []
    for clause in rest.split(";"):
        found = _PROPERTY.findall(clause)
        if not found:
            continue
        method, result = found[0][0].split("/")[0].lower(), found[0][1].strip('"').lower()
        properties = {k.lower(): v.strip('"') for k, v in found}
        if method not in METHODS:  # SES ends spf's ``client-ip=...; envelope-from=...;`` with ";"
            if results:
                results[-1].properties.update(properties)
            continue
        del properties[found[0][0].lower()]
        results.append(Result(method, result, properties))
    return AuthenticationResults(tuple(results))


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
    if results is None or not from_domain:
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
