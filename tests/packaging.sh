#!/bin/sh
# packaging.sh BUILDDIR SRCDIR: checks what `cmake --install` produces.
#
#   - every file lands where the unit and the docs say (DESTDIR install);
#   - the unit's ExecStart names the installed binary and configuration;
#   - systemd-analyze verify accepts the unit, and `systemd-analyze security`
#     rates its exposure at 2.0 or less (--threshold is exposure x 10);
#   - sysusers.d creates the user and tmpfiles.d the spool (as root only:
#     tmpfiles chowns);
#   - the man page renders without a groff warning;
#   - the example configuration is valid (minutesd check-config, else JSON
#     syntax) and names every key.
#
# A step whose tool is missing is skipped with a message, not failed.
# Registered in tests/CMakeLists.txt as the ctest test "packaging".
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILDDIR SRCDIR" >&2
    exit 2
fi
build=$1
src=$2
fails=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/minutesd-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/root

say() { printf 'packaging: %s\n' "$*"; }
fail() { printf 'packaging: FAIL: %s\n' "$*" >&2; fails=$((fails + 1)); }
skip() { printf 'packaging: skipped: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# A cached GNUInstallDirs value (relative to the prefix unless absolute).
cache_get() {
    sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" | head -n 1
}
under_prefix() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$prefix" "$1" ;;
    esac
}

# ---- install ------------------------------------------------------------
if ! DESTDIR=$dest cmake --install "$build" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "cmake --install $build failed (is minutesd built?)"
    exit 1
fi
prefix=$(cache_get CMAKE_INSTALL_PREFIX)
# Empty in the cache means GNUInstallDirs' default, derived from DATAROOTDIR.
dataroot=$(cache_get CMAKE_INSTALL_DATAROOTDIR)
dataroot=${dataroot:-share}
mandir=$(cache_get CMAKE_INSTALL_MANDIR)
mandir=$(under_prefix "${mandir:-$dataroot/man}")
datadir=$(cache_get CMAKE_INSTALL_DATADIR)
datadir=$(under_prefix "${datadir:-$dataroot}")
say "installed under DESTDIR=$dest, prefix $prefix"

