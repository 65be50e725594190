// Entry of the usage writer thread: TypeScript is loaded through tsx, as in the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./writer-thread.ts');
