from django.urls import path

from jiliang.portal import complaint_views, opendata_views, views, wmd_views

app_name = "portal"
URL_PREFIX = ""

urlpatterns = [
    path("", views.home, name="home"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    # News and notices: public pages, then the bureau's desk.
    path("news/", views.news_list, name="news-list"),
    path("news/<id:pk>/", views.news_detail, name="news-detail"),
    path("news/<id:pk>/files/<id:file_pk>/", views.news_file, name="news-file"),
    path("news/feed/<str:region>/<str:kind>.atom", views.news_feed, name="news-feed"),
    path("news/desk/", views.news_desk, name="news-desk"),
    path("news/desk/new/", views.news_create, name="news-create"),
    path("news/desk/<id:pk>/", views.news_edit, name="news-edit"),
    path("news/desk/<id:pk>/act/<slug:action>/", views.news_act, name="news-act"),
    path("news/desk/<id:pk>/attach/", views.news_attach, name="news-attach"),
    path("news/desk/<id:pk>/files/<id:file_pk>/", views.news_desk_file, name="news-desk-file"),
    path("news/desk/<id:pk>/correct/", views.news_correct, name="news-correct"),
    path("news/<id:pk>/feature/", views.news_feature, name="news-feature"),
    # Complaints and reports: the public form and status page, then the bureau's queue.
    path("complaints/new/", complaint_views.complaint_new, name="complaint-new"),
    path("complaints/regions/", complaint_views.region_options, name="region-options"),
    path("complaints/track/", complaint_views.complaint_track, name="complaint-track"),
    path("complaints/queue/", complaint_views.complaint_queue, name="complaint-queue"),
    path("complaints/queue/<id:pk>/", complaint_views.complaint_detail,
         name="complaint-detail"),
    path("complaints/queue/<id:pk>/take/", complaint_views.complaint_take,
         name="complaint-take"),
    path("complaints/queue/<id:pk>/close/", complaint_views.complaint_close,
         name="complaint-close"),
    path("complaints/queue/<id:pk>/contact/", complaint_views.complaint_contact,
         name="complaint-contact"),
    # World Metrology Day (20 May): the public campaign page and map, the bureaus' form.
    path("metrology-day/", wmd_views.wmd_latest, name="wmd"),
    path("metrology-day/<id:year>/", wmd_views.wmd_year, name="wmd-year"),
    path("metrology-day/<id:year>/materials/<id:pk>/", wmd_views.wmd_material,
         name="wmd-material"),
    path("metrology-day/<id:year>/manage/", wmd_views.wmd_manage, name="wmd-manage"),
    path("metrology-day/events/<id:pk>/remove/", wmd_views.wmd_event_remove,
         name="wmd-event-remove"),
    path("metrology-day/events/<id:pk>/act/<slug:action>/", wmd_views.wmd_event_act,
         name="wmd-event-act"),
    # Open statistics and open data: pages, downloads, schemas, the DCAT catalogue.
    path("statistics/", opendata_views.statistics, name="statistics"),
    path("open-data/", opendata_views.open_data, name="open-data"),
    path("open-data/catalog.jsonld", opendata_views.catalog, name="open-data-catalog"),
    path("open-data/<slug:slug>/", opendata_views.dataset_page, name="dataset"),
    path("open-data/<slug:slug>/schema.json", opendata_views.dataset_schema,
         name="dataset-schema"),
    path("open-data/<slug:slug>.csv", opendata_views.dataset_csv, name="dataset-csv"),
    path("open-data/<slug:slug>.json", opendata_views.dataset_json, name="dataset-json"),
]
