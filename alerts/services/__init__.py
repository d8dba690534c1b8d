"""Writes of the alerts app, by subdomain; import them from here.

- ``publishing``: the state machine up to publication (draft, approval);
- ``lifecycle``: an alert in force (update, cancel, expiry);
- ``fanout``: a published message to its subscribers through the notification engine;
- ``residents``: subscriptions, reports from the ground, personal data.
"""

from alerts.services.fanout import alert_message_fan_out, fan_out_enqueue, fan_outs_sweep
from alerts.services.lifecycle import alert_cancel, alert_update, alerts_expire
from alerts.services.publishing import (
    MessageContent,
    StaleApproval,
    alert_approve,
    alert_draft_create,
    alert_draft_update,
    alert_return_to_author,
    alert_submit_for_approval,
    cap_sender,
    message_version,
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
