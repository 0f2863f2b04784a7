/**
 * Issue, PR and comment text is data for the model, and can hide instructions: HTML comments,
 * zero-width and bidi control characters, image alt text and hidden attributes are removed before
 * the text is fenced into a prompt. (After claude-code-action's sanitizer.)
 */
export function sanitizeUserText(text: string, maxChars = 20_000): string {
  return text
    .replace(/<!--[\s\S]*?(-->|$)/g, '')
    .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/g, '')
    .replace(/!\[[^\]]*\]\(([^)]*)\)/g, '![]($1)')
    .replace(/<img\b[^>]*>/gi, '')
    .replace(/\s(alt|title|aria-label|data-[\w-]+)="[^"]*"/gi, '')
    .replace(/<details\b[^>]*>|<\/details>|<summary\b[^>]*>[\s\S]*?<\/summary>/gi, '')
    .slice(0, maxChars);
}
