/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-crypto"

#include <string.h>
#include <sys/random.h>

#include "koi-pgp-setup.h"
#include "koi-rnp-context-private.h"

/* See koi-pgp-setup.h. Facts from Autocrypt Level 1, 4.4: the code is 36
 * decimal digits in 9 dash-separated blocks and is itself the passphrase
 * (dashes included); the cipher is AES-128; the armour of the encrypted
 * payload names the code's format and its first two digits, so a device
 * can tell the user which code it wants. */

#define CODE_DIGITS 36
#define CODE_BLOCK 4

static void
clear_key (rnp_key_handle_t *key)
{
  if (*key != NULL)
    rnp_key_handle_destroy (*key);
  *key = NULL;
}

static void
wipe_bytes_free (GBytes *bytes)
{
  gsize length = 0;
  gpointer data;

  if (bytes == NULL)
    return;
  /* Only this reference may see the secret: then it can be wiped. */
  data = g_bytes_unref_to_data (bytes, &length);
  explicit_bzero (data, length);
  g_free (data);
}

void
koi_pgp_setup_code_free (char *code)
{
  if (code != NULL)
    explicit_bzero (code, strlen (code));
  g_free (code);
}

static char *
format_code (const char *digits)
{
  GString *code = g_string_sized_new (CODE_DIGITS + CODE_DIGITS / CODE_BLOCK);

  for (int i = 0; i < CODE_DIGITS; i++)
    {
      if (i > 0 && i % CODE_BLOCK == 0)
        g_string_append_c (code, '-');
      g_string_append_c (code, digits[i]);
    }
  return g_string_free (code, FALSE);
}

/**
 * koi_pgp_setup_code_new:
 *
 * 36 digits from the kernel's random source, each drawn without bias
 * (bytes of 250 and above are thrown away): about 119 bits.
 */
char *
koi_pgp_setup_code_new (void)
{
  char digits[CODE_DIGITS + 1] = { 0, };
  int filled = 0;
  char *code;

  while (filled < CODE_DIGITS)
    {
      guint8 bytes[64];
      ssize_t got = getrandom (bytes, sizeof bytes, 0);

      if (got < 0)
        g_error ("The kernel gave no random bytes");
      for (ssize_t i = 0; i < got && filled < CODE_DIGITS; i++)
        if (bytes[i] < 250)
          digits[filled++] = '0' + bytes[i] % 10;
      explicit_bzero (bytes, sizeof bytes);
    }
  code = format_code (digits);
  explicit_bzero (digits, sizeof digits);
  return code;
}

char *
koi_pgp_setup_code_normalize (const char *typed)
{
  char digits[CODE_DIGITS + 1] = { 0, };
  int count = 0;
  char *code = NULL;

  if (typed == NULL)
    return NULL;
  for (const char *p = typed; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          if (count == CODE_DIGITS)
            {
              count++;
              break;
            }
          digits[count++] = *p;
        }
      else if (!g_ascii_isspace (*p) && *p != '-')
        break;
    }
  if (count == CODE_DIGITS)
    code = format_code (digits);
  explicit_bzero (digits, sizeof digits);
  return code;
}

/* Puts @header_lines after the armour's first line ("-----BEGIN …"). */
static char *
insert_armour_headers (GBytes     *armoured,
                       const char *header_lines)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (armoured, &length);
  const char *end = memchr (data, '\n', length);
  GString *text;

  if (end == NULL)
    return NULL;
  text = g_string_sized_new (length + 128);
  g_string_append_len (text, data, end + 1 - data);
  g_string_append (text, header_lines);
  g_string_append_len (text, end + 1, length - (end + 1 - data));
  return g_string_free (text, FALSE);
}

static void
wipe_free (gpointer data)
{
  /* g_bytes_new_with_free_func hands the pointer back; the length lives
   * in the block's first bytes (see wiping_bytes_new). */
  gsize *block = (gsize *) data - 1;

  explicit_bzero (block, *block + sizeof (gsize));
  g_free (block);
}

/* A copy of secret bytes that is overwritten when the last reference goes. */
static GBytes *
wiping_bytes_new (const guint8 *data,
                  gsize         length)
{
  gsize *block = g_malloc (sizeof (gsize) + length + 1);
  guint8 *copy = (guint8 *) (block + 1);

  *block = length;
  memcpy (copy, data, length);
  copy[length] = '\0';
  return g_bytes_new_with_free_func (copy, length, wipe_free, copy);
}

