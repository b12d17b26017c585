"""Hostile HTTP requests for any route of the portal, as hypothesis strategies.

A request is drawn for one werkzeug rule: every converter argument, the query string, the
headers and the body are mixed from values the seeded world knows (so examples get past the
"not found" gate) and hostile values: huge and 5,000-digit numbers, CR/LF, NUL, unicode,
empty, very long and wrongly typed values, deeply nested JSON.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st
from werkzeug.routing import Rule

__all__ = ["CSRF", "FuzzRequest", "hostile_text", "issued", "requests_for"]


def issued(name: str) -> str:
    """Stands for the value of ``name`` the session was issued (its CSRF token, a request
    form's reference) in drawn forms; :meth:`FuzzRequest.send` puts the real one in."""
    return f"<issued {name}>"


CSRF = issued("csrf_token")

FIVE_THOUSAND_DIGITS = "9" * 5000

SPECIAL_TEXT = [
    "", " ", "0", "-1", "1e999", "NaN", "null", "true", "[]", "{}",
    "99999999999999999999", "9223372036854775808", "18446744073709551616", FIVE_THOUSAND_DIGITS,
    "\r\n", "a\r\nLocation: http://evil.test/", "/\r\nSet-Cookie: x=1", "%0d%0a", "\x00",
    "a\x00b", "\u202e\u0644\u0627", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Ё" * 300, "\ufeff", "\ud7ff",
    "../../etc/passwd", "//evil.test", "\\\\evil.test", "javascript:alert(1)",
    "<script>alert(1)</script>", "' OR 1=1 --", "%", "%%", "%ff", "0001-01-01", "9999-12-31",
    "2026-02-30", "-0001-01-01", "x" * 10000, "A" * 70000,
]

KNOWN_QUERY_KEYS = [
    "next", "page", "state", "sort", "order", "category", "store", "scope", "from", "to",
    "period", "department", "lang", "q", "format",
]


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Text a browser, a script or an attacker may send."""
    plain = st.text(max_size=max_size)
    crlf = st.builds(lambda a, b: f"{a}\r\n{b}", st.text(max_size=20), st.text(max_size=20))
    digits = st.integers(min_value=0, max_value=10**40).map(str)
    return st.one_of(st.sampled_from(SPECIAL_TEXT), plain, crlf, digits)


def _header_text() -> st.SearchStrategy[str]:
    """Header values an HTTP server lets through: latin-1, no CR/LF."""
    chars = st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                          blacklist_characters="\x7f")
    return st.one_of(st.text(chars, max_size=60), st.sampled_from(
        ["", "x" * 8000, FIVE_THOUSAND_DIGITS, "*/*;q=abc", "application/json;q=2",
         "ru;q=NaN, en;q=-1", "de-DE-x-y-z-very-long-tag", "text/html, */*; q=0.01"]))


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, with huge integers and odd floats among the leaves."""
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=False, allow_infinity=False), hostile_text(30),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(hostile_text(12), inner, max_size=4)),
        max_leaves=12,
    )


ROUTABLE_TICKET: dict[str, Any] = {
    "Event": {"Event": "TicketCreate", "TicketID": 5},
    "Ticket": {
        "TicketID": 5, "TicketNumber": "2026112310000005", "Title": "Cash register 2 is down",
        "CustomerUserID": "demo-customer", "CustomerID": "store-007", "Queue": "Raw",
        "State": "new", "StateType": "new", "Priority": "3 normal", "Type": "Unclassified",
        "Created": "2026-11-23 09:00:00",
        "Articles": [{"ArticleID": 9, "ArticleNumber": 1, "Subject": "Cash register 2 is down",
                      "Body": "The cash register does not start.", "SenderType": "customer",
                      "From": "Dana Clerk <dana@example.test>"}],
    },
}
"""A TicketCreate the router files; mutated, it reaches the routing with hostile values."""


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaf_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaf_paths(v, (*path, i))]
    return [path]


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _mutated_ticket() -> st.SearchStrategy[Any]:
    """:data:`ROUTABLE_TICKET` with one or two of its values replaced by hostile ones."""
    paths = st.sampled_from(_leaf_paths(ROUTABLE_TICKET))
    change = st.tuples(paths, st.one_of(hostile_text(), json_values()))

    def apply(changes: list[tuple[tuple[Any, ...], Any]]) -> Any:
        body: Any = ROUTABLE_TICKET
        for path, new in changes:
            body = _replaced(body, path, new)
        return body

    return st.lists(change, min_size=1, max_size=2).map(apply)


