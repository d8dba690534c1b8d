"""The alerts pages, by subdomain; import them from here.

- ``public``: the list of alerts, the alert page, CAP documents, the resident's subscription;
- ``reports``: reports from the ground, sent by residents and triaged by staff;
- ``subscribers``: alerts without an account (the sign-up page);
- ``staff``: the staff screens under /staff/alerts/ (drafting, approval, delivery, update,
  cancel);
- ``base``: helpers and mixins the others share.

Thin views over services and selectors.
"""

from alerts.views.public import (
    AlertDetailView,
    AlertListView,
    AlertLiveView,
    SubscriptionView,
    cap_message,
)
from alerts.views.reports import ReportCreateView, StaffReportQueueView, StaffReportTriageView
from alerts.views.staff import (
    StaffAlertListView,
    StaffAlertView,
    StaffApproveView,
    StaffCancelView,
    StaffDeliveryView,
    StaffDraftCreateView,
    StaffDraftUpdateView,
    StaffReturnView,
    StaffSubmitView,
    StaffUpdateView,
)
from alerts.views.subscribers import AnonymousSubscribeView

__all__ = [
    "AlertDetailView",
    "AlertListView",
    "AlertLiveView",
    "AnonymousSubscribeView",
    "ReportCreateView",
    "StaffAlertListView",
    "StaffAlertView",
    "StaffApproveView",
    "StaffCancelView",
    "StaffDeliveryView",
    "StaffDraftCreateView",
    "StaffDraftUpdateView",
    "StaffReportQueueView",
    "StaffReportTriageView",
    "StaffReturnView",
    "StaffSubmitView",
    "StaffUpdateView",
    "SubscriptionView",
    "cap_message",
]
