"""gunicorn settings for production (`make serve-production`; see README, Running in production).

Every value can be changed from the environment. Workers are stateless processes: add
workers (or machines behind the load balancer) to serve more users on one PostgreSQL.
"""

import multiprocessing
import os

bind = os.environ.get("MPR_BIND", "127.0.0.1:8000")
# Two processes per core plus one, each with a few threads: requests mostly wait on PostgreSQL.
workers = int(os.environ.get("MPR_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("MPR_THREADS", "4"))
worker_class = "gthread"
# A request that takes longer than this is killed; its database transaction rolls back.
timeout = int(os.environ.get("MPR_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, bounding any leak. Not every 2,000 requests: the national load
# test (bench/load.py) made all five workers recycle within a minute of each other mid-rush, and
# each new worker's start-up and the connections closed under it cost seconds and two submits.
max_requests = int(os.environ.get("MPR_MAX_REQUESTS", "20000"))
max_requests_jitter = 5000
# Each worker builds its own app (and its own connection pool) after the fork.
preload_app = False
accesslog = None  # the app writes one JSON line per request with its request id (app/operations.py)
errorlog = "-"
loglevel = os.environ.get("MPR_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100
