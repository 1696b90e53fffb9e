from django.urls import path

from . import views

app_name = "bankfiles"

urlpatterns = [
    path("", views.bank_file_list, name="bank-file-list"),
    path("<int:bank_file_id>/", views.bank_file_detail, name="bank-file-detail"),
    path("<int:bank_file_id>/report.csv", views.bank_file_report, name="bank-file-report"),
    path("queue/", views.reconciliation_queue, name="queue-list"),
    path("transactions/<int:transaction_pk>/", views.transaction_detail, name="transaction-detail"),
    path("transactions/<int:transaction_pk>/match/", views.transaction_match, name="transaction-match"),
    path("transactions/<int:transaction_pk>/split/", views.transaction_split, name="transaction-split"),
    path("transactions/<int:transaction_pk>/refund/", views.transaction_mark_refund, name="transaction-refund"),
    path("transactions/<int:transaction_pk>/undo/", views.transaction_undo, name="transaction-undo"),
]
