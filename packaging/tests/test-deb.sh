#!/bin/bash
# Tests the Debian package end to end (`make test-deb`):
#
#  1. builds it (packaging/build-deb.sh: lintian must report no errors) and checks its
#     contents, conffiles, unit and binary;
#  2. installs it into a fresh Debian 12 root made with debootstrap, where `weir version`
#     proves the dependencies resolve with Debian packages alone, `weir check` passes on the
#     shipped configuration and `man -l` renders each page without warnings;
#  3. installs it on this machine, starts /usr/bin/weir as the unit would (user weir, the
#     packaged configuration, the pid file), publishes with ffmpeg over RTMP, plays the HLS
#     with ffprobe, sends SIGHUP and `weir reload`, checks the stream survived, stops it
#     with SIGTERM; upgrades to a rebuilt package with locally edited conffiles and checks
#     the edits survived; purges and checks that nothing is left.
#
# Needs root. The Debian root is cached as a tarball in WEIR_TEST_CACHE (default
# /var/cache/weir-test), with the packages it downloads, so only the first run needs
# the mirror for more than a moment. Prints "N passed, N failed" last; exits 1 on a failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${WEIR_TEST_CACHE:-/var/cache/weir-test}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
OUT=$ROOT/out/test-deb
LOGS=$OUT/logs
LOCK=/tmp/weir-apt.lock
STREAM=live/debtest
HTTP=http://127.0.0.1:8080
STARTED=$SECONDS

passed=0
failed=0
weir_pid=
ffmpeg_pid=
chroot_dir=
installed_here=0

pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
# check NAME COMMAND...: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@" >>"$LOGS/checks.log" 2>&1; then pass "$name"; else fail "$name" "see $LOGS/checks.log"; fi
}
phase() { echo "== $1 ($((SECONDS - STARTED)) s)"; }
finish() {
    echo "test-deb: $((SECONDS - STARTED)) s"
    echo "$passed passed, $failed failed"
    ((failed == 0))
    exit
}

cleanup() {
    [[ -n $ffmpeg_pid ]] && kill "$ffmpeg_pid" 2>/dev/null
    [[ -n $weir_pid ]] && kill "$weir_pid" 2>/dev/null
    if [[ -n $chroot_dir ]]; then
        umount "$chroot_dir/var/cache/apt/archives" 2>/dev/null
        umount "$chroot_dir/proc" 2>/dev/null
        # Only remove the root once nothing is mounted in it.
        if ! grep -q " $chroot_dir/" /proc/mounts; then rm -rf "$chroot_dir"; fi
    fi
    if ((installed_here)) && dpkg-query -W -f='${Status}' weir 2>/dev/null | grep -q installed; then
        flock "$LOCK" dpkg --purge weir >/dev/null 2>&1
    fi
    rm -f "$CACHE/installed-by-test"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $(id -u) -ne 0 ]]; then
    echo "test-deb: needs root (debootstrap, chroot, dpkg -i)" >&2
    exit 1
fi
mkdir -p "$LOGS" "$CACHE/archives/partial"
: >"$LOGS/checks.log"
export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- 1. build
phase "build the package"
if ! DEB=$(OUT=$OUT "$ROOT/packaging/build-deb.sh" 2> >(tee "$LOGS/build.log" >&2) | tail -n 1) || [[ ! -f $DEB ]]; then
    fail "make deb (see $LOGS/build.log)"
    finish
fi
pass "package built: $(basename "$DEB"), $(du -h "$DEB" | cut -f1)"
grep -E '^build-deb: lintian' "$LOGS/build.log" | sed 's/^build-deb: /     /'
echo "     Depends: $(dpkg-deb -f "$DEB" Depends)"

EXTRACT=$OUT/extract
rm -rf "$EXTRACT"
dpkg-deb -R "$DEB" "$EXTRACT"
for path in usr/bin/weir etc/weir/weir.yaml lib/systemd/system/weir.service usr/share/man/man8/weir.8.gz \
    usr/share/man/man5/weir.yaml.5.gz usr/share/man/man5/weir-routes.5.gz usr/share/doc/weir/copyright; do
    check "package contains /$path" test -f "$EXTRACT/$path"
