from django.urls import path

from jiliang.energy import views

app_name = "energy"
URL_PREFIX = "energy/"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/new/", views.unit_create, name="unit-create"),
    path("units/<id:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<id:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("units/<id:pk>/key/", views.unit_key, name="unit-key"),
    path("units/<id:pk>/quality/", views.unit_quality, name="unit-quality"),
    path("units/<id:pk>/batches/", views.unit_batches, name="unit-batches"),
    path("units/<id:pk>/monthly/", views.unit_monthly, name="unit-monthly"),
    path("units/<id:pk>/energy-audit/", views.unit_energy_audit, name="unit-energy-audit"),
    path("units/<id:pk>/meters/", views.meter_list, name="meter-list"),
    path("units/<id:pk>/meters/new/", views.meter_create, name="meter-create"),
    path("units/<id:pk>/meters/import/", views.meter_import, name="meter-import"),
    path("units/<id:pk>/meters/template/", views.meter_template, name="meter-template"),
    path("units/<id:pk>/audits/new/", views.audit_create, name="audit-create"),
    path("units/<id:pk>/letters/new/", views.letter_create, name="letter-create"),
    path("meters/<id:pk>/", views.meter_detail, name="meter-detail"),
    path("meters/<id:pk>/edit/", views.meter_edit, name="meter-edit"),
    path("meters/<id:pk>/calibration/", views.meter_calibration, name="meter-calibration"),
    path("audits/", views.audit_list, name="audit-list"),
    path("audits/<id:pk>/", views.audit_detail, name="audit-detail"),
    path("audits/<id:pk>/cells/", views.audit_cells, name="audit-cells"),
    path("audits/<id:pk>/exclusions/", views.audit_exclusion_add, name="audit-exclusion-add"),
    path("audits/<id:pk>/complete/", views.audit_complete, name="audit-complete"),
    path("audits/<id:pk>/report.pdf", views.audit_pdf, name="audit-pdf"),
    path("audits/<id:pk>/report.xlsx", views.audit_xlsx, name="audit-xlsx"),
    path("exclusions/<id:pk>/delete/", views.audit_exclusion_remove,
         name="audit-exclusion-remove"),
    path("findings/<id:pk>/rectify/", views.finding_rectify, name="finding-rectify"),
    path("findings/<id:pk>/review/", views.finding_review, name="finding-review"),
    path("letters/", views.letter_list, name="letter-list"),
    path("letters/<id:pk>/", views.letter_detail, name="letter-detail"),
    path("letters/<id:pk>/look-back/", views.letter_look_back, name="letter-look-back"),
    path("supervision/", views.supervision, name="supervision"),
    path("heat/", views.heat, name="heat"),
]
