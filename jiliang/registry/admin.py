"""The national administrator keeps the list of kinds that may be verified remotely (issue 18):
no source in the reference allows any, so the list is data, each entry with its basis; every
change is written to the ledger."""

from django.contrib import admin

from jiliang.audit.admin import NationalOnlyAdmin
from jiliang.registry.models import RemoteVerificationAllowance


@admin.register(RemoteVerificationAllowance)
class RemoteVerificationAllowanceAdmin(NationalOnlyAdmin):
    list_display = ("kind", "regulation_code", "basis")
