/* Engine profiles as data (the files in model/profiles, cpo/profile.h): the shipped files load and
 * read back; a file with a bad value, an unknown, missing or repeated key is refused with its file,
 * line and reason; the reference of the keys matches the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpo/profile.h"

/* @p p as a profile file's text (the caller frees it). */
static char *s_text(const cpo_profile_t *p, size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  assert_non_null(f);
  cpo_profile_write(p, f);
  fclose(f);
  return buf;
}

/* The default profile's text with the line starting "@p key =" replaced by @p line (NULL: the
 * line removed), or @p line added after it when @p add. */
static char *s_edited(const char *key, const char *line, bool add) {
  cpo_profile_t p;
  size_t len;
  assert_int_equal(cpo_profile_load(NULL, &p), CPO_OK);
  char *text = s_text(&p, &len), *out = calloc(1, len + 200);
  char prefix[80];
  snprintf(prefix, sizeof prefix, "%s =", key);
  for (char *at = text, *nl; *at; at = nl + 1) {
    nl = strchr(at, '\n');
    bool match = strncmp(at, prefix, strlen(prefix)) == 0;
    if (!match || add)
      strncat(out, at, (size_t)(nl - at + 1));
    if (match && line) {
      strcat(out, line);
      strcat(out, "\n");
    }
  }
  free(text);
  return out;
}

/* Parse @p text as "user.ini"; the refusal's text in @p why. */
static cpo_status_t s_parse(const char *text, char *why, size_t len) {
  cpo_profile_t p;
  return cpo_profile_parse(text, strlen(text), "user.ini", &p, why, len);
}

static void test_shipped_profiles_load_and_read_back(void **state) {
  (void)state;
  assert_true(cpo_profile_count() >= 3);
  assert_string_equal(cpo_profile_name(0), cpo_profile_default_name());
  for (uint32_t i = 0; i < cpo_profile_count(); i++) {
    cpo_profile_t p, back;
    cpo_profile_source_t src;
    char why[600];
    assert_int_equal(cpo_profile_open(cpo_profile_name(i), &p, &src, why, sizeof why), CPO_OK);
    assert_string_equal(p.name, cpo_profile_name(i)); /* the file's name is its profile's */
    assert_true(src.shipped);
    assert_non_null(strstr(src.path, "model/profiles/"));
    size_t len;
    char *text = s_text(&p, &len);
    assert_int_equal(cpo_profile_parse(text, len, "back.ini", &back, why, sizeof why), CPO_OK);
    assert_memory_equal(&p, &back, sizeof p);
    free(text);
  }
}

static void test_bad_value_names_file_line_and_range(void **state) {
  (void)state;
  char *text = s_edited("slope_w_per_a", "slope_w_per_a = -3", false), why[600];
  assert_int_equal(s_parse(text, why, sizeof why), CPO_ERR_PARSE);
  int line = 1;
  for (const char *c = text; c < strstr(text, "slope_w_per_a = -3"); c++)
    line += *c == '\n';
  char want[200];
  snprintf(want, sizeof want, "user.ini:%d: laser.slope_w_per_a = -3: must be in (0, 1.6] W/A",
           line);
  assert_string_equal(why, want);
  free(text);
  /* not a number at all, a whole number as a fraction, a word that is not a modulator */
  const char *bad[][2] = {{"baud_hz", "baud_hz = fast"},
                          {"lanes", "lanes = 8.5"},
                          {"modulator", "modulator = laser"},
                          {"els_ambient_k", "els_ambient_k = 100"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    text = s_edited(bad[i][0], bad[i][1], false);
    assert_int_equal(s_parse(text, why, sizeof why), CPO_ERR_PARSE);
    assert_non_null(strstr(why, bad[i][1]));
    assert_non_null(strstr(why, ": must be"));
    free(text);
  }
}

static void test_rules_between_keys(void **state) {
  (void)state;
  char *text = s_edited("nominal_current_a", "nominal_current_a = 0.9", false), why[600];
  assert_int_equal(s_parse(text, why, sizeof why), CPO_ERR_PARSE);
  assert_non_null(strstr(why, "laser_source.nominal_current_a = 0.9: must be at most"));
  free(text);
}

static void test_unknown_missing_and_repeated_keys(void **state) {
  (void)state;
  char why[600];
  char *text = s_edited("threshold_a", "threshold_ma = 30", true);
  assert_int_equal(s_parse(text, why, sizeof why), CPO_ERR_PARSE);
  assert_non_null(strstr(why, "user.ini:"));
  assert_non_null(strstr(why, "unknown key laser.threshold_ma"));
  free(text);

  text = s_edited("t0_k", NULL, false);
  assert_int_equal(s_parse(text, why, sizeof why), CPO_ERR_PARSE);
  assert_non_null(strstr(why, "user.ini:"));
  assert_non_null(strstr(why, "laser.t0_k missing"));
  free(text);

  text = s_edited("t0_k", "t0_k = 61", true);
  assert_int_equal(s_parse(text, why, sizeof why), CPO_ERR_PARSE);
  assert_non_null(strstr(why, "laser.t0_k given twice: here and on line"));
  free(text);

  assert_int_equal(s_parse("[laser]\n  t0_k = 60\n", why, sizeof why), CPO_ERR_PARSE);
  assert_non_null(strstr(why, "user.ini:2: an indented line"));
}

static void test_open_by_path_and_unknown_name(void **state) {
  (void)state;
  cpo_profile_t p, ref;
  cpo_profile_source_t src;
  char why[600], path[512];
  const char *tmp = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/test_profile_XXXXXX.ini", tmp && *tmp ? tmp : "/tmp");
  int fd = mkstemps(path, 4);
  assert_true(fd >= 0);
  char *text = s_edited("name", "name = my-engine", false);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  assert_int_equal(cpo_profile_open(path, &p, &src, why, sizeof why), CPO_OK);
  unlink(path);
  assert_false(src.shipped);
  assert_string_equal(src.path, path);
  assert_true(src.content_hash != 0);
  assert_string_equal(p.name, "my-engine");
  assert_int_equal(cpo_profile_load(NULL, &ref), CPO_OK);
  memset(ref.name, 0, sizeof ref.name);
  snprintf(ref.name, sizeof ref.name, "my-engine");
  assert_memory_equal(&p, &ref, sizeof p);
  free(text);

  assert_int_equal(cpo_profile_open("no-such-engine", &p, NULL, why, sizeof why),
                   CPO_ERR_INVALID_ARG);
  for (uint32_t i = 0; i < cpo_profile_count(); i++)
    assert_non_null(strstr(why, cpo_profile_name(i)));
  assert_int_equal(cpo_profile_open("./no/such.ini", &p, NULL, why, sizeof why), CPO_ERR_IO);
  assert_non_null(strstr(why, "./no/such.ini"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shipped_profiles_load_and_read_back),
      cmocka_unit_test(test_bad_value_names_file_line_and_range),
      cmocka_unit_test(test_rules_between_keys),
      cmocka_unit_test(test_unknown_missing_and_repeated_keys),
      cmocka_unit_test(test_open_by_path_and_unknown_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
