from django.urls import path

from jiliang.registry import views

app_name = "registry"
URL_PREFIX = "registry/"

urlpatterns = [
    path("instruments/", views.instrument_list, name="instrument-list"),
    path("instruments/new/", views.instrument_create, name="instrument-create"),
    path("instruments/labels/", views.labels, name="labels"),
    path("instruments/labels/<id:pk>/", views.label_sheet, name="label-sheet"),
    path("instruments/labels/<id:pk>/pdf/", views.label_sheet_pdf, name="label-sheet-pdf"),
    path("instruments/<id:pk>/", views.instrument_detail, name="instrument-detail"),
    path("instruments/<id:pk>/edit/", views.instrument_edit, name="instrument-edit"),
    path("instruments/<id:pk>/status/", views.instrument_status, name="instrument-status"),
    path("instruments/<id:pk>/label/", views.instrument_label, name="instrument-label"),
    path("verifications/", views.verification_list, name="verification-list"),
    path("verifications/new/", views.verification_create, name="verification-create"),
    path("verifications/<id:pk>/", views.verification_detail, name="verification-detail"),
    path("verifications/<id:pk>/pdf/", views.verification_pdf, name="verification-pdf"),
    path("verifications/<id:pk>/correct/", views.verification_correct,
         name="verification-correct"),
    path("due/", views.due_list, name="due-list"),
    path("rates/", views.rates, name="rates"),
    path("import/", views.import_page, name="import"),
    path("import/template.<str:fmt>", views.import_template, name="import-template"),
    path("import/<id:pk>/", views.import_job, name="import-job"),
    path("import/<id:pk>/retry/", views.import_retry, name="import-retry"),
    path("import/<id:pk>/errors/", views.import_errors, name="import-errors"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/new/", views.batch_create, name="batch-create"),
    path("batches/<id:pk>/", views.batch_detail, name="batch-detail"),
    path("reminders/", views.reminder_list, name="reminder-list"),
    path("reminders/<id:pk>/read/", views.reminder_read, name="reminder-read"),
    path("reminders/read/", views.reminder_read_many, name="reminder-read-many"),
    # Public: the page a QR label opens, a certificate's page, the certificate check.
    path("i/<str:code>/", views.public_instrument, name="public-instrument"),
    path("c/<str:code>/", views.public_certificate, name="public-certificate"),
    path("check/", views.certificate_check, name="certificate-check"),
    path("findings/", views.finding_list, name="finding-list"),  # issue 18
]
