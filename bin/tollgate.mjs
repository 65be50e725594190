#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader: no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
