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
