# Sourced by install-deps.sh, test.sh and fuzz.sh: what differs between the
# Debian releases aalayer builds on, read from /etc/os-release.
#   clang_version     the clang whose libFuzzer the fuzz build uses (libFuzzer
#                     is packaged only versioned): 14 on Debian 12, 19 on 13
#   release_packages  the packages named differently per release
#   other_release     the other release's codename: the test command also runs
#                     the suite in a root of it (scripts/test-other-release.sh)
debian_version=$(. /etc/os-release && echo "${VERSION_ID:-}")
case "$debian_version" in
  12) clang_version=14; release_packages=(); other_release=trixie ;;
  # systemd.pc (where meson installs the unit) moved to systemd-dev in 13.
  13) clang_version=19; release_packages=(systemd-dev); other_release=bookworm ;;
  *)
    echo "aalayer: Debian 12 or 13 expected, /etc/os-release says VERSION_ID=${debian_version:-none}" >&2
    exit 1 ;;
esac
release_packages+=("clang-$clang_version" "libfuzzer-$clang_version-dev" "libclang-rt-$clang_version-dev")
fuzz_cxx="clang++-$clang_version"
