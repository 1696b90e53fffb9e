"""The service catalogue for integrations: a practice system reads the codes, names and prices the clinic bills,
so it sends the same codes on its invoices (POST /api/v1/invoices/ takes the catalogue's name when a line's
description is empty). The whole catalogue in one answer: a clinic's is a few hundred services at most, and it
is read in three queries whatever its length (catalogue.selectors.catalogue_entries). It names no patient, so
no read is audited."""

from django.conf import settings
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import REFUSED, StaffApi, money_field, query_filters
from catalogue.selectors import catalogue_entries
from catalogue.vocabulary import CodingSystem, Coverage, ServiceKind
from clinic_billing.languages import clinic_language


class ServiceOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    coding_system = serializers.ChoiceField(choices=CodingSystem.choices)
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    name = serializers.CharField()
    explanation = serializers.CharField(help_text="What the price includes, in plain words; may be empty.")
    name_language = serializers.CharField(source="words.language", help_text="The language of name and explanation.")
    price = money_field(allow_null=True, help_text="The price on `on`; null when the service has none that day.")
    default_coverage = serializers.ChoiceField(choices=Coverage.choices)
    exemption_card_applies = serializers.BooleanField()
    estimable = serializers.BooleanField()
    is_available = serializers.BooleanField()
    missing_languages = serializers.ListField(
        child=serializers.CharField(), help_text="The languages the service has no name in yet."
    )


class ServiceCatalogueOutputSerializer(serializers.Serializer):
    on = serializers.DateField()
    language = serializers.CharField()
    results = ServiceOutputSerializer(many=True)


class ServiceListApi(StaffApi):
    """The catalogue in the catalogue's order, named in `language` (else the clinic's), priced on `on`."""

    required_permission = "catalogue.view_service"

    class FilterSerializer(serializers.Serializer):
        on = serializers.DateField(required=False, help_text="The day of the prices (ISO 8601); today if left out.")
        language = serializers.ChoiceField(
            choices=[code for code, _name in settings.LANGUAGES],
            required=False,
            help_text="The language of the names and explanations; the clinic's language if left out. A service "
            "without a text in it is named in the clinic's language (`name_language` says which).",
        )
        available_only = serializers.BooleanField(
            required=False, default=False, help_text="Only the services offered now."
        )

    @extend_schema(
        operation_id="service_list",
        parameters=[FilterSerializer],
        responses={200: ServiceCatalogueOutputSerializer, **REFUSED},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=query_filters(request))
        filters.is_valid(raise_exception=True)
        on = filters.validated_data.get("on") or timezone.localdate()
        language = filters.validated_data.get("language") or clinic_language()
        entries = catalogue_entries(on=on, language=language, available_only=filters.validated_data["available_only"])
        return Response(ServiceCatalogueOutputSerializer({"on": on, "language": language, "results": entries}).data)


urlpatterns = [path("services/", ServiceListApi.as_view(), name="api-service-list")]
