from django.urls import path

from jiliang.licensing import views

app_name = "licensing"
URL_PREFIX = "licensing/"

urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("apply/", views.apply, name="apply"),
    path("apply/<slug:type_code>/", views.application_create, name="application-create"),
    path("applications/<id:pk>/", views.application_detail, name="application-detail"),
    path("applications/<id:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<id:pk>/upload/", views.attachment_upload, name="attachment-upload"),
    path("applications/<id:pk>/files/<id:file_pk>/", views.attachment_download,
         name="attachment-download"),
    path("applications/<id:pk>/act/<slug:action>/", views.application_act,
         name="application-act"),
    path("applications/<id:pk>/documents/<slug:doc>.pdf", views.application_document,
         name="application-document"),
    path("licences/", views.licence_list, name="licence-list"),
    path("licences/record/", views.licence_record, name="licence-record"),
    path("licences/<id:pk>/", views.licence_detail, name="licence-detail"),
    path("licences/<id:pk>/act/<slug:action>/", views.licence_act, name="licence-act"),
    path("licences/<id:pk>/certificate.pdf", views.licence_certificate,
         name="licence-certificate"),
    path("licences/<id:pk>/apply/<slug:purpose>/", views.licence_apply, name="licence-apply"),
    path("notices/", views.notice_list, name="notice-list"),
    # Public: service guides (Art. 30), disclosures (Art. 40), queries and feeds.
    path("guide/", views.guide_list, name="guide-list"),
    path("guide/<slug:type_code>/", views.guide_detail, name="guide-detail"),
    path("guide/<slug:type_code>/sample.pdf", views.guide_sample, name="guide-sample"),
    path("public/", views.public_list, name="public-list"),
    path("public/query/", views.public_query, name="public-query"),
    path("public/l/<str:code>/", views.public_licence, name="public-licence"),
    path("public/track/<str:code>/", views.public_track, name="public-track"),
    path("public/feed.atom", views.public_feed_atom, name="public-feed-atom"),
    path("public/feed.json", views.public_feed_json, name="public-feed-json"),
]
