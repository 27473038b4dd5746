# syntax=docker/dockerfile:1
#
# The orosync container image: a static binary on an empty base.
#
#   docker build --build-arg VERSION=v1.2.3 --build-arg COMMIT=$(git rev-parse HEAD) -t orosync .
#   docker run --rm -v "$PWD/mappings:/work/mappings:ro" \
#     -e ORO_API_URL -e ORO_CLIENT_ID -e ORO_CLIENT_SECRET orosync run /work/mappings
#
# release/release_test.go builds the binary exactly as the build stage does
# and checks that it is static and runs in an empty root directory.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/orosync/orosync/cli.buildVersion=${VERSION} -X github.com/orosync/orosync/cli.buildCommit=${COMMIT}" \
      -o /out/orosync . \
 && mkdir -p /out/work

# Nothing but the binary, the CA certificates (HTTPS to Oro and to sources)
# and an empty working directory owned by the unprivileged user.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/orosync /orosync
COPY --from=build --chown=65532:65532 /out/work /work
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/orosync"]
CMD ["--help"]
