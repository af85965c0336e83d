#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Parses the Flatpak manifest the way flatpak-builder does, with warnings
# fatal (an unknown or misspelt key is only a warning otherwise, and the
# build would silently ignore it), then checks what a user would notice:
# the app id, the command, the sandbox holes Koi needs, and pinned sources.
#
# Usage: check-flatpak.py FLATPAK_BUILDER MANIFEST APP_ID COMMAND

import json
import os
import re
import subprocess
import sys

REQUIRED_FINISH_ARGS = [
    '--share=network',            # IMAP and SMTP
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--share=ipc',
    '--talk-name=org.freedesktop.secrets',  # passwords in the keyring
]


def main():
    if len(sys.argv) != 5:
        print('usage: check-flatpak.py FLATPAK_BUILDER MANIFEST APP_ID COMMAND',
              file=sys.stderr)
        return 2
    builder, manifest_path, app_id, command = sys.argv[1:]

    # G_ENABLE_DIAGNOSTIC (set for all tests) makes flatpak-builder warn
    # about its own deprecated "cmake" property whatever the manifest says;
    # only warnings about the manifest should be fatal.
    env = dict(os.environ, G_DEBUG='fatal-warnings', G_ENABLE_DIAGNOSTIC='0')
    proc = subprocess.run([builder, '--show-manifest', manifest_path],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print('flatpak-builder --show-manifest failed (exit {}):\n{}'.format(
            proc.returncode, proc.stderr))
        return 1

    manifest = json.loads(proc.stdout)
    errors = []

    if manifest.get('id') != app_id:
        errors.append('id is {!r}, the app id is {!r}'.format(manifest.get('id'), app_id))
    if manifest.get('command') != command:
        errors.append('command is {!r}, the program is {!r}'.format(
            manifest.get('command'), command))
    for key, want in (('runtime', 'org.gnome.Platform'), ('sdk', 'org.gnome.Sdk')):
        if manifest.get(key) != want:
            errors.append('{} is {!r}, expected {!r}'.format(key, manifest.get(key), want))

    finish_args = manifest.get('finish-args', [])
    for arg in REQUIRED_FINISH_ARGS:
        if arg not in finish_args:
            errors.append('finish-args lack ' + arg)

    modules = manifest.get('modules', [])
    if not modules or modules[-1].get('name') != 'koi':
        errors.append('the last module must be koi itself')
    else:
        sources = modules[-1].get('sources', [])
        if sources != [{'type': 'dir', 'path': '..'}]:
            errors.append('koi must be built from the checkout (type dir, path ..), '
                          'not {!r}'.format(sources))
        if modules[-1].get('buildsystem') != 'meson':
            errors.append('koi must be built with meson')

    # Every download must be pinned, or a build is not reproducible and a
    # changed tarball goes unnoticed.
    for module in modules:
        for source in module.get('sources', []):
            if source.get('type') in ('archive', 'file'):
                if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                    errors.append('module {}: {} has no valid sha256'.format(
                        module.get('name'), source.get('url')))

    if not any(m.get('name') == 'gmime' for m in modules):
        errors.append('gmime is not in the GNOME runtime: it must be a module')

    # The OpenPGP library and what it needs: none of them is in the GNOME
    # runtime, and each must be built before what links it, or the build
    # finds nothing (or, worse, a stray copy elsewhere).
    names = [m.get('name') for m in modules]
    for needed, before in (('json-c', 'rnp'), ('botan', 'rnp'), ('rnp', 'koi')):
        if needed not in names:
            errors.append('{} is not in the GNOME runtime: it must be a module'.format(needed))
        elif before in names and names.index(needed) > names.index(before):
            errors.append('{} must be built before {}'.format(needed, before))
    for module in modules:
        if module.get('name') == 'rnp':
            commands = ' '.join(module.get('build-commands', []) + module.get('config-opts', []))
            for option in ('-DCRYPTO_BACKEND=botan', '-DBUILD_TESTING=OFF', '-DENABLE_DOC=OFF'):
                if option not in commands:
                    errors.append('rnp must be configured with ' + option)
        if module.get('name') == 'botan':
            commands = ' '.join(module.get('build-commands', []))
            if '--minimized-build' not in commands or '--enable-modules=' not in commands:
                errors.append('botan must be a minimised build (--minimized-build '
                              '--enable-modules=...): the whole library takes far longer')

    if errors:
        print('{}:\n  {}'.format(manifest_path, '\n  '.join(errors)))
        return 1
    print('{}: {} modules, id {}'.format(manifest_path, len(modules), app_id))
    return 0


if __name__ == '__main__':
    sys.exit(main())
