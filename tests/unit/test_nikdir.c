/* SPDX-License-Identifier: ISC */
#include "unit.h"

#include <errno.h>

#include "nikdir.h"

/* A NIK-shaped key for i: regency 3201, kecamatan, date and serial from i,
 * so keys share long prefixes as real ones do. */
static uint64_t
nik_for(uint64_t i)
{
	return UINT64_C(3201000000000000) + (i % 40 + 1) * UINT64_C(10000000000) +
	       (i / 40 % 10000 + 1) * 10000 + i / 400000 + 1;
}

static uint64_t
rand_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
test_nikdir_finds_each_of_a_million_after_growing(void **state)
{
	struct nikdir *d = NULL;
	uint64_t i;

	(void)state;
	assert_int_equal(nikdir_new(&d), 0);
	for (i = 0; i < 1000000; i++)
		assert_int_equal(nikdir_put(d, nik_for(i), (int64_t)i + 1), 0);
	assert_int_equal(nikdir_count(d), 1000000);
	for (i = 0; i < 1000000; i++)
		assert_int_equal(nikdir_get(d, nik_for(i)), (int64_t)i + 1);
	assert_int_equal(nikdir_get(d, nik_for(1000000)), 0);
	assert_int_equal(nikdir_get(d, 0), 0);
	nikdir_free(d);
	nikdir_free(NULL);
}

static void
test_nikdir_put_refuses_a_stored_nik_and_bad_ids(void **state)
{
	struct nikdir *d = NULL;

	(void)state;
	assert_int_equal(nikdir_new(&d), 0);
	assert_int_equal(nikdir_put(d, UINT64_C(3201011505900001), 7), 0);
	assert_int_equal(nikdir_put(d, UINT64_C(3201011505900001), 8), -EEXIST);
	assert_int_equal(nikdir_get(d, UINT64_C(3201011505900001)), 7);
	assert_int_equal(nikdir_put(d, 0, 9), -ERANGE);
	assert_int_equal(nikdir_put(d, UINT64_C(3201011505900002), 0), -ERANGE);
	assert_int_equal(nikdir_put(d, UINT64_C(3201011505900002), -1), -ERANGE);
	assert_int_equal(nikdir_put(d, UINT64_C(3201011505900002), (int64_t)UINT32_MAX + 1),
			 -ERANGE);
	assert_int_equal(nikdir_put(d, UINT64_C(3201011505900002), UINT32_MAX), 0);
	assert_int_equal(nikdir_get(d, UINT64_C(3201011505900002)), UINT32_MAX);
	assert_int_equal(nikdir_count(d), 2);
	assert_int_equal(nikdir_del(d, UINT64_C(3201011505900003)), -ENOENT);
	assert_int_equal(nikdir_del(d, 0), -ENOENT);
	assert_int_equal(nikdir_del(d, UINT64_C(3201011505900001)), 0);
	assert_int_equal(nikdir_del(d, UINT64_C(3201011505900001)), -ENOENT);
	assert_int_equal(nikdir_count(d), 1);
	nikdir_free(d);
}

/* Random puts and deletes over 1000 keys, which keep 1024 slots about two
 * thirds full: probe runs collide, wrap past the last slot and are cut by
 * deletes (a delete that shifts wrongly across the wrap fails here). After
 * every step the directory must agree with a plain array on every key. */
#define KEYS 1000

static void
test_nikdir_agrees_with_a_plain_array_under_puts_and_deletes(void **state)
{
	static int64_t want[KEYS];
	struct nikdir *d = NULL;
	uint64_t x = 88172645463325252ULL, k;
	size_t n = 0, step, i;
	int r;

	(void)state;
	assert_int_equal(nikdir_new(&d), 0);
	for (step = 1; step <= 60000; step++) {
		k = rand_next(&x) % KEYS;
		if (rand_next(&x) % 3 == 0) {
			r = nikdir_del(d, nik_for(k));
			assert_int_equal(r, want[k] != 0 ? 0 : -ENOENT);
			n -= want[k] != 0;
			want[k] = 0;
		} else {
			r = nikdir_put(d, nik_for(k), (int64_t)step);
			assert_int_equal(r, want[k] != 0 ? -EEXIST : 0);
			if (want[k] == 0) {
				want[k] = (int64_t)step;
				n++;
			}
		}
		assert_int_equal(nikdir_count(d), n);
		if (step % 64 == 0 || step > 59000)
			for (i = 0; i < KEYS; i++)
				assert_int_equal(nikdir_get(d, nik_for(i)), want[i]);
	}
	nikdir_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nikdir_finds_each_of_a_million_after_growing),
		cmocka_unit_test(test_nikdir_put_refuses_a_stored_nik_and_bad_ids),
		cmocka_unit_test(test_nikdir_agrees_with_a_plain_array_under_puts_and_deletes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
