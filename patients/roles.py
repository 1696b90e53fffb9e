"""Staff roles. Each is a Django group created by a migration; permissions are granted per role."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

FRONT_DESK = "front_desk"
BILLING = "billing"
OFFICE_MANAGER = "office_manager"
PROVIDER = "provider"
STAFF_ROLES = (FRONT_DESK, BILLING, OFFICE_MANAGER, PROVIDER)


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """The staff roles of a user (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_staff_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))  # type: ignore[attr-defined]
        setattr(user, "_staff_roles", cached)  # noqa: B010 - a per-request cache on the user object
    return cached


def is_staff_member(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user_roles(user)) or bool(getattr(user, "is_superuser", False))


def acting_user(request: HttpRequest) -> User:
    """The signed-in user who performs a write (views and the API are already behind login checks)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
