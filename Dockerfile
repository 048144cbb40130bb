# The image of the domain-guard GitHub Action (action.yml: `runs: using: docker`).
# No `# syntax=` line: it would make BuildKit pull an unpinned front-end image.
#
# BASE_IMAGE is the official Python image (Docker Hub's library/python), pinned by digest so
# that a rebuild gets the same bytes. The digest is the one public `docker build` logs resolve
# for python:3.12.12-slim-bookworm and that independent projects pin for that tag; it was not
# checked against Docker Hub itself (unreachable where this was written). To update it:
# `docker buildx imagetools inspect python:3.12-slim-bookworm` and copy the index digest (the
# multi-platform one). Any image with Python >= 3.10, venv and a `python3` command works:
# `--build-arg BASE_IMAGE=...` (tests/container/check.sh builds on a Debian bookworm root file
# system, whose interpreter is /usr/bin/python3).
ARG BASE_IMAGE=python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c
# The interpreter command of BASE_IMAGE.
ARG PYTHON=python3

# --- build: the wheel, and a virtual environment with every hash-pinned dependency ---------
FROM ${BASE_IMAGE} AS build
ARG PYTHON
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore

# Build tools from the hash-pinned build lock; the wheel is then built without isolation,
# so nothing unpinned is fetched behind our back.
COPY requirements/build.lock /src/requirements/build.lock
RUN ${PYTHON} -m venv /opt/build \
 && /opt/build/bin/pip install --require-hashes --only-binary=:all: -r /src/requirements/build.lock

# Runtime dependencies, only as wheels whose hashes are in the lock. No --no-deps here: pip
# refuses a dependency the lock misses, so an incomplete lock fails the build.
COPY requirements/runtime.lock /src/requirements/runtime.lock
RUN ${PYTHON} -m venv --without-pip /opt/domain-guard \
 && /opt/build/bin/pip --python /opt/domain-guard/bin/python install \
      --require-hashes --only-binary=:all: -r /src/requirements/runtime.lock

COPY pyproject.toml README.md /src/
COPY checker /src/checker
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /src/dist /src \
 && /opt/build/bin/pip --python /opt/domain-guard/bin/python install --no-deps --no-index \
      /src/dist/*.whl \
 && /opt/build/bin/pip --python /opt/domain-guard/bin/python check \
 && /opt/domain-guard/bin/domain-guard --version

# --- final: the base image and the virtual environment, nothing else -----------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="domain-guard" \
      org.opencontainers.image.description="Find package maintainer e-mail domains that could be re-registered by someone else." \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/domain-guard /opt/domain-guard
ENV PATH=/opt/domain-guard/bin:$PATH PYTHONUNBUFFERED=1
# GitHub runs container actions as root with its own --workdir: no USER, no WORKDIR.
ENTRYPOINT ["domain-guard", "action"]
