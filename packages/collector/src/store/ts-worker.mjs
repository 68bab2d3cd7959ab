// Entry of a store worker started from src (tests): registers tsx's loader in this thread,
// then imports the TypeScript worker module named last on argv (spawn-worker.ts). Node 20
// does not apply `--import tsx` from a Worker's execArgv to the worker's own modules.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[process.argv.length - 1]);
