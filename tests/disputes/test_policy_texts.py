"""Policy rules written per language (issue 15, item 2): the fallback order, the missing-translation indicator,
staff reading the script in their own language, the editor saving each language, decisions keeping their
snapshot, the default policy in five languages, and the migration of the English texts."""

import importlib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from disputes import services
from disputes.default_policy import default_rules
from disputes.models import Decision, Policy
from disputes.policy import text_in, texts_missing
from tests.factories import complaint_about, edit_form, issued_invoice

LANGUAGES = ("en", "fr", "pt", "nb", "ru")
NB_COVERAGE_NAME = "Misforståelse om dekningen: forklar hva frikortet eller forsikringen dekker"
EN_COVERAGE_NAME = "Coverage misunderstanding: explain what the card or insurer covers"
NB_FRIKORT_WORDS = "frikortet dekker ikke materiell"
EN_FRIKORT_WORDS = "does not cover materials"

# Found by name, not number: migrations are renumbered when branches merge.
[MIGRATION_FILE] = (Path(__file__).parents[2] / "disputes" / "migrations").glob("*_rule_texts_per_language.py")
migration = importlib.import_module(f"disputes.migrations.{MIGRATION_FILE.stem}")


def staff_client(client_for, user, language: str) -> Client:
    client = client_for(user)
    client.cookies["django_language"] = language
    return client


def detail_page(client: Client, complaint) -> str:
    return client.get(reverse("disputes:complaint-detail", args=[complaint.pk])).content.decode()


def current_draft() -> services.PolicyDraft:
    return services.policy_draft_from(services.policy_active())


def with_texts(draft: services.PolicyDraft, position: int, **texts: object) -> services.PolicyDraft:
    return replace(draft, rules=tuple(replace(r, **texts) if r.position == position else r for r in draft.rules))


# --- The fallback and the indicator, without a database -------------------------------------------------------


@pytest.mark.parametrize(
    ("versions", "reader", "expected"),
    [
        ({"en": "E", "nb": "N", "ru": "R"}, "ru", ("R", "ru", False)),  # the reader's own
        ({"en": "E", "nb": "N"}, "ru", ("N", "nb", True)),  # else the clinic's (nb in the tests)
        ({"en": "E", "fr": "F"}, "ru", ("E", "en", True)),  # else the first in settings.LANGUAGES
        ({"fr": "F", "pt": "P"}, "ru", ("F", "fr", True)),
        ({"en": "E", "nb": "  ", "ru": ""}, "ru", ("E", "en", True)),  # a blank version is a missing one
        ({"pt": "P"}, "pt-pt", ("P", "pt", False)),  # a regional variant reads its language
    ],
)
def test_it_picks_the_readers_version_then_the_clinics_then_any(versions, reader, expected):
    chosen = text_in(versions, reader)
    assert chosen is not None
    assert (chosen.value, chosen.language, chosen.is_fallback) == expected


def test_it_has_nothing_to_show_when_no_language_has_a_text():
    assert text_in({"en": " "}, "nb") is None


@override_settings(CLINIC_LANGUAGE="fr")
def test_it_falls_back_to_the_clinic_language_of_the_deployment():
    chosen = text_in({"en": "E", "fr": "F"}, "ru")
    assert chosen is not None and (chosen.value, chosen.is_fallback) == ("F", True)


def test_it_reads_the_active_language_when_none_is_named():
    with translation.override("fr"):
        chosen = text_in({"en": "E", "fr": "F"})
    assert chosen is not None and chosen.value == "F"


@pytest.mark.parametrize(
    ("names", "scripts", "missing"),
    [
        (dict.fromkeys(LANGUAGES, "x"), dict.fromkeys(LANGUAGES, "y"), []),
        ({"en": "x", "fr": "x", "pt": "x"}, {}, ["nb", "ru"]),  # no script anywhere: only names count
        (dict.fromkeys(LANGUAGES, "x"), {"en": "y", "nb": "y"}, ["fr", "pt", "ru"]),  # a script somewhere
        ({"en": "x", "nb": " "}, {"en": "y"}, ["fr", "pt", "nb", "ru"]),
    ],
)
def test_it_lists_the_languages_a_rule_still_lacks(names, scripts, missing):
    assert texts_missing(names, scripts) == missing


