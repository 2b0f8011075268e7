/* Ziggurat tables, generated at build time by model/tools/zig_gen.c (internal to cpo_model). */
#ifndef CPO_ZIG_TABLES_H
#define CPO_ZIG_TABLES_H

#include <stdint.h>

#define CPO_ZIG_LAYERS 256

extern const double cpo_zig_r;
extern const double cpo_zig_x[CPO_ZIG_LAYERS + 1];
extern const double cpo_zig_f[CPO_ZIG_LAYERS + 1];
extern const double cpo_zig_w[CPO_ZIG_LAYERS];
extern const uint64_t cpo_zig_k[CPO_ZIG_LAYERS];
extern const double cpo_zig_chord[CPO_ZIG_LAYERS];
extern const float cpo_zigf_w[CPO_ZIG_LAYERS];
extern const uint32_t cpo_zigf_k[CPO_ZIG_LAYERS];

#endif
