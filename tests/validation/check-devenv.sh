#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Koi run from its build folder through `meson devenv` finds what an
# installed Koi finds elsewhere: its schema (the preferences) and its
# translations (here the German --help). The test's own environment points
# GSettings at the build folder already; it is removed first, so only what
# the devenv sets counts.
#
# Usage: check-devenv.sh MESON BUILD_ROOT
set -eu
meson=$1
build=$2

out=$(env -u GSETTINGS_SCHEMA_DIR -u KOI_LOCALEDIR "$meson" devenv -C "$build" sh -c '
  LANGUAGE=de LC_ALL=C.UTF-8 koi --help
  gsettings get io.github.koichat.Koi show-ordinary-email
' 2>&1) || { echo "$out"; echo "check-devenv: meson devenv failed"; exit 1; }

echo "$out"
case $out in
  *"Das Profil in ORDNER verwenden"*) ;;
  *) echo "check-devenv: koi --help is not German: the build's translations were not found"; exit 1 ;;
esac
case $out in
  *"'contacts'"*) ;;
  *) echo "check-devenv: the build's schema was not found"; exit 1 ;;
esac