done
check "package ships route files in /etc/weir/conf.d" compgen -G "$EXTRACT/etc/weir/conf.d/*.yaml"
check "every file in /etc/weir is a conffile" \
    diff <(cd "$EXTRACT" && find etc -type f | sed 's|^|/|' | sort) <(sort "$EXTRACT/DEBIAN/conffiles")
check "packaged weir.yaml reads routes from /etc/weir/conf.d" grep -qx 'include: /etc/weir/conf.d' "$EXTRACT/etc/weir/weir.yaml"
UNIT=$EXTRACT/lib/systemd/system/weir.service
for line in 'Type=simple' 'User=weir' 'ExecStartPre=/usr/bin/weir check --config /etc/weir/weir.yaml' \
    'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' 'StateDirectory=weir' 'RuntimeDirectory=weir' \
    'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes'; do
    check "unit has $line" grep -qxF "$line" "$UNIT"
done
check "unit writes the pid file weir reload reads" grep -q '^ExecStart=/usr/bin/weir run .*--pid-file /run/weir/weir.pid' "$UNIT"
BIN=$EXTRACT/usr/bin/weir
check "binary is stripped" bash -c "! readelf -S '$BIN' | grep -q '\.symtab'"
check "binary needs no Swift shared library" bash -c "! readelf -d '$BIN' | grep -q 'libswift'"
check "binary loads at most one libsrt" bash -c "(( \$(ldd '$BIN' | grep -c '^\s*libsrt') <= 1 ))"
check "binary loads no libsrt-gnutls" bash -c "! ldd '$BIN' | grep -q 'libsrt-gnutls'"

# ---------------------------------------------------------------- 2. fresh Debian 12 root
phase "fresh Debian 12 root"
BASE=$CACHE/$SUITE-minbase.tar.gz
make_base() {
    local dir
    dir=$(mktemp -d "$CACHE/base.XXXXXX")
    chmod 0755 "$dir" # mktemp's 0700 would become the root's / and lock out every user but root
    echo "test-deb: debootstrap $SUITE from $MIRROR into $dir (first run only)"
    if ! debootstrap --variant=minbase --include=man-db "$SUITE" "$dir" "$MIRROR" >"$LOGS/debootstrap.log" 2>&1; then
        rm -rf "$dir"
        return 1
    fi
    cat >"$dir/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    chroot "$dir" apt-get update -q >>"$LOGS/debootstrap.log" 2>&1 || { rm -rf "$dir"; return 1; }
    chroot "$dir" apt-get clean
    tar -C "$dir" -czf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
    rm -rf "$dir"
}
if [[ ! -f $BASE ]] && ! make_base; then
    fail "debootstrap $SUITE from $MIRROR" "see $LOGS/debootstrap.log"