static rnp_ffi_t
new_ffi (GError **error)
{
  rnp_ffi_t ffi = NULL;

  if (rnp_ffi_create (&ffi, "GPG", "GPG") != RNP_SUCCESS)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                           "The OpenPGP library could not start");
      return NULL;
    }
  return ffi;
}

static gboolean
import_secret (rnp_ffi_t     ffi,
               const guint8 *data,
               gsize         length)
{
  rnp_input_t input = NULL;
  rnp_result_t status = rnp_input_from_memory (&input, data, length, false);

  if (status == RNP_SUCCESS)
    status = rnp_import_keys (ffi, input,
                              RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, NULL);
  if (input != NULL)
    rnp_input_destroy (input);
  return status == RNP_SUCCESS;
}

static rnp_result_t
unprotect_all (rnp_key_handle_t  primary,
               const char       *passphrase)
{
  size_t count = 0;
  rnp_result_t status = rnp_key_unprotect (primary, passphrase);

  rnp_key_get_subkey_count (primary, &count);
  for (size_t i = 0; i < count && status == RNP_SUCCESS; i++)
    {
      rnp_key_handle_t subkey = NULL;

      status = rnp_key_get_subkey_at (primary, i, &subkey);
      if (status == RNP_SUCCESS)
        status = rnp_key_unprotect (subkey, passphrase);
      clear_key (&subkey);
    }
  return status;
}

GBytes *
koi_pgp_setup_payload_new (GBytes      *key_file,
                           const char  *passphrase,
                           GError     **error)
{
  rnp_ffi_t ffi = NULL;
  rnp_key_handle_t primary = NULL;
  rnp_output_t output = NULL;
  g_autoptr (GBytes) armoured = NULL;
  GBytes *payload = NULL;
  rnp_result_t status;
  gsize length = 0;
  const guint8 *data;

  g_return_val_if_fail (key_file != NULL && passphrase != NULL, NULL);

  if ((ffi = new_ffi (error)) == NULL)
    return NULL;
  data = g_bytes_get_data (key_file, &length);
  if (!import_secret (ffi, data, length) || (primary = koi_rnp_find_secret_primary (ffi)) == NULL)
    {
      rnp_ffi_destroy (ffi);
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                           "The key file holds no secret key");
      return NULL;
    }
  status = unprotect_all (primary, passphrase);
  if (status != RNP_SUCCESS)
    {
      clear_key (&primary);
      rnp_ffi_destroy (ffi);
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE,
                           "The key file could not be unlocked");
      return NULL;
    }
  status = rnp_output_to_memory (&output, 0);
  if (status == RNP_SUCCESS)
    status = rnp_key_export (primary, output,
                             RNP_KEY_EXPORT_SECRET | RNP_KEY_EXPORT_SUBKEYS | RNP_KEY_EXPORT_ARMORED);
  if (status == RNP_SUCCESS)
    armoured = koi_rnp_output_to_bytes (output);
  if (output != NULL)
    rnp_output_destroy (output);
  clear_key (&primary);
  /* Destroying the ffi wipes its copy of the unprotected key. */
  rnp_ffi_destroy (ffi);

  if (armoured != NULL)
    {
      char *text = insert_armour_headers (armoured, "Autocrypt-Prefer-Encrypt: mutual\n");

      if (text != NULL)
        {
          payload = wiping_bytes_new ((const guint8 *) text, strlen (text));
          koi_pgp_setup_code_free (text);
        }
      g_clear_pointer (&armoured, wipe_bytes_free);
    }
  if (payload == NULL)
    g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                 "The key could not be exported: %s", rnp_result_to_string (status));
  return payload;
}

