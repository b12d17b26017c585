"""Login, logout, expired Znuny sessions, rate limiting, CSRF, the language switcher."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def test_anonymous_visitor_is_sent_to_login_with_the_page_remembered(
    client: FlaskClient,
) -> None:
    response = client.get("/requests?state=all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/requests?state%3Dall"


def test_login_checks_credentials_with_znuny_and_returns_to_the_page(
    client: FlaskClient, login_as: Any, desk: Any
) -> None:
    response = login_as(next_path="/requests")
    assert response.status_code == 302
    assert response.headers["Location"] == "/requests"
    assert desk.login_calls == 1
    page = client.get("/requests").get_data(as_text=True)
    assert "Dana Clerk" in page


def test_gi_session_id_never_reaches_the_browser(
    client: FlaskClient, login_as: Any, desk: Any
) -> None:
    response = login_as()
    gi_session = next(iter(desk.sessions))
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert gi_session not in cookies
    from itsdangerous import URLSafeTimedSerializer

    cookie = client.get_cookie("radiant_portal")
    assert cookie is not None
    payload = URLSafeTimedSerializer("x").loads_unsafe(cookie.value)[1]
    assert set(payload) <= {"sid", "csrf_token", "lang", "_permanent", "_flashes", "known"}
    assert gi_session not in str(payload)
    assert "demo-customer" not in str(payload)  # the browser's login mark hides the name


def test_wrong_password_shows_a_form_error(client: FlaskClient, login_as: Any) -> None:
    response = login_as(password="nope")
    assert response.status_code == 401
    assert "The login or the password is not right." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_is_rate_limited_per_login(login_as: Any, desk: Any) -> None:
    for _ in range(5):
        assert login_as(password="guess").status_code == 401
    response = login_as(password="demo")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert desk.login_calls == 5  # the sixth attempt never reached Znuny


def test_login_without_csrf_token_is_refused(client: FlaskClient, desk: Any) -> None:
    response = client.post("/login", data={"login": "demo-customer", "password": "demo"})
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert desk.login_calls == 0


def test_login_with_a_forged_csrf_token_is_refused(client: FlaskClient, desk: Any) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"login": "demo-customer", "password": "demo", "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert desk.login_calls == 0


def test_znuny_down_at_login_says_so(login_as: Any, desk: Any) -> None:
    desk.down = True
    response = login_as()
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


def test_login_refuses_an_external_next(client: FlaskClient, login_as: Any) -> None:
    response = login_as(next_path="https://evil.example/")
    assert response.headers["Location"] == "/"
    response = client.get("/login?next=//evil.example/")  # already logged in
    assert response.headers["Location"] == "/"


def test_expired_znuny_session_sends_back_to_login_remembering_the_page(
    customer_client: FlaskClient, desk: Any
) -> None:
    desk.sessions.clear()  # Znuny forgot the session (idle expiry, restart)
    response = customer_client.get("/requests/company")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/requests/company"
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended. Please log in again." in page
    assert customer_client.get("/").status_code == 302


def test_session_is_rechecked_only_after_the_interval(
    app: Flask, customer_client: FlaskClient, desk: Any
) -> None:
    app.config["PORTAL_SESSION_CHECK_SECONDS"] = 3600
    desk.alive_calls = 0
    for _ in range(3):
        assert customer_client.get("/").status_code == 200
    assert desk.alive_calls == 0


def test_znuny_down_during_session_check_keeps_the_customer_logged_in(
    customer_client: FlaskClient, desk: Any
) -> None:
    desk.down = True
    assert customer_client.get("/").status_code == 200


def test_logout_forgets_the_server_side_session(
    customer_client: FlaskClient, token: Any
) -> None:
    stolen = customer_client.get_cookie("radiant_portal")
    assert stolen is not None
    response = customer_client.post("/logout", data={"csrf_token": token("/")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert customer_client.get("/").status_code == 302
    # replaying the old cookie does not bring the session back
    customer_client.set_cookie("radiant_portal", stolen.value)
    assert customer_client.get("/").status_code == 302


def test_logout_needs_csrf(customer_client: FlaskClient) -> None:
    assert customer_client.post("/logout").status_code == 400
    assert customer_client.get("/").status_code == 200


def test_language_choice_is_remembered_across_logout(
    customer_client: FlaskClient, token: Any
) -> None:
    response = customer_client.post(
        "/language", data={"lang": "ru", "next": "/requests", "csrf_token": token("/")}
    )
    assert response.headers["Location"] == "/requests"
    page = customer_client.get("/requests").get_data(as_text=True)
    assert '<html lang="ru">' in page and "Мои заявки" in page
    customer_client.post("/logout", data={"csrf_token": token("/")})
    login = customer_client.get("/login").get_data(as_text=True)
    assert "Вход" in login


def test_browser_language_is_used_when_nothing_was_chosen(client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in page.get_data(as_text=True)


def test_behind_a_trusted_proxy_clients_are_limited_separately(desk: Any) -> None:
    from radiant_ext.portal import create_app
    from radiant_ext.portal.ports import PortalServices

    services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk)
    proxied = create_app({"TESTING": True, "SECRET_KEY": "s", "PORTAL_SERVICES": services,
                          "PORTAL_SESSION_BACKEND": "memory", "PORTAL_TRUSTED_PROXIES": 1,
                          "PORTAL_LOGIN_MAX_FAILURES": 100,
                          "PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS": 3})

    def attempt(client_ip: str, login: str) -> int:
        client = proxied.test_client()
        headers = {"X-Forwarded-For": client_ip}
        html = client.get("/login", headers=headers).get_data(as_text=True)
        token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        return client.post("/login", headers=headers, data={
            "login": login, "password": "bad", "csrf_token": token}).status_code

    assert [attempt("203.0.113.5", f"user{n}") for n in range(4)] == [401, 401, 401, 429]
    assert attempt("198.51.100.7", "someone") == 401  # another store's till is not blocked


def test_login_next_with_cr_lf_is_a_safe_redirect(client: FlaskClient, login_as: Any) -> None:
    response = client.get("/login", query_string={"next": "/requests\r\nX-Evil: 1"})
    assert response.status_code == 200
    response = login_as(next_path="/requests\r\nSet-Cookie: stolen=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "stolen" not in str(response.headers)
    # already logged in: the GET redirects at once
    response = client.get("/login", query_string={"next": "/requests\nX-Evil: 1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_customer_session_ends_after_its_lifetime_however_active(desk: Any) -> None:
    from radiant_ext.portal import create_app
    from radiant_ext.portal.ports import PortalServices
    from radiant_ext.portal.sessions import MemorySessionStore
    from tests.portal.conftest import log_in

    now = [1_800_000_000.0]
    services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk)
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "PORTAL_SERVICES": services,
                      "PORTAL_SESSION_STORE": MemorySessionStore(8 * 3600, clock=lambda: now[0]),
                      "PORTAL_SESSION_CHECK_SECONDS": 60,
                      "PORTAL_SESSION_LIFETIME_SECONDS": 4 * 3600})
    client = app.test_client()
    assert log_in(client).status_code == 302
    for _ in range(7):  # a page every half hour: never idle, Znuny still knows the session
        now[0] += 1800
        assert client.get("/requests").status_code == 200
    now[0] += 1800  # four hours after the login
    response = client.get("/requests")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/requests"
    assert "Your session has ended" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


class _Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _timed_limiter(app: Flask) -> _Clock:
    from radiant_ext.portal.auth.ratelimit import LoginLimiter

    clock = _Clock()
    app.extensions["radiant_login_limiter"] = LoginLimiter(5, 20, 300, 60, clock=clock)
    return clock


def _browser(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _log_in(client: FlaskClient, password: str = "demo", login: str = "demo-customer") -> Any:
    from tests.portal.conftest import log_in

    return log_in(client, login, password)


def test_a_stranger_cannot_lock_the_customer_out_of_their_own_browser(
        app: Flask, desk: Any) -> None:
    _timed_limiter(app)
    own = _browser(app, "198.51.100.7")
    assert _log_in(own).status_code == 302
    own.post("/logout", data={"csrf_token": _token(own)})
    stranger = _browser(app, "203.0.113.9")
    for _ in range(5):
        assert _log_in(stranger, "guess").status_code == 401
    blocked = _log_in(stranger, "demo")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    calls = desk.login_calls
    # the customer, at the browser they logged in from before, logs in at once
    response = _log_in(own)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert desk.login_calls == calls + 1


def test_a_new_browser_of_the_customer_waits_at_most_the_delay(app: Flask) -> None:
    clock = _timed_limiter(app)
    stranger = _browser(app, "203.0.113.9")
    for _ in range(5):
        assert _log_in(stranger, "guess").status_code == 401
    phone = _browser(app, "192.0.2.44")
    first = _log_in(phone)
    assert first.status_code == 429
    wait = int(first.headers["Retry-After"])
    assert 1 <= wait <= 60
    clock.now += wait
    assert _log_in(phone).status_code == 302  # not locked out: a short wait, then in


def test_guessing_one_name_from_many_addresses_is_slowed_more_and_more(
        app: Flask, desk: Any) -> None:
    clock = _timed_limiter(app)
    for n in range(5):
        assert _log_in(_browser(app, f"203.0.113.{n}"), "guess").status_code == 401
    waits = []
    for n in range(5, 12):
        guesser = _browser(app, f"203.0.113.{n}")
        refused = _log_in(guesser, "guess")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.now += waits[-1]
        assert _log_in(guesser, "guess").status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60]
    assert desk.login_calls == 12  # refused attempts never reached Znuny


def test_one_address_trying_many_names_is_blocked(app: Flask, desk: Any) -> None:
    _timed_limiter(app)
    guesser = _browser(app, "203.0.113.50")
    for n in range(20):
        assert _log_in(guesser, "guess", login=f"user-{n}").status_code == 401
    refused = _log_in(guesser, "demo")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert _log_in(_browser(app, "198.51.100.7")).status_code == 302


def _token(client: FlaskClient) -> str:
    from tests.portal.conftest import csrf_token

    return csrf_token(client, "/")
