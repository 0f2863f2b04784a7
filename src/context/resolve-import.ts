import path from 'node:path';

const JS_EXTS = ['', '.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

/** Resolves an import as written to a file of the repo, or null (packages, builtins, unknown). */
export function resolveImport(from: string, spec: string, known: Set<string>): string | null {
  const dir = path.posix.dirname(from);
  const ext = path.posix.extname(from);
  if (/\.(c|m)?[jt]sx?$/.test(ext)) {
    if (!spec.startsWith('.')) return null;
    const base = path.posix.normalize(path.posix.join(dir, spec));
    // NodeNext-style "./a.js" that means "./a.ts".
    const stem = base.replace(/\.(c|m)?jsx?$/, '');
    for (const candidate of [
      base,
      ...JS_EXTS.map((e) => stem + e),
      ...JS_EXTS.slice(1).map((e) => `${base}/index${e}`),
    ])
      if (known.has(candidate)) return candidate;
    return null;
  }
  if (ext === '.py') {
    const dots = /^\.+/.exec(spec)?.[0].length ?? 0;
    const rest = spec.slice(dots).replace(/\./g, '/');
    const baseDir =
      dots > 0 ? path.posix.normalize(path.posix.join(dir, ...Array(dots - 1).fill('..'))) : '';
    const stem = path.posix.join(baseDir, rest);
    for (const c of [`${stem}.py`, `${stem}/__init__.py`])
      if (known.has(c.replace(/^\.\//, ''))) return c.replace(/^\.\//, '');
    return null;
  }
  if (ext === '.go') {
    const clean = spec.replace(/"/g, '');
    for (const k of known)
      if (
        k.endsWith('.go') &&
        clean.endsWith(path.posix.dirname(k)) &&
        path.posix.dirname(k) !== '.'
      )
        return k;
    return null;
  }
  if (ext === '.rs') {
    for (const c of [path.posix.join(dir, `${spec}.rs`), path.posix.join(dir, spec, 'mod.rs')])
      if (known.has(c)) return c;
    return null;
  }
  if (ext === '.java') {
    const suffix = `${spec.replace(/\./g, '/')}.java`;
    for (const k of known) if (k.endsWith(suffix)) return k;
    return null;
  }
  return null;
}