unit=$dest$prefix/lib/systemd/system/minutesd.service
# ExecStart=BIN run --config CONFIG: the two absolute paths the unit relies on.
exec_line=$(sed -n 's/^ExecStart=//p' "$unit" 2>/dev/null || true)
bin=$(printf '%s\n' "$exec_line" | awk '{print $1}')
conf=$(printf '%s\n' "$exec_line" | sed -n 's/.*--config \([^ ]*\).*/\1/p')
case $bin in
    /*) ;;
    *) fail "unit's ExecStart does not start with an absolute path: '$exec_line'" ;;
esac
case $conf in
    /*) ;;
    *) fail "unit's ExecStart has no --config with an absolute path: '$exec_line'" ;;
esac

for f in "$unit" "$dest$bin" "$dest$conf" \
         "$dest$prefix/lib/sysusers.d/minutesd.conf" \
         "$dest$prefix/lib/tmpfiles.d/minutesd.conf" \
         "$dest$mandir/man8/minutesd.8"; do
    if [ -f "$f" ]; then
        say "ok ${f#"$dest"}"
    else
        fail "missing ${f#"$dest"}"
    fi
done
[ -x "$dest$bin" ] || fail "${bin} is not executable"
for s in "$src"/sql/*.sql; do
    [ -f "$dest$datadir/minutesd/sql/${s##*/}" ] || fail "missing $datadir/minutesd/sql/${s##*/}"
done
if grep -q '@[A-Z_]*@' "$unit" 2>/dev/null; then
    fail "unconfigured @VARIABLE@ left in the installed unit"
fi

# ---- the unit -------------------------------------------------------------
if ! have systemd-analyze; then
    skip "systemd-analyze not installed (Debian: systemd)"
else
    # verify checks that ExecStart is executable and that the Documentation=
    # man page exists, so point both at the installed tree.  It needs no
    # running systemd.
    mkdir -p "$tmp/verify"
    sed "s#^ExecStart=$bin #ExecStart=$dest$bin #" "$unit" >"$tmp/verify/minutesd.service"
    man_opt=--man=yes
    have man || { man_opt=--man=no; say "man not installed: verify does not look up Documentation="; }
    if MANPATH=$dest$mandir systemd-analyze verify "$man_opt" "$tmp/verify/minutesd.service" \
            >"$tmp/verify.log" 2>&1; then
        say "ok systemd-analyze verify"
    elif grep -q 'minutesd' "$tmp/verify.log"; then
        cat "$tmp/verify.log" >&2
        fail "systemd-analyze verify rejected the unit"
    else
        cat "$tmp/verify.log"
        skip "systemd-analyze verify cannot run here"
    fi

    if systemd-analyze --help 2>/dev/null | grep -q -- '--offline'; then
        if systemd-analyze security --offline=true --threshold=20 "$unit" >"$tmp/security.log" 2>&1; then
            say "ok $(sed -n "s/^.*Overall exposure level for //p" "$tmp/security.log")"
        else
            cat "$tmp/security.log" >&2
            fail "systemd-analyze security: exposure above 2.0 (or the analysis failed)"
        fi
    else
        skip "systemd-analyze has no --offline (systemd < 250): security not rated"
    fi
fi

# ---- sysusers.d, tmpfiles.d ---------------------------------------------
# --root reads <root>/usr/{,local/}lib/*.d, i.e. only what we installed,
# and writes <root>/etc/passwd and group.
mkdir -p "$dest/etc"
if ! have systemd-sysusers; then
    skip "systemd-sysusers not installed"
elif ! systemd-sysusers --root="$dest" >"$tmp/sysusers.log" 2>&1; then
    cat "$tmp/sysusers.log" >&2
    fail "systemd-sysusers rejected minutesd.conf"
elif ! grep -q '^minutesd:[^:]*:[0-9]*:[0-9]*:[^:]*:/var/lib/minutesd:' "$dest/etc/passwd"; then
    fail "sysusers.d did not create user minutesd with home /var/lib/minutesd"
else
    say "ok sysusers.d creates user minutesd"
    if [ "$(id -u)" != 0 ]; then
        skip "tmpfiles.d: creating the spool needs root (chown)"
    elif ! have systemd-tmpfiles; then
        skip "systemd-tmpfiles not installed"
    elif ! systemd-tmpfiles --root="$dest" --create >"$tmp/tmpfiles.log" 2>&1; then
        cat "$tmp/tmpfiles.log" >&2
        fail "systemd-tmpfiles rejected minutesd.conf"
    else
        uid=$(awk -F: '$1 == "minutesd" {print $3}' "$dest/etc/passwd")
        for d in inbox processed failed; do
            got=$(stat -c '%a %u' "$dest/var/spool/minutesd/$d" 2>/dev/null || echo missing)
            [ "$got" = "2775 $uid" ] || fail "/var/spool/minutesd/$d: want mode 2775 owner minutesd, got '$got'"
        done
        say "ok tmpfiles.d creates /var/spool/minutesd/{inbox,processed,failed}"
    fi
fi

# ---- the man page ---------------------------------------------------------
if have groff; then
    if groff -man -ww -z "$src/man/minutesd.8" >"$tmp/groff.log" 2>&1 && [ ! -s "$tmp/groff.log" ]; then
        say "ok man page renders without warnings"
    else
        cat "$tmp/groff.log" >&2
        fail "groff warns about man/minutesd.8"
    fi
else
    skip "groff not installed (Debian: groff-base): man page not checked"
fi
cmp -s "$src/man/minutesd.8" "$dest$mandir/man8/minutesd.8" || fail "installed man page differs from man/minutesd.8"

# ---- the configuration ------------------------------------------------------
cfg=$src/config/minutesd.json
cmp -s "$cfg" "$dest$conf" || fail "installed configuration differs from config/minutesd.json"
checked=no
if [ -x "$build/minutesd" ]; then
    if "$build/minutesd" check-config "$cfg" >"$tmp/check.log" 2>&1; then
        say "ok minutesd check-config"
        checked=yes
    elif grep -q 'unknown command' "$tmp/check.log"; then
        skip "minutesd has no check-config yet: JSON syntax only"
    else
        cat "$tmp/check.log" >&2
        fail "minutesd check-config rejects config/minutesd.json"
        checked=failed
    fi
fi
if [ "$checked" = no ]; then
    if have python3; then
        if python3 -m json.tool "$cfg" >/dev/null 2>"$tmp/json.log"; then
            say "ok config/minutesd.json is JSON"
        else
            cat "$tmp/json.log" >&2
            fail "config/minutesd.json is not valid JSON"
        fi
    elif have jq; then
        jq empty "$cfg" || fail "config/minutesd.json is not valid JSON"
    else
        skip "neither python3 nor jq: configuration syntax not checked"
    fi
fi
# Every key of daemon/config.h, so the example documents them all.
for k in database state_dir batch inboxes path patterns after settle_ms processed failed \
         metrics listen log level format rescan_s max_inflight; do
    grep -q "\"$k\"[[:space:]]*:" "$cfg" || fail "config/minutesd.json lacks key \"$k\""
done

if [ "$fails" -ne 0 ]; then
    say "$fails check(s) failed"
    exit 1
fi
say "all checks passed"
