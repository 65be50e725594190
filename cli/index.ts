import { existsSync } from 'node:fs';
import { buildProgram } from './program.js';

// A .env in the working directory fills the variables the environment leaves unset
// (TOLLGATE_*, provider keys), as Docker Compose and dotenv do; the environment wins.
if (existsSync('.env')) process.loadEnvFile('.env');

await buildProgram().parseAsync(process.argv);
