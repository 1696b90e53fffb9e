"""Patient-facing views, one module per area; portal/urls.py joins their urlpatterns."""
