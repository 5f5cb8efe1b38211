"""SES's Authentication-Results, read for alignment with the From domain (issue 11, point 4)."""

from sandbox.ingest import PASSING, with_ses_headers
from trust.admission import check_sender
from trust.authresults import (
    AuthenticationResults,
    aligned_domains,
    alignment,
    parse,
    ses_authentication_results,
)

#: as SES writes it on a stored email (folded, comments and all)
SES_HEADER = (
    "amazonses.com;\r\n"
    " spf=pass (spfCheck: domain of em.boatsetter.com designates 192.0.2.7 as permitted sender)"
    " client-ip=192.0.2.7; envelope-from=bounce@em.boatsetter.com; helo=o1.em.boatsetter.com;\r\n"
    " dkim=pass header.i=@boatsetter.com;\r\n"
    " dkim=pass header.i=@sendgrid.info;\r\n"
    " dmarc=pass header.from=boatsetter.com;"
)
RAW = b"From: Boatsetter <no-reply@boatsetter.com>\r\nSubject: x\r\n\r\nbody\r\n"


def ses(*clauses: str) -> str:
    return "amazonses.com; " + "; ".join(clauses)


def test_a_real_ses_header_is_read_method_by_method():
    results = parse(SES_HEADER)
    assert results is not None
    assert [(r.method, r.result) for r in results.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert [r.dkim_domain for r in results.passed("dkim")] == ["boatsetter.com", "sendgrid.info"]


def test_dmarc_pass_for_the_from_domain_aligns():
    found = alignment(
        parse(ses("spf=fail", "dkim=none", "dmarc=pass header.from=boatsetter.com")),
        "boatsetter.com",
    )
    assert found is not None
    assert found.proof == "DMARC pass for boatsetter.com"


def test_dkim_by_the_from_domain_or_its_subdomain_aligns():
    for signer in ("header.d=boatsetter.com", "header.i=@em.boatsetter.com"):
        results = parse(
            ses("spf=none", f"dkim=pass {signer}", "dmarc=none header.from=boatsetter.com")
        )
        assert alignment(results, "boatsetter.com") is not None, signer


def test_an_attackers_own_passing_spf_and_dkim_do_not_align():
    results = parse(
        ses(
            "spf=pass smtp.mailfrom=evil.example",
            "dkim=pass header.i=@evil.example",
            "dmarc=none header.from=boatsetter.com",
        )
    )
    assert alignment(results, "boatsetter.com") is None


def test_dmarc_pass_for_another_domain_does_not_align():
    results = parse(ses("dmarc=pass header.from=evil.example"))
    assert alignment(results, "boatsetter.com") is None


def test_a_look_alike_domain_is_not_aligned():
    assert not aligned_domains("boatsetter.com.evil.example", "boatsetter.com")
    assert not aligned_domains("evilboatsetter.com", "boatsetter.com")
    assert not aligned_domains("com", "boatsetter.com")


def test_failed_dkim_by_the_platform_does_not_align():
    results = parse(
        ses("dkim=fail header.i=@boatsetter.com", "dmarc=fail header.from=boatsetter.com")
    )
    assert alignment(results, "boatsetter.com") is None


def test_a_header_another_server_wrote_is_not_read():
    assert parse("mx.evil.example; dmarc=pass header.from=boatsetter.com") is None


def test_only_the_topmost_header_counts():
    forged = (
        b"Authentication-Results: amazonses.com; dmarc=pass header.from=boatsetter.com\r\n" + RAW
    )
    stored = with_ses_headers(forged, {**PASSING, "dkim": "FAIL", "dmarc": "FAIL"})
    results = ses_authentication_results(stored)
    assert results is not None
    assert alignment(results, "boatsetter.com") is None


def test_ingest_writes_the_header_as_ses_does_aligned_with_the_from_domain():
    results = ses_authentication_results(with_ses_headers(RAW, PASSING))
    found = alignment(results, "boatsetter.com")
    assert found is not None
    assert found.proof == "DMARC pass for boatsetter.com"


def test_check_sender_refuses_unaligned_mail_without_naming_anyone():
    results = parse(
        ses("spf=pass", "dkim=pass header.i=@evil.example", "dmarc=none header.from=x.example")
    )
    reason = check_sender(results, "maya@x.example", required=True)
    assert reason == (
        "From domain not authenticated (no aligned DMARC or DKIM pass; dmarc=none, dkim=pass)"
    )


def test_check_sender_fails_closed_without_ses_results():
    reason = check_sender(None, "no-reply@boatsetter.com", required=True)
    assert reason == "no Authentication-Results from SES: the sender cannot be authenticated"


def test_check_sender_can_be_switched_off():
    assert check_sender(None, None, required=False) is None


# --- a sender writing into SES's header: its HELO name and envelope sender are copied into it ---

SIGNED = b"DKIM-Signature: v=1; d=evil.example; s=s1; h=from; bh=x; b=y\r\n" + RAW


def stored_with(results: str, message: bytes = SIGNED) -> bytes:
    return f"Authentication-Results: {results}\r\n".encode() + message


def injected(helo: str) -> str:
    """SES's header for mail whose sender chose ``helo``; the real results say nothing aligned."""
    return (
        "amazonses.com;\r\n spf=pass (spfCheck: domain of evil.example designates 192.0.2.66 as "
        f"permitted sender) client-ip=192.0.2.66; envelope-from=x@evil.example; helo={helo};\r\n"
        " dkim=pass header.i=@evil.example;\r\n dmarc=none header.from=boatsetter.com;"
    )


def read_injected(helo: str) -> AuthenticationResults:
    """The results SES's header says for mail whose sender chose ``helo``; it must read."""
    results = ses_authentication_results(stored_with(injected(helo)))
    assert results is not None
    return results


def test_a_dmarc_result_smuggled_in_a_helo_name_proves_nothing():
    results = read_injected("x;dmarc=pass")
    assert results.ambiguous == "a method reported twice"
    assert alignment(results, "boatsetter.com") is None


def test_a_dkim_domain_smuggled_in_a_helo_name_proves_nothing():
    results = read_injected("x;dkim=pass;header.d=boatsetter.com")
    assert results.ambiguous == "a stray 'header.d' clause"
    assert alignment(results, "boatsetter.com") is None


def test_a_whole_dkim_result_smuggled_with_a_tab_proves_nothing():
    results = read_injected("x;dkim=pass\theader.d=boatsetter.com")
    assert alignment(results, "boatsetter.com") is None


def test_a_quoted_envelope_sender_carrying_results_proves_nothing():
    header = injected("x").replace(
        "envelope-from=x@evil.example",
        'envelope-from="a;dkim=pass header.d=boatsetter.com;"@evil.example',
    )
    results = ses_authentication_results(stored_with(header))
    assert results is not None
    assert alignment(results, "boatsetter.com") is None


def test_more_dkim_results_than_signatures_prove_nothing():
    # one DKIM-Signature in the message, two dkim results in the header: one is not SES's
    header = injected("x;dkim=pass").replace(
        "helo=x;dkim=pass", "helo=x; dkim=pass header.d=boatsetter.com"
    )
    results = ses_authentication_results(stored_with(header))
    assert results is not None
    assert results.ambiguous == "more dkim results than signatures"
    assert alignment(results, "boatsetter.com") is None


def test_two_real_signatures_are_two_real_results():
    message = b"DKIM-Signature: v=1; d=boatsetter.com\r\n" + SIGNED
    header = (
        "amazonses.com; spf=pass; dkim=pass header.i=@boatsetter.com; "
        "dkim=pass header.i=@evil.example; dmarc=pass header.from=boatsetter.com"
    )
    results = ses_authentication_results(stored_with(header, message))
    assert results is not None
    assert results.ambiguous is None
    assert alignment(results, "boatsetter.com") is not None


def test_an_unsigned_message_still_gets_its_dkim_none():
    results = ses_authentication_results(
        stored_with(
            "amazonses.com; spf=pass; dkim=none header.i=unknown; "
            "dmarc=none header.from=boatsetter.com",
            RAW,
        )
    )
    assert results is not None
    assert results.ambiguous is None


def test_check_sender_says_when_the_header_itself_is_in_doubt():
    results = ses_authentication_results(stored_with(injected("x;dmarc=pass")))
    reason = check_sender(results, "no-reply@boatsetter.com", required=True)
    assert reason == "SES's Authentication-Results cannot be trusted (a method reported twice)"


def test_results_split_by_a_vertical_tab_prove_nothing():
    """Issue 18, defect 4: ``\\x0b`` is whitespace to ``str.split``, never to SES."""
    results = read_injected("x;dkim=pass\x0bheader.d=boatsetter.com")
    assert results.ambiguous == "characters other than printable ASCII"
    assert alignment(results, "boatsetter.com") is None


def test_only_printable_ascii_is_read():
    for odd in ("\x0b", "\x0c", "\xa0", "\x85", "\u2028", "\x00", "\x1f", "\x7f"):
        header = ses("spf=pass", f"dkim=pass{odd}header.d=boatsetter.com", "dmarc=none")
        results = parse(header)
        assert results is not None, repr(odd)
        assert results.ambiguous == "characters other than printable ASCII", repr(odd)
        assert alignment(results, "boatsetter.com") is None, repr(odd)


def test_a_stored_header_with_a_non_ascii_byte_proves_nothing():
    header = ses("spf=pass", "dkim=pass header.d=boatsetter.com", "dmarc=none")
    stored = f"Authentication-Results: {header}\r\n".encode().replace(
        b"pass header", b"pass\xa0header"
    )
    results = ses_authentication_results(stored + SIGNED)
    assert results is not None
    assert alignment(results, "boatsetter.com") is None
