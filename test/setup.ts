import { afterAll, afterEach, expect } from 'vitest';
import { releaseTestGpu, takeUncapturedErrors } from './helpers/gpu';

// A WebGPU validation error is a bug even when the numbers happen to come out right.
afterEach(async () => {
  const errors = takeUncapturedErrors();
  expect(errors, `uncaptured WebGPU errors:\n${errors.join('\n')}`).toEqual([]);
});

// Dawn aborts if the worker exits with a live device; free it at the end of every file.
afterAll(releaseTestGpu);
