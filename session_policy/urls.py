from django.urls import path

from . import views

app_name = "sessions"

urlpatterns = [
    path("account/", views.my_account, name="my-account"),
    path("account/sign-out-elsewhere/", views.staff_sign_out_elsewhere, name="sign-out-elsewhere"),
    path("portal/account/sign-out-elsewhere/", views.portal_sign_out_elsewhere, name="portal-sign-out-elsewhere"),
]
