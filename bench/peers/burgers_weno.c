/*
 * C peer for bench/burgers_fv.ts: WENO5-JS + Rusanov + SSP-RK3, inviscid periodic Burgers, float64.
 *
 * The same scheme as solvers/burgers/finite_volume.ts (reconstruction 'weno5', flux 'rusanov',
 * nu = 0) and bench/peers/burgers_weno_numpy.py, written the way a C programmer would for speed:
 * one state array padded with 3 periodic halo cells per side (so the face states of cells -1 and n
 * come from the same loop as every other cell's), and per SSP-RK3 stage three simple loops that gcc
 * vectorises (reconstruction of both face states of every cell, the Rusanov flux at every face,
 * the flux difference fused with the stage combination). The bench compiles it at bench time with
 * `gcc -O3 -march=native` (so FMA contraction and the widest vectors of the machine are allowed):
 * it is the limit our WebAssembly kernel is measured against.
 *
 * Arguments: n steps reps dt [in [out]]
 *   n      cells on [0, 1), cell centres x_i = (i + 1/2)/n
 *   steps  SSP-RK3 steps per timed run
 *   reps   timed runs (each from the same initial condition); the median is reported
 *   dt     fixed step
 *   in     optional file of n raw float64 values: the initial state ('-': computed, see below)
 *   out    optional file: the final state is written there as n raw float64 values
 * Initial condition unless `in` is given (point values at cell centres):
 * u0 = 0.5 + sin(2 pi x) + 0.3 cos(6 pi x).
 * Prints one JSON line: cell_updates_per_s, seconds_per_step (median), min_seconds_per_step, and
 * checksums of the final state (l1 = sum|u| dx, l2 = sum u^2 dx, c1 = sum u cos(2 pi x) dx), as the
 * NumPy peer does. Compiled with -ffp-contract=off it performs exactly the operations of our
 * kernel, in the same order: the bench checks that its result is then ours bit for bit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define G 3 /* halo cells per side */

static const double EPS = 1e-6;

/* Face states of cells -1..n: vr[i + 1] at the right face of cell i, vl[i + 1] at its left face. */
static void weno5(const double *restrict u, double *restrict vr, double *restrict vl, int n) {
  const double c1312 = 13.0 / 12.0, sixth = 1.0 / 6.0;
  for (int i = -1; i <= n; i++) {
    const double *p = u + G + i;
    const double um2 = p[-2], um1 = p[-1], u0 = p[0], up1 = p[1], up2 = p[2];
    const double d0 = um2 - 2 * um1 + u0, e0 = um2 - 4 * um1 + 3 * u0;
    const double d1 = um1 - 2 * u0 + up1, e1 = um1 - up1;
    const double d2 = u0 - 2 * up1 + up2, e2 = 3 * u0 - 4 * up1 + up2;
    const double b0 = c1312 * d0 * d0 + 0.25 * e0 * e0;
    const double b1 = c1312 * d1 * d1 + 0.25 * e1 * e1;
    const double b2 = c1312 * d2 * d2 + 0.25 * e2 * e2;
    const double g0 = 1 / ((EPS + b0) * (EPS + b0));
    const double g1 = 1 / ((EPS + b1) * (EPS + b1));
    const double g2 = 1 / ((EPS + b2) * (EPS + b2));
    const double aR0 = 0.1 * g0, aR1 = 0.6 * g1, aR2 = 0.3 * g2;
    const double qR0 = 2 * um2 - 7 * um1 + 11 * u0, qR1 = -um1 + 5 * u0 + 2 * up1, qR2 = 2 * u0 + 5 * up1 - up2;
    vr[i + 1] = (sixth * (aR0 * qR0 + aR1 * qR1 + aR2 * qR2)) / (aR0 + aR1 + aR2);
    const double aL0 = 0.3 * g0, aL1 = 0.6 * g1, aL2 = 0.1 * g2;
    const double qL0 = -um2 + 5 * um1 + 2 * u0, qL1 = 2 * um1 + 5 * u0 - up1, qL2 = 11 * u0 - 7 * up1 + 2 * up2;
    vl[i + 1] = (sixth * (aL0 * qL0 + aL1 * qL1 + aL2 * qL2)) / (aL0 + aL1 + aL2);
  }
}

/* Rusanov flux at faces 0..n: face f has the right-face state of cell f-1 and the left-face state of cell f. */
static void rusanov(const double *restrict vr, const double *restrict vl, double *restrict h, int n) {
  for (int f = 0; f <= n; f++) {
    const double uL = vr[f], uR = vl[f + 1];
    const double a = fmax(fabs(uL), fabs(uR));
    h[f] = 0.25 * (uL * uL + uR * uR) - 0.5 * a * (uR - uL);
  }
}

static void halo(double *u, int n) {
  for (int g = 0; g < G; g++) {
    u[g] = u[n + g];
    u[n + G + g] = u[G + g];
  }
}

