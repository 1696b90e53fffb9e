from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, kept so a retry gets it again.

    Keys belong to the user (the API credential) that sent them. The record is written in the same transaction
    as the change it answers for, so a retry never sees a key without its change or a change without its key;
    a refused request leaves no record, so the key can be retried with a corrected body.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # sha256 of the method, the path and the canonical JSON body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"
