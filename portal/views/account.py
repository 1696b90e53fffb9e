"""Portal views: account."""

urlpatterns: list = []
