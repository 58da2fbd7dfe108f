"""The HTTP server's arguments as deploy/thitimhieu-http.service runs them,
for the benchmarks and tests that start the same server
(tests/deploy/test_unit_files.py checks that the unit still says this)."""

# Two worker processes of four threads; keep-alive outlasts nginx's idle
# upstream connections (deploy/README.md).
GUNICORN_HTTP = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "75"]
