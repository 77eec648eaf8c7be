export { TaskError, oneHot, type TaskBatch, type ClassificationBatch, type LossAt, type LossKind, type RegressionBatch, type Task } from './task';
export { ADDING_BASELINE, addingTask, addingVarTask } from './adding';
export { copyTask, type CopyOptions } from './copy';
export { sineTask, type SineOptions } from './sine';
export { CORPUS_SOURCE, CORPUS_TEXT, charLmTask, unigramEntropy, type CharLmTask } from './charLm';
export { buildVocab, detokenize, sampleNext, tokenize, type Vocab } from './vocab';
export { TASK_NAMES, getTask } from './registry';
