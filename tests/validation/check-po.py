#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks that translations can keep up with the code:
#  1. po/POTFILES.in is sorted, has no duplicates and names only files that
#     exist;
#  2. every file under src/ and data/ with translatable strings is listed
#     there (a missing file means its strings never reach translators);
#  3. po/LINGUAS and the .po files agree;
#  4. each .po, merged against the strings the code has *now*, has no
#     untranslated or fuzzy message.
#
# Usage: check-po.py SOURCE_ROOT
# Needs xgettext, msgmerge and msgfmt (gettext).

import os
import re
import subprocess
import sys
import tempfile

# The same keywords and flags as meson's i18n "glib" preset, so this check
# sees exactly the strings `meson compile koi-pot` would extract.
XGETTEXT_GLIB_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
]

C_GETTEXT_CALL = re.compile(
    r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dgettext|g_dcgettext|g_dngettext|'
    r'g_dpgettext|g_dpgettext2|gettext|ngettext)\s*\(')
C_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
C_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')


def read_list(path):
    """Non-empty, non-comment lines of a POTFILES.in or LINGUAS file."""
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f
                if line.strip() and not line.lstrip().startswith('#')]


def has_translatable_strings(path):
    name = os.path.basename(path)
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False

    if name.endswith(('.c', '.h')):
        # Comments and string literals may mention _() without calling it.
        code = C_STRING.sub('""', C_COMMENT.sub(' ', text))
        return C_GETTEXT_CALL.search(code) is not None
    if name.endswith(('.ui', '.ui.in')):
        return re.search(r'translatable\s*=\s*"(?:yes|true|1)"', text) is not None
    if re.search(r'\.desktop\.in(\.in)?$', name):
        return True
    if re.search(r'\.(metainfo|appdata)\.xml\.in(\.in)?$', name):
        return True
    if name.endswith('.gschema.xml'):
        # Summaries are only translated when the schema names a domain.
        return 'gettext-domain' in text
    return False


def find_translatable_files(root):
    found = []
    for top in ('src', 'data'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if has_translatable_strings(path):
                    found.append(os.path.relpath(path, root))
    return found


def msgfmt_statistics(po_path):
    """(translated, fuzzy, untranslated) as msgfmt --statistics -c counts them."""
    proc = subprocess.run(['msgfmt', '--statistics', '-c', '-o', os.devnull, po_path],
                          capture_output=True, text=True,
                          env=dict(os.environ, LC_ALL='C'))
    if proc.returncode != 0:
        raise RuntimeError('msgfmt -c rejects {}:\n{}'.format(po_path, proc.stderr))

    def count(what):
        m = re.search(r'(\d+) ' + what, proc.stderr)
        return int(m.group(1)) if m else 0

    return count('translated message'), count('fuzzy translation'), count('untranslated message')


def untranslated_msgids(po_path):
    """The msgids msgattrib reports as untranslated or fuzzy, for the error text."""
    out = []
    for flag in ('--untranslated', '--only-fuzzy'):
        proc = subprocess.run(['msgattrib', flag, '--no-obsolete', '--no-wrap', po_path],
                              capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            if line.startswith('msgid "') and line != 'msgid ""':
                out.append(line[len('msgid '):])
    return out


def main():
    if len(sys.argv) != 2:
        print('usage: check-po.py SOURCE_ROOT', file=sys.stderr)
        return 2

    root = os.path.abspath(sys.argv[1])
    po_dir = os.path.join(root, 'po')
    errors = []

    # 1. POTFILES.in itself.
    potfiles = read_list(os.path.join(po_dir, 'POTFILES.in'))
    if potfiles != sorted(potfiles):
        errors.append('po/POTFILES.in is not sorted; expected this order:\n  ' +
                      '\n  '.join(sorted(set(potfiles))))
    duplicates = sorted({p for p in potfiles if potfiles.count(p) > 1})
    if duplicates:
        errors.append('po/POTFILES.in lists these more than once: ' + ', '.join(duplicates))
    gone = [p for p in potfiles if not os.path.isfile(os.path.join(root, p))]
    if gone:
        errors.append('po/POTFILES.in names files that do not exist: ' + ', '.join(gone))

    # 2. Every file with translatable strings is listed.
    missing = [p for p in find_translatable_files(root) if p not in potfiles]
    if missing:
        errors.append('these files have translatable strings but are not in '
                      'po/POTFILES.in:\n  ' + '\n  '.join(missing))

    # 3. LINGUAS and the .po files agree.
    linguas = read_list(os.path.join(po_dir, 'LINGUAS'))
    po_langs = sorted(f[:-3] for f in os.listdir(po_dir) if f.endswith('.po'))
    for lang in linguas:
        if lang not in po_langs:
            errors.append('po/LINGUAS lists {0} but po/{0}.po does not exist'.format(lang))
    for lang in po_langs:
        if lang not in linguas:
            errors.append('po/{0}.po exists but po/LINGUAS does not list {0}: it is '
                          'never built'.format(lang))

    if errors:
        print('\n\n'.join(errors))
        return 1

    # 4. Each translation against the current strings.
    with tempfile.TemporaryDirectory(prefix='koi-check-po-') as tmp:
        pot = os.path.join(tmp, 'koi.pot')
        existing = [p for p in potfiles if os.path.isfile(os.path.join(root, p))]
        list_file = os.path.join(tmp, 'POTFILES')
        with open(list_file, 'w', encoding='utf-8') as f:
            f.write('\n'.join(existing) + '\n')
        proc = subprocess.run(['xgettext', '--directory=' + root,
                               '--files-from=' + list_file, '--output=' + pot,
                               '--package-name=koi'] + XGETTEXT_GLIB_ARGS,
                              capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.isfile(pot):
            print('xgettext failed:\n' + proc.stderr)
            return 1

        for lang in linguas:
            merged = os.path.join(tmp, lang + '.po')
            proc = subprocess.run(['msgmerge', '--quiet', '--output-file=' + merged,
                                   os.path.join(po_dir, lang + '.po'), pot],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                errors.append('msgmerge failed for po/{}.po:\n{}'.format(lang, proc.stderr))
                continue
            try:
                translated, fuzzy, untranslated = msgfmt_statistics(merged)
            except RuntimeError as e:
                errors.append(str(e))
                continue
            print('po/{}.po: {} translated, {} fuzzy, {} untranslated'.format(
                lang, translated, fuzzy, untranslated))
            if fuzzy or untranslated:
                errors.append('po/{}.po has {} fuzzy and {} untranslated messages for the '
                              'current strings; run `meson compile -C BUILD koi-update-po` '
                              'and translate:\n  {}'.format(
                                  lang, fuzzy, untranslated,
                                  '\n  '.join(untranslated_msgids(merged))))
            if translated == 0:
                errors.append('po/{}.po translates nothing'.format(lang))

    if errors:
        print('\n\n'.join(errors))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
