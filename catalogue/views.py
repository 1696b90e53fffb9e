"""The staff's catalogue pages under /staff/catalogue/: every role that bills reads them (catalogue.view_service);
the office manager adds services, edits their texts and sets their prices (catalogue.edit_catalogue). Every write
goes through catalogue.services, so django-auditlog records who changed what."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic_billing.exceptions import ApplicationError, NotFound
from clinic_billing.languages import clinic_language
from clinic_billing.roles import StaffRequest, acting_user, require_perm, staff_only

from . import selectors, services
from .forms import PriceForm, ServiceForm, language_name
from .models import Service
from .vocabulary import ServiceKind

VIEW_SERVICE = "catalogue.view_service"
EDIT_CATALOGUE = "catalogue.edit_catalogue"


@require_GET
@staff_only
def service_list(request: StaffRequest) -> HttpResponse:
    """Every service with today's price, named in the reader's language, and the languages its texts lack.
    Queries: the services, their texts, their prices today."""
    require_perm(request, VIEW_SERVICE)
    entries = selectors.catalogue_entries(on=timezone.localdate(), language=get_language() or clinic_language())
    only_missing = request.GET.get("missing") == "1"
    rows = [
        {
            "entry": entry,
            "kind": ServiceKind(entry.kind).label,
            "missing": [language_name(code) for code in entry.missing_languages],
        }
        for entry in entries
        if entry.missing_languages or not only_missing
    ]
    context = {
        "rows": rows,
        "only_missing": only_missing,
        "total": len(entries),
        "missing_count": sum(1 for entry in entries if entry.missing_languages),
        "can_edit": request.user.has_perm(EDIT_CATALOGUE),
    }
    return render(request, "staff/catalogue/service_list.html", context)


@require_http_methods(["GET", "POST"])
@staff_only
def service_new(request: StaffRequest) -> HttpResponse:
    require_perm(request, EDIT_CATALOGUE)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_save(
                service_id=None, data=form.service_input(), texts=form.texts(), by=acting_user(request)
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request, _("Service %(code)s was added. Set its price below to bill it.") % {"code": service.code}
            )
            return redirect("catalogue:service-detail", service_id=service.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/catalogue/service_new.html", {"form": form}, status=status)


def _detail_page(
    request: StaffRequest,
    service: Service,
    *,
    form: ServiceForm | None = None,
    price_form: PriceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    entry = selectors.catalogue_entry(service.pk, on=today, language=get_language() or clinic_language())
    context = {
        "service": service,
        "entry": entry,
        "missing": [language_name(code) for code in entry.missing_languages] if entry else [],
        "texts": sorted(service.texts.all(), key=lambda text: text.language != clinic_language()),
        "prices": [(price, price.applies_on(today)) for price in selectors.service_price_history(service.pk)],
        "can_edit": request.user.has_perm(EDIT_CATALOGUE),
        "form": form or ServiceForm(initial=ServiceForm.initial_of(service)),
        "price_form": price_form or PriceForm(prefix="price"),
    }
    return render(request, "staff/catalogue/service_detail.html", context, status=status)


def _service(service_id: int) -> Service:
    service = selectors.service_with_texts(service_id)
    if service is None:
        raise Http404
    return service


@require_http_methods(["GET", "POST"])
@staff_only
def service_detail(request: StaffRequest, service_id: int) -> HttpResponse:
    """A service's texts and price history; the office manager edits them here (POST: the texts form)."""
    require_perm(request, VIEW_SERVICE)
    if request.method == "GET":
        return _detail_page(request, _service(service_id))
    require_perm(request, EDIT_CATALOGUE)
    service = _service(service_id)
    form = ServiceForm(request.POST)
    if form.is_valid():
        try:
            services.service_save(
                service_id=service.pk, data=form.service_input(), texts=form.texts(), by=acting_user(request)
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, _("Service %(code)s was saved.") % {"code": form.cleaned_data["code"]})
            return redirect("catalogue:service-detail", service_id=service.pk)
    return _detail_page(request, service, form=form, status=400)


@require_POST
@staff_only
def service_price_new(request: StaffRequest, service_id: int) -> HttpResponse:
    require_perm(request, EDIT_CATALOGUE)
    service = _service(service_id)
    price_form = PriceForm(request.POST, prefix="price")
    if price_form.is_valid():
        try:
            price = services.service_price_set(
                service_id=service.pk,
                amount=price_form.cleaned_data["amount"],
                valid_from=price_form.cleaned_data["valid_from"],
                by=acting_user(request),
            )
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            price_form.add_application_error(exc)
        else:
            messages.success(
                request,
                _("The new price of %(code)s applies from %(date)s.")
                % {"code": service.code, "date": price.valid_from.isoformat()},
            )
            return redirect("catalogue:service-detail", service_id=service.pk)
    return _detail_page(request, service, price_form=price_form, status=400)
