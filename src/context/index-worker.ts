/** Worker thread for a cold index: processes its share of files and sends the results back. */
import { parentPort, workerData } from 'node:worker_threads';
import { processAll } from './index.js';

const { root, dir, items, load } = workerData as Parameters<typeof processAll>[0] extends string
  ? { root: string; dir: string; items: Parameters<typeof processAll>[2]; load: boolean }
  : never;
processAll(root, dir, items, load).then((results) => parentPort!.postMessage(results));
