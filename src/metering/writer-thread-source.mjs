// Entry of the usage writer thread when Tollgate runs from its TypeScript
// sources (the test suite, development): the thread loads them through tsx, a
// development dependency. The built package runs writer-thread.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./writer-thread.ts');
