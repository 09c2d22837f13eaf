# Sourced by the external suites: deb_src PACKAGE makes `apt-get source PACKAGE` work, by
# adding deb-src entries for the same archives this machine installs from (derived from
# its own apt sources, so no host is named here). $SUDO is "" or "sudo".
deb_src() {
    apt-get source --print-uris "$1" >/dev/null 2>&1 && return
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        grep -q '^Types:.*\bdeb\b' "$f" || continue
        sed 's/^Types:.*/Types: deb-src/' "$f" |
            $SUDO tee "/etc/apt/sources.list.d/forkdbg-src-$(basename "$f")" >/dev/null
    done
    if [ -f /etc/apt/sources.list ]; then
        grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
            $SUDO tee /etc/apt/sources.list.d/forkdbg-src.list >/dev/null || true
    fi
    $SUDO apt-get update -qq
}
