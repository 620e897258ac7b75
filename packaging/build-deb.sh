#!/bin/bash
# Builds out/weir_VERSION_ARCH.deb: the release binary with the Swift runtime linked in,
# stripped; the configuration as conffiles; the systemd unit; the man pages rendered from
# man/*.in with the option reference of this build's schema.
#
# The binary: WEIR_BIN if set (it must have the Swift runtime linked statically), else a
# `swift build -c release --static-swift-stdlib`, in .build when .build/release/weir already
# is such a build (so one release build serves the tests, the benchmarks and the package),
# else in .build-static.
#
# Environment: DEB_VERSION_SUFFIX (appended to the version, e.g. +test1), OUT (output
# directory, default out/), LINTIAN=0 to skip lintian, DEB_XZ_LEVEL (default 6; a test
# package takes 1, which compresses in a fraction of the time).
set -euo pipefail
shopt -s inherit_errexit
umask 022

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/out}
LINTIAN=${LINTIAN:-1}
cd "$ROOT"
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH=/opt/swift/usr/bin:$PATH
fi

say() { echo "build-deb: $*" >&2; }
die() { say "error: $*"; exit 1; }

# Whether the binary links the Swift runtime statically (no libswiftCore.so needed).
is_static_swift() {
    [[ -x $1 ]] && ! readelf -d "$1" | grep -q 'libswift[A-Za-z_]*\.so'
}

# Sets BIN to a release build with the Swift runtime linked statically, in scratch path $1.
build_static() {
    say "swift build -c release --static-swift-stdlib (scratch path $1)"
    swift build -c release --product weir --static-swift-stdlib --scratch-path "$1" >&2 \
        || die "swift build failed"
    BIN=$1/release/weir
}

if [[ -n ${WEIR_BIN:-} ]]; then
    BIN=$WEIR_BIN
    is_static_swift "$BIN" || die "WEIR_BIN=$BIN is not built with --static-swift-stdlib"
elif is_static_swift "$ROOT/.build/release/weir"; then
    build_static "$ROOT/.build"
else
    build_static "$ROOT/.build-static"
fi
is_static_swift "$BIN" || die "$BIN still needs the Swift runtime as shared libraries"

# Debian's libavformat links libsrt-gnutls; two libsrt in one process crash (DESIGN.md).
srt_libraries=$(ldd "$BIN" | awk '{print $1}' | grep -c '^libsrt' || true)
((srt_libraries <= 1)) || die "$BIN loads $srt_libraries libsrt libraries: $(ldd "$BIN" | grep libsrt | tr '\n' ' ')"
if ldd "$BIN" | grep -q 'not found'; then
    die "$BIN has unresolved libraries: $(ldd "$BIN" | grep 'not found' | tr '\n' ' ')"
fi

