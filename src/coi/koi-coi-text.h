/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *koi_coi_extract_visible_text (const char  *plain_text,
                                    char       **out_folded);
char *koi_coi_extract_chat_text    (const char  *plain_text,
                                    gboolean     is_reply,
                                    char       **out_folded);
char *koi_coi_escape_chat_text     (const char  *text);
char *koi_coi_unescape_chat_text   (const char  *text);
char *koi_coi_html_to_text         (const char  *html);
char *koi_coi_unflow_text          (const char  *text,
                                    gboolean     delsp);

G_END_DECLS
