/** Worker-thread entry of the search pool: runs one (candidate, fold) task. */
import '../learn/index.js';
import { type FoldTask, runFoldTask } from './search.js';

export default function run(task: FoldTask): Promise<Record<string, number>> {
  return runFoldTask(task);
}
