/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-store"

#include "config.h"

#include "koi-store-private.h"

/* Accounts, contacts and settings: the small tables. */

#define ACCOUNT_COLUMNS \
  "id, address, display_name, imap_host, imap_port, imap_security, imap_login, " \
  "smtp_host, smtp_port, smtp_security, smtp_login, ca_file, " \
  "imap_pin_key, imap_pin_cert, smtp_pin_key, smtp_pin_cert"

static KoiStoreAccount *
account_from_row (sqlite3_stmt *stmt)
{
  KoiStoreAccount *account = g_new0 (KoiStoreAccount, 1);

  account->id = sqlite3_column_int64 (stmt, 0);
  account->address = koi_store_column_dup (stmt, 1);
  account->display_name = koi_store_column_dup (stmt, 2);
  account->imap_host = koi_store_column_dup (stmt, 3);
  account->imap_port = (guint16) sqlite3_column_int (stmt, 4);
  account->imap_security = koi_store_column_dup (stmt, 5);
  account->imap_login = koi_store_column_dup (stmt, 6);
  account->smtp_host = koi_store_column_dup (stmt, 7);
  account->smtp_port = (guint16) sqlite3_column_int (stmt, 8);
  account->smtp_security = koi_store_column_dup (stmt, 9);
  account->smtp_login = koi_store_column_dup (stmt, 10);
  account->ca_file = koi_store_column_dup (stmt, 11);
  account->imap_pin_key = koi_store_column_dup (stmt, 12);
  account->imap_pin_cert = koi_store_column_dup (stmt, 13);
  account->smtp_pin_key = koi_store_column_dup (stmt, 14);
  account->smtp_pin_cert = koi_store_column_dup (stmt, 15);
  return account;
}

void
koi_store_account_free (KoiStoreAccount *account)
{
  if (account == NULL)
    return;

  g_free (account->address);
  g_free (account->display_name);
  g_free (account->imap_host);
  g_free (account->imap_security);
  g_free (account->imap_login);
  g_free (account->smtp_host);
  g_free (account->smtp_security);
  g_free (account->smtp_login);
  g_free (account->ca_file);
  g_free (account->imap_pin_key);
  g_free (account->imap_pin_cert);
  g_free (account->smtp_pin_key);
  g_free (account->smtp_pin_cert);
  g_free (account);
}

gint64
koi_store_account_upsert (KoiStore               *self,
                          const KoiStoreAccount  *account,
                          GError                **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (account != NULL, 0);

  if (account->address == NULL || *account->address == '\0')
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "An account needs an email address");
      return 0;
    }

  stmt = koi_store_prepare (self,
                            "INSERT INTO accounts (address, display_name, imap_host, imap_port,"
                            " imap_security, imap_login, smtp_host, smtp_port, smtp_security,"
                            " smtp_login, ca_file, created_at, imap_pin_key, imap_pin_cert,"
                            " smtp_pin_key, smtp_pin_cert)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                            "  ?13, ?14, ?15, ?16)"
                            " ON CONFLICT (address) DO UPDATE SET"
                            "  address = excluded.address, display_name = excluded.display_name,"
                            "  imap_host = excluded.imap_host, imap_port = excluded.imap_port,"
                            "  imap_security = excluded.imap_security, imap_login = excluded.imap_login,"
                            "  smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,"
                            "  smtp_security = excluded.smtp_security, smtp_login = excluded.smtp_login,"
                            "  ca_file = excluded.ca_file,"
                            "  imap_pin_key = excluded.imap_pin_key, imap_pin_cert = excluded.imap_pin_cert,"
                            "  smtp_pin_key = excluded.smtp_pin_key, smtp_pin_cert = excluded.smtp_pin_cert"
                            " RETURNING id",
                            error);
  if (stmt == NULL)
    return 0;

  koi_store_bind_text (stmt, 1, account->address);
  koi_store_bind_text (stmt, 2, account->display_name);
  koi_store_bind_text (stmt, 3, account->imap_host);
  sqlite3_bind_int (stmt, 4, account->imap_port);
  koi_store_bind_text (stmt, 5, account->imap_security);
  koi_store_bind_text (stmt, 6, account->imap_login);
  koi_store_bind_text (stmt, 7, account->smtp_host);
  sqlite3_bind_int (stmt, 8, account->smtp_port);
  koi_store_bind_text (stmt, 9, account->smtp_security);
  koi_store_bind_text (stmt, 10, account->smtp_login);
  koi_store_bind_text (stmt, 11, account->ca_file);
  sqlite3_bind_int64 (stmt, 12, koi_store_now_ms ());
  koi_store_bind_text (stmt, 13, account->imap_pin_key);
  koi_store_bind_text (stmt, 14, account->imap_pin_cert);
  koi_store_bind_text (stmt, 15, account->smtp_pin_key);
  koi_store_bind_text (stmt, 16, account->smtp_pin_cert);

  id = koi_store_step_returning_id (self, stmt, "Could not save the account", error);
  return id > 0 ? id : 0;
}

