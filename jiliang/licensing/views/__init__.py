"""Pages of the licensing app: applicants, officials, and the public disclosure (公示).

One module per part: ``applications`` (lists, forms, one application and its acts),
``licences`` (the register, its acts, change and renewal, recording), ``public`` (service
guides, disclosures, queries, feeds); ``common`` holds their shared helpers. ``urls.py``
imports the views from this package.
"""

from jiliang.licensing.views.applications import (
    application_act,
    application_create,
    application_detail,
    application_document,
    application_edit,
    application_list,
    apply,
    attachment_download,
    attachment_upload,
)
from jiliang.licensing.views.licences import (
    licence_act,
    licence_apply,
    licence_certificate,
    licence_detail,
    licence_list,
    licence_record,
    notice_list,
)
from jiliang.licensing.views.public import (
    FEED_SIZE,
    guide_detail,
    guide_list,
    guide_sample,
    public_feed_atom,
    public_feed_json,
    public_licence,
    public_list,
    public_query,
    public_track,
)

__all__ = [
    "FEED_SIZE",
    "application_act",
    "application_create",
    "application_detail",
    "application_document",
    "application_edit",
    "application_list",
    "apply",
    "attachment_download",
    "attachment_upload",
    "guide_detail",
    "guide_list",
    "guide_sample",
    "licence_act",
    "licence_apply",
    "licence_certificate",
    "licence_detail",
    "licence_list",
    "licence_record",
    "notice_list",
    "public_feed_atom",
    "public_feed_json",
    "public_licence",
    "public_list",
    "public_query",
    "public_track",
]
