"""Good-faith estimates kept for six years (portal.GoodFaithEstimate), read by billing and the office manager;
the price list's services gain a CPT/HCPCS code for the US estimate and a flag for what an estimate may offer.

The seeded services get demo codes; the missed appointment fee and the copy of records are fees, not care, and
are never offered on an estimate.
"""


import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


ROLE_PERMISSIONS = {
    "office_manager": ["portal.view_goodfaithestimate"],
    "billing": ["portal.view_goodfaithestimate"],
}

# code -> (coding system, code): demo values for the seeded price list.
STANDARD_CODES = {
    "GP-CONS": ("CPT", "99212"),
    "GP-LONG": ("CPT", "99214"),
    "LAB-BLOOD": ("CPT", "36415"),
    "ECG": ("CPT", "93000"),
    "MAT-DRESS": ("HCPCS", "A4649"),
    "CERT": ("CPT", "99080"),
    "RECORDS": ("HCPCS", "S9981"),
    "VACC": ("CPT", "90471"),
}
NOT_ESTIMABLE = ["NO-SHOW", "RECORDS"]


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))

    ServiceItem = apps.get_model("portal", "ServiceItem")
    for service in ServiceItem.objects.filter(code__in=STANDARD_CODES):
        service.code_system, service.standard_code = STANDARD_CODES[service.code]
        service.save(update_fields=["code_system", "standard_code"])
    for service in ServiceItem.objects.filter(code__in=NOT_ESTIMABLE):
        service.estimable = False
        service.save(update_fields=["estimable"])


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0009_updated_at'),
        ('portal', '0002_help_articles_and_prices'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='serviceitem',
            name='code_system',
            field=models.CharField(blank=True, choices=[('CPT', 'CPT'), ('HCPCS', 'HCPCS')], max_length=10, verbose_name='coding system'),
        ),
        migrations.AddField(
            model_name='serviceitem',
            name='estimable',
            field=models.BooleanField(default=True, help_text='Off for fees that are not care, such as the fee for a missed appointment or a copy of records.', verbose_name='offered on good-faith estimates'),
        ),
        migrations.AddField(
            model_name='serviceitem',
            name='standard_code',
            field=models.CharField(blank=True, help_text='The CPT or HCPCS code a US good-faith estimate prints for this service.', max_length=10, verbose_name='standard service code'),
        ),
        migrations.CreateModel(
            name='GoodFaithEstimate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='number')),
                ('issued_at', models.DateTimeField(verbose_name='issued at')),
                ('retain_until', models.DateField(verbose_name='kept until')),
                ('patient_name', models.CharField(max_length=200, verbose_name="patient's name")),
                ('date_of_birth', models.DateField(verbose_name='date of birth')),
                ('primary_service', models.CharField(max_length=500, verbose_name='primary service')),
                ('service_date', models.DateField(blank=True, null=True, verbose_name='scheduled date')),
                ('diagnosis_codes', models.JSONField(default=list, verbose_name='diagnosis codes (ICD-10)')),
                ('providers', models.JSONField(default=list, help_text='Each provider or facility with its NPI, TIN, location and priced items, as issued.', verbose_name='providers and their items')),
                ('separately_scheduled', models.JSONField(default=list, verbose_name='items to be scheduled separately')),
                ('total', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12, verbose_name='total expected charges')),
                ('language', models.CharField(max_length=10, verbose_name='language')),
                ('pdf', models.BinaryField(verbose_name='PDF as issued')),
                ('pdf_sha256', models.CharField(max_length=64)),
                ('patient', models.ForeignKey(blank=True, help_text='Set when a patient signed in to the portal asked for it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='good_faith_estimates', to='patients.patient', verbose_name='patient')),
            ],
            options={
                'verbose_name': 'good-faith estimate',
                'verbose_name_plural': 'good-faith estimates',
                'ordering': ['-issued_at', '-id'],
                'indexes': [models.Index(fields=['patient_name'], name='gfe_patient_name_idx')],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
