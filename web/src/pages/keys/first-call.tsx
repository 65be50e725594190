import { Tabs } from 'radix-ui';
import { CopyButton } from '../../components/ui';

/** The first call, with this server's real base URL, in the three ways people make one. */
export function FirstCall() {
  const base = `${window.location.origin}/v1`;
  const snippets: [string, string][] = [
    [
      'curl',
      `curl ${base}/chat/completions \\\n  -H "Authorization: Bearer $TOLLGATE_API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '{"model": "tollgate-sim", "messages": [{"role": "user", "content": "Hello!"}]}'`,
    ],
    [
      'Python',
      `import os\nfrom openai import OpenAI\n\nclient = OpenAI(base_url="${base}", api_key=os.environ["TOLLGATE_API_KEY"])\ncompletion = client.chat.completions.create(\n    model="tollgate-sim",\n    messages=[{"role": "user", "content": "Hello!"}],\n)\nprint(completion.choices[0].message.content)`,
    ],
    [
      'Node',
      `import OpenAI from "openai";\n\nconst client = new OpenAI({ baseURL: "${base}", apiKey: process.env.TOLLGATE_API_KEY });\nconst completion = await client.chat.completions.create({\n  model: "tollgate-sim",\n  messages: [{ role: "user", content: "Hello!" }],\n});\nconsole.log(completion.choices[0].message.content);`,
    ],
  ];
  return (
    <Tabs.Root defaultValue="curl" className="snippets">
      <Tabs.List aria-label="First call in">
        {snippets.map(([name]) => (
          <Tabs.Trigger key={name} value={name}>
            {name}
          </Tabs.Trigger>
        ))}
      </Tabs.List>
      {snippets.map(([name, code]) => (
        <Tabs.Content key={name} value={name}>
          <pre tabIndex={0}>
            <code>{code}</code>
          </pre>
          <CopyButton text={code} label={`Copy ${name} example`} />
        </Tabs.Content>
      ))}
    </Tabs.Root>
  );
}
