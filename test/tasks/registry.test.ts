import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random';
import { getTask, TASK_NAMES } from '../../src/tasks/registry';
import { TaskError } from '../../src/tasks/task';

describe('task registry', () => {
  it('knows the four built-in tasks', () => {
    expect(TASK_NAMES).toEqual(['adding', 'adding-var', 'copy', 'sine', 'char-lm']);
    for (const name of TASK_NAMES) expect(getTask(name).name).toBe(name);
    expect(getTask('copy')).toBe(getTask('copy'));
  });

  it('lists the known names for an unknown one', () => {
    expect(() => getTask('addition')).toThrow(new TaskError('unknown task "addition" (known: adding, adding-var, copy, sine, char-lm)'));
    expect(() => getTask('toString')).toThrow(TaskError);
  });

  it.each(TASK_NAMES)('%s: batches have the shapes its metadata promises', (name) => {
    const task = getTask(name);
    const T = task.minSteps + 3;
    const B = 3;
    const batch = task.batch(new Rng(1), T, B);
    expect(batch.loss).toBe(task.loss);
    expect([batch.T, batch.B, batch.inputs.length]).toEqual([T, B, T * B * task.inputSize]);
    const steps = task.lossAt === 'last' ? 1 : T;
    if (batch.loss === 'mse') expect(batch.targets.length).toBe(steps * B * task.outputSize);
    else {
      expect(batch.targets.length).toBe(steps * B);
      for (const id of batch.targets) expect(id >= 0 && id < task.outputSize).toBe(true);
    }
    if (batch.mask) expect(batch.mask.length).toBe(steps * B);
    if (batch.inputIds) expect(batch.inputIds.length).toBe(T * B);
    expect(Number.isFinite(task.baseline) && task.baseline > 0).toBe(true);
    expect(task.defaultSteps).toBeGreaterThanOrEqual(task.minSteps);
    console.log(`${name}: I=${task.inputSize} O=${task.outputSize} ${task.loss}/${task.lossAt} baseline ${task.baseline.toFixed(4)} — ${task.baselineDerivation}`);
  });
});
