"""A request reads the user's staff roles and Django permissions in one query, and they are what Django's
ModelBackend would have read in three."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User

from clinic_billing.roles import STAFF_ROLES, user_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The same user as a new object, without any per-request cache."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def billing_with_own_permission(billing):
    billing.user_permissions.add(Permission.objects.get(content_type__app_label="auditlog", codename="view_logentry"))
    return fresh(billing)


def test_it_reads_the_roles_and_permissions_in_one_query(billing_with_own_permission, django_assert_num_queries):
    user = billing_with_own_permission
    granted_to_billing = sorted(ModelBackend().get_group_permissions(fresh(user)))
    # 1 the user's groups with their permissions, and the user's own permissions (one UNION)
    with django_assert_num_queries(1):
        assert user_roles(user) == {"billing"}
        assert all(user.has_perm(permission) for permission in granted_to_billing)
        assert user.has_perm("auditlog.view_logentry")
        assert not user.has_perm("auditlog.delete_logentry")


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_it_gives_each_role_exactly_the_permissions_django_reads(role):
    user = fresh(UserFactory.create(roles=[role]))
    user_roles(user)
    expected = ModelBackend().get_all_permissions(fresh(user))
    assert expected  # every role holds some permission, or this would compare two empty sets
    assert user.get_all_permissions() == expected


def test_it_keeps_own_and_group_permissions_apart_as_django_does(billing_with_own_permission):
    user = billing_with_own_permission
    user_roles(user)
    reference = fresh(user)
    assert user.get_user_permissions() == ModelBackend().get_user_permissions(reference) == {"auditlog.view_logentry"}
    assert user.get_group_permissions() == ModelBackend().get_group_permissions(reference)


def test_it_gives_an_inactive_user_no_permission(billing):
    billing.is_active = False
    billing.save()
    user = fresh(billing)
    assert user_roles(user) == {"billing"}
    assert not user.has_perm("invoices.view_invoice")
    assert user.get_all_permissions() == set()


def test_it_leaves_a_superusers_permissions_to_django(db):
    user = fresh(User.objects.create_superuser("root_admin", password="x"))
    assert user_roles(user) == set()
    assert user.get_all_permissions() == ModelBackend().get_all_permissions(fresh(user))
    assert len(user.get_all_permissions()) == Permission.objects.count()


def test_it_reads_no_role_for_a_patient(patient):
    user = fresh(patient.user)
    assert user_roles(user) == set()
    assert user.get_all_permissions() == set()
