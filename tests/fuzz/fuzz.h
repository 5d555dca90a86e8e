/* Shared by the libFuzzer harnesses: a broken invariant aborts, so libFuzzer keeps the input. */
#ifndef PODMIGRATE_FUZZ_H
#define PODMIGRATE_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond)                                                                  \
	do {                                                                                   \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz: invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                       \
		}                                                                                  \
	} while (0)

#endif

/*
 * A check of a bug reported to the lead but not fixed yet: built with
 * FUZZ_SKIP_KNOWN (make fuzz-build FUZZ_SKIP_KNOWN=1), inputs matching the
 * known bug are let through so that a long run explores past it. Each one is
 * listed in tests/fuzz/RESULTS.md with its reproducer; by default it aborts.
 */
#ifdef FUZZ_SKIP_KNOWN
#define FUZZ_KNOWN_BUG(matches) (matches)
#else
#define FUZZ_KNOWN_BUG(matches) (false && (matches))
#endif
