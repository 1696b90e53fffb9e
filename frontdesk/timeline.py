"""The patient's timeline: every event on the account in one list, newest first.

Each domain app reads its own rows (its selectors); this module, above all of them, turns those rows into plain
events. One query per source, whatever the number of events: ledger entries (invoices issued, payments and
credits), notices (reminders and letters), complaints (with their decision and resolution letter), calls,
portal messages, contact changes (the audit log), proxies, third-party contacts, notes and promises to pay. A
filter by kind reads only the sources that can yield that kind.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.selectors import complaints_for_patient
from invoices.models import LedgerEntry
from invoices.selectors import ledger_history_for_patient
from patient_collections import selectors as collection_selectors
from patient_collections.models import Reminder
from patients import selectors as patient_selectors
from patients.models import CallerCheck, Channel


class EventKind(TextChoices):
    INVOICE = "invoice", gettext_lazy("Invoices")
    PAYMENT = "payment", gettext_lazy("Payments")
    REMINDER = "reminder", gettext_lazy("Reminders")
    LETTER = "letter", gettext_lazy("Letters")
    COMPLAINT = "complaint", gettext_lazy("Complaints")
    CALL = "call", gettext_lazy("Calls")
    PORTAL_MESSAGE = "portal_message", gettext_lazy("Portal messages")
    CONTACT_CHANGE = "contact_change", gettext_lazy("Contact changes")
    PROXY = "proxy", gettext_lazy("Proxies")
    THIRD_PARTY = "third_party", gettext_lazy("Third-party contacts")
    NOTE = "note", gettext_lazy("Notes")
    PROMISE = "promise", gettext_lazy("Promises to pay")


@dataclass(frozen=True)
class TimelineEvent:
    """One line of the timeline: when, what kind, what happened in words, and who did it."""

    at: datetime
    kind: EventKind
    title: str
    detail: str = ""
    by: str = ""
    amount: Decimal | None = None
    invoice_id: int | None = None
    invoice_label: str = ""
    credit_note_id: int | None = None  # the detail is this credit note's number: a link to its PDF
    # Something staff should notice: a refused caller, a notice that failed, an unhappy patient.
    attention: bool = False

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)


def _person(user: object) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]


PAYMENT_KINDS = {LedgerEntry.Kind.PATIENT_PAYMENT, LedgerEntry.Kind.INSURANCE_PAYMENT, LedgerEntry.Kind.REFUND}


def _ledger_events(patient_id: int) -> Iterable[TimelineEvent]:
    for entry in ledger_history_for_patient(patient_id=patient_id):
        invoice = entry.invoice
        if entry.kind == LedgerEntry.Kind.CHARGE:
            kind, title = EventKind.INVOICE, _("Invoice %(number)s issued") % {"number": invoice.number}
        elif entry.kind in PAYMENT_KINDS:
            kind, title = EventKind.PAYMENT, entry.get_kind_display()
        else:
            kind, title = EventKind.INVOICE, entry.get_kind_display()
        yield TimelineEvent(
            at=entry.posted_at,
            kind=kind,
            title=str(title),
            detail=credit_note.number if (credit_note := getattr(entry, "credit_note", None)) else entry.reference,
            credit_note_id=credit_note.pk if credit_note else None,
            by=_person(entry.posted_by),
            amount=entry.amount,
            invoice_id=invoice.pk,
            invoice_label=invoice.number or "",
        )


def _channel_label(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


def _reminder_events(patient_id: int) -> Iterable[TimelineEvent]:
    problems = {Reminder.Status.UNCERTAIN, Reminder.Status.SKIPPED}
    for reminder in collection_selectors.reminders_for_patient(patient_id=patient_id):
        is_letter = reminder.channel == Channel.LETTER
        delivery = reminder.get_status_display()
        if reminder.skip_reason:
            delivery = f"{delivery}: {reminder.skip_reason}"
        yield TimelineEvent(
            at=reminder.sent_at or reminder.created_at,
            kind=EventKind.LETTER if is_letter else EventKind.REMINDER,
            title=_("%(notice)s (step %(step)s) by %(channel)s")
            % {
                "notice": reminder.get_notice_type_display(),
                "step": reminder.step,
                "channel": _channel_label(reminder.channel) if reminder.channel else _("no channel yet"),
            },
            detail=str(delivery),
            amount=reminder.fee or None,
            invoice_id=reminder.invoice_id,
            invoice_label=reminder.invoice.number or "",
            attention=reminder.status in problems,
        )


def _complaint_events(patient_id: int) -> Iterable[TimelineEvent]:
    for complaint in complaints_for_patient(patient_id=patient_id):
        decision = getattr(complaint, "decision", None)
        said_by = _("said by %(name)s, authorised proxy") % {"name": complaint.proxy.name} if complaint.proxy else ""
        yield TimelineEvent(
            at=complaint.received_at,
            kind=EventKind.COMPLAINT,
            title=_("Complaint: %(category)s (%(channel)s)")
            % {"category": complaint.get_category_display(), "channel": complaint.get_channel_display()},
            detail=" · ".join(
                part
                for part in (
                    said_by,
                    _("decision: %(proposal)s, to %(role)s")
                    % {"proposal": decision.get_proposal_kind_display(), "role": decision.get_route_to_display()}
                    if decision
                    else "",
                )
                if part
            ),
            by=_person(complaint.received_by),
            amount=complaint.disputed_amount,
            invoice_id=complaint.invoice_id,
            invoice_label=complaint.invoice.number or "",
            attention=complaint.closed_at is None,
        )
        if complaint.closed_at is not None:
            yield TimelineEvent(
                at=complaint.closed_at,
                kind=EventKind.COMPLAINT,
                title=_("Complaint closed: %(outcome)s") % {"outcome": complaint.get_outcome_display()},
                by=_person(complaint.closed_by),
                invoice_id=complaint.invoice_id,
                invoice_label=complaint.invoice.number or "",
            )
            if complaint.resolution_text:
                yield TimelineEvent(
                    at=complaint.closed_at,
                    kind=EventKind.LETTER,
                    title=_("Resolution letter about the complaint"),
                    by=_person(complaint.closed_by),
                    invoice_id=complaint.invoice_id,
                    invoice_label=complaint.invoice.number or "",
                )


def _call_events(patient_id: int) -> Iterable[TimelineEvent]:
    for call in collection_selectors.calls_for_patient(patient_id=patient_id):
        invoice_label = (call.invoice.number or "") if call.invoice else ""
        yield TimelineEvent(
            at=call.created_at,
            kind=EventKind.CALL,
            title=_("Call to make: %(reason)s") % {"reason": call.get_reason_display()},
            detail=" · ".join(part for part in (call.preferred_time, call.request_note) if part),
            invoice_id=call.invoice_id,
            invoice_label=invoice_label,
        )
        if call.completed_at is not None:
            yield TimelineEvent(
                at=call.completed_at,
                kind=EventKind.CALL,
                title=_("Call made: %(outcome)s") % {"outcome": call.get_outcome_display()},
                detail=call.outcome_note,
                by=_person(call.completed_by),
                invoice_id=call.invoice_id,
                invoice_label=invoice_label,
                attention=call.outcome == call.Outcome.NOT_SATISFIED,
            )


def _portal_message_events(patient_id: int) -> Iterable[TimelineEvent]:
    for message in collection_selectors.portal_messages_for_patient(patient_id=patient_id):
        yield TimelineEvent(
            at=message.created_at,
            kind=EventKind.PORTAL_MESSAGE,
            title=_("Portal message: %(subject)s") % {"subject": message.subject},
            detail=_("read") if message.read_at else _("not read yet"),
        )


def _contact_events(patient_id: int) -> Iterable[TimelineEvent]:
    for edit in patient_selectors.contact_edits(patient_id=patient_id):
        yield TimelineEvent(
            at=edit.changed_at,
            kind=EventKind.CONTACT_CHANGE,
            title=_("Contact details changed"),
            detail=", ".join(edit.field_labels),
            by=edit.changed_by,
        )


def _proxy_events(patient_id: int) -> Iterable[TimelineEvent]:
    for proxy in patient_selectors.proxies_for_patient(patient_id=patient_id):
        who = f"{proxy.name} ({proxy.relationship_display})" if proxy.relationship else proxy.name
        yield TimelineEvent(
            at=proxy.created_at,
            kind=EventKind.PROXY,
            title=_("Proxy registered: %(who)s") % {"who": who},
            detail=_("%(scope)s, from %(start)s") % {"scope": proxy.get_scope_display(), "start": proxy.valid_from},
            by=_person(proxy.created_by),
        )
        if proxy.revoked_at is not None:
            yield TimelineEvent(
                at=proxy.revoked_at,
                kind=EventKind.PROXY,
                title=_("Proxy revoked: %(who)s") % {"who": who},
                by=_person(proxy.revoked_by),
            )


def _third_party_events(patient_id: int) -> Iterable[TimelineEvent]:
    for check in patient_selectors.third_party_contacts(patient_id=patient_id):
        if check.allowed:
            verdict = _("authorised: account discussed")
        elif check.caller == CallerCheck.Caller.PROXY:
            verdict = _("authorisation not valid today: nothing shared")
        else:
            verdict = _("not authorised: nothing shared")
        yield TimelineEvent(
            at=check.checked_at,
            kind=EventKind.THIRD_PARTY,
            title=_("%(contact)s contact by %(name)s")
            % {"contact": check.get_contact_display(), "name": check.caller_name},
            detail=" · ".join(part for part in (str(verdict), check.note) if part),
            by=_person(check.checked_by),
            attention=not check.allowed,
        )


def _note_events(patient_id: int) -> Iterable[TimelineEvent]:
    for note in patient_selectors.notes_for_patient(patient_id=patient_id):
        yield TimelineEvent(at=note.written_at, kind=EventKind.NOTE, title=note.text, by=_person(note.written_by))


def _promise_events(patient_id: int) -> Iterable[TimelineEvent]:
    for promise in collection_selectors.payment_promises_for_patient(patient_id=patient_id):
        yield TimelineEvent(
            at=promise.created_at,
            kind=EventKind.PROMISE,
            title=_("Promised to pay by %(day)s") % {"day": promise.until.isoformat()},
            detail=promise.note if promise.ended_at is None else _("ended early"),
            by=_person(promise.created_by),
            amount=promise.amount,
            invoice_id=promise.invoice_id,
            invoice_label=(promise.invoice.number or "") if promise.invoice else "",
        )


Source = Callable[[int], Iterable[TimelineEvent]]

# The newest events a page shows; a filter by kind reaches older ones.
TIMELINE_LIMIT = 300

# Each source with the kinds it can yield: a filter reads only the sources that matter.
SOURCES: tuple[tuple[frozenset[EventKind], Source], ...] = (
    (frozenset({EventKind.INVOICE, EventKind.PAYMENT}), _ledger_events),
    (frozenset({EventKind.REMINDER, EventKind.LETTER}), _reminder_events),
    (frozenset({EventKind.COMPLAINT, EventKind.LETTER}), _complaint_events),
    (frozenset({EventKind.CALL}), _call_events),
    (frozenset({EventKind.PORTAL_MESSAGE}), _portal_message_events),
    (frozenset({EventKind.CONTACT_CHANGE}), _contact_events),
    (frozenset({EventKind.PROXY}), _proxy_events),
    (frozenset({EventKind.THIRD_PARTY}), _third_party_events),
    (frozenset({EventKind.NOTE}), _note_events),
    (frozenset({EventKind.PROMISE}), _promise_events),
)


def patient_timeline(*, patient_id: int, kinds: set[EventKind] | None = None) -> list[TimelineEvent]:
    """Every event on the patient's account (or only those of `kinds`), newest first, the latest TIMELINE_LIMIT of
    them. One query per source read (ten at most), whatever the number of events."""
    wanted = kinds if kinds else set(EventKind)
    events = [
        event
        for source_kinds, source in SOURCES
        if source_kinds & wanted
        for event in source(patient_id)
        if event.kind in wanted
    ]
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:TIMELINE_LIMIT]
