// The built-in tasks by name, with their default settings.
import { addingTask, addingVarTask } from './adding';
import { charLmTask } from './charLm';
import { copyTask } from './copy';
import { sineTask } from './sine';
import { TaskError, type Task } from './task';

const FACTORIES: Record<string, () => Task> = {
  adding: () => addingTask,
  'adding-var': () => addingVarTask,
  copy: () => copyTask(),
  sine: () => sineTask(),
  'char-lm': () => charLmTask(),
};

/** The names getTask knows. */
export const TASK_NAMES: readonly string[] = Object.keys(FACTORIES);

const made = new Map<string, Task>();

/** The named task; a TaskError listing the known names for an unknown one. */
export function getTask(name: string): Task {
  if (!Object.hasOwn(FACTORIES, name)) throw new TaskError(`unknown task ${JSON.stringify(name)} (known: ${TASK_NAMES.join(', ')})`);
  let task = made.get(name);
  if (!task) made.set(name, (task = FACTORIES[name]()));
  return task;
}
