"""A policy rule's name and script, and a decision's snapshot of them, become one version per language.

The texts written so far are English, so each becomes the "en" version. Where a rule (or a decision) still
says word for word what the shipped default rule says in English, the default's other languages are added: it
is the same text, and a new install gets all five languages this way.
"""

from decimal import Decimal

from django.db import migrations, models


def _shipped_versions() -> dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]]:
    from disputes.default_policy import default_rules

    shipped = {}
    for rule in default_rules(Decimal("0")):
        names, scripts = rule["names"], rule["scripts"]
        shipped[(names["en"], scripts["en"])] = (dict(names), dict(scripts))
    return shipped


def _versions(name: str, script: str, shipped) -> tuple[dict[str, str], dict[str, str]]:
    if (name, script) in shipped:
        return shipped[(name, script)]
    return {"en": name}, ({"en": script} if script.strip() else {})


def to_versions(apps, schema_editor):
    shipped = _shipped_versions()
    PolicyRule = apps.get_model("disputes", "PolicyRule")
    Decision = apps.get_model("disputes", "Decision")
    for rule in PolicyRule.objects.all():
        rule.names, rule.scripts = _versions(rule.name, rule.script, shipped)
        rule.save(update_fields=["names", "scripts"])
    for decision in Decision.objects.all():
        decision.rule_names, decision.scripts = _versions(decision.rule_name, decision.script, shipped)
        decision.save(update_fields=["rule_names", "scripts"])


def to_english(apps, schema_editor):
    PolicyRule = apps.get_model("disputes", "PolicyRule")
    Decision = apps.get_model("disputes", "Decision")
    for rule in PolicyRule.objects.all():
        rule.name = rule.names.get("en") or next(iter(rule.names.values()), "")
        rule.script = rule.scripts.get("en") or next(iter(rule.scripts.values()), "")
        rule.save(update_fields=["name", "script"])
    for decision in Decision.objects.all():
        decision.rule_name = decision.rule_names.get("en") or next(iter(decision.rule_names.values()), "")
        decision.script = decision.scripts.get("en") or next(iter(decision.scripts.values()), "")
        decision.save(update_fields=["rule_name", "script"])


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0006_adjustment_for_case_and_status_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="policyrule",
            name="names",
            field=models.JSONField(default=dict, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="policyrule",
            name="scripts",
            field=models.JSONField(blank=True, default=dict, verbose_name="what to say"),
        ),
        migrations.AddField(
            model_name="decision",
            name="rule_names",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="decision",
            name="scripts",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(to_versions, to_english),
        migrations.RemoveField(model_name="policyrule", name="name"),
        migrations.RemoveField(model_name="policyrule", name="script"),
        migrations.RemoveField(model_name="decision", name="rule_name"),
        migrations.RemoveField(model_name="decision", name="script"),
    ]
