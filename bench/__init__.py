"""`make bench`: the performance record, measured against a real gunicorn (bench/run.py;
docs/performance.md)."""
