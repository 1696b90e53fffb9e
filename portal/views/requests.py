"""Portal views: requests."""

urlpatterns: list = []