def _webhook_payloads() -> st.SearchStrategy[Any]:
    """Bodies shaped like Znuny's Ticket::Generic invoker call, with hostile values."""
    event_names = st.one_of(st.sampled_from(
        ["TicketCreate", "ArticleCreate", "TicketStateUpdate", "TicketDynamicFieldUpdate_X"]),
        hostile_text(20))
    ids = st.one_of(st.integers(min_value=-5, max_value=10**30), hostile_text(25),
                    st.sampled_from([1, 2, 9223372036854775807, 9223372036854775808]),
                    json_values())
    article = st.fixed_dictionaries({"ArticleID": ids}, optional={
        "Subject": hostile_text(), "Body": hostile_text(), "From": hostile_text(),
        "SenderType": hostile_text(10), "ArticleNumber": ids})
    ticket = st.fixed_dictionaries(
        {"TicketID": ids, "TicketNumber": hostile_text(25)},
        optional={"Title": hostile_text(), "CustomerUserID": hostile_text(20),
                  "CustomerID": hostile_text(20), "Created": hostile_text(20),
                  "Queue": hostile_text(20), "Article": st.one_of(article, json_values()),
                  "Articles": st.one_of(st.lists(article, max_size=2), json_values()),
                  "CustomerUser": st.one_of(json_values(), st.fixed_dictionaries(
                      {"UserLogin": hostile_text(20), "ValidID": ids})),
                  "DynamicField_RadiantCategory": hostile_text(20),
                  "DynamicField_RadiantStore": hostile_text(20)})
    return st.one_of(
        _mutated_ticket(),
        st.fixed_dictionaries({"Event": st.fixed_dictionaries(
            {"Event": event_names, "TicketID": ids}), "Ticket": ticket}),
        json_values(),
    )


def _raw_json() -> st.SearchStrategy[str]:
    """JSON texts no encoder writes: very deep nesting, 5,000-digit numbers, bad syntax."""
    depth = st.sampled_from([50, 900, 1100, 5000, 100000])
    return st.one_of(
        depth.map(lambda n: "[" * n + "]" * n),
        depth.map(lambda n: '{"a":' * n + "1" + "}" * n),
        depth.map(lambda n: '{"Event": {"Event": "TicketCreate", "TicketID": 1}, "Ticket": '
                  + '{"x":' * n + "1" + "}" * n + "}"),
        st.just('{"Event": {"Event": "TicketCreate", "TicketID": ' + FIVE_THOUSAND_DIGITS + "}}"),
        st.just('{"Event": {"Event": "TicketCreate", "TicketID": 1}, "Ticket": {"TicketID": '
                + FIVE_THOUSAND_DIGITS + ', "TicketNumber": "1"}}'),
        st.just("1" + "0" * 400 + "e999999999"),
        st.sampled_from(['{"a": NaN}', '{"a": Infinity}', "", "{", '"\\ud800"', "\ufeff{}",
                         '{"Event": 1e400}']),
    )