GPtrArray *
koi_store_account_list (KoiStore  *self,
                        GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self, "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY id", error);
  if (stmt == NULL)
    return NULL;

  return koi_store_step_rows (self, stmt, (KoiStoreRowFunc) account_from_row, (GDestroyNotify) koi_store_account_free,
                              "Could not list the accounts", error);
}

KoiStoreAccount *
koi_store_account_get (KoiStore  *self,
                       gint64     id,
                       GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return account_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND,
                 "There is no account with id %" G_GINT64_FORMAT, id);
  else
    koi_store_set_error (self, error, rc, "Could not read the account");
  return NULL;
}

gboolean
koi_store_account_delete (KoiStore  *self,
                          gint64     id,
                          GError   **error)
{
  KoiStoreAtomic atomic;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) settings = koi_store_prepare (self, "DELETE FROM settings WHERE account_id = ?1", error);
    ok = settings != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (settings, 1, id);
        ok = koi_store_step_done (self, settings, "Could not remove the account's settings", error);
      }
  }
  if (ok)
    {
      /* Everything else goes through ON DELETE CASCADE. */
      g_autoptr(sqlite3_stmt) stmt = koi_store_prepare (self, "DELETE FROM accounts WHERE id = ?1", error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, id);
          ok = koi_store_step_done (self, stmt, "Could not remove the account", error);
        }
    }

  return koi_store_atomic_end (self, &atomic, ok, error);
}

