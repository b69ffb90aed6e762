#!/usr/bin/env python3
"""The install layout (issue 15): `meson install --destdir` of this build into
a temporary directory, then every file where it must be.

The files the system's daemons read go where those daemons look, whatever
the prefix: the bus policy and the activation file where dbus-daemon looks,
the polkit actions where polkitd looks, the unit where systemd looks. Those
directories are read here from pkg-config (dbus-1, polkit-gobject-1,
systemd), as the daemons' own packages install them, or are Debian's paths
where a .pc file is missing; a -D option of the build overrides each. The
programs, man pages and library go under the prefix; the configuration under
<sysconfdir>/aalayer, which aalayerd reads by default (its --help says), and
the unit and the activation file start the installed aalayerd.

Usage: layout_test.py MESON BUILD_DIR. Exit 0 all in place, 1 otherwise.
"""
import json
import os
import subprocess
import sys
import tempfile

MESON, BUILD = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def pkg_variable(package, variable):
    try:
        out = subprocess.run(["pkg-config", "--variable=" + variable, package],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return out or None


options = {o["name"]: o["value"] for o in json.loads(subprocess.run(
    [MESON, "introspect", "--buildoptions", BUILD], capture_output=True, text=True, check=True).stdout)}
prefix = options["prefix"]


def under_prefix(name):
    # Meson's directory options are relative to the prefix or absolute
    # (sysconfdir is /etc with prefix /usr).
    return os.path.join(prefix, options[name])


def system_dir(option, package, variable, fallback, suffix=""):
    if options[option]:
        return options[option]
    value = pkg_variable(package, variable)
    return os.path.join(value, suffix) if value and suffix else value or fallback


dbus_policy = system_dir("dbus_system_policy_dir", "dbus-1", "datadir", "/usr/share/dbus-1/system.d",
                         "dbus-1/system.d")
dbus_services = system_dir("dbus_system_services_dir", "dbus-1", "system_bus_services_dir",
                           "/usr/share/dbus-1/system-services")
polkit_actions = system_dir("polkit_actions_dir", "polkit-gobject-1", "actiondir", "/usr/share/polkit-1/actions")
unit_dir = system_dir("systemd_system_unit_dir", "systemd", "systemd_system_unit_dir", "/usr/lib/systemd/system")
user_unit_dir = system_dir("systemd_user_unit_dir", "systemd", "systemd_user_unit_dir", "/usr/lib/systemd/user")
sbindir = under_prefix("sbindir")
bindir = under_prefix("bindir")
confdir = os.path.join(under_prefix("sysconfdir"), "aalayer")
print(f"prefix {prefix}, sysconfdir {under_prefix('sysconfdir')}")
print(f"bus policy {dbus_policy}, activation {dbus_services}, polkit {polkit_actions}, units {unit_dir}")

with tempfile.TemporaryDirectory(prefix="aalayer-install-") as dest:
    subprocess.run([MESON, "install", "-C", BUILD, "--no-rebuild", "--quiet", "--destdir", dest],
                   check=True, stdout=subprocess.DEVNULL)

    def installed(path):
        return os.path.join(dest, path.lstrip("/"))

    def exists(path, what):
        check(os.path.isfile(installed(path)), f"{what}: {path}")

    def text(path):
        try:
            with open(installed(path), encoding="utf-8") as f:
                return f.read()
        except OSError:
            return ""

    exists(os.path.join(sbindir, "aalayerd"), "the service")
    exists(os.path.join(bindir, "aalayer"), "the CLI")
    exists(os.path.join(bindir, "aalayer-policy"), "the engine on files")
    exists(os.path.join(dbus_policy, "org.aalayer.Manager1.conf"), "bus policy where dbus-daemon looks")
    activation = os.path.join(dbus_services, "org.aalayer.Manager1.service")
    exists(activation, "bus activation file where dbus-daemon looks")
    exists(os.path.join(polkit_actions, "org.aalayer.policy"), "polkit actions where polkitd looks")
    unit = os.path.join(unit_dir, "aalayerd.service")
    exists(unit, "systemd unit where systemd looks")
    exists(os.path.join(confdir, "aalayerd.conf"), "the configuration")
    exists(os.path.join(confdir, "grants.d", "example.conf.example"), "the example grant")
    exists(os.path.join(under_prefix("mandir"), "man1", "aalayer.1"), "aalayer(1)")
    exists(os.path.join(under_prefix("mandir"), "man1", "aalayer-policy.1"), "aalayer-policy(1)")
    # The settings panel, where the build has it (-Dsettings_panel, auto: with Qt 6).
    if os.path.exists(os.path.join(BUILD, "client", "settings", "aalayer-settings")):
        exists(os.path.join(bindir, "aalayer-settings"), "the settings panel")
        exists(os.path.join(under_prefix("mandir"), "man1", "aalayer-settings.1"), "aalayer-settings(1)")
        panel_entry = os.path.join(under_prefix("datadir"), "applications", "aalayer-settings.desktop")
        exists(panel_entry, "the settings panel's menu entry")
        check(f"\nExec={os.path.join(bindir, 'aalayer-settings')}\n" in text(panel_entry),
              f"the menu entry runs {os.path.join(bindir, 'aalayer-settings')}")
    exists(os.path.join(under_prefix("mandir"), "man8", "aalayerd.8"), "aalayerd(8)")
    exists(os.path.join(under_prefix("datadir"), "bash-completion", "completions", "aalayer"),
           "bash completion where bash-completion loads it from")
    exists(os.path.join(under_prefix("datadir"), "zsh", "vendor-completions", "_aalayer"),
           "zsh completion where Debian's zsh looks (its fpath)")
    exists(os.path.join(under_prefix("includedir"), "aalayer", "client.h"), "the client library's header")
    exists(os.path.join(under_prefix("libdir"), "libaalayer-client.a"), "the client library")
    exists(os.path.join(under_prefix("libdir"), "libaalayer-client.so"), "the client library, shared")
    so_link = installed(os.path.join(under_prefix("libdir"), "libaalayer-client.so"))
    check(os.path.islink(so_link) and os.readlink(so_link) == "libaalayer-client.so.0",
          "libaalayer-client.so links to the soname libaalayer-client.so.0")
    exists(os.path.join(under_prefix("libdir"), "libaalayer-client.so.0"), "the client library's soname")
    for xml in ("org.aalayer.Manager1.xml", "org.aalayer.Layer1.xml"):
        exists(os.path.join(under_prefix("datadir"), "dbus-1", "interfaces", xml), "the D-Bus interface " + xml)
    exists(os.path.join(under_prefix("libdir"), "pkgconfig", "aalayer-client.pc"), "the client library's pkg-config file")

    autostart = os.path.join(under_prefix("sysconfdir"), "xdg", "autostart", "aalayer-notify.desktop")
    exists(autostart, "aalayer notify's XDG autostart file")
    check(f"\nExec={os.path.join(bindir, 'aalayer')} notify\n" in text(autostart),
          f"the autostart file runs {os.path.join(bindir, 'aalayer')} notify")
    sync_unit = os.path.join(user_unit_dir, "aalayer-sync.service")
    exists(sync_unit, "aalayer sync's user unit where the systemd user manager looks")
    check(f"\nExecStart={os.path.join(bindir, 'aalayer')} sync\n" in text(sync_unit)
          and "\nWantedBy=default.target\n" in text(sync_unit),
          f"the user unit runs {os.path.join(bindir, 'aalayer')} sync at login (default.target)")
    daemon = os.path.join(sbindir, "aalayerd")
    check(f"Exec={daemon}\n" in text(activation), f"the activation file starts {daemon}")
    check(f"ExecStart={daemon}\n" in text(unit), f"the unit starts {daemon}")
    check(f" -{confdir}\n" in text(unit), f"the unit's ReadOnlyPaths= names {confdir}")
    check(f"\ngrants_dir = {confdir}/grants.d\n" in text(os.path.join(confdir, "aalayerd.conf")),
          f"aalayerd.conf's grants_dir is {confdir}/grants.d")
    if os.path.isfile(installed(daemon)):
        usage = subprocess.run([installed(daemon), "--help"], capture_output=True, text=True).stdout
        check(f"(default {confdir}/aalayerd.conf)" in usage, f"aalayerd reads {confdir}/aalayerd.conf by default")

    # Nothing the daemons read left under the prefix where they never look
    # (unless a -D option put it there).
    overridden = any(options[o] for o in ("dbus_system_policy_dir", "dbus_system_services_dir",
                                          "polkit_actions_dir", "systemd_system_unit_dir",
                                          "systemd_user_unit_dir"))
    if prefix != "/usr" and not overridden:
        strays = [os.path.join(root, f)[len(dest):] for sub in ("share/dbus-1", "share/polkit-1", "lib/systemd")
                  for root, _, files in os.walk(installed(os.path.join(prefix, sub))) for f in files
                  # The interface files are for clients' builds, which look under the prefix.
                  if not root.endswith("/dbus-1/interfaces")]
        check(not strays, "nothing under the prefix's share/dbus-1, share/polkit-1, lib/systemd"
              + (": " + ", ".join(strays) if strays else ""))

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