@dataclass
class FuzzRequest:
    """One request to send with Flask's test client."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "none"
    data: Any = None
    content_type: str | None = None
    remote_addr: str = "127.0.0.1"

    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def describe(self) -> str:
        body = repr(self.data)
        if len(body) > 400:
            body = body[:400] + f"… ({len(body)} chars)"
        return (f"{self.method} {self.url()[:400]!r} headers={self.headers!r} "
                f"{self.kind} body={body} content_type={self.content_type!r}")

    def send(self, client: Any, session_values: dict[str, str]) -> Any:
        """Send with ``client``, whose session issued ``session_values``."""
        kwargs: dict[str, Any] = {
            "method": self.method, "headers": self.headers,
            "environ_base": {"REMOTE_ADDR": self.remote_addr},
            "query_string": self.query or None,
        }
        if self.kind == "form":
            data = {k: ([(io.BytesIO(c), n) for n, c in v] if isinstance(v, list) and v
                        and isinstance(v[0], tuple) else v) for k, v in self.data.items()}
            for name, value in session_values.items():
                if data.get(name) == issued(name):
                    data[name] = value
            kwargs["data"] = data
        elif self.kind in ("json", "raw"):
            kwargs["data"] = self.data
            kwargs["content_type"] = self.content_type
        return client.open(self.path, **kwargs)


def _int_segment(known: list[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([str(k) for k in known] or ["1"]),
        st.integers(min_value=0, max_value=2**80).map(str),
        st.sampled_from(["0", "99999999999999999999", "9223372036854775807",
                         "9223372036854775808", "18446744073709551616", FIVE_THOUSAND_DIGITS,
                         "0" * 40 + "1"]),
    )


def _text_segment(known: list[str], slashes: bool) -> st.SearchStrategy[str]:
    hostile = hostile_text().filter(bool)
    if not slashes:
        hostile = hostile.map(lambda s: s.replace("/", "_"))
    return st.one_of(st.sampled_from(known or ["x"]), hostile).map(
        lambda s: quote(s, safe="/" if slashes else ""))


def _path(rule: Rule, known: dict[str, list[Any]]) -> st.SearchStrategy[str]:
    """The rule's URL with every argument drawn (its converters decide int or text)."""
    parts: list[st.SearchStrategy[str]] = []
    for is_arg, piece in rule._trace:  # the rule's static and argument parts, in order
        if not is_arg:
            if piece != "|":  # the separator of the (unused) host part
                parts.append(st.just(piece))
            continue
        converter = type(rule._converters[piece]).__name__
        if converter == "IntegerConverter":
            parts.append(_int_segment(known.get(piece, [])))
        else:
            parts.append(_text_segment(known.get(piece, []), converter == "PathConverter"))
    return st.tuples(*parts).map("".join)


def _headers(webhook_auth: str, machine: bool) -> st.SearchStrategy[dict[str, str]]:
    """Hostile headers; for a ``machine`` endpoint (the webhook) mostly with the right
    credentials, so that most examples reach the body's parser."""
    good_basic = "Basic " + base64.b64encode(webhook_auth.encode()).decode()
    hostile = st.dictionaries(
        st.sampled_from(["Accept", "Accept-Language", "X-Forwarded-For", "Referer", "Range",
                         "If-Modified-Since", "If-None-Match", "Authorization",
                         "X-Radiant-Webhook-Secret", "User-Agent", "Origin"]),
        st.one_of(_header_text(), st.sampled_from(
            ["application/json", "text/html", good_basic, "Basic !!!", "Bearer x",
             webhook_auth.split(":", 1)[1]])),
        max_size=4,
    )
    if not machine:
        return hostile
    credentials = st.sampled_from([{"Authorization": good_basic}] * 3 + [{}])
    return st.builds(lambda h, c: {**h, **c}, hostile, credentials)


def _files() -> st.SearchStrategy[list[tuple[str, bytes]]]:
    names = st.one_of(hostile_text(40), st.sampled_from(["a.txt", "photo.jpg", ""]))
    return st.lists(st.tuples(names, st.binary(max_size=64)), min_size=1, max_size=3)


