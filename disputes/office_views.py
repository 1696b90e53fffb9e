"""The office manager's screens: the refusal-to-pay policy (read, edit, simulate, publish) and the complaint report."""

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from clinic_billing.csv_safety import spreadsheet_writer
from clinic_billing.database_routing import reads_reports
from clinic_billing.exceptions import ApplicationError
from clinic_billing.roles import OFFICE_MANAGER, StaffRequest, require_perm, staff_only, user_roles
from invoices.models import InsuranceStatus
from invoices.templatetags.money import money
from patient_collections.interface import FollowUpCall

from . import policy as engine
from . import selectors, services
from .models import Category, Complaint, Policy, PolicyRule, ProposalKind, Role
from .office_forms import (
    SIMULATE_DEFAULT,
    PolicySettingsForm,
    PublishForm,
    ReportPeriodForm,
    RuleForm,
    SimulationForm,
    rule_formset,
)

EDIT_POLICY = "disputes.edit_policy"
VIEW_COMPLAINT = "disputes.view_complaint"
ADD_RULE, SIMULATE, PUBLISH = "add_rule", "simulate", "publish"

# --- Reading the policy ----------------------------------------------------------------------------------


def _label(choices: type[Any], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def rule_conditions(rule: PolicyRule | engine.Rule) -> str:
    """The conditions of a rule in words: "Categories: Billing error; up to kr 300,00"."""
    parts = []
    if rule.categories:
        names = ", ".join(_label(Category, code) for code in sorted(rule.categories))
        parts.append(_("Categories: %(names)s") % {"names": names})
    else:
        parts.append(_("Every category"))
    if rule.min_amount is not None:
        parts.append(_("from %(amount)s") % {"amount": money(rule.min_amount)})
    if rule.max_amount is not None:
        parts.append(_("up to %(amount)s") % {"amount": money(rule.max_amount)})
    if rule.insurance_statuses:
        names = ", ".join(_label(InsuranceStatus, code) for code in sorted(rule.insurance_statuses))
        parts.append(_("insurance: %(names)s") % {"names": names})
    if rule.min_invoice_age_days is not None:
        parts.append(_("invoice at least %(days)s days old") % {"days": rule.min_invoice_age_days})
    if rule.max_invoice_age_days is not None:
        parts.append(_("invoice at most %(days)s days old") % {"days": rule.max_invoice_age_days})
    if rule.min_earlier_complaints is not None:
        parts.append(_("at least %(count)s earlier complaints") % {"count": rule.min_earlier_complaints})
    return "; ".join(parts)


def rule_proposal(rule: PolicyRule | engine.Rule) -> str:
    kind = _label(ProposalKind, rule.proposal_kind)
    if rule.proposal_kind == ProposalKind.REDUCTION and rule.proposal_percent is not None:
        return _("%(kind)s of %(percent)s %%") % {"kind": kind, "percent": f"{rule.proposal_percent.normalize():f}"}
    if rule.proposal_kind == ProposalKind.REDUCTION and rule.proposal_amount is not None:
        return _("%(kind)s of %(amount)s") % {"kind": kind, "amount": money(rule.proposal_amount)}
    return kind


def rule_approver(rule: PolicyRule | engine.Rule) -> str:
    """Who approves the money the rule proposes; nobody when it proposes no money."""
    if rule.proposal_kind not in engine.MONEY_KINDS:
        return _("No approval needed")
    if rule.approval_role:
        return _label(Role, rule.approval_role)
    return _("Office manager (default)")


@dataclass(frozen=True)
class RuleRow:
    rule: PolicyRule
    conditions: str
    proposal: str
    approver: str


def _rule_rows(policy: Policy) -> list[RuleRow]:
    return [
        RuleRow(rule, rule_conditions(rule), rule_proposal(rule), rule_approver(rule)) for rule in policy.rules.all()
    ]


def _policy_page(request: StaffRequest, policy: Policy, *, is_current: bool) -> HttpResponse:
    context = {
        "policy": policy,
        "rows": _rule_rows(policy),
        "history": list(selectors.policy_history()),
        "is_current": is_current,
    }
    return render(request, "staff/manage/policy_detail.html", context)


@staff_only
@require_GET
def policy_detail(request: StaffRequest) -> HttpResponse:
    require_perm(request, EDIT_POLICY)
    return _policy_page(request, services.policy_active(), is_current=True)


@staff_only
@require_GET
def policy_version(request: StaffRequest, version: int) -> HttpResponse:
    require_perm(request, EDIT_POLICY)
    policy = selectors.policy_by_version(version=version)
    if policy is None:
        raise Http404
    return _policy_page(request, policy, is_current=policy.is_active)


# --- Editing the policy ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedDecision:
    complaint_id: int
    category: str
    before: str
    after: str


def _readable_outcome(outcome: services.SimulatedOutcome | None) -> str:
    """A simulated decision in the reader's words and currency."""
    if outcome is None:
        return _("No rule matches")
    route = _label(Role, outcome.route_to)
    if outcome.kind in engine.MONEY_KINDS:
        return f"{route}: {_label(ProposalKind, outcome.kind)} {money(outcome.amount)}"
    return f"{route}: {_label(ProposalKind, outcome.kind)}"


def _changed_decisions(simulation: services.Simulation) -> list[ChangedDecision]:
    return [
        ChangedDecision(
            complaint_id=change.complaint_id,
            category=_label(Category, change.category),
            before=_readable_outcome(change.before),
            after=_readable_outcome(change.after),
        )
        for change in simulation.changes
    ]


def _next_version() -> int:
    return selectors.policy_latest_version() + 1


def _draft(settings_form: PolicySettingsForm, rules: Any) -> services.PolicyDraft | None:
    """The engine's draft from valid forms; None while any field has a problem."""
    if not (settings_form.is_valid() and rules.is_valid()):
        return None
    forms: list[RuleForm] = rules.kept_forms()
    return services.PolicyDraft(
        approval_threshold=settings_form.cleaned_data["approval_threshold"],
        small_claim_threshold=settings_form.cleaned_data["small_claim_threshold"],
        follow_up_days=settings_form.cleaned_data["follow_up_days"],
        rules=tuple(form.to_rule() for form in forms),
        deputy_approver_role=settings_form.cleaned_data["deputy_approver_role"],
        deputy_approver_id=settings_form.cleaned_data["deputy_approver_id"],
    )


@staff_only
def policy_edit(request: StaffRequest) -> HttpResponse:
    require_perm(request, EDIT_POLICY)
    active = services.policy_active()
    action = request.POST.get("action") if request.method == "POST" else None
    problems: list[str] = []
    simulation: services.Simulation | None = None
    if request.method != "POST":
        current = services.policy_draft_from(active)
        settings_form = PolicySettingsForm(initial=PolicySettingsForm.initial_for(current))
        rules = rule_formset(draft=current)
        simulation_form = SimulationForm()
        publish_form = PublishForm()
    else:
        settings_form = PolicySettingsForm(request.POST)
        rules = rule_formset(request.POST, add_one=action == ADD_RULE)
        # Only the pressed button's own field is checked; the other keeps what was typed.
        simulation_form = (
            SimulationForm(request.POST)
            if action == SIMULATE
            else SimulationForm(initial={"last": request.POST.get("last") or SIMULATE_DEFAULT})
        )
        publish_form = (
            PublishForm(request.POST) if action == PUBLISH else PublishForm(initial={"note": request.POST.get("note")})
        )
        draft = None if action == ADD_RULE else _draft(settings_form, rules)
        if draft is not None:
            problems = services.policy_validate(draft)
        if draft is not None and action == SIMULATE and simulation_form.is_valid():
            simulation = services.policy_simulate(draft=draft, last=simulation_form.cleaned_data["last"])
        if draft is not None and action == PUBLISH and publish_form.is_valid() and not problems:
            try:
                policy = services.policy_publish(
                    draft=replace(draft, note=publish_form.cleaned_data["note"]), by=request.user
                )
            except ApplicationError as exc:
                problems = [exc.message]
            else:
                messages.success(request, _("Policy version %(version)s is now in use.") % {"version": policy.version})
                return redirect("office:policy-detail")
    context = {
        "active": active,
        "next_version": _next_version(),
        "settings_form": settings_form,
        "rules": rules,
        "simulation_form": simulation_form,
        "publish_form": publish_form,
        "problems": problems,
        "simulation": simulation,
        "changes": _changed_decisions(simulation) if simulation else [],
        "action": action,
    }
    return render(request, "staff/manage/policy_edit.html", context)


# --- The complaint report --------------------------------------------------------------------------------


def _require_report_access(request: StaffRequest) -> None:
    require_perm(request, VIEW_COMPLAINT)
    if not (request.user.is_superuser or OFFICE_MANAGER in user_roles(request.user)):
        raise PermissionDenied


@dataclass(frozen=True)
class ReportTables:
    """The report's figures with labels in the reader's language: one source for the page, the charts and CSV."""

    outcome_columns: list[str]
    by_category: list[tuple[str, list[int], int]]
    complaints_total: int
    meetings: list[tuple[str, int]]
    adjustments: list[tuple[str, str, str, int, Decimal]]
    adjustments_count: int
    adjustments_total: Decimal
    follow_ups: list[tuple[str, int]]
    follow_ups_total: int
    prevention: list[dict[str, Any]]

    def category_chart(self) -> dict[str, list[Any]]:
        return {"labels": [row[0] for row in self.by_category], "values": [row[2] for row in self.by_category]}

    def satisfaction_chart(self) -> dict[str, list[Any]]:
        return {"labels": [row[0] for row in self.follow_ups], "values": [row[1] for row in self.follow_ups]}


def report_tables(report: selectors.ComplaintReport) -> ReportTables:
    outcomes = [*Complaint.Outcome.values, ""]
    counts = {(row["category"], row["outcome"]): row["count"] for row in report.by_category_and_outcome}
    by_category = []
    for category in Category:
        cells = [counts.get((category.value, outcome), 0) for outcome in outcomes]
        by_category.append((str(category.label), cells, sum(cells)))
    meetings = report.meetings
    adjustments = [
        (
            _label(ProposalKind, row["kind"]),
            _label(Category, row["complaint__category"]),
            row["decided_by__username"] or _("system"),
            row["count"],
            row["total"] or Decimal("0.00"),
        )
        for row in report.adjustments
    ]
    follow_ups = [(_label(FollowUpCall.Outcome, row["outcome"]), row["count"]) for row in report.follow_up_outcomes]
    prevention = [
        {
            **row,
            "category_label": _label(Category, row["category"]),
            "closed_on": timezone.localdate(row["closed_at"]) if row["closed_at"] else None,
        }
        for row in report.prevention_actions
    ]
    return ReportTables(
        outcome_columns=[*(str(label) for label in Complaint.Outcome.labels), _("Still open")],
        by_category=by_category,
        complaints_total=meetings["total"],
        meetings=[
            (_("Met on time"), meetings["met_on_time"]),
            (_("Met late"), meetings["met_late"]),
            (_("Not met (yet)"), meetings["not_met"]),
            (_("Escalated to the office manager"), meetings["escalated"]),
        ],
        adjustments=adjustments,
        adjustments_count=sum(row[3] for row in adjustments),
        adjustments_total=sum((row[4] for row in adjustments), Decimal("0.00")),
        follow_ups=follow_ups,
        follow_ups_total=sum(count for _label_, count in follow_ups),
        prevention=prevention,
    )


@staff_only
@require_GET
@reads_reports
def complaint_report(request: StaffRequest) -> HttpResponse:
    _require_report_access(request)
    form = ReportPeriodForm.from_query(request.GET)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        tables = report_tables(selectors.complaint_report(start=start, end=end))
        context.update(
            start=start,
            end=end,
            tables=tables,
            category_chart=tables.category_chart(),
            satisfaction_chart=tables.satisfaction_chart(),
        )
    return render(request, "staff/manage/complaint_report.html", context)


@staff_only
@require_GET
@reads_reports
def complaint_report_csv(request: StaffRequest) -> HttpResponse:
    _require_report_access(request)
    form = ReportPeriodForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "staff/manage/complaint_report.html", {"form": form}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    tables = report_tables(selectors.complaint_report(start=start, end=end))
    filename = f"complaint-report-{start.isoformat()}-{end.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    writer = spreadsheet_writer(response)

    def section(title: str, header: list[str], rows: list[list[object]]) -> None:
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow([])

    writer.writerow([_("Complaint report"), start.isoformat(), end.isoformat()])
    writer.writerow([])
    section(
        _("Complaints by category and outcome"),
        [_("Category"), *tables.outcome_columns, _("Total")],
        [[label, *cells, total] for label, cells, total in tables.by_category],
    )
    section(_("Time to first meeting"), [_("Meeting"), _("Complaints")], [list(row) for row in tables.meetings])
    section(
        _("Reductions and write-offs"),
        [_("Kind"), _("Category"), _("Approved by"), _("Count"), _("Total")],
        [
            [kind, category, approver, count, f"{total:.2f}"]
            for kind, category, approver, count, total in tables.adjustments
        ],
    )
    section(_("Follow-up calls"), [_("Outcome"), _("Calls")], [list(row) for row in tables.follow_ups])
    section(
        _("Prevention actions"),
        [_("Complaint"), pgettext("date closed", "Closed"), _("Category"), _("What will prevent a repeat")],
        [
            [
                row["id"],
                row["closed_on"].isoformat() if row["closed_on"] else "",
                row["category_label"],
                row["prevention_note"],
            ]
            for row in tables.prevention
        ],
    )
    return response
