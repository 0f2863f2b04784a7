/**
 * Which environment variables are secrets, and how to keep them out of
 * child processes (the repo's own build runs untrusted code) and out of output.
 */
// Separators are _ and - (Actions passes the input github-token as INPUT_GITHUB-TOKEN).
const SECRET_NAME = /(^|[_-])(TOKEN|SECRET|PASSWORD|PASSWD|PASS|API[_-]?KEY|ACCESS[_-]?KEY|PRIVATE[_-]?KEY|CREDENTIALS?|AUTH)($|[_-])/i;
const SECRET_NAMES = new Set([
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
  'AWS_SESSION_TOKEN',
]);

export function isSecretEnvName(name: string, extra: readonly string[] = []): boolean {
  return SECRET_NAMES.has(name) || extra.includes(name) || SECRET_NAME.test(name);
}

/** A copy of `env` without any secret variable. */
export function scrubEnv(env: NodeJS.ProcessEnv, extra: readonly string[] = []): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !isSecretEnvName(k, extra)) out[k] = v;
  return out;
}

// Token shapes worth redacting even when we do not know the variable that held them.
const TOKEN_PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

/** Builds a redactor that hides known token shapes and the values of secret env vars. */
export function makeRedactor(env: NodeJS.ProcessEnv = process.env, extra: readonly string[] = []): (text: string) => string {
  const values = Object.entries(env)
    .filter(([k, v]) => v && v.length >= 8 && isSecretEnvName(k, extra))
    .map(([, v]) => v as string)
    .sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const v of values) out = out.split(v).join('[REDACTED]');
    for (const re of TOKEN_PATTERNS) out = out.replace(re, '[REDACTED]');
    return out;
  };
}
