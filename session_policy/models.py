"""Which server-side sessions belong to whom, so that all of a person's sessions can be ended at once.

The session store only knows a session by its key; it cannot answer "every session of user 42". A row is
written when someone signs in and removed when they sign out; rows of sessions that simply expired are
pruned at that user's next sign-in (they are older than the absolute session lifetime).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"), auto_now_add=True)
    last_ip = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")

    def __str__(self) -> str:
        return f"Session of user {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"
