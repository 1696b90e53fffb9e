"""The services publish the send task by its name (they never import the tasks module, which calls them)."""

from types import SimpleNamespace

from patient_collections import tasks
from patient_collections.services import sending


def test_the_name_the_services_publish_is_the_registered_send_task():
    assert tasks.send_reminder.name == sending.SEND_REMINDER_TASK


def test_enqueueing_runs_the_send_task_for_each_notice(monkeypatch):
    sent: list[int] = []

    def reminder_send(*, reminder_id: int) -> SimpleNamespace:
        sent.append(reminder_id)
        return SimpleNamespace(status="sent")

    monkeypatch.setattr(tasks, "reminder_send", reminder_send)

    sending.enqueue_sends([5, 7])  # the tests run Celery eagerly (tests/settings.py)

    assert sent == [5, 7]
