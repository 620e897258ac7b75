#!/bin/bash
# Installs the Debian packages the benchmarks need (the anchor server, the HTTP load tool, the
# media generator and a C compiler for bench/viewerload.c), only the missing ones, under the
# same apt lock as scripts/install-deps.sh.
set -euo pipefail

PACKAGES=(nginx libnginx-mod-rtmp wrk ffmpeg gcc libc6-dev)
LOCK=/tmp/weir-apt.lock

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    SUDO=(sudo)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "bench: installing ${missing[*]}"
    # policy-rc.d keeps the packaged nginx service from starting on port 80: the benchmarks run
    # their own nginx on loopback ports.
    "${SUDO[@]}" flock "$LOCK" env DEBIAN_FRONTEND=noninteractive bash -c '
        set -e
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            trap "rm -f /usr/sbin/policy-rc.d" EXIT
        fi
        apt-get update -q
        apt-get install -y -q --no-install-recommends "$@"' _ "${missing[@]}"
fi
