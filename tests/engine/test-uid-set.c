/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-uid-set"

#include "config.h"

#include "koi-uid-set.h"

/* UID sets go out in every FETCH and MOVE and come back in COPYUID, where
 * a wrong expansion files messages under the wrong UID and a huge one
 * exhausts memory. */

static void
assert_uids (GArray        *uids,
             const guint32 *expected,
             guint          n_expected)
{
  g_assert_nonnull (uids);
  g_assert_cmpmem (uids->data, uids->len * sizeof (guint32), expected, n_expected * sizeof (guint32));
}

static void
test_from_array (void)
{
  const guint32 uids[] = { 1, 2, 3, 5, 7, 8, 4294967294u, 4294967295u };
  g_autofree char *set = koi_uid_set_from_array (uids, G_N_ELEMENTS (uids));
  g_autofree char *one = koi_uid_set_from_array (uids + 3, 1);
  g_autofree char *none = koi_uid_set_from_array (NULL, 0);

  g_assert_cmpstr (set, ==, "1:3,5,7:8,4294967294:4294967295");
  g_assert_cmpstr (one, ==, "5");
  g_assert_cmpstr (none, ==, "");
}

static void
test_round_trip (void)
{
  const guint32 uids[] = { 10, 11, 12, 20, 30, 31 };
  g_autofree char *set = koi_uid_set_from_array (uids, G_N_ELEMENTS (uids));
  g_autoptr(GArray) back = koi_uid_set_expand (set, G_N_ELEMENTS (uids));

  assert_uids (back, uids, G_N_ELEMENTS (uids));
}

static void
test_expand_order (void)
{
  g_autoptr(GArray) uids = koi_uid_set_expand ("7,1:3,12:10", 100);

  /* In the order written: COPYUID pairs the source set's nth UID with the
   * destination set's nth. A range written high to low counts up. */
  assert_uids (uids, (const guint32[]) { 7, 1, 2, 3, 10, 11, 12 }, 7);
}

static void
test_expand_not_a_set (void)
{
  const char *bad[] = { NULL, "", "0", "1:0", "a", "1,,2", "1:", ":2", "*", "1:*", "-1",
                        "4294967296", "1 2", "2:3,x" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GArray) uids = koi_uid_set_expand (bad[i], 100);

      if (uids != NULL)
        g_error ("“%s” was read as a UID set of %u UIDs", bad[i] ? bad[i] : "(null)", uids->len);
    }
}

static void
test_expand_bounded (void)
{
  g_autoptr(GArray) exact = koi_uid_set_expand ("1:3,9", 4);
  g_autoptr(GArray) one_more = koi_uid_set_expand ("1:3,9,10", 4);
  g_autoptr(GArray) huge = NULL;
  g_autoptr(GArray) huge_late = NULL;
  g_autoptr(GArray) reversed = NULL;
  g_autoptr(GArray) nothing_allowed = koi_uid_set_expand ("1", 0);

  assert_uids (exact, (const guint32[]) { 1, 2, 3, 9 }, 4);
  g_assert_null (one_more);
  g_assert_null (nothing_allowed);

  /* What a broken or hostile server may send after a move of 3 UIDs: 2^32
   * UIDs would be 16 GiB. Refused before anything is allocated. */
  huge = koi_uid_set_expand ("1:4294967295", 3);
  g_assert_null (huge);
  huge_late = koi_uid_set_expand ("1,2,3:4294967295", 3);
  g_assert_null (huge_late);
  reversed = koi_uid_set_expand ("4294967295:1", 3);
  g_assert_null (reversed);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/uid-set/from-array", test_from_array);
  g_test_add_func ("/engine/uid-set/round-trip", test_round_trip);
  g_test_add_func ("/engine/uid-set/expand-order", test_expand_order);
  g_test_add_func ("/engine/uid-set/not-a-set", test_expand_not_a_set);
  g_test_add_func ("/engine/uid-set/bounded", test_expand_bounded);

  return g_test_run ();
}
