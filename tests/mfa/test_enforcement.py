"""Staff never see a page before the second step; the admin and the API are covered too."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken

from mfa.admin_site import TwoFactorAdminSite
from tests.conftest import confirmed_device, verify_otp
from tests.factories import UserFactory

STAFF_PAGES = [
    "/",
    "/invoices/",
    "/disputes/",
    "/disputes/manage/policy/",
    "/disputes/manage/reports/",
    "/collections/calls/",
    "/audit/",
    "/admin/",
    "/admin/auth/user/",
    "/admin/authtoken/tokenproxy/",
    "/two-factor/staff/",
    "/patients/search/?q=Nord",
    "/api/docs/",
]


def signed_in_without_second_step(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_sends_staff_without_a_device_to_set_up(manager, url):
    response = signed_in_without_second_step(manager).get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa:mfa-setup") + "?next=" + _quoted(url)


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_sends_staff_with_a_device_to_the_code_page(manager, url):
    confirmed_device(manager)

    response = signed_in_without_second_step(manager).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa:mfa-verify") + "?next=")


@pytest.mark.parametrize("url", ["/", "/disputes/manage/policy/", "/audit/", "/two-factor/staff/"])
def test_it_serves_the_same_pages_once_the_session_is_verified(manager, url):
    client = signed_in_without_second_step(manager)
    verify_otp(client, manager)

    assert client.get(url).status_code == 200


def test_it_serves_the_admin_once_the_session_is_verified(db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = signed_in_without_second_step(root)
    verify_otp(client, root)

    assert b"Site administration" in client.get("/admin/").content


def test_it_covers_a_superuser_without_a_role_and_a_staff_flag_user(db):
    for user in (UserFactory(username="root", is_superuser=True), UserFactory(username="flag", is_staff=True)):
        response = signed_in_without_second_step(user).get("/admin/")
        assert response["Location"].startswith(reverse("mfa:mfa-setup"))


def test_it_sends_a_post_to_set_up_without_running_it(manager, patient):
    response = signed_in_without_second_step(manager).post(
        reverse("frontdesk:patient-contact-edit", args=[patient.pk]), {"email": "changed@example.org"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa:mfa-setup")
    patient.refresh_from_db()
    assert patient.email != "changed@example.org"


def test_it_tells_htmx_to_load_the_set_up_page(manager):
    response = signed_in_without_second_step(manager).get("/patients/search/?q=No", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("mfa:mfa-setup"))


@pytest.mark.parametrize("url", ["/api/v1/adjustments/?status=pending", "/api/v1/follow-up-calls/", "/api/schema/"])
def test_it_refuses_the_api_to_an_unverified_session_with_json(manager, url):
    response = signed_in_without_second_step(manager).get(url)

    assert response.status_code == 403
    assert "Two-step sign-in is required" in response.json()["detail"]


def test_it_answers_the_api_once_the_session_is_verified(manager):
    client = signed_in_without_second_step(manager)
    verify_otp(client, manager)

    assert client.get("/api/v1/adjustments/?status=pending").status_code == 200


def test_it_accepts_an_api_token_without_a_second_step(manager):
    # Tokens are machine credentials, issued only in the admin (itself behind the second step): see
    # docs/two-factor.md.
    token = Token.objects.create(user=manager)

    response = Client().get("/api/v1/adjustments/?status=pending", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def _views(resolver: URLResolver) -> list[object]:
    found: list[object] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found.extend(_views(pattern))
        elif isinstance(pattern, URLPattern):
            found.append(getattr(pattern.callback, "cls", pattern.callback))
    return found


def test_it_has_no_url_that_trades_a_password_for_an_api_token():
    assert not any(isinstance(view, type) and issubclass(view, ObtainAuthToken) for view in _views(get_resolver()))


def test_it_lets_staff_reach_the_pages_of_the_step_and_sign_out(manager):
    client = signed_in_without_second_step(manager)

    assert client.get(reverse("mfa:mfa-setup")).status_code == 200
    assert client.get("/static/css/staff.css").status_code in (200, 404)  # never a redirect to set-up
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_it_never_serves_an_admin_page_after_a_password_only_admin_login(db):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "correct-horse-battery"}, follow=True
    )

    assert [url for url, _status in response.redirect_chain][-1].startswith(reverse("mfa:mfa-setup"))
    assert b"Site administration" not in response.content
    assert client.get("/admin/auth/user/")["Location"].startswith(reverse("mfa:mfa-setup"))


def test_the_admin_site_itself_refuses_an_unverified_staff_member(db):
    """The second wall: without the middleware, the admin still wants a verified session."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="root", is_superuser=True, is_staff=True)
    site = TwoFactorAdminSite()

    assert site.has_permission(request) is False
    request.user.is_verified = lambda: True
    assert site.has_permission(request) is True
    request.user = AnonymousUser()
    assert site.has_permission(request) is False


def test_the_default_admin_site_is_the_two_factor_one():
    from django.contrib import admin

    assert isinstance(admin.site._wrapped if hasattr(admin.site, "_wrapped") else admin.site, TwoFactorAdminSite)


def _quoted(url: str) -> str:
    from urllib.parse import quote

    return quote(url, safe="")
