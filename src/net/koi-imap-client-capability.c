/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include "koi-imap-client-private.h"

/*
 * What the server offers (CAPABILITY, as a response or a response code,
 * less what KOI_IMAP_IGNORE hides) and what ENABLE turned on.
 */

gboolean
koi_imap_client_has_capability (KoiImapClient *self,
                                 const char    *capability)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  upper = g_ascii_strup (capability, -1);
  return g_hash_table_contains (self->capabilities, upper);
}

/* KOI_IMAP_IGNORE="QRESYNC CONDSTORE": Koi acts as if the server did not
 * offer these, to try each extension's fallback against a real server
 * (tests, benchmarks, and a user chasing a server bug). */
static gboolean
capability_ignored (const char *cap)
{
  const char *ignore = g_getenv ("KOI_IMAP_IGNORE");
  g_auto(GStrv) names = NULL;

  if (ignore == NULL || *ignore == '\0')
    return FALSE;
  names = g_strsplit_set (ignore, " ,", -1);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (names[i], cap) == 0)
      return TRUE;
  return FALSE;
}

void
koi_imap_client_set_capabilities (KoiImapClient *self,
                                  GPtrArray     *values)
{
  g_hash_table_remove_all (self->capabilities);
  for (guint i = 0; i < values->len; i++)
    {
      const char *cap = koi_imap_value_get_string (values->pdata[i]);

      if (cap != NULL && !capability_ignored (cap))
        g_hash_table_add (self->capabilities, g_ascii_strup (cap, -1));
    }
}

/* The ENABLED answer to either ENABLE: what the server turned on. */
gboolean
koi_imap_client_note_enabled (KoiImapClient          *client,
                              const KoiImapResponse  *response,
                              gpointer                user_data,
                              GError                **error)
{
  if (g_strcmp0 (response->name, "ENABLED") == 0)
    {
      for (guint i = 0; i < response->args->len; i++)
        {
          if (koi_imap_value_is_atom (response->args->pdata[i], "UTF8=ACCEPT"))
            client->utf8_enabled = TRUE;
          else if (koi_imap_value_is_atom (response->args->pdata[i], "QRESYNC"))
            client->qresync_enabled = TRUE;
        }
    }
  return TRUE;
}
