"""The events feed (issue 19, item 4): `GET /api/v1/events/?after=<id>&limit=`, oldest first.

A sync keeps the last id it processed and asks for what came after it; `after` is exclusive, so the same id
asked again never repeats an event. Each event is listed only to a caller who may read its kind of record
(the permission the record's own list asks), and every patient an event names is audited as read. A page costs
the same queries whatever its size: the events, the patients they name and one insert of audit rows.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import MAX_ID, REFUSED, StaffApi, query_filters
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from clinic_billing.audited import log_bulk_reads
from integration_events.models import Event, EventType
from integration_events.selectors import events_after
from integration_events.services import event_body
from patients.models import Patient

# Which permission lets a caller see each kind of event: the one that lists its record (api/lists.py, the
# complaint, case and reminder views).
EVENT_PERMISSIONS = {
    EventType.PATIENT_CREATED: "patients.view_patient",
    EventType.INVOICE_ISSUED: "invoices.view_invoice",
    EventType.PAYMENT_RECEIVED: "invoices.view_invoice",
    EventType.CREDIT_NOTE_ISSUED: "invoices.view_invoice",
    EventType.COMPLAINT_FILED: "disputes.view_complaint",
    EventType.COMPLAINT_DECIDED: "disputes.view_complaint",
    EventType.COMPLAINT_CLOSED: "disputes.view_complaint",
    EventType.ADJUSTMENT_APPROVED: "disputes.view_complaint",
    EventType.REMINDER_SENT: "patient_collections.view_reminder",
    EventType.PLAN_CREATED: "patient_collections.view_reminder",
    EventType.PLAN_MISSED: "patient_collections.view_reminder",
    EventType.CASE_DECIDED: "patient_collections.view_collectioncase",
}
assert set(EVENT_PERMISSIONS) == set(EventType), "every event type needs the permission that shows it"


class EventOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Event"

    id = serializers.IntegerField(help_text="Increasing; pass the last one processed as `after`.")
    type = serializers.ChoiceField(choices=EventType.choices)
    created_at = serializers.DateTimeField()
    object_type = serializers.CharField(help_text="The kind of record: the part of `type` before the dot.")
    object_id = serializers.IntegerField(help_text="The record's id (a payment's is its ledger entry).")
    patient_id = serializers.IntegerField(allow_null=True)
    # DRF's metaclass takes declared fields off the class, so `data` does not shadow Serializer.data at run time.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="Ids, amounts (decimal strings), dates and statuses of the change; never names or free text."
    )


class EventPageSerializer(serializers.Serializer):
    class Meta:
        ref_name = "EventPage"

    results = EventOutputSerializer(many=True)
    has_more = serializers.BooleanField(help_text="Another page follows: ask again with `after=next_after`.")
    next_after = serializers.IntegerField(
        help_text="The id of the last event of this page (the `after` given when the page is empty): keep it "
        "for the next sync."
    )


class EventListApi(StaffApi):
    """Events oldest first after an id: what changed since the last sync, written with each change."""

    required_permission = "patients.view_patient"

    class FilterSerializer(serializers.Serializer):
        after = serializers.IntegerField(
            min_value=0, max_value=MAX_ID, default=0, help_text="Only events with a greater id (0: from the start)."
        )
        limit = serializers.IntegerField(
            min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT, help_text=f"Events per page (1 to {MAX_LIMIT})."
        )
        type = serializers.ChoiceField(choices=EventType.choices, required=False, help_text="Only this type.")

    @extend_schema(
        operation_id="event_list", parameters=[FilterSerializer], responses={200: EventPageSerializer, **REFUSED}
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=query_filters(request))
        filters.is_valid(raise_exception=True)
        after, limit = filters.validated_data["after"], filters.validated_data["limit"]
        visible = [kind for kind, permission in EVENT_PERMISSIONS.items() if request.user.has_perm(permission)]
        wanted = filters.validated_data.get("type")
        types = [kind for kind in visible if wanted is None or kind == wanted]
        found: list[Event] = list(events_after(after=after, types=types)[: limit + 1])
        page, has_more = found[:limit], len(found) > limit
        patient_ids = {event.patient_id for event in page if event.patient_id is not None}
        if patient_ids:
            log_bulk_reads(Patient.objects.filter(pk__in=patient_ids))
        return Response(
            {
                "results": EventOutputSerializer([event_body(event) for event in page], many=True).data,
                "has_more": has_more,
                "next_after": page[-1].pk if page else after,
            }
        )


urlpatterns = [path("events/", EventListApi.as_view(), name="api-event-list")]