def test_it_ships_the_default_policy_in_all_five_languages():
    rules = default_rules(Decimal("300.00"))
    for rule in rules:
        assert texts_missing(rule["names"], rule["scripts"]) == []
        # Each language its own words, not a copy of the English.
        assert len(set(rule["names"].values())) == len(LANGUAGES)
        assert len(set(rule["scripts"].values())) == len(LANGUAGES)
    assert len({rule["names"]["nb"] for rule in rules}) == len(rules)


# --- Migrating the English texts -----------------------------------------------------------------------------


def test_it_migrates_a_shipped_english_rule_with_its_other_languages():
    [shipped, *_] = default_rules(Decimal("0"))
    names, scripts = migration._versions(
        shipped["names"]["en"], shipped["scripts"]["en"], migration._shipped_versions()
    )
    assert (names, scripts) == (shipped["names"], shipped["scripts"])


def test_it_migrates_a_rule_the_clinic_wrote_as_its_english_version():
    shipped = migration._shipped_versions()
    assert migration._versions("Our own rule", "Say this.", shipped) == ({"en": "Our own rule"}, {"en": "Say this."})
    assert migration._versions("No script", "", shipped) == ({"en": "No script"}, {})


class FakeRows:
    """What the migration reads through `apps.get_model(...).objects.all()`, without a database."""

    def __init__(self, rows: list[SimpleNamespace]) -> None:
        self.rows = rows

    def all(self) -> list[SimpleNamespace]:
        return self.rows


def row(**fields: object) -> SimpleNamespace:
    return SimpleNamespace(**fields, save=lambda update_fields: None)


def test_it_migrates_back_to_the_english_texts_it_started_from():
    [shipped, *_] = default_rules(Decimal("0"))
    rules = [
        row(name=shipped["names"]["en"], script=shipped["scripts"]["en"]),
        row(name="Our own rule", script=""),
    ]
    decisions = [row(rule_name="Our own rule", script="Say this.")]
    models = {
        "PolicyRule": SimpleNamespace(objects=FakeRows(rules)),
        "Decision": SimpleNamespace(objects=FakeRows(decisions)),
    }
    apps = SimpleNamespace(get_model=lambda app, name: models[name])

    migration.to_versions(apps, None)
    assert rules[0].names == shipped["names"] and decisions[0].scripts == {"en": "Say this."}
    for migrated in (*rules, *decisions):
        migrated.name = migrated.script = migrated.rule_name = None
    migration.to_english(apps, None)

    assert [(r.name, r.script) for r in rules] == [
        (shipped["names"]["en"], shipped["scripts"]["en"]),
        ("Our own rule", ""),
    ]
    assert (decisions[0].rule_name, decisions[0].script) == ("Our own rule", "Say this.")


# --- Staff read their own language ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_the_norwegian_staff_ui_the_norwegian_rule_and_script(client_for, front_desk, patient):
    complaint = complaint_about(issued_invoice(patient), category="coverage_misunderstanding", by=front_desk)

    page = detail_page(staff_client(client_for, front_desk, "nb"), complaint)

    assert NB_COVERAGE_NAME in page and NB_FRIKORT_WORDS in page
    assert EN_COVERAGE_NAME not in page and EN_FRIKORT_WORDS not in page
    assert "localised-fallback" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", EN_FRIKORT_WORDS), ("ru", "не покрывает материалы")])
def test_it_shows_each_reader_the_script_in_their_language(client_for, front_desk, patient, language, words):
    complaint = complaint_about(issued_invoice(patient), category="coverage_misunderstanding", by=front_desk)

    assert words in detail_page(staff_client(client_for, front_desk, language), complaint)


@pytest.mark.django_db
def test_it_marks_a_script_shown_in_another_language(client_for, manager, front_desk, patient):
    draft = with_texts(current_draft(), 6, scripts={"en": "Explain the card, kindly."})
    services.policy_publish(draft=replace(draft, note="English script only"), by=manager)
    complaint = complaint_about(issued_invoice(patient), category="coverage_misunderstanding", by=front_desk)

    page = detail_page(staff_client(client_for, front_desk, "fr"), complaint)

    assert '<span lang="en">Explain the card, kindly.</span>' in page
    assert "localised-fallback" in page


