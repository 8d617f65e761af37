# syntax=docker/dockerfile:1
# graflowctl in a container: the exporter Deployment runs it (`graflowctl exporter`), and
# it works as a kubectl-style tool (`docker run --rm IMAGE queue depth ...`).
#
# From source, with Docker (BuildKit, the default since Docker 23, builds only the stages
# the last one needs):
#   docker build -t graflowctl:0.1.0 .
#   docker run --rm -p 8000:8000 -e GRAFLOW_REDIS_URL=redis://redis:6379/0 graflowctl:0.1.0
# Without a daemon, from a build made on this (Debian 12) host: scripts/image.sh, which
# builds the `prebuilt` target with a context holding only opt/graflowctl (a `cmake
# --install` tree). Both give the same runtime stage.

# Runtime stage: only the shared libraries the binary and its modules load (ldd; image.sh
# checks inside the image that none is missing): hiredis, yaml-cpp, fmt and libevent (the
# exporter's HTTP server) for the binary; OpenSSL's libssl for graflowctl-tls.so (rediss://);
# libcurl for graflowctl-net.so, the Kubernetes client; PLplot for graflowctl-plot.so
# (simulate --svg).
# ca-certificates for HTTPS to API servers and TLS Redis with public certificates.
FROM debian:12-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libhiredis0.14 libssl3 libyaml-cpp0.7 libfmt9 libevent-core-2.1-7 libevent-extra-2.1-7 libevent-pthreads-2.1-7 \
      libcurl4 libplplot17 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nonroot
ENV PATH=/opt/graflowctl/bin:$PATH
# The seed's exporter port; the Deployment passes --listen=0.0.0.0:<exporter.port>.
EXPOSE 8000
USER 65532:65532
ENTRYPOINT ["/opt/graflowctl/bin/graflowctl"]
CMD ["exporter"]

# scripts/image.sh: the install tree it made from a host build, copied in as is (root-owned).
FROM runtime AS prebuilt
COPY opt/graflowctl /opt/graflowctl

# Build stage: the same dependency script as a developer machine, a Release build, and an
# install tree under /opt/graflowctl (binary, the dlopen'ed modules, templates).
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /tmp/build -DCMAKE_BUILD_TYPE=Release -DGRAFLOW_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/opt/graflowctl \
 && cmake --build /tmp/build -j"$(nproc)" \
 && cmake --install /tmp/build --strip

# The default target: the runtime stage with the tree built above.
FROM runtime
COPY --from=build /opt/graflowctl /opt/graflowctl
