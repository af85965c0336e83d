/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gschema"

#include "config.h"

#include <gio/gio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#define SCHEMA_ID "io.github.koichat.Koi"

/* The schema as compiled into <build>/data, the folder tests and an
 * uninstalled koi point GSETTINGS_SCHEMA_DIR at. */
static GSettingsSchema *
load_schema (void)
{
  g_autoptr (GSettingsSchemaSource) source = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  const char *build_root = g_getenv ("KOI_BUILD_ROOT");
  GSettingsSchema *schema;

  g_assert_nonnull (build_root);
  dir = g_build_filename (build_root, "data", NULL);
  source = g_settings_schema_source_new_from_directory (dir, NULL, TRUE, &error);
  g_assert_no_error (error);

  schema = g_settings_schema_source_lookup (source, SCHEMA_ID, FALSE);
  if (schema == NULL)
    g_error ("%s has no compiled schema %s", dir, SCHEMA_ID);

  return schema;
}

static void
test_schema_path_and_keys (void)
{
  g_autoptr (GSettingsSchema) schema = load_schema ();
  const char *keys[] = {
    "window-width", "window-height", "window-maximized",
    "move-chats-to-folder", "send-read-receipts", "color-scheme",
  };

  /* One path for every profile: a development build keeps the release's
   * preferences. */
  g_assert_cmpstr (g_settings_schema_get_path (schema), ==, "/io/github/koichat/Koi/");

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (!g_settings_schema_has_key (schema, keys[i]))
        g_error ("the compiled schema lacks the key %s", keys[i]);
    }
}

static void
test_defaults (void)
{
  g_autoptr (GSettingsSchema) schema = load_schema ();
  g_autoptr (GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr (GSettings) settings = g_settings_new_full (schema, backend, NULL);
  g_autofree char *color_scheme = NULL;

  /* A first start: a window that fits a laptop screen, chats left in the
   * inbox (another chat app on the account must not miss them), read
   * receipts on, the system's colour scheme. */
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 960);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 640);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_assert_false (g_settings_get_boolean (settings, "move-chats-to-folder"));
  g_assert_true (g_settings_get_boolean (settings, "send-read-receipts"));
  color_scheme = g_settings_get_string (settings, "color-scheme");
  g_assert_cmpstr (color_scheme, ==, "default");
}

static void
test_color_scheme_choices (void)
{
  g_autoptr (GSettingsSchema) schema = load_schema ();
  g_autoptr (GSettingsSchemaKey) key = g_settings_schema_get_key (schema, "color-scheme");
  g_autoptr (GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr (GSettings) settings = g_settings_new_full (schema, backend, NULL);
  g_autoptr (GVariant) sepia = g_variant_ref_sink (g_variant_new_string ("sepia"));
  g_autofree char *dark = NULL;

  /* The three choices a preferences page offers, and nothing else. */
  g_assert_true (g_settings_set_enum (settings, "color-scheme", 2));
  dark = g_settings_get_string (settings, "color-scheme");
  g_assert_cmpstr (dark, ==, "dark");
  g_assert_true (g_settings_set_string (settings, "color-scheme", "light"));
  g_assert_cmpint (g_settings_get_enum (settings, "color-scheme"), ==, 1);
  g_assert_false (g_settings_schema_key_range_check (key, sepia));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/validation/gschema/path-and-keys", test_schema_path_and_keys);
  g_test_add_func ("/validation/gschema/defaults", test_defaults);
  g_test_add_func ("/validation/gschema/color-scheme-choices", test_color_scheme_choices);

  return g_test_run ();
}
