import { UsageError } from '../errors.js';

/**
 * The work of an implement job: the unchecked `- [ ]` items of a markdown issue (`*` and `+`
 * bullets too, nested or not; items inside code fences are examples, not work). A continuation
 * line indented under an item belongs to it.
 */
export function uncheckedItems(markdown: string): string[] {
  const items: string[] = [];
  let fence: string | null = null;
  let current: { indent: number; lines: string[] } | null = null;
  const flush = () => {
    if (current) items.push(current.lines.join(' ').replace(/\s+/g, ' ').trim());
    current = null;
  };
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      flush();
      if (fence === null) fence = f[1]!.slice(0, 3);
      else if (f[1]!.startsWith(fence)) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const item = /^(\s*)[-*+] \[([ xX])\]\s+(.*)$/.exec(line);
    if (item) {
      flush();
      if (item[2] === ' ' && item[3]!.trim())
        current = { indent: item[1]!.length, lines: [item[3]!.trim()] };
      continue;
    }
    const cont: { indent: number; lines: string[] } | null = current;
    if (
      cont &&
      line.trim() &&
      /^\s*/.exec(line)![0].length > cont.indent &&
      !/^\s*[-*+] /.test(line)
    )
      cont.lines.push(line.trim());
    else flush();
  }
  flush();
  return items;
}

export function requireItems(markdown: string, source: string): string[] {
  const items = uncheckedItems(markdown);
  if (items.length === 0)
    throw new UsageError(
      `${source} has no unchecked checklist items ("- [ ] ...")`,
      'An implement job works on the unchecked items of a markdown checklist; checked ones ("- [x]") are done.',
    );
  return items;
}

/**
 * The items that fit a token budget, in checklist order; the rest are dropped and returned, to be
 * listed, never silently lost. An item that alone exceeds the budget is dropped too.
 */
export function fitItemsToBudget(
  items: string[],
  maxTokens: number,
  count: (text: string) => number,
): { kept: string[]; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  let used = 0;
  for (const item of items) {
    const cost = count(item) + 4; // the item's number and line break in the prompt
    if (used + cost <= maxTokens) {
      kept.push(item);
      used += cost;
    } else dropped.push(item);
  }
  return { kept, dropped };
}
