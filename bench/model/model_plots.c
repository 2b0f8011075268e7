/* Writes the models' characteristic curves as data files and gnuplot scripts, then runs
 * gnuplot (Debian's gnuplot-nox, pngcairo terminal) to make PNGs a person can open:
 *   ring_spectrum.png  through-port transmission of the default ring, cold and heated
 *   laser_li.png       L-I curves of the per-lane DFB at four temperatures
 *   ber_vs_oma.png     BER against received OMA, default engine: bit-true and statistical
 *                      Monte Carlo with the eye's Gaussian prediction and the KP4 threshold
 *   heater_step.png    ring temperature and detuning after a heater step (the trace hook)
 * Usage: cpo_model_plots OUTPUT_DIR [GNUPLOT]. Returns non-zero if a step fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/laser.h"
#include "cpo/link.h"
#include "cpo/ring.h"
#include "cpo/units.h"

static FILE *s_open(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  if (!fp)
    perror(path);
  return fp;
}

static int s_ring(const char *dir) {
  FILE *fp = s_open(dir, "ring_spectrum.dat");
  if (!fp)
    return 1;
  const cpo_ring_params_t p = cpo_ring_params_default();
  cpo_ring_t *ring = NULL;
  if (cpo_ring_create(&p, p.ref_temp_k, &ring) != CPO_OK)
    return 1;
  const double res0 = cpo_ring_resonance_m(ring, 0.0);
  const double fsr = cpo_ring_fsr_m(&p, res0);
  fprintf(fp, "# wavelength_nm T_cold_db T_heated_5mW_db (FSR %.3f nm, FWHM %.1f pm, Q %.0f)\n",
          fsr * 1e9, cpo_ring_fwhm_m(&p, res0) * 1e12, cpo_ring_q(&p, res0));
  cpo_ring_t *hot = NULL;
  if (cpo_ring_create(&p, p.ref_temp_k, &hot) != CPO_OK)
    return 1;
  cpo_ring_set_heater(hot, 5e-3);
  cpo_ring_step(hot, 100 * p.thermal_tau_s, 0.0);
  for (int k = -3000; k <= 3000; k++) {
    const double lambda = res0 + k * 1.5 * fsr / 3000;
    fprintf(fp, "%.6f %.5f %.5f\n", lambda * 1e9,
            10 * log10(cpo_ring_transmission(ring, lambda, 0.0)),
            10 * log10(cpo_ring_transmission(hot, lambda, 0.0)));
  }
  fclose(fp);
  cpo_ring_destroy(&ring);
  cpo_ring_destroy(&hot);
  fp = s_open(dir, "ring_spectrum.gp");
  if (!fp)
    return 1;
  fprintf(fp, "set terminal pngcairo size 900,560 font ',11'\nset output 'ring_spectrum.png'\n"
              "set title 'Micro-ring through port (R 5 um, n_g 4.2, a 0.99, r 0.97)'\n"
              "set xlabel 'wavelength (nm)'\nset ylabel 'transmission (dB)'\nset grid\n"
              "set key at graph 0.45, graph 0.3 box opaque\n"
              "plot 'ring_spectrum.dat' u 1:2 w l lw 2 t 'heater off', "
              "'' u 1:3 w l lw 2 dt 2 t 'heater 5 mW (+0.5 nm)'\n");
  fclose(fp);
  return 0;
}

static int s_laser(const char *dir) {
  FILE *fp = s_open(dir, "laser_li.dat");
  if (!fp)
    return 1;
  const cpo_laser_params_t p = cpo_laser_params_dfb();
  const double temps_c[4] = {25, 45, 65, 85};
  fprintf(fp, "# current_mA power_mW at junction 25 45 65 85 degC\n");
  for (int i = 0; i <= 150; i++) {
    const double a = i * 1e-3;
    fprintf(fp, "%g", a * 1e3);
    for (int k = 0; k < 4; k++)
      fprintf(fp, " %.5f", 1e3 * cpo_laser_li_power_w(&p, a, temps_c[k] + CPO_T_ZERO_C_K));
    fprintf(fp, "\n");
  }
  fclose(fp);
  fp = s_open(dir, "laser_li.gp");
  if (!fp)
    return 1;
  fprintf(fp,
          "set terminal pngcairo size 900,560 font ',11'\nset output 'laser_li.png'\n"
          "set title 'DFB L-I: I_{th} = 10 mA exp((T - 25 C) / 60 K), slope 0.4 W/A'\n"
          "set xlabel 'drive current (mA)'\nset ylabel 'output power (mW)'\nset grid\n"
          "set key top left\n"
          "plot for [k=2:5] 'laser_li.dat' u 1:k w l lw 2 t sprintf('%%d C', 25 + 20 * (k - 2))\n");
  fclose(fp);
  return 0;
}

static double s_qf(double x) {
  return 0.5 * erfc(x / sqrt(2.0));
}

/* One point: received OMA, measured BER of both modes, the eye's Gaussian prediction. */
static int s_ber_point(double coupler_db, FILE *fp) {
  cpo_profile_t p;
  if (cpo_profile_load(NULL, &p) != CPO_OK)
    return 1;
  p.fibre.coupler_loss_db = coupler_db;
  double ber[2] = {0, 0}, oma_w = 0, predicted = 0;
  for (int fid = 0; fid < 2; fid++) {
    const cpo_link_cfg_t cfg = {.params = &p,
                                .symbols_per_cycle = 32,
                                .seed = 5,
                                .fidelity = fid,
                                .start_calibrated = true};
    cpo_link_t *l = NULL;
    if (cpo_link_create(&cfg, &l) != CPO_OK)
      return 1;
    enum { CHUNK = 4096 };
    static uint64_t tx[CHUNK * 8], rx[CHUNK * 8];
    uint64_t s = 77;
    for (int k = 0; k < CHUNK * 8; k++) {
      s += 0x9E3779B97F4A7C15u;
      uint64_t z = (s ^ (s >> 30)) * 0xBF58476D1CE4E5B9u;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
      tx[k] = z ^ (z >> 31);
    }
    /* until 4000 bit errors, or 3.4e7 symbols bit-true / 4.3e9 statistical (which goes deeper
     * because its cost follows the errors) */
    const uint64_t max_cycles = fid == 0 ? (1u << 17) : (1u << 24);
    uint64_t cycles = 0;
    double bits = 0;
    while (cycles < max_cycles && bits < 4000) {
      if (cpo_link_process(l, cycles, CHUNK, tx, rx) != CPO_OK)
        return 1;
      cycles += CHUNK;
      bits = 0;
      for (uint32_t lane = 0; lane < 8; lane++)
        bits += (double)cpo_link_bit_errors(l, lane);
    }
    ber[fid] = bits >= 20 ? bits / ((double)cycles * 8 * 32 * 2) : NAN;
    cpo_symchan_eye_t e;
    if (cpo_link_eye(l, 0, &e) != CPO_OK)
      return 1;
    const double resp = 0.8 * CPO_Q_E_C * 1311e-9 / (CPO_H_J_S * CPO_C_M_PER_S);
    oma_w = (e.own_a[15] - e.own_a[0]) / resp;
    double gain = 0, ser = 0;
    for (int k = 0; k < 5; k++)
      gain += e.taps[k];
    for (int lv = 0; lv < 4; lv++) {
      const double m = gain * e.own_a[lv * 4 + lv];
      if (lv > 0)
        ser += s_qf((m - e.threshold_a[lv - 1]) / e.sigma_a[lv]) / 4;
      if (lv < 3)
        ser += s_qf((e.threshold_a[lv] - m) / e.sigma_a[lv]) / 4;
    }
    predicted = ser / 2;
    cpo_link_destroy(&l);
  }
  fprintf(fp, "%.4f %.6g %.6g %.6g\n", cpo_w_to_dbm(oma_w), ber[0], ber[1], predicted);
  return 0;
}

