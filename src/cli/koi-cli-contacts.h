/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "koi-account-config.h"
#include "koi-store.h"

G_BEGIN_DECLS

/* koi-cli's address book commands: contacts, contact …, profile set.
 * @args are the words after the command name. Bad arguments come back as
 * G_OPTION_ERROR_BAD_VALUE. */
gboolean     koi_cli_contacts_command (KoiStore               *store,
                                       const KoiAccountConfig *account,
                                       const char             *command,
                                       char                  **args,
                                       int                     n_args,
                                       GError                **error);

/* One contact as koi-cli prints it (watch's "contact" event too). */
JsonBuilder *koi_cli_contact_object   (const KoiStoreContact  *contact,
                                       const char             *event);

G_END_DECLS