UPSTREAM=$("$BIN" version | awk '{print $2}')
[[ $UPSTREAM =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "unexpected version '$UPSTREAM' from $BIN version"
VERSION=$UPSTREAM${DEB_VERSION_SUFFIX:-}
ARCH=$(dpkg --print-architecture)
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
    SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/weir-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/weir
mkdir -p "$STAGE"/{DEBIAN,usr/bin,etc/weir/conf.d,lib/systemd/system,usr/share/man/man5,usr/share/man/man8,usr/share/doc/weir,usr/share/lintian/overrides}

# The binary, stripped: unstripped it is over 100 MB.
install -m 0755 "$BIN" "$STAGE/usr/bin/weir"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/weir"

# The main configuration is the repository's, reading route files from /etc/weir/conf.d.
sed -e 's|^include:.*|include: /etc/weir/conf.d|' \
    -e 's|^# Weir main configuration (development default; installed as /etc/weir/weir.yaml)\.|# Weir main configuration. See weir.yaml(5); route files are described in weir-routes(5).|' \
    -e 's|weir check --config conf/weir.yaml|weir check --config /etc/weir/weir.yaml|' \
    -e 's|^# Directory of route files, relative to this file\.|# Directory of route files.|' \
    conf/weir.yaml >"$STAGE/etc/weir/weir.yaml"
grep -qx 'include: /etc/weir/conf.d' "$STAGE/etc/weir/weir.yaml" || die "conf/weir.yaml has no top-level include: line to point at /etc/weir/conf.d"
shopt -s nullglob
routes=(conf.d/*.yaml)
((${#routes[@]})) || die "conf.d/ has no route files"
install -m 0644 "${routes[@]}" "$STAGE/etc/weir/conf.d/"

# The shipped configuration must pass `weir check` (the unit's ExecStartPre).
mkdir -p "$WORK/check"
sed "s|^include: /etc/weir/conf.d|include: $STAGE/etc/weir/conf.d|" "$STAGE/etc/weir/weir.yaml" >"$WORK/check/weir.yaml"
if ! "$BIN" check --config "$WORK/check/weir.yaml" >/dev/null; then
    die "the configuration to be shipped fails weir check"
fi

install -m 0644 packaging/weir.service "$STAGE/lib/systemd/system/weir.service"

for source in man/*.[0-9].in; do
    page=$(basename "$source" .in)
    section=${page##*.}
    "$BIN" docs "$source" --date "$DATE" | gzip -9n >"$STAGE/usr/share/man/man$section/$page.gz"
done

install -m 0644 packaging/debian/copyright "$STAGE/usr/share/doc/weir/copyright"
install -m 0644 packaging/debian/lintian-overrides "$STAGE/usr/share/lintian/overrides/weir"
{
    echo "weir ($VERSION) unstable; urgency=medium"
    echo
    echo "  * Built from the Weir repository$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null | sed 's/^/ at commit /')."
    echo
    echo " -- Weir maintainers <weir@example.org>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$STAGE/usr/share/doc/weir/changelog.gz"

# Dependencies: the shared libraries the binary really loads, with versions from their symbols files.
mkdir -p "$WORK/shlibs/debian"
printf 'Source: weir\n\nPackage: weir\nArchitecture: any\n' >"$WORK/shlibs/debian/control"
shlibs=$(cd "$WORK/shlibs" && dpkg-shlibdeps -O -e"$STAGE/usr/bin/weir" 2>"$WORK/shlibdeps.err") \
    || { cat "$WORK/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
DEPENDS="${shlibs#shlibs:Depends=}, adduser"

for script in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$script" "$STAGE/DEBIAN/$script"
done
(cd "$STAGE" && find etc -type f | sort | sed 's|^|/|') >"$STAGE/DEBIAN/conffiles"
chmod 0644 "$STAGE/DEBIAN/conffiles"
(cd "$STAGE" && find usr lib etc -type f -print0 | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/md5sums"
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@INSTALLED_SIZE@|$INSTALLED_SIZE|" \
    -e "s|@DEPENDS@|$DEPENDS|" packaging/debian/control.in >"$STAGE/DEBIAN/control"

find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -exec touch --no-dereference -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$OUT"
DEB=$OUT/weir_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz -z"${DEB_XZ_LEVEL:-6}" --build "$STAGE" "$DEB" >/dev/null
say "built $DEB ($(du -h "$DEB" | cut -f1)), Depends: $DEPENDS"

if [[ $LINTIAN != 0 ]]; then
    command -v lintian >/dev/null || die "lintian is not installed (scripts/deb-deps.txt lists it)"
    lintian_log=$OUT/lintian.txt
    lintian --display-info --tag-display-limit 0 "$DEB" >"$lintian_log" 2>&1 || true
    errors=$(grep -c '^E: ' "$lintian_log" || true)
    warnings=$(grep -c '^W: ' "$lintian_log" || true)
    infos=$(grep -c '^I: ' "$lintian_log" || true)
    say "lintian: $errors error(s), $warnings warning(s), $infos info(s) (full output in $lintian_log)"
    grep -E '^[EW]: ' "$lintian_log" >&2 || true
    ((errors == 0)) || die "lintian reports errors"
fi
echo "$DEB"