static int s_ber(const char *dir) {
  FILE *fp = s_open(dir, "ber_vs_oma.dat");
  if (!fp)
    return 1;
  fprintf(fp, "# rx_oma_dbm ber_bit_true ber_statistical ber_eye_prediction\n");
  for (double db = 0.0; db <= 4.51; db += 0.25)
    if (s_ber_point(db, fp) != 0)
      return 1;
  fclose(fp);
  fp = s_open(dir, "ber_vs_oma.gp");
  if (!fp)
    return 1;
  fprintf(fp, "set terminal pngcairo size 900,560 font ',11'\nset output 'ber_vs_oma.png'\n"
              "set title 'Default engine (8 x 200G PAM4, micro-ring, ELS): BER vs received OMA'\n"
              "set xlabel 'received OMA (dBm)'\nset ylabel 'bit error ratio'\n"
              "set logscale y\nset format y '10^{%%L}'\nset grid\nset key top right\n"
              "set arrow from graph 0, first 2.4e-4 to graph 1, first 2.4e-4 nohead dt 3 lw 2\n"
              "set label 'KP4 FEC threshold 2.4e-4' at graph 0.03, first 4e-4\n"
              "plot 'ber_vs_oma.dat' u 1:4 w l lw 2 t 'Gaussian prediction from the eye', "
              "'' u 1:2 w p pt 7 ps 1.2 t 'bit-true Monte Carlo', "
              "'' u 1:3 w p pt 6 ps 1.6 t 'statistical mode'\n");
  fclose(fp);
  return 0;
}

