from django.urls import path

from . import views

urlpatterns = [
    path("calls/", views.call_list, name="call-list"),
    path("calls/<int:call_id>/outcome/", views.call_outcome, name="call-outcome"),
]
