# ManualGrad for a classroom: one process, sessions in memory, port 8000.
# Two stages: the wheel is built in the first; the second installs the locked dependencies (their
# own layer, rebuilt only when requirements/runtime.txt changes) and then the wheel alone.

FROM python:3.11.14-slim-bookworm AS build
WORKDIR /src
COPY requirements/build.txt requirements/build.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/build.txt
COPY pyproject.toml README.md ./
COPY app ./app
COPY static ./static
COPY templates ./templates
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.11.14-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MANUALGRAD_HOST=0.0.0.0 \
    MANUALGRAD_PORT=8000 \
    MANUALGRAD_MAX_SESSIONS=1000 \
    MANUALGRAD_IDLE_SECONDS=3600 \
    MANUALGRAD_LOG_LEVEL=info
COPY requirements/runtime.txt /tmp/runtime.txt
RUN pip install --require-hashes -r /tmp/runtime.txt && rm /tmp/runtime.txt
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/*.whl && rm -r /tmp/wheels \
    && useradd --system --uid 10001 --no-create-home manualgrad

USER manualgrad
WORKDIR /tmp
EXPOSE 8000
# probes the address the server recorded at start, whatever --port or MANUALGRAD_PORT it was given
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD ["python", "-m", "app.server.probe"]
CMD ["manualgrad"]
