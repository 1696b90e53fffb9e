from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User

from .models import AuthorisedProxy, Coverage, Patient
from .validators import validate_name


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


class AuthorisedProxyInline(admin.TabularInline):
    model = AuthorisedProxy
    extra = 0
    fields = ["name", "relationship", "scope", "valid_from", "valid_to", "document_reference", "revoked_at"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["name", "date_of_birth", "language", "preferred_channel", "city", "created_at"]
    list_filter = ["language", "preferred_channel", "opt_out_email", "opt_out_sms", "opt_out_phone"]
    search_fields = ["name", "email", "phone", "city"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    # The email changes on the contact page, where a change by someone other than the patient waits for the
    # patient's (or a second staff member's) confirmation before an invitation may go to it.
    readonly_fields = ["created_at", "email"]
    inlines = [CoverageInline, AuthorisedProxyInline]


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "payer_name", "member_number", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["patient__name", "payer_name", "member_number"]
    list_select_related = ["patient"]
    raw_id_fields = ["patient"]


@admin.register(AuthorisedProxy)
class AuthorisedProxyAdmin(admin.ModelAdmin):
    list_display = ["name", "patient", "relationship", "scope", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "patient__name", "document_reference"]
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "user"]


class StaffUserChangeForm(UserChangeForm):
    """Staff names appear on approvals, letters and the audit log: the same rule as patients' names."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in ("first_name", "last_name"):
            if name in self.fields:
                self.fields[name].validators.append(validate_name)


class StaffUserAdmin(UserAdmin):
    form = StaffUserChangeForm


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
