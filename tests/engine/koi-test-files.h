/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-test-cli.h"

G_BEGIN_DECLS

/*
 * Files the attachment and encryption tests send and look for: made-up
 * files with a known checksum, and the mail as the server keeps it.
 */

/* Writes @size bytes under @dir as @name, random from a seed of @size (so
 * the same size gives the same bytes), starting with @magic if given (the
 * type a receiver sniffs). Returns the path; the SHA-256 in *@out_sha256. */
char *koi_test_write_random_file (const char  *dir,
                                  const char  *name,
                                  const char  *magic,
                                  gsize        size,
                                  char       **out_sha256);
/* The SHA-256 of the file at @path (hex); fails the test if unreadable. */
char *koi_test_file_sha256       (const char  *path);
/* The mail with @message_id as the server keeps it in @user's Maildir
 * (any folder), or NULL. */
char *koi_test_find_in_maildir   (KoiTestCli  *cli,
                                  const char  *user,
                                  const char  *message_id);
/* The same, waiting up to 20 s for Postfix to deliver it (it queues
 * first); NULL if it never came. */
char *koi_test_server_copy       (KoiTestCli  *cli,
                                  const char  *user,
                                  const char  *message_id);

G_END_DECLS
