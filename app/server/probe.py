"""`python -m app.server.probe`: the image's HEALTHCHECK. GET /healthz where the server listens, as
`manualgrad` recorded it at start (whatever --host, --port or MANUALGRAD_PORT said); exit 0
when it answers 200 within 2 s, else 1."""
import json
import os
import sys
import tempfile
import urllib.request
from pathlib import Path


def address_file():
    """Where `manualgrad` writes the address it serves on (one file per user)."""
    default = Path(tempfile.gettempdir()) / f"manualgrad-{os.getuid()}.json"
    return Path(os.environ.get("MANUALGRAD_ADDRESS_FILE", default))


def record(host, port):
    """Called by the CLI before it starts serving."""
    try:
        address_file().write_text(json.dumps({"host": host, "port": port}))
    except OSError:
        pass                     # no health probe then: the server itself is not affected


def main():
    try:
        served = json.loads(address_file().read_text())
    except (OSError, ValueError):
        print("no address recorded: is manualgrad running?", file=sys.stderr)
        return 1
    host = served["host"]
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    try:
        with urllib.request.urlopen(f"http://{host}:{served['port']}/healthz", timeout=2) as reply:
            return 0 if reply.status == 200 else 1
    except OSError as e:
        print(f"healthz did not answer: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
