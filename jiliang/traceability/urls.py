from django.urls import path

from jiliang.traceability import views

app_name = "traceability"
URL_PREFIX = "traceability/"

urlpatterns = [
    path("standards/", views.standard_list, name="standard-list"),
    path("standards/new/", views.standard_create, name="standard-create"),
    path("standards/<id:pk>/", views.standard_detail, name="standard-detail"),
    path("standards/<id:pk>/devices/new/", views.device_create, name="device-create"),
    path("standards/<id:pk>/certificates/new/", views.certificate_create,
         name="certificate-create"),
    path("standards/<id:pk>/calibrations/new/", views.calibration_create,
         name="calibration-create"),
    path("standards/<id:pk>/status/", views.standard_status, name="standard-status"),
    path("standards/<id:pk>/bookings/new/", views.booking_create, name="booking-create"),
    path("materials/", views.material_list, name="material-list"),
    path("materials/new/", views.material_create, name="material-create"),
    path("materials/<id:pk>/", views.material_detail, name="material-detail"),
    path("materials/<id:pk>/lots/new/", views.lot_create, name="lot-create"),
    path("standards/pick/", views.standard_pick, name="standard-pick"),
    path("comparisons/", views.comparison_list, name="comparison-list"),
    path("comparisons/new/", views.comparison_create, name="comparison-create"),
    path("comparisons/<id:pk>/", views.comparison_detail, name="comparison-detail"),
    path("comparisons/<id:pk>/participants/new/", views.participant_create,
         name="participant-create"),
    path("comparisons/<id:pk>/score/", views.comparison_score, name="comparison-score"),
    path("comparisons/<id:pk>/report/", views.comparison_report, name="comparison-report"),
    path("comparisons/<id:pk>/publish/", views.comparison_publish, name="comparison-publish"),
    path("participants/<id:pk>/result/", views.result_submit, name="result-submit"),
    path("participants/<id:pk>/follow-up/", views.follow_up, name="follow-up"),
    path("import/", views.import_page, name="import"),
    path("import/template/<str:sheet>.xlsx", views.import_template, name="import-template"),
    path("impact/", views.impact_list, name="impact-list"),
    path("impact/<id:pk>/", views.impact_detail, name="impact-detail"),
    path("impact/<id:pk>/tasks/", views.impact_tasks, name="impact-tasks"),
    path("notices/<id:pk>/read/", views.notice_read, name="notice-read"),
    # Public: a social public standard by its certificate number; published comparisons.
    path("public/standards/", views.public_lookup, name="public-lookup"),
    path("public/comparisons/", views.public_comparisons, name="public-comparisons"),
]
