#!/bin/sh
# Install the CNCF distribution registry (Debian's docker-registry package) that the
# OCI publishing tests start on 127.0.0.1. The tests start and stop it themselves;
# the package's own service is not used.
set -eu

if command -v docker-registry >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "error: docker-registry is not installed, and installing it needs root." >&2
    echo "Run: sudo apt-get install docker-registry" >&2
    exit 1
fi

echo "docker-registry: installing the Debian package" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
