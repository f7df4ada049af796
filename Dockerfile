# cavra-prom: the `cavra serve` image the Helm chart (helm/cavra-prom) runs.
#
#   docker build -t cavra-prom:0.1.0 .
#
# Two stages: the first builds the wheel from this repository, the second installs only that
# wheel and its runtime dependencies into a slim Python, runs as an unprivileged user (uid
# 10001, the chart's runAsUser) and writes nothing outside its volumes, so the chart can mount
# the root filesystem read-only. Not built in this project's CI (no container engine there):
# keep it minimal and conventional.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY cavra_prom ./cavra_prom
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && groupadd --system --gid 10001 cavra \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin cavra \
    && mkdir -p /var/lib/cavra && chown 10001:10001 /var/lib/cavra
WORKDIR /var/lib/cavra
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["cavra", "serve"]
# Without the chart's flags: listen on every interface, store packets in the working directory.
CMD ["--listen", "0.0.0.0:9464", "--store-dir", "/var/lib/cavra/packets"]
