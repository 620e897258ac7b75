#!/bin/bash
# Installs the Debian packages that building and testing Weir need, and only
# the missing ones, so a second run costs nothing. apt runs under a lock
# because two concurrent installs on these machines break each other.
set -euo pipefail

PACKAGES=(
    pkg-config
    libsrt-openssl-dev
    srt-tools
    ffmpeg
    gstreamer1.0-tools
    gstreamer1.0-plugins-base
    gstreamer1.0-plugins-good
    gstreamer1.0-plugins-bad
    gstreamer1.0-plugins-ugly
    gstreamer1.0-libav
)
LOCK=/tmp/weir-apt.lock

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    SUDO=(sudo)
fi

is_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
    [[ $status == "install ok installed" ]]
}

apt_install() {
    echo "install-deps: installing $*"
    "${SUDO[@]}" flock "$LOCK" env DEBIAN_FRONTEND=noninteractive bash -c \
        'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' _ "$@"
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done
if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3)
fi
if ((${#missing[@]})); then
    apt_install "${missing[@]}"
fi

# The integration suite uses only the standard library plus pytest.
if ! python3 -m pytest --version >/dev/null 2>&1; then
    echo "install-deps: pytest missing"
    # A Debian system python refuses pip installs (PEP 668); its package is the
    # right source there. Any other python (pyenv, venv) takes pip.
    if ! python3 -m pip install -q pytest 2>/dev/null; then
        apt_install python3-pytest
    fi
    python3 -m pytest --version >/dev/null
fi

echo "install-deps: all present"
