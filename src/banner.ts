import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { BootstrapResult } from './control/index.js';
import { SIM_CHAT_MODEL } from './providers/index.js';

/** What the very first start prints: both keys, once, and a first call that works as printed. */
export function firstRunBanner(result: BootstrapResult, baseUrl: string, publicUrl = baseUrl): string {
  const api = `${baseUrl}/v1`;
  const body = JSON.stringify({ model: SIM_CHAT_MODEL, messages: [{ role: 'user', content: 'Hello!' }] });
  return `
================================================================================
 Tollgate is set up. These keys are shown ONCE: store them now.

   Admin key   (admin API only):     ${result.adminKey}
   Project key (organization "${result.organizationName}", project "${result.projectName}"):
                                     ${result.projectKey}

 Keep the project key in your shell for the README's examples:

export TOLLGATE_KEY=${result.projectKey}
export TOLLGATE_ADMIN_KEY=${result.adminKey}

 First call (the built-in simulator model needs no provider):

curl ${api}/chat/completions \\
  -H "Authorization: Bearer ${result.projectKey}" \\
  -H "Content-Type: application/json" \\
  -d '${body}'

 With the openai SDK (npm install openai):

import OpenAI from "openai";
const client = new OpenAI({ baseURL: "${api}", apiKey: "${result.projectKey}" });
const completion = await client.chat.completions.create({
  model: "${SIM_CHAT_MODEL}",
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(completion.choices[0].message.content);
${result.setupToken ? setupLines(result.setupToken, publicUrl, baseUrl) : ''}================================================================================
`;
}

/** The operator's single-use setup link (7 days), and the same with curl for an install without the dashboard. */
function setupLines(token: string, publicUrl: string, baseUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `
 Make yourself the operator (single-use link, 7 days; or: tollgate users create you@example.com --operator):

   ${base}/setup?token=${token}

curl -s ${baseUrl}/v1/auth/setup -H "Content-Type: application/json" \\
  -d '{"token":"${token}","email":"you@example.com","password":"<12+ characters>"}'
`;
}

/** The file the banner goes to when no person is watching the terminal. */
export const BANNER_FILE = 'first-start-keys.txt';

/**
 * Shows the first-start banner to a person, never to a log collector: on a
 * terminal it is written there; otherwise (a container, a service manager,
 * a pipe) it goes to a file only this user can read, in the data directory,
 * and the log says where that file is, not what it holds.
 */
export function showFirstRunBanner(text: string, options: { stdout: { isTTY?: boolean; write(text: string): unknown }; dataDir: string; logger: Logger }): { file: string | null } {
  if (options.stdout.isTTY) {
    options.stdout.write(text);
    return { file: null };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = resolve(options.dataDir, BANNER_FILE);
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600); // an older file keeps its mode on overwrite
  options.logger.warn({ file }, 'first start: the admin and project keys (shown once) are in this file, readable by this user only, because stdout is not a terminal; store them and delete the file');
  return { file };
}
