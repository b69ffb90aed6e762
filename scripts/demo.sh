#!/usr/bin/env bash
# The demo: a private system bus, aalayerd in compile-only mode with Debian's
# Firefox profile as the base "firefox" and the example grant, the banking
# and everyday layers applied with the aalayer CLI, then list, explain inside
# and outside the grant, a clipped rule's warning, diff, and a clean shutdown.
# Runs as root (a throwaway demo: the layers are root's, under /root).
# With --panel it then opens the settings panel (aalayer-settings) against the
# demo's service, and shuts down when its window is closed; it needs the
# desktop's display (sudo -E keeps DISPLAY, WAYLAND_DISPLAY and XAUTHORITY).
set -euo pipefail
panel=0
[ "${1:-}" = --panel ] && panel=1
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${AALAYER_BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" -Dwerror=true >/dev/null
ninja -C "$build" service/aalayerd client/cli/aalayer >/dev/null
[ "$panel" = 0 ] || ninja -C "$build" client/settings/aalayer-settings >/dev/null
root=$PWD
work=$(mktemp -d /tmp/aalayer-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" || printf '(exit code %d)\n' $?; }

# A bus of our own, acting as the system bus.
cat > "$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <policy user="root"><allow own="*"/></policy>
</busconfig>
CONF
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/bus.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/bus" ] && break; sleep 0.1; done
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus"

# The base: Debian's Firefox profile from apparmor-profiles-extra, named
# "firefox" (Debian 13 ships it so; Debian 12 names it by its path, renamed
# here), and the example grant's block for that name.
mkdir -p "$work/profiles" "$work/grants"
extra=/usr/share/apparmor/extra-profiles
if [ -f "$extra/firefox" ]; then
  cp "$extra/firefox" "$work/profiles/firefox"
else
  sed 's|^/usr/lib/firefox{,-\[0-9\]\*}/firefox{,\*\[^s\]\[^h\]} {|profile firefox /usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]} {|' \
    "$extra/usr.lib.firefox.firefox" > "$work/profiles/firefox"
fi
awk '/^grant firefox \{/,/^\}/' docs/examples/grants/firefox.conf > "$work/grants/firefox.conf"
echo "Base: Debian's Firefox profile from $(ls "$extra"/firefox "$extra"/usr.lib.firefox.firefox 2>/dev/null | head -n1), as 'firefox'"

"$build/service/aalayerd" --config /dev/null --set backend=compile-only --set "state_dir=$work/state" \
  --set "grants_dir=$work/grants" --set "profiles_dir=$work/profiles" 2>"$work/aalayerd.log" &
pids+=($!)
for _ in $(seq 100); do
  busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" status org.aalayer.Manager1 >/dev/null 2>&1 && break
  sleep 0.1
done
aalayer=$build/client/cli/aalayer
ex=docs/examples/layers

say "aalayerd is up (compile-only: every child compiled by the real apparmor_parser, not loaded)"
say "What may I decide about? The admin's grant for firefox, expanded for me"
show $aalayer grants
say "Check a layer that reaches past the grant: each clipped rule names an example path"
show $aalayer check $ex/escape.layer --base firefox --name escape
say "Inside the grant a layer is an allow-list: notes say what a layer takes away there"
show $aalayer check $ex/banking.layer --base firefox
show $aalayer check $ex/deny-only.layer --base firefox
printf 'owner @{HOME}/.mozilla/firefox/banking/** rwk,\nnetwork inet6 raw,\n' > "$work/net.layer"
show $aalayer check "$work/net.layer" --base firefox
say "Apply the banking and everyday layers"
show cat $ex/banking.layer
show $aalayer apply firefox/banking $ex/banking.layer
show $aalayer apply firefox/everyday $ex/everyday.layer
show $aalayer list
say "Explain: inside the grant the layer decides; outside it the base does; what a layer denies stays denied"
show $aalayer explain firefox/banking /root/.mozilla/firefox/banking/cookies.sqlite \
  /root/.mozilla/firefox/everyday/places.sqlite /etc/passwd
say "Where do the two layers differ?"
show $aalayer diff firefox/banking firefox/everyday
say "What does the banking layer take away from the base alone?"
show $aalayer diff firefox/banking --base
say "The same with --json, for scripts"
show $aalayer explain firefox/banking --json /root/Downloads/banking/statement.pdf
say "A layer with an error is refused, with its location"
printf 'owner @{HOME}/.mozilla/firefox/banking/** rwk,\n/usr/bin/curl px,\n' > "$work/bad.layer"
show $aalayer apply firefox/banking "$work/bad.layer"
show $aalayer remove firefox/everyday
show $aalayer list
say "Layers as files that follow you: aalayer sync (the folder is \$XDG_CONFIG_HOME/aalayer/layers)"
export XDG_CONFIG_HOME=$work/config
layers=$XDG_CONFIG_HOME/aalayer/layers
mkdir -p "$layers/firefox"
cp $ex/everyday.layer "$layers/firefox/everyday.layer"
printf 'owner @{HOME}/.mozilla/firefox/shop/** rwk,\n' > "$layers/firefox/shop.layer"
show find "$layers" -type f
show $aalayer sync --dry-run
show $aalayer sync
show $aalayer list
show $aalayer sync
sed -i 's/ rwk,/ rw,/' "$layers/firefox/shop.layer"
rm "$layers/firefox/everyday.layer"
show $aalayer sync
show $aalayer list
say "A launcher: Firefox from the menu, and as the default browser, under firefox/banking"
# Debian's firefox-esr.desktop, shortened, where the XDG rules look for it (XDG_DATA_DIRS).
export XDG_DATA_HOME=$work/data XDG_DATA_DIRS=$work/system
mkdir -p "$XDG_DATA_DIRS/applications"
cat > "$XDG_DATA_DIRS/applications/firefox-esr.desktop" <<'ENTRY'
[Desktop Entry]
Name=Firefox ESR
Name[de]=Firefox ESR
Comment=Browse the World Wide Web
GenericName=Web Browser
Exec=/usr/lib/firefox-esr/firefox-esr %u
Icon=firefox-esr
Terminal=false
Type=Application
MimeType=text/html;text/xml;application/xhtml+xml;x-scheme-handler/http;x-scheme-handler/https;
StartupNotify=true
Categories=Network;WebBrowser;
StartupWMClass=firefox-esr
Actions=new-window;new-private-window;

[Desktop Action new-window]
Name=New Window
Exec=/usr/lib/firefox-esr/firefox-esr --new-window %u

[Desktop Action new-private-window]
Name=New Private Window
Exec=/usr/lib/firefox-esr/firefox-esr --private-window %u
ENTRY
printf '[Default Applications]\nx-scheme-handler/http=firefox-esr.desktop\nx-scheme-handler/https=firefox-esr.desktop\n' \
  > "$XDG_CONFIG_HOME/mimeapps.list"
show $aalayer launcher firefox/banking --desktop firefox-esr.desktop --default-for http,https
show cat "$XDG_DATA_HOME/applications/aalayer-firefox-esr-banking.desktop"
show desktop-file-validate "$XDG_DATA_HOME/applications/aalayer-firefox-esr-banking.desktop"
show xdg-mime query default x-scheme-handler/https
show $aalayer launcher firefox/banking --desktop firefox-esr.desktop --remove
show cat "$XDG_CONFIG_HOME/mimeapps.list"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_DATA_DIRS
if [ "$panel" = 1 ]; then
  say "The settings panel against this demo's service: close its window to end the demo"
  # The demo's Firefox desktop entry names the program on its Programs screen; a
  # launcher it shows in the menu goes to the demo's directory and runs this build's aalayer.
  show env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" XDG_DATA_DIRS="$work/system:/usr/local/share:/usr/share" \
    XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" AALAYER_CLI="$(realpath "$aalayer")" \
    "$build/client/settings/aalayer-settings"
fi
say "Shutting down"