typedef struct {
  int n;
  double *u1, *u2, *vr, *vl, *h;
} Work;

/*
 * One SSP-RK3 step of the padded state u (Shu-Osher form, as solvers/time/ssp_rk.ts combines it):
 *   U1 = U0 + dt L(U0);  U2 = (3/4 U0 + 1/4 U1) + (dt/4) L(U1);  U3 = (1/3 U0 + 2/3 U2) + (2 dt/3) L(U2),
 * with L(U)_i = (H_i - H_{i+1})/dx.
 */
static void step(double *restrict u, double dt, double invDx, Work *w) {
  const int n = w->n;
  double *restrict u1 = w->u1, *restrict u2 = w->u2, *restrict h = w->h;
  const double w2 = 0.25 * dt, w3 = (2.0 / 3.0) * dt, third = 1.0 / 3.0, twoThirds = 2.0 / 3.0;

  halo(u, n);
  weno5(u, w->vr, w->vl, n);
  rusanov(w->vr, w->vl, h, n);
  for (int i = 0; i < n; i++) u1[G + i] = u[G + i] + dt * (invDx * (h[i] - h[i + 1]));

  halo(u1, n);
  weno5(u1, w->vr, w->vl, n);
  rusanov(w->vr, w->vl, h, n);
  for (int i = 0; i < n; i++) u2[G + i] = (0.75 * u[G + i] + 0.25 * u1[G + i]) + w2 * (invDx * (h[i] - h[i + 1]));

  halo(u2, n);
  weno5(u2, w->vr, w->vl, n);
  rusanov(w->vr, w->vl, h, n);
  for (int i = 0; i < n; i++) u[G + i] = (third * u[G + i] + twoThirds * u2[G + i]) + w3 * (invDx * (h[i] - h[i + 1]));
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double *alloc(size_t count) {
  double *p = aligned_alloc(64, ((count * sizeof(double) + 63) / 64) * 64);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  memset(p, 0, count * sizeof(double));
  return p;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s n steps reps dt [in [out]]\n", argv[0]);
    return 2;
  }
  const int n = atoi(argv[1]), steps = atoi(argv[2]), reps = atoi(argv[3]);
  const double dt = strtod(argv[4], NULL);
  if (n < 5 || steps < 1 || reps < 1 || !(dt > 0)) {
    fprintf(stderr, "bad arguments: need n >= 5, steps >= 1, reps >= 1, dt > 0\n");
    return 2;
  }
  const double dx = 1.0 / n, invDx = 1 / dx;
  const double pi = 3.14159265358979323846;
  double *u0 = alloc(n), *u = alloc(n + 2 * G);
  Work w = {n, alloc(n + 2 * G), alloc(n + 2 * G), alloc(n + 2), alloc(n + 2), alloc(n + 1)};
  if (argc > 5 && strcmp(argv[5], "-") != 0) {
    FILE *f = fopen(argv[5], "rb");
    if (!f || fread(u0, sizeof(double), n, f) != (size_t)n) {
      fprintf(stderr, "cannot read %d float64 values from %s\n", n, argv[5]);
      return 1;
    }
    fclose(f);
  } else {
    for (int i = 0; i < n; i++) {
      const double x = (i + 0.5) * dx;
      u0[i] = 0.5 + sin(2 * pi * x) + 0.3 * cos(6 * pi * x);
    }
  }

  memcpy(u + G, u0, n * sizeof(double));
  for (int s = 0; s < 2 * steps; s++) step(u, dt, invDx, &w); /* warm-up */
  double *times = alloc(reps);
  for (int r = 0; r < reps; r++) {
    memcpy(u + G, u0, n * sizeof(double));
    const double t0 = now();
    for (int s = 0; s < steps; s++) step(u, dt, invDx, &w);
    times[r] = now() - t0;
  }
  qsort(times, reps, sizeof(double), cmp);
  const double sec = times[reps / 2];

  double l1 = 0, l2 = 0, c1 = 0;
  for (int i = 0; i < n; i++) {
    const double v = u[G + i], x = (i + 0.5) * dx;
    l1 += fabs(v);
    l2 += v * v;
    c1 += v * cos(2 * pi * x);
  }
  if (argc > 6) {
    FILE *f = fopen(argv[6], "wb");
    if (!f || fwrite(u + G, sizeof(double), n, f) != (size_t)n || fclose(f) != 0) {
      fprintf(stderr, "cannot write %s\n", argv[6]);
      return 1;
    }
  }
  printf("{\"cell_updates_per_s\": %.17g, \"seconds_per_step\": %.17g, \"min_seconds_per_step\": %.17g, \"l1\": %.17g, \"l2\": %.17g, \"c1\": %.17g}\n",
         (double)n * steps / sec, sec / steps, times[0] / steps, l1 * dx, l2 * dx, c1 * dx);
  return 0;
}
