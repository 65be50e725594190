/**
 * The seed and size of a fuzz run: random unless TOLLGATE_FUZZ_SEED is set
 * (every run prints its seed, so a failure found once can be replayed), and
 * `defaultRuns` unless TOLLGATE_FUZZ_RUNS is set.
 */
export function fuzzSettings(defaultRuns: number): { seed: number; runs: number } {
  const seedText = process.env.TOLLGATE_FUZZ_SEED;
  const seed = seedText ? Number(seedText) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`TOLLGATE_FUZZ_SEED must be an integer, not ${seedText}`);
  const runsText = process.env.TOLLGATE_FUZZ_RUNS;
  const runs = runsText ? Number(runsText) : defaultRuns;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`TOLLGATE_FUZZ_RUNS must be a positive integer, not ${runsText}`);
  return { seed, runs };
}
