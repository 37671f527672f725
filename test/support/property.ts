/**
 * How many random sequences the slow property-based tests run. Each sequence drives the engine
 * through a real state folder, so locally the unit part keeps a modest number; CI runs them
 * CLOUDHSM_PROPERTY_DEPTH times deeper (.ci/run sets 20), where the time is there to spend.
 */
export function propertyRuns(base: number): number {
  const depth = Number(process.env.CLOUDHSM_PROPERTY_DEPTH ?? '1');
  return Number.isInteger(depth) && depth > 1 ? base * depth : base;
}
