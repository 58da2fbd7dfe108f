"""The benchmarks and browser tests start Gunicorn with config.servers'
arguments: the systemd unit must run the same ones."""

import shlex
from pathlib import Path

from config.servers import GUNICORN_HTTP

ROOT = Path(__file__).resolve().parents[2]


def test_the_http_unit_runs_gunicorn_with_the_shared_arguments():
    unit = (ROOT / "deploy" / "thitimhieu-http.service").read_text()
    exec_start = next(
        line for line in unit.replace("\\\n", " ").splitlines() if line.startswith("ExecStart=")
    )
    words = shlex.split(exec_start.removeprefix("ExecStart="))
    for flag, value in zip(GUNICORN_HTTP[::2], GUNICORN_HTTP[1::2], strict=True):
        assert flag in words, flag
        assert words[words.index(flag) + 1] == value, flag
