from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.service_list, name="service-list"),
    path("new/", views.service_new, name="service-new"),
    path("<int:service_id>/", views.service_detail, name="service-detail"),
    path("<int:service_id>/prices/", views.service_price_new, name="service-price-new"),
]
