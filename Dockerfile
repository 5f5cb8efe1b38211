# The charterhand worker image: `charterhand worker` as a non-root user, runtime dependencies only.
# Build for the Fargate architecture in terraform (var.worker_architecture, ARM64 by default):
#   docker buildx build --platform linux/arm64 -t <ecr_repository_url>:<tag> --push .
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
COPY aws ./aws
COPY bookings ./bookings
COPY parsers ./parsers
COPY publishers ./publishers
COPY templates ./templates
COPY state ./state
COPY trust ./trust
COPY audit ./audit
COPY worker ./worker
COPY app ./app
COPY ops ./ops
COPY commands ./commands
COPY api ./api
# `.` without the dev or bench extras, and no sandbox/ (the dev stack and its sample emails):
# no moto, pytest, type stubs or mail-parser in the image. Everything installed is compiled to
# bytecode here: the image never writes any (PYTHONDONTWRITEBYTECODE, a non-root user over a
# root-owned venv), and without it every start compiles every module from source (nearly 1 s
# more from launch to the first message). Hash-based, unchecked: the image's files never change.
# The templates are compiled the same way (templates.CompiledTemplates: ~50 ms off the first
# booking).
RUN python -m venv /opt/charterhand \
 && /opt/charterhand/bin/pip install --no-compile . \
 && /opt/charterhand/bin/pip uninstall --yes pip \
 && /opt/charterhand/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/charterhand/lib \
 && /opt/charterhand/bin/python -c "import templates; templates.warm_up()"

FROM python:3.11-slim-bookworm
ENV PATH=/opt/charterhand/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 charterhand \
 && useradd --system --uid 10001 --gid charterhand --no-create-home --shell /usr/sbin/nologin charterhand
COPY --from=build /opt/charterhand /opt/charterhand
USER 10001:10001
# A queue consumer has no port to probe: ECS restarts a task whose process exits, and the
# oldest-message alarm tells when the queue stops draining.
HEALTHCHECK NONE
ENTRYPOINT ["charterhand"]
CMD ["worker"]
