from django.urls import path

from jiliang.supervision import views

app_name = "supervision"
URL_PREFIX = "supervision/"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<id:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<id:pk>/transition/", views.campaign_transition, name="campaign-transition"),
    path("campaigns/<id:pk>/release/", views.campaign_release, name="campaign-release"),
    path("campaigns/<id:pk>/tasks/new/", views.task_create, name="task-create"),
    path("campaigns/<id:pk>/report/", views.campaign_report, name="campaign-report"),
    path("campaigns/<id:pk>/tracking/", views.campaign_tracking, name="campaign-tracking"),
    path("campaigns/<id:pk>/records.xlsx", views.record_export, name="record-export"),
    path("tasks/<id:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<id:pk>/net-content/new/", views.netcontent_create, name="netcontent-create"),
    path("tasks/<id:pk>/upload/", views.upload, name="upload"),
    path("tasks/<id:pk>/visits/new/", views.visit_create, name="visit-create"),
    path("tasks/<id:pk>/samples/new/", views.sample_create, name="sample-create"),
    path("tasks/<id:pk>/labels/new/", views.label_create, name="label-create"),
    path("net-content/<id:pk>/", views.netcontent_detail, name="netcontent-detail"),
    path("net-content/<id:pk>/notice.pdf", views.netcontent_notice, name="netcontent-notice"),
    path("packers/<str:credit_code>/", views.packer_history, name="packer-history"),
    path("my-results/", views.my_results, name="my-results"),
    path("field-sheet.xlsx", views.upload_template, name="upload-template"),
    path("uploads/<id:pk>/", views.upload_detail, name="upload-detail"),
    path("uploads/<id:pk>/errors.xlsx", views.upload_errors, name="upload-errors"),
    path("visits/<id:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<id:pk>/upload/", views.visit_upload, name="visit-upload"),
    path("samples/<id:pk>/", views.sample_detail, name="sample-detail"),
    path("labels/<id:pk>/", views.label_detail, name="label-detail"),
    path("published/", views.published_list, name="published-list"),
    path("published/<id:pk>/", views.published_detail, name="published-detail"),
]