typedef struct {
  FILE *fp;
} s_trace_ctx_t;

static void s_trace(void *user, const cpo_link_trace_t *t) {
  s_trace_ctx_t *c = user;
  fprintf(c->fp, "%.4f %.4f %.2f %.4f %.4f\n", t->time_s * 1e6, t->temp_k[0] - CPO_T_ZERO_C_K,
          t->detuning_m[0] * 1e12, t->heater_w[0] * 1e3, t->tx_power_w[0] * 1e3);
}

static int s_heater_step(const char *dir) {
  FILE *fp = s_open(dir, "heater_step.dat");
  if (!fp)
    return 1;
  fprintf(fp, "# time_us ring_temp_C detuning_pm heater_mW launch_mW\n");
  const cpo_link_cfg_t cfg = {
      .symbols_per_cycle = 32, .seed = 1, .start_calibrated = true, .grid_s = 20e-9};
  cpo_link_t *l = NULL;
  if (cpo_link_create(&cfg, &l) != CPO_OK)
    return 1;
  s_trace_ctx_t ctx = {fp};
  cpo_link_set_trace(l, s_trace, &ctx);
  cpo_link_info_t info;
  cpo_link_get_info(l, &info);
  const uint32_t heater = cpo_link_dac(l, CPO_DAC_HEATER, 0);
  const uint64_t on = (uint64_t)(1e-6 / info.cycle_s), off = (uint64_t)(4e-6 / info.cycle_s);
  if (cpo_link_set_dac(l, CPO_DAC_HEATER, 0, heater + 600, on) != CPO_OK ||
      cpo_link_set_dac(l, CPO_DAC_HEATER, 0, heater, off) != CPO_OK)
    return 1;
  enum { CHUNK = 1024 };
  static uint64_t tx[CHUNK * 8], rx[CHUNK * 8];
  for (uint64_t c = 0; c < (uint64_t)(7e-6 / info.cycle_s); c += CHUNK)
    if (cpo_link_process(l, c, CHUNK, tx, rx) != CPO_OK)
      return 1;
  cpo_link_destroy(&l);
  fclose(fp);
  fp = s_open(dir, "heater_step.gp");
  if (!fp)
    return 1;
  fprintf(fp, "set terminal pngcairo size 900,640 font ',11'\nset output 'heater_step.png'\n"
              "set multiplot layout 2,1 title 'Ring lane 0: heater +0.6 mW at 1 us, back at 4 us "
              "(trace hook, 20 ns grid)'\n"
              "set grid\nset xlabel 'time (us)'\n"
              "set ylabel 'ring temperature (C)'\n"
              "plot 'heater_step.dat' u 1:2 w l lw 2 t 'ring temperature'\n"
              "set ylabel 'laser - resonance (pm)'\n"
              "set y2label 'launched power (mW)'\nset y2tics\nset ytics nomirror\n"
              "plot 'heater_step.dat' u 1:3 w l lw 2 t 'detuning', "
              "'' u 1:5 axes x1y2 w l lw 2 dt 2 t 'launched power'\n"
              "unset multiplot\n");
  fclose(fp);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: cpo_model_plots OUTPUT_DIR [GNUPLOT]\n");
    return 2;
  }
  const char *dir = argv[1], *gnuplot = argc > 2 ? argv[2] : "gnuplot";
  if (s_ring(dir) || s_laser(dir) || s_heater_step(dir) || s_ber(dir))
    return 1;
  const char *scripts[] = {"ring_spectrum.gp", "laser_li.gp", "ber_vs_oma.gp", "heater_step.gp"};
  for (size_t k = 0; k < sizeof scripts / sizeof scripts[0]; k++) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' '%s'", dir, gnuplot, scripts[k]);
    if (system(cmd) != 0) {
      fprintf(stderr, "cpo_model_plots: gnuplot failed on %s\n", scripts[k]);
      return 1;
    }
    printf("wrote %s/%.*s.png\n", dir, (int)(strlen(scripts[k]) - 3), scripts[k]);
  }
  return 0;
}
