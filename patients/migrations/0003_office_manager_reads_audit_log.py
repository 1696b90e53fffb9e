"""The office manager reads the audit log (search and export); no other role does."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    auditlog_config = apps.get_app_config("auditlog")
    auditlog_config.models_module = True
    create_permissions(auditlog_config, verbosity=0, apps=apps)
    auditlog_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="office_manager")
    group.permissions.add(Permission.objects.get(content_type__app_label="auditlog", codename="view_logentry"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="auditlog", codename="view_logentry").first()
    group = Group.objects.filter(name="office_manager").first()
    if group is not None and permission is not None:
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_patient_anonymised_at"),
        ("invoices", "0002_roles_and_ledger_guard"),
        ("auditlog", "0017_add_actor_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