else
    chroot_dir=$(mktemp -d "$CACHE/root.XXXXXX")
    tar -C "$chroot_dir" -xzf "$BASE"
    chmod 0755 "$chroot_dir"
    cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
    mount -t proc proc "$chroot_dir/proc"
    mount --bind "$CACHE/archives" "$chroot_dir/var/cache/apt/archives"
    cp "$DEB" "$chroot_dir/tmp/weir.deb"
    in_root() { chroot "$chroot_dir" "$@"; }
    apt_install_deb() { in_root apt-get install -y -q --no-install-recommends /tmp/weir.deb; }
    # The cached package lists age; refresh them only when the install cannot find a package.
    if apt_install_deb >"$LOGS/chroot-install.log" 2>&1 \
        || { in_root apt-get update -q && apt_install_deb; } >>"$LOGS/chroot-install.log" 2>&1; then
        pass "apt-get install ./weir.deb in a fresh $SUITE root (dependencies from Debian alone)"
        version=$(in_root weir version 2>&1)
        if [[ $version == "weir $(dpkg-deb -f "$DEB" Version)" ]]; then pass "weir version in the root: $version"; else fail "weir version in the root" "$version"; fi
        check "weir check passes on the shipped configuration in the root" in_root weir check
        check "weir check passes as user weir in the root" in_root runuser -u weir -- weir check --config /etc/weir/weir.yaml
        check "the weir user is a system user" bash -c "(( \$(chroot '$chroot_dir' id -u weir) < 1000 ))"
        for page in man8/weir.8 man5/weir.yaml.5 man5/weir-routes.5; do
            warnings=$(in_root env LANG=C.UTF-8 MANWIDTH=80 man --warnings -l "/usr/share/man/$page.gz" 2>&1 >/dev/null)
            lines=$(in_root env LANG=C.UTF-8 MANWIDTH=80 man -l "/usr/share/man/$page.gz" 2>/dev/null | wc -l)
            if [[ -z $warnings && $lines -gt 20 ]]; then
                pass "man -l $(basename "$page") renders in the root ($lines lines, no warnings)"
            else
                fail "man -l $(basename "$page") in the root" "$lines lines; $warnings"
            fi
        done
        check "man finds weir(8) by name in the root" bash -c "chroot '$chroot_dir' man -w weir | grep -q weir.8"
        check "apt-get purge weir in the root" in_root apt-get purge -y -q weir
        check "purge in the root removes /etc/weir and /usr/bin/weir" \
            bash -c "[[ ! -e '$chroot_dir/etc/weir' && ! -e '$chroot_dir/usr/bin/weir' ]]"
    else
        fail "apt-get install ./weir.deb in a fresh $SUITE root" "see $LOGS/chroot-install.log"
    fi
    cleanup_root=$chroot_dir
    umount "$cleanup_root/var/cache/apt/archives" "$cleanup_root/proc"
    chroot_dir=
    grep -q " $cleanup_root/" /proc/mounts || rm -rf "$cleanup_root"
fi

# ---------------------------------------------------------------- 3. this machine
phase "install on this machine"
if dpkg-query -W -f='${Status}' weir 2>/dev/null | grep -q 'install ok installed'; then
    if [[ -f $CACHE/installed-by-test ]]; then
        flock "$LOCK" dpkg --purge weir >/dev/null
    else
        fail "weir is already installed here and not by this test; purge it first (dpkg --purge weir)"
        finish
    fi
fi
touch "$CACHE/installed-by-test"
installed_here=1
if flock "$LOCK" dpkg -i "$DEB" >"$LOGS/host-install.log" 2>&1 \
    || flock "$LOCK" apt-get install -f -y -q >>"$LOGS/host-install.log" 2>&1; then
    pass "dpkg -i $(basename "$DEB")"
else
    fail "dpkg -i $(basename "$DEB")" "see $LOGS/host-install.log"
    finish
fi
check "weir is installed" bash -c "dpkg-query -W -f='\${Status}' weir | grep -q 'install ok installed'"
check "the weir system user exists" bash -c "(( \$(id -u weir) < 1000 ))"
check "/var/lib/weir belongs to weir" bash -c "[[ \$(stat -c %U /var/lib/weir) == weir ]]"
check "dpkg records the conffiles" bash -c "dpkg-query -W -f='\${Conffiles}' weir | grep -q '/etc/weir/weir.yaml'"
if systemd-analyze verify /lib/systemd/system/weir.service >"$LOGS/systemd-analyze.log" 2>&1; then
    pass "systemd-analyze verify weir.service$( [[ -s $LOGS/systemd-analyze.log ]] && echo " (said: $(tr '\n' ' ' <"$LOGS/systemd-analyze.log"))")"
else
    fail "systemd-analyze verify weir.service" "$(cat "$LOGS/systemd-analyze.log")"
fi

