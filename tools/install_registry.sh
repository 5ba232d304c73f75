#!/bin/sh
# Install what the publishing tests start or run besides helm: the CNCF distribution
# registry (Debian's docker-registry package), which they start on 127.0.0.1, and
# gpg (Debian's gnupg package), which makes the throwaway key the signing tests use.
# The tests start and stop the registry themselves; the package's own service is not used.
set -eu

missing=""
command -v docker-registry >/dev/null 2>&1 || missing="$missing docker-registry"
command -v gpg >/dev/null 2>&1 || missing="$missing gnupg"

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages:$missing, and installing them needs root." >&2
    echo "Run: sudo apt-get install$missing" >&2
    exit 1
fi

echo "installing the Debian packages$missing" >&2
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
