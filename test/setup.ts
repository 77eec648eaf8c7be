import { afterEach, expect } from 'vitest';
import { takeUncapturedErrors } from './helpers/gpu';

// A WebGPU validation error is a bug even when the numbers happen to come out right.
afterEach(async () => {
  const errors = takeUncapturedErrors();
  expect(errors, `uncaptured WebGPU errors:\n${errors.join('\n')}`).toEqual([]);
});

// The test files share one device for the whole run (`isolate: false` in vite.config.ts), so its
// pipeline cache serves them all and each pipeline compiles once per run; it is freed at exit.
