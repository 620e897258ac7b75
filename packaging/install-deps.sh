#!/bin/bash
# Installs the Debian packages a list file names (one per line, # starts a comment), only
# the missing ones, so a second run costs nothing. apt runs under the same lock as
# scripts/install-deps.sh because two concurrent installs break each other.
set -euo pipefail

LIST=${1:?usage: install-deps.sh LIST-FILE}
LOCK=/tmp/weir-apt.lock
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    SUDO=(sudo)
fi

missing=()
while read -r line; do
    pkg=${line%%#*}
    pkg=${pkg//[[:space:]]/}
    [[ -n $pkg ]] || continue
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done <"$LIST"

if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    "${SUDO[@]}" flock "$LOCK" env DEBIAN_FRONTEND=noninteractive bash -c \
        'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' _ "${missing[@]}"
fi
echo "install-deps: $(basename "$LIST"): all present"
