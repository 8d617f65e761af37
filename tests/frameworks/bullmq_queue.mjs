// Drives a real BullMQ (package.json) queue for graflowctl's layout tests.
//
// usage: node bullmq_queue.mjs REDIS_URL QUEUE [--prefix P] ACTION [ARGS]
//   add N                 add N standard jobs
//   add-prioritized N P   add N jobs with priority P
//   add-delayed N MS      add N jobs delayed by MS milliseconds
//   pause | resume        Queue#pause / Queue#resume
//   take N                move N jobs to active as a worker does (Worker#getNextJob), not completed
//   complete N            take N jobs and complete them
//   counts                only print
// Prints BullMQ's own view as JSON: the getJobCounts of wait, prioritized, paused, active,
// delayed; getWaitingCount; isPaused; and the oldest waiting job's timestamp (ms) or null.
import { Queue, Worker } from 'bullmq';

const [url, name, ...rest] = process.argv.slice(2);
let prefix = 'bull';
if (rest[0] === '--prefix') {
  prefix = rest[1];
  rest.splice(0, 2);
}
const [action, a1, a2] = rest;
const u = new URL(url);
const connection = { host: u.hostname, port: Number(u.port), db: Number((u.pathname || '/0').slice(1) || 0) };
const queue = new Queue(name, { connection, prefix });

if (action === 'add') {
  for (let i = 0; i < Number(a1); i++) await queue.add('job', { i });
} else if (action === 'add-prioritized') {
  for (let i = 0; i < Number(a1); i++) await queue.add('job', { i }, { priority: Number(a2) });
} else if (action === 'add-delayed') {
  for (let i = 0; i < Number(a1); i++) await queue.add('job', { i }, { delay: Number(a2) });
} else if (action === 'pause') {
  await queue.pause();
} else if (action === 'resume') {
  await queue.resume();
} else if (action === 'take' || action === 'complete') {
  const worker = new Worker(name, null, { connection, prefix, autorun: false });
  for (let i = 0; i < Number(a1); i++) {
    const token = `graflow-test-${i}`;
    const job = await worker.getNextJob(token);
    if (!job) break;
    if (action === 'complete') await job.moveToCompleted('done', token, false);
  }
  await worker.close(true);
} else if (action !== 'counts') {
  console.error(`unknown action ${action}`);
  process.exit(2);
}

const counts = await queue.getJobCounts('wait', 'prioritized', 'paused', 'active', 'delayed');
const waiting = await queue.getJobs(['wait', 'prioritized', 'paused'], 0, -1, true);
const oldest = waiting.length ? Math.min(...waiting.map((j) => j.timestamp)) : null;
console.log(JSON.stringify({
  ...counts,
  waitingCount: await queue.getWaitingCount(),
  isPaused: await queue.isPaused(),
  oldestTimestamp: oldest,
}));
await queue.close();
