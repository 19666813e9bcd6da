# ManualGrad for a classroom: one process, sessions in memory, port 8000.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MANUALGRAD_HOST=0.0.0.0 \
    MANUALGRAD_PORT=8000 \
    MANUALGRAD_MAX_SESSIONS=1000 \
    MANUALGRAD_IDLE_SECONDS=3600 \
    MANUALGRAD_LOG_LEVEL=info

WORKDIR /srv/manualgrad
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
# editable, so the app finds templates/ and static/ beside its package
RUN pip install -e . \
    && useradd --system --uid 10001 --no-create-home manualgrad

USER manualgrad
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"MANUALGRAD_PORT\"]}/healthz', timeout=2)"
CMD ["manualgrad"]
