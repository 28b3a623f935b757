# elevator-orders: one image for every process (`elevator-orders api`, `worker`, `migrate`, `seed`).
# Built in two stages: the wheel and its dependencies, then a slim runtime with no compiler, as a user that
# owns nothing but its var directory.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY notifications ./notifications
COPY store ./store
COPY api ./api
COPY worker ./worker
COPY elevator_orders ./elevator_orders
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ENVIRONMENT=production \
    VAR_DIR=/var/lib/elevator-orders \
    API_HOST=0.0.0.0 \
    API_PORT=8000
RUN useradd --system --create-home --home-dir /home/app --uid 10001 app \
    && install -d -o app -g app /var/lib/elevator-orders
COPY --from=build /wheels /wheels
# Bytecode compiled at build time: a read-only image starts without writing .pyc files.
RUN pip install --no-index --find-links /wheels elevator-orders \
    && rm -rf /wheels \
    && python -m compileall -q "$(python -c 'import site; print(site.getsitepackages()[0])')"
USER app
WORKDIR /home/app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["elevator-orders", "api"]
