"""The one delivery engine: a transactional outbox of deliveries, sent through channels.

Domain apps call ``civicportal.notifications.services.event_create`` inside their own
transaction; workers send after commit. See ``services`` for the guarantees.
"""