char *
koi_pgp_setup_encrypt (GBytes      *payload,
                       const char  *code,
                       GError     **error)
{
  rnp_ffi_t ffi = NULL;
  rnp_input_t input = NULL;
  rnp_output_t output = NULL;
  rnp_op_encrypt_t op = NULL;
  g_autoptr (GBytes) armoured = NULL;
  g_autofree char *headers = NULL;
  char *result = NULL;
  rnp_result_t status;
  gsize length = 0;
  const guint8 *data;

  g_return_val_if_fail (payload != NULL, NULL);
  g_return_val_if_fail (code != NULL && strlen (code) == CODE_DIGITS + CODE_DIGITS / CODE_BLOCK - 1,
                        NULL);

  if ((ffi = new_ffi (error)) == NULL)
    return NULL;
  data = g_bytes_get_data (payload, &length);
  status = rnp_input_from_memory (&input, data, length, false);
  if (status == RNP_SUCCESS)
    status = rnp_output_to_memory (&output, 0);
  if (status == RNP_SUCCESS)
    status = rnp_op_encrypt_create (&op, ffi, input, output);
  /* The spec's cipher; SEIPDv1 (no AEAD), which every Autocrypt client reads. */
  if (status == RNP_SUCCESS)
    status = rnp_op_encrypt_add_password (op, code, "SHA256", 0, "AES128");
  if (status == RNP_SUCCESS)
    status = rnp_op_encrypt_set_cipher (op, "AES128");
  if (status == RNP_SUCCESS)
    status = rnp_op_encrypt_set_aead (op, "None");
  if (status == RNP_SUCCESS)
    status = rnp_op_encrypt_set_armor (op, true);
  if (status == RNP_SUCCESS)
    status = rnp_op_encrypt_execute (op);
  if (status == RNP_SUCCESS)
    armoured = koi_rnp_output_to_bytes (output);
  if (op != NULL)
    rnp_op_encrypt_destroy (op);
  if (output != NULL)
    rnp_output_destroy (output);
  if (input != NULL)
    rnp_input_destroy (input);
  rnp_ffi_destroy (ffi);

  headers = g_strdup_printf ("Passphrase-Format: numeric9x4\nPassphrase-Begin: %.2s\n", code);
  if (armoured != NULL)
    result = insert_armour_headers (armoured, headers);
  if (result == NULL)
    g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                 "The key could not be encrypted: %s", rnp_result_to_string (status));
  return result;
}

/* The "-----BEGIN PGP MESSAGE-----" … "-----END PGP MESSAGE-----" block of
 * @text: the attachment may be that block alone, or an HTML page with it
 * inside (the spec allows both; Delta Chat sends HTML). */
static char *
armour_block (const char *text)
{
  const char *begin = strstr (text, "-----BEGIN PGP MESSAGE-----");
  const char *end = begin != NULL ? strstr (begin, "-----END PGP MESSAGE-----") : NULL;

  if (end == NULL)
    return NULL;
  return g_strndup (begin, end + strlen ("-----END PGP MESSAGE-----") - begin);
}

char *
koi_pgp_setup_passphrase_begin (const char *armoured)
{
  g_autofree char *block = armour_block (armoured);
  const char *header = block != NULL ? strstr (block, "\nPassphrase-Begin:") : NULL;
  const char *value;
  gsize length = 0;

  if (header == NULL)
    return NULL;
  value = header + strlen ("\nPassphrase-Begin:");
  while (*value == ' ' || *value == '\t')
    value++;
  while (g_ascii_isdigit (value[length]) && length < 4)
    length++;
  return length > 0 ? g_strndup (value, length) : NULL;
}

typedef struct {
  const char *code;
  guint       asked;
} PassRequest;

/* librnp asks once per symmetric key packet; a second ask means the code
 * did not fit the first: refuse, so it does not loop. */
static bool
give_code (rnp_ffi_t        ffi,
           void            *app_ctx,
           rnp_key_handle_t key,
           const char      *pgp_context,
           char             buf[],
           size_t           buf_len)
{
  PassRequest *request = app_ctx;

  if (key != NULL || request->asked++ > 0 || strlen (request->code) >= buf_len)
    return false;
  g_strlcpy (buf, request->code, buf_len);
  return true;
}

