"""Writes of the alerts app, by subdomain; import them from here.

- ``lifecycle``: the state machine, every transition from draft to cancelled or expired;
- ``content``: what a message says, its checks, and the version an approver reviews;
- ``fanout``: a published message to its subscribers through the notification engine;
- ``residents``: subscriptions, reports from the ground, personal data.
"""

from alerts.services.content import MessageContent, message_version
from alerts.services.fanout import alert_message_fan_out, fan_out_enqueue, fan_outs_sweep
from alerts.services.lifecycle import (
    StaleApproval,
    alert_approve,
    alert_cancel,
    alert_draft_create,
    alert_draft_update,
    alert_return_to_author,
    alert_submit_for_approval,
    alert_update,
    alerts_expire,
    cap_sender,
)
from alerts.services.residents import (
    alerts_personal_data_erase,
    alerts_personal_data_export,
    report_create,
    report_triage,
    subscription_delete,
    subscription_save,
)

__all__ = [
    "MessageContent",
    "StaleApproval",
    "alert_approve",
    "alert_cancel",
    "alert_draft_create",
    "alert_draft_update",
    "alert_message_fan_out",
    "alert_return_to_author",
    "alert_submit_for_approval",
    "alert_update",
    "alerts_expire",
    "alerts_personal_data_erase",
    "alerts_personal_data_export",
    "cap_sender",
    "fan_out_enqueue",
    "fan_outs_sweep",
    "message_version",
    "report_create",
    "report_triage",
    "subscription_delete",
    "subscription_save",
]
