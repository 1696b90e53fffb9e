"""Properties of the catalogue: a reader never gets an empty name while any version exists, and gets their own
when it exists; prices set in any order never overlap and leave no day uncovered from the first."""

from contextlib import suppress
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue import services
from catalogue.models import ServicePrice
from catalogue.selectors import ServiceWords
from catalogue.services import ServiceInput
from clinic_billing.exceptions import ApplicationError
from clinic_billing.languages import clinic_language, language_codes, pick_localised

LANGUAGES = language_codes()
names = st.text(min_size=1, max_size=20).filter(str.strip)
versions = st.dictionaries(st.sampled_from(LANGUAGES), names, max_size=len(LANGUAGES))
# A reader's language as a browser sends it: one of ours, a regional variant of one, or one we do not speak.
reader_languages = st.one_of(
    st.sampled_from(LANGUAGES), st.sampled_from([f"{code}-XX" for code in LANGUAGES]), st.sampled_from(["de", "sv"])
)


@given(versions=versions, language=reader_languages)
def test_a_reader_gets_their_own_version_else_a_non_empty_one(versions, language):
    picked = pick_localised(versions, language)

    if not versions:
        assert picked is None
        return
    assert picked is not None and picked.value.strip()
    base = language.split("-")[0]
    if base in versions:
        assert (picked.value, picked.language, picked.is_fallback) == (versions[base], base, False)
    elif clinic_language() in versions:
        assert (picked.language, picked.is_fallback) == (clinic_language(), True)
    else:
        assert picked.language in versions and picked.is_fallback


FIRST = date(2026, 1, 1)
price_calls = st.lists(
    st.tuples(st.integers(min_value=0, max_value=400), st.decimals(min_value=0, max_value=5000, places=2)),
    min_size=1,
    max_size=8,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=price_calls)
def test_prices_set_in_any_order_never_overlap_and_cover_every_day_from_the_first(calls):
    service = services.service_save(
        service_id=None,
        data=ServiceInput(code=f"P{ServicePrice.objects.count()}-{len(calls)}", coding_system="local", kind="lab"),
        texts={clinic_language(): ServiceWords("Property", "")},
        by=None,
    )
    for offset, amount in calls:
        # A price on or before the latest is refused; the others must still fit together.
        with suppress(ApplicationError):
            services.service_price_set(
                service_id=service.pk, amount=amount, valid_from=FIRST + timedelta(days=offset), by=None
            )

    prices = list(ServicePrice.objects.filter(service=service).order_by("valid_from"))
    assert prices[0].valid_from == FIRST + timedelta(days=calls[0][0])
    for earlier, later in pairwise(prices):
        assert earlier.valid_until == later.valid_from - timedelta(days=1)
    assert prices[-1].valid_until is None
    assert all(isinstance(price.amount, Decimal) for price in prices)
