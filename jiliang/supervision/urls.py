from django.urls import path

from jiliang.supervision import views

app_name = "supervision"
URL_PREFIX = "supervision/"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/transition/", views.campaign_transition, name="campaign-transition"),
    path("campaigns/<int:pk>/release/", views.campaign_release, name="campaign-release"),
    path("campaigns/<int:pk>/tasks/new/", views.task_create, name="task-create"),
    path("campaigns/<int:pk>/report/", views.campaign_report, name="campaign-report"),
    path("campaigns/<int:pk>/tracking/", views.campaign_tracking, name="campaign-tracking"),
    path("campaigns/<int:pk>/records.xlsx", views.record_export, name="record-export"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/net-content/new/", views.netcontent_create, name="netcontent-create"),
    path("tasks/<int:pk>/upload/", views.upload, name="upload"),
    path("tasks/<int:pk>/visits/new/", views.visit_create, name="visit-create"),
    path("tasks/<int:pk>/samples/new/", views.sample_create, name="sample-create"),
    path("tasks/<int:pk>/labels/new/", views.label_create, name="label-create"),
    path("net-content/<int:pk>/", views.netcontent_detail, name="netcontent-detail"),
    path("net-content/<int:pk>/notice.pdf", views.netcontent_notice, name="netcontent-notice"),
    path("packers/<str:credit_code>/", views.packer_history, name="packer-history"),
    path("my-results/", views.my_results, name="my-results"),
    path("field-sheet.xlsx", views.upload_template, name="upload-template"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload-detail"),
    path("uploads/<int:pk>/errors.xlsx", views.upload_errors, name="upload-errors"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/upload/", views.visit_upload, name="visit-upload"),
    path("samples/<int:pk>/", views.sample_detail, name="sample-detail"),
    path("labels/<int:pk>/", views.label_detail, name="label-detail"),
    path("published/", views.published_list, name="published-list"),
    path("published/<int:pk>/", views.published_detail, name="published-detail"),
]