# As the unit's User= and NoNewPrivileges= would run a command.
as_weir() { setpriv --reuid=weir --regid=weir --init-groups --no-new-privs "$@"; }
wait_for() { # wait_for SECONDS COMMAND...
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# Runs /usr/bin/weir as the unit would and drives it; returns early when a step makes the
# next ones meaningless, so that the upgrade and purge are tested either way.
serve_checks() {
    busy=$(ss -Hltn '( sport = :8080 or sport = :1935 )' 2>/dev/null)
    if [[ -n $busy ]]; then
        fail "ports 1935 and 8080 are free for the packaged configuration" "$busy"
        return
    fi
    # What systemd does before ExecStart: RuntimeDirectory=, StateDirectory=, User=, NoNewPrivileges=.
    install -d -o weir -g weir -m 0755 /run/weir
    check "ExecStartPre: weir check as user weir" as_weir /usr/bin/weir check --config /etc/weir/weir.yaml
    (cd /var/lib/weir && exec setpriv --reuid=weir --regid=weir --init-groups --no-new-privs \
        /usr/bin/weir run --config /etc/weir/weir.yaml --pid-file /run/weir/weir.pid) >"$LOGS/weir.log" 2>&1 &
    weir_pid=$!

    if wait_for 15 curl -fsS "$HTTP/healthz"; then pass "server answers /healthz"; else fail "server answers /healthz" "$(tail -5 "$LOGS/weir.log")"; fi
    check "pid file holds the server's pid" bash -c "[[ \$(cat /run/weir/weir.pid) == $weir_pid ]]"

    ffmpeg -nostdin -hide_banner -loglevel error -re \
        -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 \
        -c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 \
        -c:a aac -b:a 64k -t 120 -f flv "rtmp://127.0.0.1:1935/$STREAM" >"$LOGS/ffmpeg.log" 2>&1 &
    ffmpeg_pid=$!

    # The variant playlist named by the multivariant one, and the number after its last segment.
    media_url() {
        local uri
        uri=$(curl -fsS "$HTTP/$STREAM/index.m3u8" | grep -v '^#' | grep -m1 .) || return 1
        [[ $uri == http* ]] && echo "$uri" || echo "$HTTP/$STREAM/$uri"
    }
    next_segment() { # prints media sequence + segment count of the media playlist
        local playlist sequence count
        playlist=$(curl -fsS "$1") || return 1
        sequence=$(grep -m1 '^#EXT-X-MEDIA-SEQUENCE:' <<<"$playlist" | cut -d: -f2 | tr -d '\r')
        count=$(grep -c '^#EXTINF' <<<"$playlist")
        echo $((sequence + count))
    }
    segments_past() { local n; n=$(next_segment "$1") && ((n >= $2)); }

    if wait_for 20 media_url && MEDIA=$(media_url) && wait_for 20 segments_past "$MEDIA" 2; then
        pass "ffmpeg publishes rtmp://127.0.0.1/$STREAM; playlists served"
    else
        fail "ffmpeg publish and playlists" "$(tail -3 "$LOGS/ffmpeg.log"; tail -3 "$LOGS/weir.log")"
        return
    fi
    probe() {
        ffprobe -v error -rw_timeout 15000000 -show_entries stream=codec_type,codec_name -of csv=p=0 \
            "$HTTP/$STREAM/index.m3u8" 2>>"$LOGS/ffprobe.log" | sort -u | tr '\n' ' '
    }
    streams=$(probe)
    if [[ $streams == *h264,video* && $streams == *aac,audio* ]]; then pass "ffprobe plays the HLS: $streams"; else fail "ffprobe plays the HLS" "$streams"; fi

    before=$(next_segment "$MEDIA")
    kill -HUP "$weir_pid"
    sleep 2
    if kill -0 "$weir_pid" 2>/dev/null; then pass "server survives SIGHUP"; else fail "server survives SIGHUP" "$(tail -5 "$LOGS/weir.log")"; fi
    if grep -q 'reload applied' "$LOGS/weir.log"; then
        pass "SIGHUP reloads: $(grep -m1 -o 'reload applied.*' "$LOGS/weir.log")"
    else
        fail "SIGHUP reloads" "$(grep -i reload "$LOGS/weir.log" | tail -3)"
    fi
    check "weir reload (through /run/weir/weir.pid) as user weir" as_weir /usr/bin/weir reload
    sleep 2
    check "server logged a second reload" bash -c "(( \$(grep -c 'reload applied' '$LOGS/weir.log') >= 2 ))"
    check "publisher still connected after the reloads" kill -0 "$ffmpeg_pid"
    if wait_for 15 segments_past "$MEDIA" $((before + 3)); then
        pass "stream survived the reloads: segments $before -> $(next_segment "$MEDIA")"
    else
        fail "stream survived the reloads" "next segment stayed at $(next_segment "$MEDIA") (was $before)"
    fi
    check "live playlist has no ENDLIST after the reloads" bash -c "! curl -fsS '$MEDIA' | grep -q EXT-X-ENDLIST"
    streams=$(probe)
    if [[ $streams == *h264,video* && $streams == *aac,audio* ]]; then pass "ffprobe plays the HLS after the reloads"; else fail "ffprobe after the reloads" "$streams"; fi

    kill -TERM "$weir_pid"
    stopped=0
    for _ in $(seq 1 75); do
        kill -0 "$weir_pid" 2>/dev/null || { stopped=1; break; }
        sleep 0.2
    done
    if ((stopped)); then
        wait "$weir_pid"
        status=$?
        weir_pid=
        if ((status == 0)); then pass "SIGTERM stops the server with status 0"; else fail "SIGTERM stops the server with status 0" "status $status"; fi
        check "pid file removed at exit" test ! -e /run/weir/weir.pid
    else
        fail "SIGTERM stops the server within 15 s"
    fi
    kill "$ffmpeg_pid" 2>/dev/null
    wait "$ffmpeg_pid" 2>/dev/null
    ffmpeg_pid=
}

phase "run it as the unit would, publish, play, reload"
serve_checks
for pid in $ffmpeg_pid $weir_pid; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
ffmpeg_pid=
weir_pid=

phase "upgrade with edited conffiles"
token="local edit $$-$RANDOM"
route_file=$(compgen -G '/etc/weir/conf.d/*.yaml' | head -n 1)
echo "# $token" >>/etc/weir/weir.yaml
echo "# $token" >>"$route_file"
sed -i 's/^\(  level:\) info\b/\1 debug/' /etc/weir/weir.yaml
if DEB2=$(OUT=$OUT/upgrade WEIR_BIN=$BIN DEB_VERSION_SUFFIX=+upgradetest LINTIAN=0 DEB_XZ_LEVEL=1 "$ROOT/packaging/build-deb.sh" 2>>"$LOGS/build.log" | tail -n 1) \
    && [[ -f $DEB2 ]]; then
    pass "rebuilt as $(basename "$DEB2")"
    if flock "$LOCK" dpkg -i "$DEB2" </dev/null >"$LOGS/upgrade.log" 2>&1; then
        pass "dpkg -i upgrades $(dpkg-deb -f "$DEB" Version) -> $(dpkg-deb -f "$DEB2" Version)"
    else
        fail "dpkg -i $(basename "$DEB2")" "see $LOGS/upgrade.log"
    fi
    check "installed version is the upgrade" bash -c "[[ \$(dpkg-query -W -f='\${Version}' weir) == '$(dpkg-deb -f "$DEB2" Version)' ]]"
    check "local edit of /etc/weir/weir.yaml survived" grep -qF "# $token" /etc/weir/weir.yaml
    check "local edit of $route_file survived" grep -qF "# $token" "$route_file"
    check "no .dpkg-new or .dpkg-dist left in /etc/weir" bash -c "! find /etc/weir -name '*.dpkg-*' | grep -q ."
    check "weir check passes on the edited configuration" as_weir /usr/bin/weir check --config /etc/weir/weir.yaml
else
    fail "rebuild with a version suffix" "see $LOGS/build.log"
fi

phase "purge"
if flock "$LOCK" dpkg --purge weir >"$LOGS/purge.log" 2>&1; then pass "dpkg --purge weir"; else fail "dpkg --purge weir" "see $LOGS/purge.log"; fi
installed_here=0
for path in /etc/weir /usr/bin/weir /var/lib/weir /lib/systemd/system/weir.service /usr/share/man/man8/weir.8.gz; do
    check "purge removed $path" test ! -e "$path"
done
check "dpkg no longer lists weir as installed" bash -c "! dpkg-query -W -f='\${Status}' weir 2>/dev/null | grep -q 'ok installed'"

finish
