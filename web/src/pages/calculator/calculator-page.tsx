import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Button, ErrorNote, PageHeader, Section, TableFrame, TextField } from '../../components/ui';
import { formatUsdText } from '../../lib/money';

const whole = (text: string): number | null => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : null);

/** The cost estimator: one workload priced on every model of the catalogue, side by side. */
export function CalculatorPage() {
  const [requests, setRequests] = useState('1000');
  const [input, setInput] = useState('2000');
  const [cached, setCached] = useState('0');
  const [output, setOutput] = useState('500');
  const [formError, setFormError] = useState<string | null>(null);
  const estimate = useMutation({
    mutationFn: (body: { requests_per_day: number; input_tokens: number; cached_input_tokens: number; output_tokens: number }) => unwrap(api.POST('/v1/pricing/estimate', { body: { ...body, compare: true } })),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const values = [whole(requests), whole(input), whole(cached), whole(output)];
    if (values.some((v) => v === null)) return setFormError('Every field takes a whole number.');
    setFormError(null);
    const [r, i, c, o] = values as number[];
    estimate.mutate({ requests_per_day: r!, input_tokens: i!, cached_input_tokens: c!, output_tokens: o! });
  }
  return (
    <>
      <PageHeader title="Cost calculator" description="What a workload costs a day and a month on each model, at the prices this server charges." />
      <form className="form filters" onSubmit={submit} aria-label="Workload">
        <TextField label="Requests per day" inputMode="numeric" value={requests} onChange={(e) => setRequests(e.target.value)} />
        <TextField label="Input tokens per request" inputMode="numeric" value={input} onChange={(e) => setInput(e.target.value)} />
        <TextField label="Cached input tokens per request" inputMode="numeric" value={cached} onChange={(e) => setCached(e.target.value)} />
        <TextField label="Output tokens per request" inputMode="numeric" value={output} onChange={(e) => setOutput(e.target.value)} />
        <div>
          <Button type="submit" variant="primary" disabled={estimate.isPending}>
            Estimate
          </Button>
        </div>
      </form>
      <ErrorNote error={formError ?? estimate.error} />
      {estimate.data ? (
        <Section title="Every model, cheapest first">
          <TableFrame caption="Estimated cost per model">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Per request</th>
                  <th scope="col">Per day</th>
                  <th scope="col">Per month</th>
                  <th scope="col">Input / output per 1M tokens</th>
                </tr>
              </thead>
              <tbody>
                {estimate.data.data.map((m) => (
                  <tr key={m.model}>
                    <td>{m.model}</td>
                    <td>{formatUsdText(m.per_request.value_exact)}</td>
                    <td>{formatUsdText(m.daily.value_exact)}</td>
                    <td>{formatUsdText(m.monthly.value_exact)}</td>
                    <td>
                      ${m.price.input} / ${m.price.output}
                    </td>
                  </tr>
                ))}
              </tbody>
            </TableFrame>
          <p className="hint">A month is {estimate.data.days_per_month}.</p>
        </Section>
      ) : null}
    </>
  );
}
