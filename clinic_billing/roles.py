"""Staff roles. Each is a Django group created by a migration; permissions are granted per role."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.vocabulary import Role

FRONT_DESK = Role.FRONT_DESK
BILLING = Role.BILLING
OFFICE_MANAGER = Role.OFFICE_MANAGER
PROVIDER = Role.PROVIDER
STAFF_ROLES = tuple(Role.values)


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


def reaches_staff_screens(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A staff member, or an account with the admin's staff flag: signed in under the staff rules (second
    factor, the staff idle limit)."""
    return is_staff_member(user) or bool(getattr(user, "is_staff", False))


def acting_user(request: HttpRequest) -> User:
    """The signed-in user who performs a write (views and the API are already behind login checks)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


View = Callable[..., HttpResponse]


class StaffRequest(HttpRequest):
    """The request a staff view receives: `staff_only` has already turned anonymous users away."""

    user: User


def staff_only(view: View) -> View:
    """Anonymous users go to the login page; a signed-in user who holds no staff role gets 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(guarded)


def require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def run_staff_action(request: HttpRequest, *, perm: str, action: Callable[[], str], then: str) -> HttpResponse:
    """A POST-only step from a staff page: check `perm`, run `action` (it returns the success message), and go
    back to `then` with that message, or with the refusal an ApplicationError explains; unknown record: 404."""
    require_perm(request, perm)
    try:
        message = action()
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect(then)
