"""Portal views: bills."""

urlpatterns: list = []
