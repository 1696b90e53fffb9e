"""Staff roles. Each is a Django group created by a migration; permissions are granted per role."""

from collections.abc import Callable
from functools import cache, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.vocabulary import Role

FRONT_DESK = Role.FRONT_DESK
BILLING = Role.BILLING
OFFICE_MANAGER = Role.OFFICE_MANAGER
PROVIDER = Role.PROVIDER
STAFF_ROLES = tuple(Role.values)


@cache
def _roles_and_permissions_sql() -> str:
    """The user's groups with each group's permissions, then the user's own permissions: (group name or NULL,
    app label or NULL, codename or NULL) rows. Built from the models' tables once per process."""
    user_groups = User.groups.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    user_permissions = User.user_permissions.through._meta.db_table
    group, permission = Group._meta.db_table, Permission._meta.db_table
    content_type = ContentType._meta.db_table
    return (
        f"SELECT g.name, ct.app_label, p.codename FROM {user_groups} ug "  # noqa: S608 - table names, no input
        f"JOIN {group} g ON g.id = ug.group_id "
        f"LEFT JOIN {group_permissions} gp ON gp.group_id = g.id "
        f"LEFT JOIN {permission} p ON p.id = gp.permission_id "
        f"LEFT JOIN {content_type} ct ON ct.id = p.content_type_id "
        "WHERE ug.user_id = %s "
        "UNION ALL "
        f"SELECT NULL, ct.app_label, p.codename FROM {user_permissions} up "
        f"JOIN {permission} p ON p.id = up.permission_id "
        f"JOIN {content_type} ct ON ct.id = p.content_type_id "
        "WHERE up.user_id = %s"
    )


def _load_roles_and_permissions(user: User) -> set[str]:
    """The user's staff roles, with Django's permission caches filled from the same query.

    Every signed-in request asks for the roles first (the session's idle limit, the two-step check, the API's
    staff permission), and most then check permissions: Django's ModelBackend would read the user's and the
    groups' permissions in two more queries. One query returns all three; the permissions go where ModelBackend
    keeps them for the request (`_user_perm_cache`, `_group_perm_cache`, as "app_label.codename"), so it reads
    no more. Superusers (ModelBackend gives them every permission) and inactive users (none) are left to it.
    """
    with connection.cursor() as cursor:
        cursor.execute(_roles_and_permissions_sql(), [user.pk, user.pk])
        rows = cursor.fetchall()
    roles = {group for group, _app, _codename in rows if group in STAFF_ROLES}
    if user.is_active and not user.is_superuser and not hasattr(user, "_perm_cache"):
        by_group = {f"{app}.{codename}" for group, app, codename in rows if group is not None and codename}
        own = {f"{app}.{codename}" for group, app, codename in rows if group is None}
        setattr(user, "_group_perm_cache", by_group)  # noqa: B010 - ModelBackend's per-request caches
        setattr(user, "_user_perm_cache", own)  # noqa: B010
    return roles


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """The staff roles of a user (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_staff_roles", None)
    if cached is None:
        cached = _load_roles_and_permissions(user)  # type: ignore[arg-type]
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
