/** GATEFLOW_LONG=1: the long and full-grid tests (README, "Tests"); the default run keeps every kernel's parity test. */
export const LONG = !!process.env.GATEFLOW_LONG && process.env.GATEFLOW_LONG !== '0';
