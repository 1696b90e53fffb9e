"""Help articles and the price list: public pages in the reader's language, staff editing, the US estimate."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from catalogue.models import Service, ServicePrice
from invoices.templatetags.money import money
from portal.models import HelpArticle
from tests.factories import catalogue_service, pdf_text

pytestmark = pytest.mark.django_db

EN_FRIKORT_TITLE = "Why do I have a bill when I have an exemption card (frikort)?"
NB_FRIKORT_TITLE = "Hvorfor får jeg regning når jeg har frikort?"


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def money_in(language: str, amount: str) -> str:
    with translation.override(language):
        return money(Decimal(amount))


def test_it_lists_the_help_articles_without_signing_in(client):
    response = client.get(reverse("portal:portal-help"))

    assert response.status_code == 200
    assert EN_FRIKORT_TITLE in response.content.decode()
    assert reverse("portal:portal-help-article", kwargs={"slug": "cannot-pay"}) in response.content.decode()


def test_it_shows_an_article_without_signing_in(client):
    response = client.get(reverse("portal:portal-help-article", kwargs={"slug": "payment-reference"}))

    assert response.status_code == 200
    assert "What is a payment reference (KID) and how do I use it?" in response.content.decode()


def test_it_shows_the_articles_in_the_readers_language():
    response = client_in("nb").get(reverse("portal:portal-help-article", kwargs={"slug": "exemption-card"}))

    page = response.content.decode()
    assert NB_FRIKORT_TITLE in page
    assert "egenandelstaket" in page
    assert EN_FRIKORT_TITLE not in page


def test_it_seeds_every_article_in_all_five_languages():
    slugs = set(HelpArticle.objects.values_list("slug", flat=True))

    assert len(slugs) == 9
    assert {"exemption-card", "records-copy", "terminal-showed-zero", "lab-charge-separately"} <= slugs
    for language in ("en", "fr", "pt", "nb", "ru"):
        assert HelpArticle.objects.filter(language=language).count() == 9, language


def test_it_falls_back_to_english_when_neither_the_reader_nor_the_clinic_has_the_article():
    HelpArticle.objects.filter(slug="speaking-for-me", language="nb").delete()

    article = client_in("nb").get(reverse("portal:portal-help-article", kwargs={"slug": "speaking-for-me"}))
    listing = client_in("nb").get(reverse("portal:portal-help"))

    assert "Who can speak for me about my bills?" in article.content.decode()
    assert 'lang="en"' in article.content.decode()
    assert "Who can speak for me about my bills?" in listing.content.decode()
    assert NB_FRIKORT_TITLE in listing.content.decode()


def test_it_renders_the_body_as_escaped_paragraphs(client):
    HelpArticle.objects.filter(slug="cannot-pay", language="en").update(body="First <b>part</b>.\n\nSecond part.")

    page = client.get(reverse("portal:portal-help-article", kwargs={"slug": "cannot-pay"})).content.decode()

    assert "<p>First &lt;b&gt;part&lt;/b&gt;.</p>" in page
    assert "<p>Second part.</p>" in page


def test_it_hides_unpublished_articles(client):
    HelpArticle.objects.filter(slug="bill-is-wrong").update(is_published=False)

    listing = client.get(reverse("portal:portal-help"))
    article = client.get(reverse("portal:portal-help-article", kwargs={"slug": "bill-is-wrong"}))

    assert "How do I tell you a bill is wrong?" not in listing.content.decode()
    assert article.status_code == 404


def test_it_answers_404_for_an_unknown_article(client):
    response = client.get(reverse("portal:portal-help-article", kwargs={"slug": "no-such-article"}))

    assert response.status_code == 404


def test_it_reads_the_help_list_in_one_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:portal-help"))

    assert response.status_code == 200
    # 1. the published articles in every language (the fallback picks one per address)
    assert len(queries) == 1, [query["sql"] for query in queries]


def test_it_lets_billing_edit_a_help_article(billing, client_for):
    article = HelpArticle.objects.get(slug="cannot-pay", language="en")
    client = client_for(billing)

    assert client.get(reverse("portal:help-article-list")).status_code == 200
    response = client.post(
        reverse("portal:help-article-edit", args=[article.pk]),
        {
            "title": "If you cannot pay",
            "summary": "Talk to us.",
            "body": "Call us.",
            "position": 5,
            "is_published": "on",
        },
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "If you cannot pay"
    assert article.updated_by == billing
    entry = LogEntry.objects.get_for_object(article).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == billing
    assert "title" in entry.changes_dict


def test_it_lets_the_office_manager_open_the_editor(manager, client_for):
    article = HelpArticle.objects.get(slug="cannot-pay", language="fr")

    response = client_for(manager).get(reverse("portal:help-article-edit", args=[article.pk]))

    assert response.status_code == 200
    assert "Que faire si je ne peux pas payer ?" in response.content.decode()


def test_it_shows_staff_form_errors_without_saving(billing, client_for):
    article = HelpArticle.objects.get(slug="cannot-pay", language="en")

    response = client_for(billing).post(
        reverse("portal:help-article-edit", args=[article.pk]), {"title": "", "body": "", "position": "x"}
    )

    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    article.refresh_from_db()
    assert article.title == "What can I do if I cannot pay?"


def test_it_refuses_help_editing_to_the_front_desk(front_desk, client_for):
    article = HelpArticle.objects.get(slug="cannot-pay", language="en")
    client = client_for(front_desk)

    assert client.get(reverse("portal:help-article-list")).status_code == 403
    response = client.post(reverse("portal:help-article-edit", args=[article.pk]), {"title": "Changed", "body": "x"})

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "What can I do if I cannot pay?"


def test_it_refuses_help_editing_to_a_patient(patient, client_for):
    article = HelpArticle.objects.get(slug="cannot-pay", language="en")
    client = client_for(patient.user)

    assert client.get(reverse("portal:help-article-list")).status_code == 403
    assert client.post(reverse("portal:help-article-edit", args=[article.pk]), {"title": "x"}).status_code == 403


def test_it_sends_anonymous_visitors_of_the_editor_to_the_login(client):
    response = client.get(reverse("portal:help-article-list"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_shows_prices_without_signing_in(client):
    consultation = ServicePrice.objects.get(service__code="2ad")

    response = client.get(reverse("portal:portal-prices"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "GP consultation" in page
    assert money_in("en", str(consultation.amount)) in page
    assert "insurance" in page  # only to say that nobody has to tell us about it
    assert "<form" not in page.split('id="main"')[1]


def test_it_explains_the_exemption_card_and_links_to_the_help_article(client):
    page = client.get(reverse("portal:portal-prices")).content.decode()

    assert "Exemption card (frikort)" in page
    assert reverse("portal:portal-help-article", kwargs={"slug": "exemption-card"}) in page
    assert "Not covered by the exemption card: you always pay this." in page
    assert "Covered by the exemption card once you have reached the yearly limit." in page


def test_it_marks_services_not_offered_at_the_moment(client):
    Service.objects.filter(code="11ad").update(is_available=False)

    page = client.get(reverse("portal:portal-prices")).content.decode()

    assert page.count("Not offered at the moment") == Service.objects.filter(is_available=False).count()


def test_it_shows_the_prices_in_the_readers_language():
    consultation = ServicePrice.objects.get(service__code="2ad")

    page = client_in("nb").get(reverse("portal:portal-prices")).content.decode()

    assert money_in("nb", str(consultation.amount)) in page
    assert "frikort" in page


def test_it_offers_no_estimate_outside_the_us(client):
    page = client.get(reverse("portal:portal-prices")).content.decode()
    response = client.post(reverse("portal:portal-estimate-pdf"), {"services": ["2ad"], "quantity-2ad": "1"})

    assert reverse("portal:portal-estimate-pdf") not in page
    assert "These are the clinic's own prices." in page
    assert response.status_code == 404


def test_it_mentions_prior_written_price_information_in_france(client, settings):
    settings.BILLING_JURISDICTION = "FR"

    page = client.get(reverse("portal:portal-prices")).content.decode()

    assert money_in("en", "70.00") in page
    assert "in writing before the care" in page
    assert reverse("portal:portal-estimate-pdf") not in page
    assert "Exemption card (frikort)" not in page


def test_it_reads_the_price_list_in_three_queries_whatever_its_length(client, settings):
    settings.BILLING_JURISDICTION = "US"
    Service.objects.filter(code__in=["2ad", "2ak"]).update(is_available=False)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("portal:portal-prices")).status_code == 200
        return len(queries)

    with_ten = count_queries()
    for n in range(1, 20):
        catalogue_service(f"S{n}", f"Service {n}", "10.00", is_available=n % 4 != 0)
    with_thirty = count_queries()

    # 1. the services, 2. their texts, 3. their prices today (the estimate form reuses the same rows)
    assert with_ten == with_thirty == 3


class TestGoodFaithEstimate:
    @pytest.fixture(autouse=True)
    def _us_profile(self, settings):
        settings.BILLING_JURISDICTION = "US"

    def test_it_shows_the_estimate_form_to_self_pay_visitors(self, client):
        page = client.get(reverse("portal:portal-prices")).content.decode()

        assert reverse("portal:portal-estimate-pdf") in page
        assert "Get a good-faith estimate" in page
        assert "Exemption card (frikort)" not in page
        assert 'name="quantity-VAKS"' not in page  # not offered at the moment

    def test_it_makes_a_pdf_with_the_services_the_total_and_the_dispute_right(self, client):
        ServicePrice.objects.filter(service__code="2ad").update(amount=Decimal("150.00"))
        ServicePrice.objects.filter(service__code="701a").update(amount=Decimal("45.00"))

        response = client.post(
            reverse("portal:portal-estimate-pdf"),
            {
                "services": ["2ad", "701a"],
                "quantity-2ad": "2",
                "quantity-701a": "1",
                "name": "Jane Doe",
                "date_of_birth": "1980-05-17",
                "service_date": "",
            },
        )

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = " ".join(pdf_text(response.content).split())
        assert "Good Faith Estimate" in text
        assert "Jane Doe" in text
        assert "GP consultation" in text
        assert "Blood test" in text
        assert "$345.00" in text
        assert "$400.00 or more above this Good Faith Estimate" in text
        assert "120 calendar days" in text
        assert "1234567893" in text  # the clinic's NPI

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"services": ["2ad"], "quantity-2ad": "0"}, "Enter a whole number from 1 to 20"),
            ({"services": ["2ad"], "quantity-2ad": "-3"}, "Enter a whole number from 1 to 20"),
            ({"services": ["2ad"], "quantity-2ad": "²"}, "Enter a whole number from 1 to 20"),
            ({"services": ["2ad"], "quantity-2ad": "21"}, "Enter a whole number from 1 to 20"),
            ({"services": ["NO-SUCH"], "quantity-NO-SUCH": "1"}, "Choose services from the price list."),
            ({"services": ["VAKS"], "quantity-VAKS": "1"}, "Choose services from the price list."),
            ({}, "Choose at least one service."),
            (
                {
                    "services": ["2ad", "2ak", "11ad"],
                    "quantity-2ad": "20",
                    "quantity-2ak": "20",
                    "quantity-11ad": "20",
                },
                "at most 50 items",
            ),
            ({"services": ["2ad"], "quantity-2ad": "1", "service_date": "2001-01-01"}, "between today"),
            ({"services": ["2ad"], "quantity-2ad": "1", "service_date": "soon"}, "Enter a date"),
        ],
    )
    def test_it_answers_bad_input_with_form_errors(self, client, data, message):
        response = client.post(
            reverse("portal:portal-estimate-pdf"), {"name": "Jane Doe", "date_of_birth": "1980-05-17", **data}
        )

        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="error-summary"' in page
        assert message in page

    def test_it_ignores_quantities_beside_services_not_ticked(self, client):
        response = client.post(
            reverse("portal:portal-estimate-pdf"),
            {
                "services": ["11ad"],
                "quantity-11ad": "1",
                "quantity-2ad": "nonsense",
                "name": "Jane Doe",
                "date_of_birth": "1980-05-17",
            },
        )

        assert response.status_code == 200
        assert "GP consultation" not in pdf_text(response.content)
