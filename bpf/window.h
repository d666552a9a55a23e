/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading several fields of one kernel struct in a single copy.
 *
 * A probe read costs tens of nanoseconds whatever its size, and an exec record needs dozens of
 * kernel fields, so fields that lie together in a struct are read in one copy: a window of `words`
 * 8-byte words of the struct, from the lowest of the fields' offsets. Whether a field lies in the
 * window is a question about CO-RE constants (its offset in this kernel), answered at load: the
 * verifier follows only the path taken. A kernel that lays a struct out otherwise (randomized
 * layouts) reads each field on its own, at the same offset.
 *
 *	READ_FIELDS(src, words, field1, value1, field2, value2[, field3, value3[, field4, value4]]);
 *
 * reads (src)->fieldN into valueN, for two to four fields.
 */
#ifndef BOOTSTRAP_WINDOW_H
#define BOOTSTRAP_WINDOW_H

#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define READ_FIELDS(src, words, ...)                                                               \
	({                                                                                         \
		u64 __buf[words], __lowest, __base;                                                \
		bool __in = true;                                                                  \
		FOR_EACH_FIELD(WINDOW_OFFSET, src, __VA_ARGS__)                                    \
		__base = __lowest & ~7ULL; /* the verifier wants pointers loaded 8-byte aligned */ \
		FOR_EACH_FIELD(WINDOW_HOLDS, src, __VA_ARGS__)                                     \
		if (__in)                                                                          \
			bpf_probe_read_kernel(__buf, sizeof(__buf), (void *)(src) + __base);       \
		FOR_EACH_FIELD(WINDOW_TAKE, src, __VA_ARGS__)                                      \
	})

/*
 * Taken once into a variable the compiler cannot see through: otherwise it materializes the
 * constant again at each use, each one a relocation more for the loader (and a line more in its
 * log).
 */
#define FIELD_OFFSET(src, field)                                                                   \
	({                                                                                         \
		u64 __offset = bpf_core_field_offset((src)->field);                                \
		barrier_var(__offset);                                                             \
		__offset;                                                                          \
	})

/* The steps of READ_FIELDS for its field number n. */
#define WINDOW_OFFSET(src, n, field, value)                                                        \
	u64 __at##n = FIELD_OFFSET(src, field);                                                    \
	__lowest = n == 1 || __at##n < __lowest ? __at##n : __lowest;
#define WINDOW_HOLDS(src, n, field, value)                                                         \
	__in =                                                                                     \
	    __in && __at##n >= __base && __at##n + sizeof((src)->field) <= __base + sizeof(__buf);
/*
 * From the window when it is in it, else on its own. Its place in the window is worked out apart:
 * the verifier refuses a pointer moved down.
 */
#define WINDOW_TAKE(src, n, field, value)                                                          \
	{                                                                                          \
		u64 __rel = __at##n - __base, __raw = 0;                                           \
		barrier_var(__rel);                                                                \
		if (__in)                                                                          \
			value = *(typeof((src)->field) *)((void *)__buf + __rel);                  \
		else if (!bpf_probe_read_kernel(&__raw, sizeof((src)->field),                      \
						(void *)(src) + __at##n))                          \
			value = (typeof((src)->field))__raw; /* a number or a pointer, in the low  \
								bytes */                           \
		else                                                                               \
			value = 0;                                                                 \
	}

/* step(src, n, field, value) for each of two to four (field, value) pairs. */
#define FOR_EACH_FIELD(step, src, ...)                                                             \
	FIELDS_PICK(__VA_ARGS__, FIELDS_4, _, FIELDS_3, _, FIELDS_2, _, _, _)                      \
	(step, src, __VA_ARGS__)
#define FIELDS_PICK(_1, _2, _3, _4, _5, _6, _7, _8, pick, ...) pick
#define FIELDS_2(step, src, f1, v1, f2, v2) step(src, 1, f1, v1) step(src, 2, f2, v2)
#define FIELDS_3(step, src, f1, v1, f2, v2, f3, v3)                                                \
	FIELDS_2(step, src, f1, v1, f2, v2) step(src, 3, f3, v3)
#define FIELDS_4(step, src, f1, v1, f2, v2, f3, v3, f4, v4)                                        \
	FIELDS_3(step, src, f1, v1, f2, v2, f3, v3) step(src, 4, f4, v4)

#endif /* BOOTSTRAP_WINDOW_H */
