# SPDX-License-Identifier: GPL-3.0-or-later
#
# build-aux/flatpak-check-rnp.py: run by build-aux/flatpak-check inside the
# installed bundle (`flatpak run --command=python3 APP -`, this file on
# stdin). It proves that the OpenPGP library the manifest builds works as
# shipped: librnp from /app with the minimised Botan beside it makes the
# kind of key Koi uses (Ed25519 signing, Curve25519 encryption), encrypts
# and signs a message to it, decrypts it with a valid signature, and refuses
# a tampered copy. A module missing from Botan's list shows up here as a
# failed call, not later in a user's chat.
#
# Python's ctypes, not a compiled program: the real GNOME Platform has
# python3 but no compiler. Exit status 0 and one "rnp:" line on success.

import ctypes
import sys

# The library's path; another one only for a try outside the sandbox.
LIB = sys.argv[1] if len(sys.argv) > 1 else '/app/lib/librnp.so.0'
MESSAGE = b'Koi inside the Flatpak, end to end'

try:
    rnp = ctypes.CDLL(LIB)
except OSError as e:
    sys.exit('rnp: cannot load {}: {}'.format(LIB, e))

P = ctypes.c_void_p


def call(name, *args):
    """Calls an rnp_* function, which returns 0 (RNP_SUCCESS) or an error."""
    func = getattr(rnp, name)
    func.restype = ctypes.c_uint32
    rc = func(*args)
    if rc != 0:
        raise RuntimeError('{} failed: 0x{:08x}'.format(name, rc))


def memory_input(data):
    handle = P()
    buf = ctypes.create_string_buffer(data, len(data))
    call('rnp_input_from_memory', ctypes.byref(handle), buf,
         ctypes.c_size_t(len(data)), ctypes.c_bool(True))
    return handle


def memory_output():
    handle = P()
    call('rnp_output_to_memory', ctypes.byref(handle), ctypes.c_size_t(0))
    return handle


def output_bytes(out):
    buf = ctypes.POINTER(ctypes.c_uint8)()
    size = ctypes.c_size_t()
    call('rnp_output_memory_get_buf', out, ctypes.byref(buf), ctypes.byref(size),
         ctypes.c_bool(False))
    return ctypes.string_at(buf, size.value)


def decrypt_and_verify(ffi, data):
    """Returns the plain text; raises unless it decrypts with a valid signature."""
    inp, out, op = memory_input(data), memory_output(), P()
    call('rnp_op_verify_create', ctypes.byref(op), ffi, inp, out)
    call('rnp_op_verify_execute', op)
    sig = P()
    call('rnp_op_verify_get_signature_at', op, ctypes.c_size_t(0), ctypes.byref(sig))
    call('rnp_op_verify_signature_get_status', sig)
    return output_bytes(out)


def main():
    rnp.rnp_version_string.restype = ctypes.c_char_p
    version = rnp.rnp_version_string().decode()

    ffi = P()
    call('rnp_ffi_create', ctypes.byref(ffi), b'GPG', b'GPG')

    # The account key Koi makes: Ed25519 primary, Curve25519 subkey.
    gen, key, sub = P(), P(), P()
    call('rnp_op_generate_create', ctypes.byref(gen), ffi, b'EDDSA')
    call('rnp_op_generate_set_userid', gen, b'alice@example.org')
    call('rnp_op_generate_execute', gen)
    call('rnp_op_generate_get_key', gen, ctypes.byref(key))
    call('rnp_op_generate_subkey_create', ctypes.byref(sub), ffi, key, b'ECDH')
    call('rnp_op_generate_set_curve', sub, b'Curve25519')
    call('rnp_op_generate_execute', sub)

    # Encrypted and signed, SEIPDv1 with AES-256, as Koi sends.
    inp, out, enc = memory_input(MESSAGE), memory_output(), P()
    call('rnp_op_encrypt_create', ctypes.byref(enc), ffi, inp, out)
    call('rnp_op_encrypt_add_recipient', enc, key)
    call('rnp_op_encrypt_add_signature', enc, key, None)
    call('rnp_op_encrypt_set_cipher', enc, b'AES256')
    call('rnp_op_encrypt_set_armor', enc, ctypes.c_bool(True))
    call('rnp_op_encrypt_execute', enc)
    armored = output_bytes(out)
    if not armored.startswith(b'-----BEGIN PGP MESSAGE-----') or MESSAGE in armored:
        sys.exit('rnp: the output is not an armored, encrypted message')

    plain = decrypt_and_verify(ffi, armored)
    if plain != MESSAGE:
        sys.exit('rnp: decrypted {!r}, expected {!r}'.format(plain, MESSAGE))

    # A flipped bit in the body must never come back as a valid message.
    lines = armored.split(b'\n')
    body = next(i for i, line in enumerate(lines) if len(line) >= 40)
    flipped = bytearray(lines[body])
    flipped[20] = ord('A') if flipped[20] != ord('A') else ord('B')
    lines[body] = bytes(flipped)
    try:
        decrypt_and_verify(ffi, b'\n'.join(lines))
    except RuntimeError:
        pass
    else:
        sys.exit('rnp: a tampered message decrypted with a valid signature')

    call('rnp_ffi_destroy', ffi)
    print('rnp: librnp {} in the bundle made an Ed25519/Curve25519 key, encrypted, '
          'decrypted and verified ({} bytes armored); a tampered copy was refused'
          .format(version, len(armored)))


if __name__ == '__main__':
    try:
        main()
    except RuntimeError as e:
        sys.exit('rnp: ' + str(e))
