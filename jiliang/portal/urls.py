from django.urls import path

from jiliang.portal import views

app_name = "portal"
URL_PREFIX = ""

urlpatterns = [
    path("", views.home, name="home"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
]