gboolean
koi_store_account_set_pin (KoiStore    *self,
                           gint64       id,
                           const char  *protocol,
                           const char  *pin_key,
                           const char  *pin_cert,
                           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean imap = g_strcmp0 (protocol, "imap") == 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (imap || g_strcmp0 (protocol, "smtp") == 0, FALSE);

  stmt = koi_store_prepare (self,
                            imap ? "UPDATE accounts SET imap_pin_key = ?2, imap_pin_cert = ?3 WHERE id = ?1"
                                 : "UPDATE accounts SET smtp_pin_key = ?2, smtp_pin_cert = ?3 WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  koi_store_bind_text (stmt, 2, pin_key);
  koi_store_bind_text (stmt, 3, pin_key != NULL ? pin_cert : NULL);
  if (!koi_store_step_done (self, stmt, "Could not save the trusted certificate", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, KOI_STORE_ERROR, KOI_STORE_ERROR_NOT_FOUND, "No account %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Contacts */

#define CONTACT_COLUMNS \
  "id, account_id, address, display_name, vcard, contact_json, blocked, is_me, updated_at," \
  " COALESCE (card_ref, 0), muted"

static KoiStoreContact *
contact_from_row (sqlite3_stmt *stmt)
{
  KoiStoreContact *contact = g_new0 (KoiStoreContact, 1);

  contact->id = sqlite3_column_int64 (stmt, 0);
  contact->account_id = sqlite3_column_int64 (stmt, 1);
  contact->address = koi_store_column_dup (stmt, 2);
  contact->display_name = koi_store_column_dup (stmt, 3);
  contact->vcard = koi_store_column_dup (stmt, 4);
  contact->contact_json = koi_store_column_dup (stmt, 5);
  contact->blocked = sqlite3_column_int (stmt, 6) != 0;
  contact->is_me = sqlite3_column_int (stmt, 7) != 0;
  contact->updated_at_ms = sqlite3_column_int64 (stmt, 8);
  contact->card_ref = sqlite3_column_int64 (stmt, 9);
  contact->muted = sqlite3_column_int (stmt, 10) != 0;
  return contact;
}

void
koi_store_contact_free (KoiStoreContact *contact)
{
  if (contact == NULL)
    return;

  g_free (contact->address);
  g_free (contact->display_name);
  g_free (contact->vcard);
  g_free (contact->contact_json);
  g_free (contact);
}

static gboolean
check_address (const char  *address,
               GError     **error)
{
  if (address == NULL || *address == '\0')
    {
      g_set_error_literal (error, KOI_STORE_ERROR, KOI_STORE_ERROR_INVALID,
                           "An email address is required");
      return FALSE;
    }
  return TRUE;
}

gint64
koi_store_contact_ensure (KoiStore    *self,
                          gint64       account_id,
                          const char  *address,
                          const char  *display_name,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id;

  g_return_val_if_fail (self != NULL, 0);

  if (!check_address (address, error))
    return 0;

  /* The no-op SET keeps RETURNING working when the row exists. */
  stmt = koi_store_prepare (self,
                            "INSERT INTO contacts (account_id, address, display_name, updated_at)"
                            " VALUES (?1, ?2, NULLIF (?3, ''), ?4)"
                            " ON CONFLICT (account_id, address) DO UPDATE SET"
                            /* The card's name wins over a From display name. */
                            "  display_name = CASE WHEN card_ref IS NULL"
                            "   THEN COALESCE (excluded.display_name, display_name) ELSE display_name END"
                            " RETURNING id",
                            error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  koi_store_bind_text (stmt, 3, display_name);
  sqlite3_bind_int64 (stmt, 4, koi_store_now_ms ());
  id = koi_store_step_returning_id (self, stmt, "Could not save the contact", error);
  return id > 0 ? id : 0;
}

gint64
koi_store_contact_upsert (KoiStore               *self,
                          const KoiStoreContact  *contact,
                          GError                **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 id;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (contact != NULL, 0);

  if (!check_address (contact->address, error))
    return 0;

  stmt = koi_store_prepare (self,
                            "INSERT INTO contacts (account_id, address, display_name, vcard,"
                            " contact_json, blocked, is_me, updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                            " ON CONFLICT (account_id, address) DO UPDATE SET"
                            "  display_name = COALESCE (excluded.display_name, display_name),"
                            "  vcard = COALESCE (excluded.vcard, vcard),"
                            "  contact_json = COALESCE (excluded.contact_json, contact_json),"
                            "  blocked = excluded.blocked, is_me = excluded.is_me,"
                            "  updated_at = excluded.updated_at"
                            " RETURNING id",
                            error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, contact->account_id);
  koi_store_bind_text (stmt, 2, contact->address);
  koi_store_bind_text (stmt, 3, contact->display_name);
  koi_store_bind_text (stmt, 4, contact->vcard);
  koi_store_bind_text (stmt, 5, contact->contact_json);
  sqlite3_bind_int (stmt, 6, contact->blocked ? 1 : 0);
  sqlite3_bind_int (stmt, 7, contact->is_me ? 1 : 0);
  sqlite3_bind_int64 (stmt, 8, contact->updated_at_ms > 0 ? contact->updated_at_ms : koi_store_now_ms ());
  id = koi_store_step_returning_id (self, stmt, "Could not save the contact", error);
  return id > 0 ? id : 0;
}

KoiStoreContact *
koi_store_contact_find (KoiStore    *self,
                        gint64       account_id,
                        const char  *address,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " CONTACT_COLUMNS " FROM contacts"
                            " WHERE account_id = ?1 AND address = ?2",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  return koi_store_step_row (self, stmt, (KoiStoreRowFunc) contact_from_row, "Could not read the contact", error);
}

KoiStoreContact *
koi_store_contact_get (KoiStore  *self,
                       gint64     id,
                       GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = koi_store_prepare (self, "SELECT " CONTACT_COLUMNS " FROM contacts WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);
  return koi_store_step_row (self, stmt, (KoiStoreRowFunc) contact_from_row, "Could not read the contact", error);
}

gboolean
koi_store_contact_is_blocked (KoiStore   *self,
                              gint64      account_id,
                              const char *address)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (address == NULL)
    return FALSE;
  stmt = koi_store_prepare (self,
                            "SELECT 1 FROM contacts WHERE account_id = ?1 AND address = ?2 AND blocked",
                            NULL);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, address);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
koi_store_contact_set_card (KoiStore              *self,
                            const KoiStoreContact *contact,
                            gint64                *out_contact_id,
                            gint64                *out_chat_id,
                            GError               **error)
{
  KoiStoreAtomic atomic;
  gint64 id = 0;
  gint64 chat_id = 0;
  gboolean ok;

  if (!check_address (contact->address, error) || !koi_store_atomic_begin (self, &atomic, error))
    return FALSE;

  {
    g_autoptr(sqlite3_stmt) stmt = NULL;

    stmt = koi_store_prepare (self,
                              "INSERT INTO contacts (account_id, address, display_name, vcard,"
                              " contact_json, blocked, is_me, updated_at, card_ref, muted)"
                              " VALUES (?1, ?2, NULLIF (?3, ''), ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                              " ON CONFLICT (account_id, address) DO UPDATE SET"
                              /* A card without a name keeps the one From gave. */
                              "  display_name = COALESCE (excluded.display_name, display_name),"
                              "  vcard = excluded.vcard, contact_json = excluded.contact_json,"
                              "  blocked = excluded.blocked, is_me = excluded.is_me,"
                              "  updated_at = excluded.updated_at, card_ref = excluded.card_ref,"
                              "  muted = excluded.muted"
                              " RETURNING id",
                              error);
    if (stmt != NULL)
      {
        sqlite3_bind_int64 (stmt, 1, contact->account_id);
        koi_store_bind_text (stmt, 2, contact->address);
        koi_store_bind_text (stmt, 3, contact->display_name);
        koi_store_bind_text (stmt, 4, contact->vcard);
        koi_store_bind_text (stmt, 5, contact->contact_json);
        sqlite3_bind_int (stmt, 6, contact->blocked ? 1 : 0);
        sqlite3_bind_int (stmt, 7, contact->is_me ? 1 : 0);
        sqlite3_bind_int64 (stmt, 8, contact->updated_at_ms > 0 ? contact->updated_at_ms : koi_store_now_ms ());
        koi_store_bind_id (stmt, 9, contact->card_ref);
        sqlite3_bind_int (stmt, 10, contact->muted ? 1 : 0);
        id = koi_store_step_returning_id (self, stmt, "Could not save the contact", error);
      }
  }

  if (id > 0)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      /* The 1:1 chat's title and mute follow the card; a card that does
       * not block lets the chat in (the user added the contact, here or on
       * another device). */
      stmt = koi_store_prepare (self,
                                "UPDATE chats SET"
                                "  name = COALESCE ((SELECT display_name FROM contacts WHERE id = ?3), name),"
                                "  muted = ?4,"
                                "  request = CASE WHEN ?5 THEN request ELSE 0 END"
                                " WHERE account_id = ?1 AND kind = 0 AND peer_address = ?2"
                                " RETURNING id",
                                error);
      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, contact->account_id);
          koi_store_bind_text (stmt, 2, contact->address);
          sqlite3_bind_int64 (stmt, 3, id);
          sqlite3_bind_int (stmt, 4, contact->muted ? 1 : 0);
          sqlite3_bind_int (stmt, 5, contact->blocked ? 1 : 0);
          chat_id = koi_store_step_returning_id (self, stmt, "Could not rename the chat", error);
        }
      else
        chat_id = -1;
    }

  ok = id > 0 && chat_id >= 0;
  if (!koi_store_atomic_end (self, &atomic, ok, error))
    return FALSE;

  if (out_contact_id != NULL)
    *out_contact_id = id;
  if (out_chat_id != NULL)
    *out_chat_id = chat_id;
  return TRUE;
}

GPtrArray *
koi_store_contact_list (KoiStore  *self,
                        gint64     account_id,
                        GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = koi_store_prepare (self,
                            "SELECT " CONTACT_COLUMNS " FROM contacts"
                            " WHERE account_id = ?1 ORDER BY address",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  return koi_store_step_rows (self, stmt, (KoiStoreRowFunc) contact_from_row, (GDestroyNotify) koi_store_contact_free,
                              "Could not list the contacts", error);
}

/* ------------------------------------------------------------------ */
/* Settings */

char *
koi_store_setting_get (KoiStore    *self,
                       gint64       account_id,
                       const char  *key,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  stmt = koi_store_prepare (self, "SELECT value FROM settings WHERE account_id = ?1 AND key = ?2", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return koi_store_column_dup (stmt, 0);
  if (rc != SQLITE_DONE)
    koi_store_set_error (self, error, rc, "Could not read a setting");
  return NULL;
}

gboolean
koi_store_setting_set (KoiStore    *self,
                       gint64       account_id,
                       const char  *key,
                       const char  *value,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (value == NULL)
    stmt = koi_store_prepare (self, "DELETE FROM settings WHERE account_id = ?1 AND key = ?2", error);
  else
    stmt = koi_store_prepare (self,
                              "INSERT INTO settings (account_id, key, value) VALUES (?1, ?2, ?3)"
                              " ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value",
                              error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  koi_store_bind_text (stmt, 2, key);
  if (value != NULL)
    koi_store_bind_text (stmt, 3, value);
  return koi_store_step_done (self, stmt, "Could not save a setting", error);
}
