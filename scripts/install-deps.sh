#!/usr/bin/env bash
# Installs the Debian packages FOTA Station needs to build, test and run its demo.
# Idempotent: installs only what is missing, so it is cheap to call before every build.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang
      libuv1-dev libserialport-dev libsqlite3-dev libyaml-dev   # the product
      libsystemd-dev dbus                                      # sd-bus: ModemManager asked per module
      libmicrohttpd-dev                                        # run --metrics: /metrics for Prometheus
      libcmocka-dev                                            # unit tests
      libcurl4-openssl-dev                                     # fota-sim's downloads; the station fetching pinned URL packages
      python3 python3-pyftpdlib openssl sqlite3 valgrind   # test servers, checks
      tmux groff-base man-db                               # dashboard in real panes, man pages (man -l)
      systemd                                              # systemd-analyze: the unit's hardening
      umockdev libumockdev-dev libglib2.0-dev                  # USB tests under an emulated sysfs
      libpq-dev postgresql postgresql-client                   # central database, its tests
      prometheus                                               # metrics tests: a real scraper, promtool
      chromium poppler-utils)                                  # the HTML report printed to PDF, read back
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