@pytest.mark.django_db
def test_it_answers_the_api_in_the_readers_language(client_for, billing, patient):
    complaint = complaint_about(issued_invoice(patient), category="coverage_misunderstanding", by=billing)
    client = client_for(billing)

    nb = client.get(f"/api/v1/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="nb").json()["decision"]
    en = client.get(f"/api/v1/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()["decision"]

    assert (nb["rule"], en["rule"]) == (NB_COVERAGE_NAME, EN_COVERAGE_NAME)
    assert NB_FRIKORT_WORDS in nb["script"] and EN_FRIKORT_WORDS in en["script"]


# --- Decisions keep the versions they were decided with ------------------------------------------------------


@pytest.mark.django_db
def test_it_keeps_every_language_of_a_decision_when_the_policy_changes(client_for, manager, front_desk, patient):
    before = complaint_about(issued_invoice(patient), category="coverage_misunderstanding", by=front_desk)
    snapshot = Decision.objects.get(complaint=before)
    draft = with_texts(current_draft(), 6, scripts={"en": "New words.", "nb": "Nye ord."})
    services.policy_publish(draft=replace(draft, note="Shorter script"), by=manager)
    after = complaint_about(issued_invoice(patient), category="coverage_misunderstanding", by=front_desk)

    assert set(snapshot.scripts) == set(LANGUAGES) and set(snapshot.rule_names) == set(LANGUAGES)
    assert Decision.objects.get(complaint=before).scripts == snapshot.scripts
    assert after.decision.scripts == {"en": "New words.", "nb": "Nye ord."}
    nb_client = staff_client(client_for, front_desk, "nb")
    assert NB_FRIKORT_WORDS in detail_page(nb_client, before)
    assert "Nye ord." in detail_page(nb_client, after)


# --- The office manager's editor -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_offers_a_field_per_language_in_the_editor_clinic_language_first(client_for, manager):
    page = client_for(manager).get(reverse("office:policy-edit")).content.decode()

    fields = [page.index(f'name="rules-0-name_{code}"') for code in ("nb", "en", "fr", "pt", "ru")]
    assert fields == sorted(fields)
    assert 'lang="ru"' in page
    assert "rule-missing" not in page  # the default policy lacks no language


@pytest.mark.django_db
def test_it_saves_each_language_from_the_editor(client_for, manager):
    draft = with_texts(
        current_draft(),
        2,
        names={"en": "Service incident", "nb": "Klage på servicen", "fr": "Incident de service"},
        scripts={"en": "Apologise.", "nb": "Be om unnskyldning."},
    )

    response = client_for(manager).post(reverse("office:policy-edit"), edit_form(draft, action="publish", note="x"))

    assert response.status_code == 302
    rule = Policy.objects.get(is_active=True).rules.get(position=2)
    assert rule.names == {"en": "Service incident", "fr": "Incident de service", "nb": "Klage på servicen"}
    assert rule.scripts == {"en": "Apologise.", "nb": "Be om unnskyldning."}
    assert rule.missing_languages == ["fr", "pt", "ru"]


@pytest.mark.django_db
def test_it_shows_the_missing_languages_on_the_policy_and_in_the_editor(client_for, manager):
    draft = with_texts(current_draft(), 4, names={"en": "Billing error", "fr": "Erreur", "pt": "Erro"}, scripts={})
    services.policy_publish(draft=replace(draft, note="Short names"), by=manager)
    client = client_for(manager)

    policy_page = client.get(reverse("office:policy-detail")).content.decode()
    editor = client.get(reverse("office:policy-edit")).content.decode()

    assert policy_page.count("rule-missing") == 1 and "Missing: nb, ru" in policy_page
    assert editor.count("rule-missing") == 1 and "Missing: nb, ru" in editor


@pytest.mark.django_db
def test_it_asks_for_a_name_in_at_least_one_language(client_for, manager):
    draft = with_texts(current_draft(), 3, names={})

    response = client_for(manager).post(reverse("office:policy-edit"), edit_form(draft, action="publish", note="x"))

    assert response.status_code == 200
    assert "Give the rule a name, at least in the clinic&#x27;s language." in response.content.decode()
    assert Policy.objects.count() == 1


@pytest.mark.django_db
def test_it_refuses_a_rule_in_a_language_the_product_does_not_speak(manager):
    draft = with_texts(current_draft(), 3, names={"en": "Small error", "de": "Kleiner Fehler"})

    problems = services.policy_validate(draft)

    assert any("unknown languages de" in problem for problem in problems)