def requests_for(
    rule: Rule, known: dict[str, list[Any]], form_fields: list[str], webhook_auth: str,
    form_values: Sequence[str] = (), base_form: dict[str, str] | None = None,
) -> st.SearchStrategy[FuzzRequest]:
    """Requests for ``rule`` (any of its methods) with hostile parts.

    :param form_values: values the world's forms offer (choices, references, languages),
        mixed into forms and query strings so examples get past validation.
    :param base_form: a valid form of the route; half the forms are it with a few fields
        made hostile, so examples reach what comes after validation.
    """
    values = st.one_of(
        hostile_text(), st.sampled_from([*form_values, "ru", "en", "/requests", "week",
                                         "month", "it", "store-001", "asc", "closed", "all"]),
        st.dates().map(lambda d: d.isoformat()),
    )
    methods = sorted((rule.methods or {"GET"}) - {"OPTIONS"}) or ["GET"]
    if "POST" in methods:  # what a form route does with its input matters most
        methods += ["POST"] * len(methods)
    fields = st.sampled_from(sorted({*form_fields, "login", "password", "next", "body",
                                     "reason", "lang", "request_id", "attachments"}))
    token = st.sampled_from([CSRF, CSRF, CSRF, CSRF, "", "x" * 300])  # mostly past CSRF
    form = st.builds(
        lambda values, t, files: {**values, "csrf_token": t,
                                  **({"attachments": files} if files else {})},
        st.dictionaries(fields, st.one_of(values, st.lists(values, max_size=3)), max_size=8),
        token, st.one_of(st.none(), _files()),
    )
    if base_form:
        mutated = st.builds(
            lambda changes, t: {**base_form, **changes, "csrf_token": t},
            st.dictionaries(st.one_of(st.sampled_from(sorted(base_form)), fields),
                            st.one_of(values, st.lists(values, max_size=3)), max_size=2),
            token,
        )
        form = st.one_of(mutated, form)  # first: the simplest examples are valid forms
    json_body = st.one_of(_webhook_payloads(), json_values()).map(
        lambda v: json.dumps(v, ensure_ascii=False))
    bodies: dict[str, st.SearchStrategy[tuple[str, Any, str | None]]] = {
        "none": st.tuples(st.just("none"), st.none(), st.none()),
        "form": st.tuples(st.just("form"), form, st.none()),
        "json": st.tuples(st.just("json"), st.one_of(json_body, _raw_json()),
                          st.sampled_from(["application/json", "application/json; charset=UTF-8",
                                           "application/vnd.x+json"])),
        "raw": st.tuples(st.just("raw"), st.binary(max_size=200),
                         st.one_of(_header_text(), st.just("multipart/form-data; boundary="))),
    }
    machine = rule.endpoint.startswith("radiant_webhook.")
    favoured = "json" if machine else "form"  # what the endpoint reads, most of the time
    body = st.sampled_from([favoured] * 4 + sorted(bodies)).flatmap(bodies.__getitem__)
    query = st.one_of(
        st.just(""),
        st.lists(st.tuples(st.one_of(st.sampled_from(KNOWN_QUERY_KEYS), hostile_text(10)),
                           values), max_size=5).map(urlencode),
        st.text(max_size=40).map(lambda s: quote(s, safe="=&%")),
    )
    return st.builds(
        lambda method, path, q, headers, b, addr: FuzzRequest(
            method, path, q, headers, b[0], b[1], b[2], addr),
        st.sampled_from(methods), _path(rule, known), query, _headers(webhook_auth, machine), body,
        st.integers(min_value=1, max_value=250).map(lambda n: f"10.0.{n}.{n}"),
    )


CRLF = "/\r\nSet-Cookie: sid=stolen"


def _known_path(rule: Rule, known: dict[str, list[Any]]) -> str:
    """The rule's URL with the first known value of every argument."""
    parts = []
    for is_arg, piece in rule._trace:
        if not is_arg:
            parts.append("" if piece == "|" else piece)
        else:
            parts.append(quote(str((known.get(piece) or ["x"])[0]), safe="/"))
    return "".join(parts)


def sweep(rule: Rule, known: dict[str, list[Any]],
          base_form: dict[str, str] | None) -> list[FuzzRequest]:
    """Requests that put CR/LF and a 5,000-digit number into every parameter the fuzzing may
    miss: each query key of :data:`KNOWN_QUERY_KEYS` at once, and each field of the route's
    valid form in turn."""
    path = _known_path(rule, known)
    methods = (rule.methods or set()) - {"OPTIONS", "HEAD"}
    found: list[FuzzRequest] = []
    if "GET" in methods:
        for value in (CRLF, FIVE_THOUSAND_DIGITS):
            query = urlencode([(key, value) for key in KNOWN_QUERY_KEYS])
            found.append(FuzzRequest("GET", path, query))
    if "POST" in methods and base_form:
        for name in sorted(base_form):
            found.append(FuzzRequest("POST", path, kind="form",
                                     data={**base_form, name: CRLF, "csrf_token": CSRF}))
    return found
