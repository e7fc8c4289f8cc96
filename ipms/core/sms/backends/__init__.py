"""SMS backends. Each has ``send(message) -> provider id`` and raises ``SmsSendError``."""
