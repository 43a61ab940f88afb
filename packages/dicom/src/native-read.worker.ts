import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { runNativeReadJob, type NativeReadJob } from './native-read.job.js';

// A reader thread (see native-read.pool.ts): runs each job it is given and answers with its outcome.
//
// A shared volume's memory is freed only when every thread has dropped its handle on it. This thread
// allocates almost nothing, so its garbage collector would seldom run and the volumes of past jobs
// would stay in memory (about 1 GB after ten 512x512x300 loads). Hence a collection after each job,
// on this thread's tiny heap (about a millisecond).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

parentPort!.on('message', (message: { id: number; job?: NativeReadJob }) => {
  const outcome = runNativeReadJob(message.job!);
  parentPort!.postMessage({ id: message.id, outcome });
  delete message.job;
  collectGarbage();
});