GBytes *
koi_pgp_setup_decrypt (const char  *armoured,
                       const char  *code,
                       GError     **error)
{
  g_autofree char *block = NULL;
  PassRequest request = { code, 0 };
  rnp_ffi_t ffi = NULL;
  rnp_input_t input = NULL;
  rnp_output_t output = NULL;
  GBytes *payload = NULL;
  rnp_result_t status;

  g_return_val_if_fail (armoured != NULL && code != NULL, NULL);

  block = armour_block (armoured);
  if (block == NULL)
    {
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                           "The setup message holds no encrypted key");
      return NULL;
    }
  if ((ffi = new_ffi (error)) == NULL)
    return NULL;
  rnp_ffi_set_pass_provider (ffi, give_code, &request);
  status = rnp_input_from_memory (&input, (const guint8 *) block, strlen (block), false);
  if (status == RNP_SUCCESS)
    status = rnp_output_to_memory (&output, 0);
  if (status == RNP_SUCCESS)
    status = rnp_decrypt (ffi, input, output);
  if (status == RNP_SUCCESS)
    {
      uint8_t *buffer = NULL;
      size_t length = 0;

      /* rnp keeps its own buffer until the output goes; ours is wiped. */
      if (rnp_output_memory_get_buf (output, &buffer, &length, false) == RNP_SUCCESS)
        payload = wiping_bytes_new (buffer, length);
    }
  if (output != NULL)
    rnp_output_destroy (output);
  if (input != NULL)
    rnp_input_destroy (input);
  rnp_ffi_destroy (ffi);

  if (payload != NULL)
    return payload;
  /* A wrong code fails the quick check of the symmetric key packet (or
   * decrypts to garbage that the integrity check refuses): librnp then has
   * no key that fits. */
  if (status == RNP_ERROR_BAD_PASSWORD || status == RNP_ERROR_NO_SUITABLE_KEY ||
      status == RNP_ERROR_DECRYPT_FAILED)
    g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE,
                         "The setup code does not open this setup message");
  else
    g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_DAMAGED,
                 "The setup message could not be decrypted: %s", rnp_result_to_string (status));
  return NULL;
}

static gboolean
has_encryption_subkey (rnp_key_handle_t primary)
{
  size_t count = 0;
  gboolean found = FALSE;

  rnp_key_get_subkey_count (primary, &count);
  for (size_t i = 0; i < count && !found; i++)
    {
      rnp_key_handle_t subkey = NULL;
      bool can_encrypt = false;
      bool secret = false;

      if (rnp_key_get_subkey_at (primary, i, &subkey) != RNP_SUCCESS)
        continue;
      rnp_key_allows_usage (subkey, "encrypt", &can_encrypt);
      rnp_key_have_secret (subkey, &secret);
      found = can_encrypt && secret;
      clear_key (&subkey);
    }
  return found;
}

GBytes *
koi_pgp_setup_key_file_new (GBytes      *payload,
                            const char  *passphrase,
                            char       **out_fingerprint,
                            char       **out_address,
                            GError     **error)
{
  rnp_ffi_t ffi = NULL;
  rnp_key_handle_t primary = NULL;
  rnp_output_t output = NULL;
  GBytes *file = NULL;
  char *buffer = NULL;
  bool is_protected = false;
  rnp_result_t status;
  gsize length = 0;
  const guint8 *data;

  g_return_val_if_fail (payload != NULL && passphrase != NULL, NULL);

  if ((ffi = new_ffi (error)) == NULL)
    return NULL;
  data = g_bytes_get_data (payload, &length);
  if (!import_secret (ffi, data, length) ||
      (primary = koi_rnp_find_secret_primary (ffi)) == NULL ||
      !has_encryption_subkey (primary) ||
      rnp_key_is_protected (primary, &is_protected) != RNP_SUCCESS || is_protected)
    {
      clear_key (&primary);
      rnp_ffi_destroy (ffi);
      g_set_error_literal (error, KOI_PGP_ERROR, KOI_PGP_ERROR_BAD_KEY,
                           "The setup message holds no usable secret key");
      return NULL;
    }

  status = koi_rnp_protect_all (primary, passphrase);
  if (status == RNP_SUCCESS)
    status = rnp_output_to_memory (&output, 0);
  if (status == RNP_SUCCESS)
    status = rnp_key_export (primary, output, RNP_KEY_EXPORT_SECRET | RNP_KEY_EXPORT_SUBKEYS);
  if (status == RNP_SUCCESS)
    file = koi_rnp_output_to_bytes (output);
  if (status == RNP_SUCCESS && out_fingerprint != NULL &&
      rnp_key_get_fprint (primary, &buffer) == RNP_SUCCESS)
    *out_fingerprint = koi_rnp_take_fingerprint (buffer);
  if (status == RNP_SUCCESS && out_address != NULL)
    *out_address = koi_rnp_key_address (primary);
  if (output != NULL)
    rnp_output_destroy (output);
  clear_key (&primary);
  rnp_ffi_destroy (ffi);
  if (file == NULL)
    g_set_error (error, KOI_PGP_ERROR, KOI_PGP_ERROR_FAILED,
                 "The key could not be saved: %s", rnp_result_to_string (status));
  return file;
}
