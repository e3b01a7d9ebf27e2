/*
 * sftest.h - the smallest test harness that does the job: CHECK macros
 * that record failures with file and line, TEST() to run one case, and a
 * closing "N passed, N failed" line. Header-only; one test file per
 * executable.
 */
#ifndef SFTEST_H
#define SFTEST_H

#include <stdio.h>
#include <string.h>

static int sft_passed, sft_failed, sft_case_failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,       \
              #cond);                                                          \
      sft_case_failed = 1;                                                     \
    }                                                                          \
  } while (0)

#define CHECK_INT(a, b)                                                        \
  do {                                                                         \
    long long sft_a = (long long)(a), sft_b = (long long)(b);                  \
    if (sft_a != sft_b) {                                                      \
      fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,  \
              __LINE__, #a, sft_a, #b, sft_b);                                 \
      sft_case_failed = 1;                                                     \
    }                                                                          \
  } while (0)

#define CHECK_STR(a, b)                                                        \
  do {                                                                         \
    const char *sft_a = (a), *sft_b = (b);                                     \
    if (!sft_a || !sft_b || strcmp(sft_a, sft_b) != 0) {                       \
      fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,    \
              __LINE__, #a, sft_a ? sft_a : "(null)",                          \
              sft_b ? sft_b : "(null)");                                       \
      sft_case_failed = 1;                                                     \
    }                                                                          \
  } while (0)

#define TEST(fn)                                                               \
  do {                                                                         \
    sft_case_failed = 0;                                                       \
    fn();                                                                      \
    if (sft_case_failed) {                                                     \
      sft_failed++;                                                            \
      printf("not ok - %s\n", #fn);                                            \
    } else {                                                                   \
      sft_passed++;                                                            \
      printf("ok - %s\n", #fn);                                                \
    }                                                                          \
    fflush(stdout);                                                            \
  } while (0)

#define TEST_DONE()                                                            \
  (printf("%d passed, %d failed\n", sft_passed, sft_failed), sft_failed ? 1 : 0)

#endif
