"""Help articles per language: the portal falls back visibly to the clinic's language, and the staff editor
shows which languages an address lacks and lets staff write them (issue 15, item 2)."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from portal.models import HelpArticle

pytestmark = pytest.mark.django_db

NB_FRIKORT_TITLE = "Hvorfor får jeg regning når jeg har frikort?"
EN_FRIKORT_TITLE = "Why do I have a bill when I have an exemption card (frikort)?"


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def article_page(language: str, slug: str = "exemption-card") -> str:
    return client_in(language).get(reverse("portal:portal-help-article", kwargs={"slug": slug})).content.decode()


def test_it_shows_a_missing_article_in_the_clinics_language_and_says_so():
    HelpArticle.objects.filter(slug="exemption-card", language="fr").delete()

    page = article_page("fr")

    assert NB_FRIKORT_TITLE in page  # CLINIC_LANGUAGE is nb in the tests, not English
    assert EN_FRIKORT_TITLE not in page
    assert 'class="portal-note help-fallback"' in page
    assert '<article class="help-article" lang="nb">' in page
    assert "norsk (bokmål)" in page


@override_settings(CLINIC_LANGUAGE="en")
def test_it_follows_the_clinics_language_setting_for_the_fallback():
    HelpArticle.objects.filter(slug="exemption-card", language="fr").delete()

    page = article_page("fr")

    assert EN_FRIKORT_TITLE in page and NB_FRIKORT_TITLE not in page
    assert '<article class="help-article" lang="en">' in page


def test_it_says_nothing_when_the_article_is_in_the_readers_language():
    page = article_page("ru")

    assert "help-fallback" not in page
    assert '<article class="help-article">' in page


def test_it_marks_each_fallback_on_the_help_list():
    HelpArticle.objects.filter(slug="exemption-card", language="pt").delete()

    listing = client_in("pt").get(reverse("portal:portal-help")).content.decode()

    assert listing.count("help-fallback") == 1
    assert f'lang="nb">{NB_FRIKORT_TITLE}</a>' in listing


def test_it_never_shows_an_unpublished_version_as_the_fallback():
    HelpArticle.objects.filter(slug="exemption-card", language="fr").delete()
    HelpArticle.objects.filter(slug="exemption-card", language="nb").update(is_published=False)

    page = article_page("fr")

    assert EN_FRIKORT_TITLE in page and NB_FRIKORT_TITLE not in page


def test_it_lists_the_missing_languages_of_each_address_for_staff(billing, client_for):
    HelpArticle.objects.filter(slug="cannot-pay", language__in=["nb", "ru"]).delete()

    page = client_for(billing).get(reverse("portal:help-article-list")).content.decode()

    assert page.count("help-missing") == 1
    assert "Missing: nb, ru" in page
    assert reverse("portal:help-article-translate", args=["cannot-pay", "ru"]) in page


def test_it_shows_the_missing_languages_in_the_editor(billing, client_for):
    HelpArticle.objects.filter(slug="cannot-pay", language="pt").delete()
    article = HelpArticle.objects.get(slug="cannot-pay", language="en")

    page = client_for(billing).get(reverse("portal:help-article-edit", args=[article.pk])).content.decode()

    assert "Missing: pt" in page
    assert reverse("portal:help-article-translate", args=["cannot-pay", "pt"]) in page


def test_it_shows_no_missing_indicator_when_every_language_is_written(billing, client_for):
    article = HelpArticle.objects.get(slug="cannot-pay", language="en")

    page = client_for(billing).get(reverse("portal:help-article-edit", args=[article.pk])).content.decode()

    assert "help-missing" not in page


def test_it_writes_a_missing_version_beside_the_clinics_version(billing, client_for):
    HelpArticle.objects.filter(slug="cannot-pay", language="ru").delete()
    client = client_for(billing)
    url = reverse("portal:help-article-translate", args=["cannot-pay", "ru"])

    form = client.get(url).content.decode()
    written = {"title": "Что делать, если я не могу заплатить?", "body": "Позвоните нам.", "position": 10}
    response = client.post(url, {**written, "is_published": "on"})

    nb = HelpArticle.objects.get(slug="cannot-pay", language="nb")
    assert nb.title in form and 'lang="nb"' in form  # the clinic's version to work from
    assert response.status_code == 302
    created = HelpArticle.objects.get(slug="cannot-pay", language="ru")
    assert (created.title, created.updated_by) == ("Что делать, если я не могу заплатить?", billing)
    assert "Позвоните нам." in article_page("ru", "cannot-pay")


def test_it_opens_the_editor_when_the_version_exists_already(billing, client_for):
    existing = HelpArticle.objects.get(slug="cannot-pay", language="fr")

    response = client_for(billing).get(reverse("portal:help-article-translate", args=["cannot-pay", "fr"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:help-article-edit", args=[existing.pk])


@pytest.mark.parametrize(("slug", "language"), [("cannot-pay", "de"), ("no-such-address", "ru")])
def test_it_answers_404_for_an_unknown_language_or_address(billing, client_for, slug, language):
    response = client_for(billing).get(reverse("portal:help-article-translate", args=[slug, language]))

    assert response.status_code == 404


def test_it_refuses_writing_a_version_to_the_front_desk(front_desk, client_for):
    HelpArticle.objects.filter(slug="cannot-pay", language="ru").delete()
    url = reverse("portal:help-article-translate", args=["cannot-pay", "ru"])

    response = client_for(front_desk).post(url, {"title": "x", "body": "y", "position": 1})

    assert response.status_code == 403
    assert not HelpArticle.objects.filter(slug="cannot-pay", language="ru").exists()
