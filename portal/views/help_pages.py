"""Portal views: help_pages."""

urlpatterns: list = []
