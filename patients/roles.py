"""Staff roles. Each is a Django group created by a migration; permissions are granted per role."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

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
        user._staff_roles = cached  # type: ignore[union-attr]
    return cached


def is_staff_member(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user_roles(user)) or bool(getattr(user, "is_superuser", False))
