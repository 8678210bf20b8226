#!/usr/bin/env bash
# The .deb as a user gets it: cpack builds it from this build directory (as ./dev package does), dpkg unpacks it
# into a throwaway root, and from there both programs print the project's version without a display; the desktop
# entry, the AppStream metainfo and the systemd unit pass their validators, the man page renders, the icons are the
# sizes their directories say, the control fields declare the libraries the programs link, and lintian finds no
# error.
# Usage: check_deb.sh BUILD_DIR VERSION
set -euo pipefail

BUILD="$1"
VERSION="$2"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$TMP/out" >"$TMP/cpack.log" 2>&1 ||
    { cat "$TMP/cpack.log"; fail "cpack could not build the package"; }
deb="$TMP/out/alfe-console_${VERSION}_amd64.deb"
[ -f "$deb" ] || fail "no $deb; cpack made: $(ls "$TMP/out")"

# Control fields: the version, and dependencies computed from what the programs link (dpkg-shlibdeps).
[ "$(dpkg-deb -f "$deb" Version)" = "$VERSION" ] || fail "the package's version is $(dpkg-deb -f "$deb" Version)"
depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libqt6core6 libqt6widgets6 libqt6httpserver6 libqt6keychain1 libssl3 libqt6sql6-sqlite; do
    [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done

root="$TMP/root"
dpkg -x "$deb" "$root"
for file in usr/bin/alfe usr/bin/alfe-console usr/share/applications/alfe-console.desktop \
    usr/share/metainfo/io.alfe.Console.metainfo.xml usr/share/icons/hicolor/scalable/apps/alfe-console.svg \
    usr/share/man/man1/alfe.1.gz usr/share/man/man1/alfe-console.1.gz usr/share/bash-completion/completions/alfe usr/lib/systemd/system/alfe.service \
    usr/share/doc/alfe-console/copyright usr/share/doc/alfe-console/changelog.gz \
    usr/share/doc/alfe-console/examples/nginx/alfe.conf; do
    [ -f "$root/$file" ] || fail "the package has no /$file"
done

# Both programs run from the unpacked root, with no display and no Qt platform chosen.
out="$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/usr/bin/alfe" --version)" ||
    fail "alfe --version failed"
[ "$out" = "alfe $VERSION" ] || fail "alfe --version printed \"$out\""
out="$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/usr/bin/alfe-console" --version 2>&1)" ||
    fail "alfe-console --version failed: $out"
[ "$out" = "alfe-console $VERSION" ] || fail "alfe-console --version printed \"$out\""

# The desktop integration, checked by the tools software centres and menus use.
desktop-file-validate "$root/usr/share/applications/alfe-console.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net --explain "$root/usr/share/metainfo/io.alfe.Console.metainfo.xml" ||
    fail "appstreamcli validate"
grep -q "<release version=\"$VERSION\"" "$root/usr/share/metainfo/io.alfe.Console.metainfo.xml" ||
    fail "the AppStream metainfo has no release $VERSION"
zcat "$root/usr/share/doc/alfe-console/changelog.gz" | head -1 | grep -q "^alfe-console ($VERSION) " ||
    fail "the package's changelog does not start with $VERSION"
for dir in "$root"/usr/share/icons/hicolor/*x*/apps; do
    size="$(basename "$(dirname "$dir")")"
    file "$dir/alfe-console.png" | grep -q "PNG image data, ${size/x/ x }," ||
        fail "$dir/alfe-console.png is not a ${size} PNG: $(file -b "$dir/alfe-console.png")"
done

# The man pages render without a warning.
for page in alfe alfe-console; do
    warnings="$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$root/usr/share/man/man1/$page.1.gz" 2>&1 >/dev/null)"
    [ -z "$warnings" ] || fail "the man page of $page has warnings: $warnings"
done
LC_ALL=C.UTF-8 man -l "$root/usr/share/man/man1/alfe-console.1.gz" 2>/dev/null | grep -q -- "--server" ||
    fail "alfe-console(1) does not describe --server"

# The systemd unit: systemd's own checker, on a copy that runs the unpacked alfe.
sed "s#/usr/bin/alfe#$root/usr/bin/alfe#" "$root/usr/lib/systemd/system/alfe.service" >"$TMP/alfe.service"
systemd-analyze verify --man=no "$TMP/alfe.service" || fail "systemd-analyze verify alfe.service"
for setting in DynamicUser=yes ProtectSystem=strict StateDirectory=alfe NoNewPrivileges=yes; do
    grep -qx "$setting" "$TMP/alfe.service" || fail "the unit lacks $setting"
done

# lintian: no errors (warnings are printed, for a reader of the log).
if ! lintian --fail-on error "$deb" >"$TMP/lintian.log" 2>&1; then
    cat "$TMP/lintian.log"
    fail "lintian found errors"
fi
grep -v "running with root privileges" "$TMP/lintian.log" || true
echo "PASS: $(basename "$deb"): versions, validators, man page, icons, unit and lintian"
