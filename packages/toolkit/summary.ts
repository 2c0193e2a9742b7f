import fs from 'node:fs';
import { runner } from './runner.js';
import { redact } from './secrets.js';

function cell(v: unknown): string {
  return String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/** A pure Markdown builder for job summaries: easy to test, and redacted when written. */
export class Summary {
  private readonly parts: string[] = [];

  heading(text: string, level = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${text}\n`);
    return this;
  }

  text(text: string): this {
    this.parts.push(`${text}\n`);
    return this;
  }

  table(header: string[], rows: unknown[][]): this {
    const lines = [`| ${header.map(cell).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
    for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
    this.parts.push(`${lines.join('\n')}\n`);
    return this;
  }

  list(items: string[]): this {
    this.parts.push(`${items.map((i) => `- ${i}`).join('\n')}\n`);
    return this;
  }

  code(text: string, lang = ''): this {
    this.parts.push(`\`\`\`${lang}\n${text}\n\`\`\`\n`);
    return this;
  }

  details(title: string, body: string): this {
    this.parts.push(`<details><summary>${title}</summary>\n\n${body}\n\n</details>\n`);
    return this;
  }

  toString(): string {
    return this.parts.join('\n');
  }

  /**
   * Appends to $GITHUB_STEP_SUMMARY (a no-op outside a runner), redacting registered secrets.
   * When HAC_SUMMARY_FILE is set (local pipeline runs, where no UI renders summaries), the same
   * Markdown is appended there too. Async for callers that await it; the writes are synchronous.
   */
  async write(): Promise<void> {
    const text = redact(this.toString());
    if (process.env.HAC_SUMMARY_FILE) fs.appendFileSync(process.env.HAC_SUMMARY_FILE, `${text}\n`);
    if (!runner.appendSummary(text)) runner.debug('GITHUB_STEP_SUMMARY is not set; summary not written');
  }
}
