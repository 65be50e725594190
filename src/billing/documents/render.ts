import PDFDocument from 'pdfkit';
import { unixSeconds } from '../../common/clock.js';
import { formatUsd, formatUsdExact, type Picos } from '../../common/money.js';
import { profileLines, type BillingProfile } from '../profile.js';
import type { Receipt, Statement } from './data.js';

/** The formats a receipt or statement comes in. */
export type DocumentFormat = 'json' | 'csv' | 'pdf';

export interface RenderedDocument {
  contentType: string;
  filename: string;
  body: Buffer | Record<string, unknown>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function profileObject(p: BillingProfile): Record<string, unknown> {
  return { id: p.organizationId, name: p.name, legal_name: p.legalName, email: p.email, address: p.address, tax_id: p.taxId };
}

export function receiptObject(r: Receipt, issuer: string): Record<string, unknown> {
  return {
    object: 'billing.receipt',
    number: r.number,
    purchase_id: r.purchase.id,
    issuer,
    date: unixSeconds(r.purchase.completedAt ?? r.purchase.createdAt),
    description: r.purchase.source === 'auto_recharge' ? 'Credit (auto-recharge)' : 'Credit purchase',
    amount_usd: formatUsd(r.purchase.amount, 2),
    currency: 'usd',
    payment_method: { brand: r.card.brand, last4: r.card.last4 },
    organization: profileObject(r.organization),
  };
}

export function statementObject(s: Statement, issuer: string): Record<string, unknown> {
  const line = (l: Statement['purchases'][number]) => ({ date: unixSeconds(l.date), kind: l.kind, description: l.description, amount_usd: formatUsdExact(l.amount), receipt_number: l.receiptNumber });
  const sum = (lines: { amount: Picos }[]) => lines.reduce((t, l) => t + l.amount, 0n);
  return {
    object: 'billing.statement',
    issuer,
    period: s.period,
    period_start: unixSeconds(s.from),
    period_end: unixSeconds(s.to),
    organization: profileObject(s.organization),
    opening_balance_usd: formatUsdExact(s.opening),
    purchases: s.purchases.map(line),
    purchases_total_usd: formatUsdExact(sum(s.purchases)),
    credits: s.credits.map(line),
    credits_total_usd: formatUsdExact(sum(s.credits)),
    usage: s.usage.map((u) => ({ project_id: u.projectId, project_name: u.projectName, model: u.model, requests: Number(u.requests), cost_usd: formatUsdExact(u.cost) })),
    usage_total_usd: formatUsdExact(s.usageDebited),
    closing_balance_usd: formatUsdExact(s.closing),
  };
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csv(rows: (string | number | null)[][]): Buffer {
  const field = (v: string | number | null) => {
    const text = v === null ? '' : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return Buffer.from(rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n');
}

function receiptCsv(r: Receipt): Buffer {
  const o = r.organization;
  return csv([
    ['receipt_number', 'date', 'description', 'amount_usd', 'currency', 'card_brand', 'card_last4', 'organization', 'legal_name', 'tax_id'],
    [r.number, day(r.purchase.completedAt ?? r.purchase.createdAt), r.purchase.source === 'auto_recharge' ? 'Credit (auto-recharge)' : 'Credit purchase', formatUsd(r.purchase.amount, 2), 'usd', r.card.brand, r.card.last4, o.name, o.legalName, o.taxId],
  ]);
}

/** One table: section, date, description, project, model, requests, amount; opening and closing balance rows frame it. */
function statementCsv(s: Statement): Buffer {
  const rows: (string | number | null)[][] = [['section', 'date', 'description', 'project', 'model', 'requests', 'amount_usd']];
  rows.push(['opening_balance', day(s.from), `Balance on ${day(s.from)}`, null, null, null, formatUsdExact(s.opening)]);
  for (const p of s.purchases) rows.push(['purchase', day(p.date), p.receiptNumber ? `${p.description} (receipt ${p.receiptNumber})` : p.description, null, null, null, formatUsdExact(p.amount)]);
  for (const c of s.credits) rows.push([c.kind, day(c.date), c.description, null, null, null, formatUsdExact(c.amount)]);
  for (const u of s.usage) rows.push(['usage', null, 'Usage', u.projectName ?? u.projectId, u.model, Number(u.requests), formatUsdExact(-u.cost)]);
  rows.push(['closing_balance', day(s.to - 1), `Balance at the end of ${s.period}`, null, null, null, formatUsdExact(s.closing)]);
  return csv(rows);
}

/** A PDF from pdfkit's built-in Helvetica (no font files), collected into one buffer. */
function pdf(title: string, write: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: title, Producer: 'Tollgate' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(18).text(title);
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  write(doc);
  doc.end();
  return done;
}

function row(doc: PDFKit.PDFDocument, left: string, right: string): void {
  const y = doc.y;
  doc.text(left, 50, y, { width: 380 });
  const after = doc.y;
  doc.text(right, 430, y, { width: 115, align: 'right' });
  doc.y = Math.max(after, doc.y);
  doc.x = 50;
}

function receiptPdf(r: Receipt, issuer: string): Promise<Buffer> {
  return pdf(`Receipt ${r.number}`, (doc) => {
    doc.text(`Issued by ${issuer}`);
    doc.text(`Date: ${day(r.purchase.completedAt ?? r.purchase.createdAt)}`);
    doc.text(`Purchase: ${r.purchase.id}`);
    doc.moveDown();
    doc.font('Helvetica-Bold').text('Billed to');
    doc.font('Helvetica');
    for (const line of profileLines(r.organization)) doc.text(line);
    doc.moveDown();
    row(doc, r.purchase.source === 'auto_recharge' ? 'Credit (auto-recharge)' : 'Credit purchase', `$${formatUsd(r.purchase.amount, 2)}`);
    doc.font('Helvetica-Bold');
    row(doc, 'Total paid (USD)', `$${formatUsd(r.purchase.amount, 2)}`);
    doc.font('Helvetica');
    doc.moveDown();
    doc.text(`Paid with ${r.card.brand} ending in ${r.card.last4}`);
  });
}

function statementPdf(s: Statement, issuer: string): Promise<Buffer> {
  return pdf(`Statement ${s.period}`, (doc) => {
    doc.text(`Issued by ${issuer}`);
    doc.text(`Period: ${day(s.from)} to ${day(s.to - 1)} (UTC)`);
    doc.moveDown();
    doc.font('Helvetica-Bold').text('Organization');
    doc.font('Helvetica');
    for (const line of profileLines(s.organization)) doc.text(line);
    doc.moveDown();
    row(doc, 'Opening balance', `$${formatUsdExact(s.opening)}`);
    doc.moveDown(0.5).font('Helvetica-Bold').text('Purchases').font('Helvetica');
    if (s.purchases.length === 0) doc.text('None');
    for (const p of s.purchases) row(doc, `${day(p.date)}  ${p.description}${p.receiptNumber ? ` (receipt ${p.receiptNumber})` : ''}`, `$${formatUsdExact(p.amount)}`);
    doc.moveDown(0.5).font('Helvetica-Bold').text('Grants and adjustments').font('Helvetica');
    if (s.credits.length === 0) doc.text('None');
    for (const c of s.credits) row(doc, `${day(c.date)}  ${c.kind}: ${c.description}`, `$${formatUsdExact(c.amount)}`);
    doc.moveDown(0.5).font('Helvetica-Bold').text('Usage by project and model').font('Helvetica');
    if (s.usage.length === 0) doc.text('None');
    for (const u of s.usage) row(doc, `${u.projectName ?? u.projectId ?? '(no project)'} / ${u.model}: ${u.requests} requests`, `-$${formatUsdExact(u.cost)}`);
    row(doc, 'Usage total', `-$${formatUsdExact(s.usageDebited)}`);
    doc.moveDown(0.5).font('Helvetica-Bold');
    row(doc, 'Closing balance', `$${formatUsdExact(s.closing)}`);
  });
}

export async function renderReceipt(r: Receipt, format: DocumentFormat, issuer: string): Promise<RenderedDocument> {
  const filename = `receipt-${r.number}.${format}`;
  if (format === 'csv') return { contentType: 'text/csv; charset=utf-8', filename, body: receiptCsv(r) };
  if (format === 'pdf') return { contentType: 'application/pdf', filename, body: await receiptPdf(r, issuer) };
  return { contentType: 'application/json; charset=utf-8', filename, body: receiptObject(r, issuer) };
}

export async function renderStatement(s: Statement, format: DocumentFormat, issuer: string): Promise<RenderedDocument> {
  const filename = `statement-${s.period}.${format}`;
  if (format === 'csv') return { contentType: 'text/csv; charset=utf-8', filename, body: statementCsv(s) };
  if (format === 'pdf') return { contentType: 'application/pdf', filename, body: await statementPdf(s, issuer) };
  return { contentType: 'application/json; charset=utf-8', filename, body: statementObject(s, issuer) };
}
