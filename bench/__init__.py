"""`make bench`: load tests run against a real gunicorn (see bench/heartbeat.py)."""
