"""The pages' forms without a browser: CSRF on every POST, the cookies' flags, sessions that end with the key,
no open redirect through sign-in, bad input answered with a clear 4xx and nothing lost."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.web.i18n import LANGUAGES, all_keys, translate
from stdwatch.accounts import Role
from stdwatch.store.accounts import AccountRepository, SubscriptionRepository
from tests.accounts.conftest import MakeUser, accounts, app_settings, client, make_user, services

__all__ = ["accounts", "app_settings", "client", "make_user", "services"]


def _token(client: TestClient, path: str = "/signin") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def _set_cookies(response: object) -> dict[str, str]:
    """Each Set-Cookie header of a response by cookie name (the whole header, flags included)."""
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return {h.split("=", 1)[0]: h for h in headers}


def _signed_in(client: TestClient, key: str) -> None:
    response = client.post(
        "/signin",
        data={"csrf_token": _token(client), "key": key, "next": "/subscriptions"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_the_csrf_cookie_and_the_session_cookie_are_httponly_and_samesite_lax(
    client: TestClient, make_user: MakeUser
) -> None:
    first = client.get("/signin")
    csrf = _set_cookies(first)["stdwatch_csrf"]
    assert "HttpOnly" in csrf and "SameSite=lax" in csrf and "Path=/" in csrf
    _, key = make_user(Role.SUBSCRIBER)
    response = client.post(
        "/signin",
        data={"csrf_token": _token(client), "key": key, "next": "/subscriptions"},
        follow_redirects=False,
    )
    session = _set_cookies(response)["stdwatch_session"]
    assert "HttpOnly" in session and "SameSite=lax" in session and "Max-Age=" in session
    assert key not in session  # the key itself never travels in the cookie
    assert response.headers["location"] == "/subscriptions"
    assert client.get("/subscriptions").status_code == 200


@pytest.mark.parametrize("token", [None, "", "0" * 64])
def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, make_user: MakeUser, token: str | None
) -> None:
    user, key = make_user(Role.SUBSCRIBER)
    _signed_in(client, key)
    data = {"query": "q=锂电池"} | ({"csrf_token": token} if token is not None else {})
    response = client.post("/subscriptions/from-search", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "表单已过期" in response.text
    repo = SubscriptionRepository(client.app.state.services.repo.engine)  # type: ignore[attr-defined]
    assert repo.of_organization(user.organization_id) == []
    signin = client.post("/signin", data={"key": key, **({"csrf_token": token} if token else {})})
    assert signin.status_code == 403 and "stdwatch_session" not in _set_cookies(signin)


def test_a_token_from_another_browser_does_not_pass(client: TestClient, make_user: MakeUser) -> None:
    _, key = make_user(Role.SUBSCRIBER)
    stolen = _token(client)
    client.cookies.clear()
    client.get("/signin")  # this browser gets its own CSRF cookie
    response = client.post("/signin", data={"csrf_token": stolen, "key": key}, follow_redirects=False)
    assert response.status_code == 403


def test_the_session_ends_when_the_key_is_revoked(
    client: TestClient, make_user: MakeUser, accounts: AccountRepository
) -> None:
    user, key = make_user(Role.SUBSCRIBER)
    _signed_in(client, key)
    assert client.get("/subscriptions").status_code == 200
    for info in accounts.keys_of(user.id):
        accounts.revoke_key(info.id)
    response = client.get("/subscriptions", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")


def test_a_forged_session_cookie_is_ignored(client: TestClient) -> None:
    client.cookies.set("stdwatch_session", "eyJ1IjoxLCJrIjoxfQ.forged.sig")
    response = client.get("/subscriptions", follow_redirects=False)
    assert response.status_code == 303


def test_a_wrong_key_is_a_401_page_and_sets_no_session(client: TestClient) -> None:
    response = client.post("/signin", data={"csrf_token": _token(client), "key": "sw_000000000000_nope"})
    assert response.status_code == 401
    assert "密钥无效" in response.text and "stdwatch_session" not in _set_cookies(response)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(client: TestClient, make_user: MakeUser, target: str) -> None:
    _, key = make_user(Role.SUBSCRIBER)
    response = client.post(
        "/signin", data={"csrf_token": _token(client), "key": key, "next": target}, follow_redirects=False
    )
    assert response.headers["location"] == "/subscriptions"


def test_a_reader_cannot_manage_subscriptions(client: TestClient, make_user: MakeUser) -> None:
    _, key = make_user(Role.READER)
    _signed_in(client, key)
    response = client.get("/subscriptions")
    assert response.status_code == 403 and "subscriber" in response.text


def test_sign_out_needs_the_token_and_ends_the_session(client: TestClient, make_user: MakeUser) -> None:
    _, key = make_user(Role.SUBSCRIBER)
    _signed_in(client, key)
    assert client.post("/signout", data={}, follow_redirects=False).status_code == 403
    out = client.post("/signout", data={"csrf_token": _token(client, "/")}, follow_redirects=False)
    assert out.status_code == 303 and 'stdwatch_session=""' in out.headers["set-cookie"]
    client.cookies.delete("stdwatch_session")
    assert client.get("/subscriptions", follow_redirects=False).status_code == 303


def test_a_bad_search_parameter_is_a_400_page_naming_it(client: TestClient) -> None:
    response = client.get("/?q=x&kind=nonsense")
    assert response.status_code == 400 and "kind" in response.text
    assert client.get("/?q=x&colour=red").status_code == 400


def test_the_language_is_remembered_in_a_cookie(client: TestClient) -> None:
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text
    assert "stdwatch_lang=en" in english.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/warnings").text
    assert '<html lang="zh-Hans">' in client.get("/warnings?lang=zh").text


def test_every_message_has_both_languages() -> None:
    for key in all_keys():
        for lang in LANGUAGES:
            assert translate(lang, key).strip(), (key, lang)


def test_an_upload_that_is_not_a_sheet_is_a_clear_400(client: TestClient) -> None:
    token = _token(client, "/check")
    response = client.post(
        "/check", data={"csrf_token": token, "profile": "generic"}, files={"file": ("list.pdf", b"%PDF-1.4")}
    )
    assert (
        response.status_code == 400
        and "list.pdf: a list of standards must be a .csv or .xlsx file" in response.text
    )
    broken = client.post(
        "/check",
        data={"csrf_token": token, "profile": "generic"},
        files={"file": ("list.xlsx", b"not a workbook")},
    )
    assert broken.status_code == 400 and "list.xlsx" in broken.text
    api = client.post("/api/check", files={"file": ("list.pdf", b"x")})
    assert api.status_code == 400 and api.json()["message"].startswith("list.pdf:")


def test_the_api_docs_reference_no_outside_host(client: TestClient) -> None:
    html = client.get("/docs").text
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "cdn" not in html.lower()
    for url in urls:
        assert client.get(url).status_code == 200, url
    redoc = client.get("/redoc").text
    assert "fonts.googleapis" not in redoc and "cdn" not in redoc.lower()


def test_the_root_is_the_search_page(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 200 and 'role="search"' in response.text


@pytest.mark.parametrize("value", ["锂电池", "a&b=c+d%e#f g", "GB/T 19001-2016"])
def test_a_saved_search_shown_in_the_form_reads_back_the_same(value: str) -> None:
    from api.web.subscription_pages import _query_params, _readable

    assert _query_params(f"q={_readable(value)}&kind=standard") == {"q": [value], "kind": ["standard"]}
