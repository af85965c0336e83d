#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Koi run from its build folder through `meson devenv` finds what an
# installed Koi finds elsewhere: its schema (the preferences) and its
# translations (here the German --help). The test's own environment points
# GSettings at the build folder already; it is removed first, so only what
# the devenv sets counts.
#
# The German run needs a real German locale: gettext ignores LANGUAGE in the
# C locale, and glibc >= 2.35 (Debian 13) treats C.UTF-8 as C.
# build-aux/install-deps and build-aux/test-modern generate de_DE.UTF-8.
# The same koi run outside the devenv must stay English: otherwise an
# installed catalogue answered, and the German text proves nothing.
#
# Usage: check-devenv.sh MESON BUILD_ROOT KOI
set -eu
meson=$1
build=$2
koi=$3
german="Das Profil in ORDNER verwenden"
english="Use the profile in DIR"

case $(locale -a 2>/dev/null) in
  *de_DE.utf8*|*de_DE.UTF-8*) ;;
  *) echo "check-devenv: no de_DE.UTF-8 locale here (build-aux/install-deps generates it)"; exit 1 ;;
esac

outside=$(env -u KOI_LOCALEDIR -u LANGUAGE LC_ALL=de_DE.UTF-8 "$koi" --help 2>&1) \
  || { echo "$outside"; echo "check-devenv: koi --help failed"; exit 1; }
case $outside in
  *"$english"*) ;;
  *"$german"*)
    echo "check-devenv: koi is German without the devenv too (an installed catalogue?): this test cannot tell"
    exit 77 ;;
  *) echo "$outside"; echo "check-devenv: koi --help lacks its --profile option"; exit 1 ;;
esac

out=$(env -u GSETTINGS_SCHEMA_DIR -u KOI_LOCALEDIR "$meson" devenv -C "$build" sh -c '
  env -u LANGUAGE LC_ALL=de_DE.UTF-8 koi --help
  gsettings get io.github.koichat.Koi show-ordinary-email
' 2>&1) || { echo "$out"; echo "check-devenv: meson devenv failed"; exit 1; }

echo "$out"
case $out in
  *"$german"*) ;;
  *) echo "check-devenv: koi --help is not German: the build's translations were not found"; exit 1 ;;
esac
case $out in
  *"'contacts'"*) ;;
  *) echo "check-devenv: the build's schema was not found"; exit 1 ;;
esac
