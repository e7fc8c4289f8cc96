from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "ipms.support"
    verbose_name = "在线客服"

    def ready(self):
        from ipms.core.audit_actions import action_register

        from .messages import AUDIT_ACTIONS

        for code, label in AUDIT_ACTIONS.items():
            action_register(code, label)
